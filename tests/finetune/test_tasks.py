import numpy as np
import pytest

from expandermask.finetune.metrics import compute_metrics
from expandermask.finetune.tasks import get_task, load_splits, read_tsv
from tests.finetune.conftest import GLUE


@pytest.mark.parametrize(
    ("task", "folder", "pair", "labels"),
    [
        ("mrpc", "MRPC", True, {0.0, 1.0}),
        ("stsb", "STS-B", True, None),
        ("cola", "CoLA", False, {0.0, 1.0}),
        ("rte", "RTE", True, {0.0, 1.0}),
        ("sst2", "SST-2", False, {0.0, 1.0}),
    ],
)
def test_read_slices(task, folder, pair, labels):
    train, dev = load_splits(get_task(task), GLUE / folder)
    assert len(train) == 64 and len(dev) == 32
    assert (train.text_b is not None) == pair
    if labels:
        assert set(train.labels) <= labels
    else:
        assert 0.0 <= min(train.labels) and max(train.labels) <= 5.0
    assert all(isinstance(t, str) and t for t in train.text_a)


def test_quotes_kept_and_bom_stripped():
    train, _ = load_splits(get_task("mrpc"), GLUE / "MRPC")
    raw = (GLUE / "MRPC" / "train.tsv").read_text(encoding="utf-8-sig").splitlines()[1].split("\t")
    assert train.text_a[0] == raw[3] and train.labels[0] == float(raw[0])
    cola = read_tsv(get_task("cola"), GLUE / "CoLA" / "train.tsv")
    first = (GLUE / "CoLA" / "train.tsv").read_text().splitlines()[0].split("\t")
    assert cola.text_a[0] == first[3]


def test_bad_files(tmp_path):
    spec = get_task("rte")
    with pytest.raises(ValueError, match="missing data file"):
        load_splits(spec, tmp_path)
    (tmp_path / "train.tsv").write_text("index\tsentence1\tsentence2\tlabel\n0\tonly two\n")
    with pytest.raises(ValueError, match=r"train.tsv:2: expected at least 4 columns"):
        read_tsv(spec, tmp_path / "train.tsv")
    (tmp_path / "train.tsv").write_text("index\tsentence1\tsentence2\tlabel\n0\ta\tb\tmaybe\n")
    with pytest.raises(ValueError, match="bad label 'maybe'"):
        read_tsv(spec, tmp_path / "train.tsv")
    (tmp_path / "train.tsv").write_text("idx\tfoo\n")
    with pytest.raises(ValueError, match="no column 'sentence1'"):
        read_tsv(spec, tmp_path / "train.tsv")
    with pytest.raises(ValueError, match="unknown task"):
        get_task("squad")


def test_metrics_by_hand():
    mrpc = compute_metrics(
        get_task("mrpc"), np.array([[0, 1], [0, 1], [1, 0], [1, 0]]), np.array([1, 0, 0, 1])
    )
    assert mrpc == {"accuracy": 0.5, "f1": 0.5}
    cola = compute_metrics(
        get_task("cola"), np.array([[0, 1], [1, 0], [0, 1], [1, 0]]), np.array([1, 0, 1, 0])
    )
    assert cola["matthews"] == pytest.approx(1.0) and cola["accuracy"] == 1.0
    stsb = compute_metrics(get_task("stsb"), np.array([1.0, 2.0, 3.0, 5.0]), np.array([2.0, 4.0, 6.0, 10.0]))
    assert stsb["pearson"] == pytest.approx(1.0) and stsb["spearman"] == pytest.approx(1.0)
    flat = compute_metrics(get_task("stsb"), np.zeros(3), np.array([1.0, 2.0, 3.0]))
    assert flat == {"pearson": 0.0, "spearman": 0.0}
