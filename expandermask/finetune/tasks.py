"""GLUE tasks: their columns, labels and metrics, read from the original TSV files or the hub.

The TSVs are read with quoting off (RTE, MRPC and STS-B contain unbalanced quotes), MRPC's
UTF-8 BOM is stripped, and CoLA's header-less files are read by position.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TaskSpec:
    """How to read one GLUE task."""

    name: str
    folder: str  # GLUE folder name
    num_labels: int  # 1 = regression
    header: bool
    text_a: str | int  # column name, or position for header-less files
    text_b: str | int | None
    label: str | int
    label_names: tuple[str, ...] | None  # string labels in id order, None = already numeric
    metrics: tuple[str, ...]  # the first one selects the best epoch
    dev_file: str = "dev.tsv"
    hub_columns: tuple[str, str | None] = ("sentence", None)
    hub_dev_split: str = "validation"


TASKS: dict[str, TaskSpec] = {
    "cola": TaskSpec("cola", "CoLA", 2, False, 3, None, 1, None, ("matthews", "accuracy")),
    "sst2": TaskSpec("sst2", "SST-2", 2, True, "sentence", None, "label", None, ("accuracy",)),
    "mrpc": TaskSpec(
        "mrpc",
        "MRPC",
        2,
        True,
        "#1 String",
        "#2 String",
        "Quality",
        None,
        ("accuracy", "f1"),
        hub_columns=("sentence1", "sentence2"),
    ),
    "stsb": TaskSpec(
        "stsb",
        "STS-B",
        1,
        True,
        "sentence1",
        "sentence2",
        "score",
        None,
        ("pearson", "spearman"),
        hub_columns=("sentence1", "sentence2"),
    ),
    "rte": TaskSpec(
        "rte",
        "RTE",
        2,
        True,
        "sentence1",
        "sentence2",
        "label",
        ("entailment", "not_entailment"),
        ("accuracy",),
        hub_columns=("sentence1", "sentence2"),
    ),
    "qnli": TaskSpec(
        "qnli",
        "QNLI",
        2,
        True,
        "question",
        "sentence",
        "label",
        ("entailment", "not_entailment"),
        ("accuracy",),
        hub_columns=("question", "sentence"),
    ),
    "mnli": TaskSpec(
        "mnli",
        "MNLI",
        3,
        True,
        "sentence1",
        "sentence2",
        "gold_label",
        ("entailment", "neutral", "contradiction"),
        ("accuracy",),
        dev_file="dev_matched.tsv",
        hub_columns=("premise", "hypothesis"),
        hub_dev_split="validation_matched",
    ),
    "qqp": TaskSpec(
        "qqp",
        "QQP",
        2,
        True,
        "question1",
        "question2",
        "is_duplicate",
        None,
        ("accuracy", "f1"),
        hub_columns=("question1", "question2"),
    ),
}


@dataclass
class Split:
    """Texts and labels of one split."""

    text_a: list[str]
    text_b: list[str] | None
    labels: list[float]

    def __len__(self) -> int:
        return len(self.labels)

    def head(self, n: int | None) -> Split:
        if n is None:
            return self
        return Split(self.text_a[:n], self.text_b[:n] if self.text_b else None, self.labels[:n])


def get_task(name: str) -> TaskSpec:
    """The spec of a task by its short name (``cola``, ``sst2``, ``mrpc``, ``stsb``, ``rte``, ...)."""
    key = name.lower().replace("-", "")
    if key not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose from {', '.join(TASKS)}")
    return TASKS[key]


def _column(header: list[str] | None, key: str | int, path: Path) -> int:
    if isinstance(key, int):
        return key
    if header is None or key not in header:
        raise ValueError(f"{path}: no column {key!r} in the header {header}")
    return header.index(key)


def read_tsv(spec: TaskSpec, path: Path) -> Split:
    """Read a GLUE TSV split (quoting off, BOM stripped); malformed rows are an error."""
    if not path.is_file():
        raise ValueError(f"missing data file {path}")
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error.reason})") from None
    header = rows.pop(0) if spec.header and rows else None
    cols = [_column(header, spec.text_a, path), _column(header, spec.label, path)]
    col_b = _column(header, spec.text_b, path) if spec.text_b is not None else None
    width = max(cols + ([col_b] if col_b is not None else [])) + 1
    text_a, text_b, labels = [], [], []
    for number, row in enumerate(rows, start=2 if header else 1):
        if not row:
            continue
        if len(row) < width:
            raise ValueError(f"{path}:{number}: expected at least {width} columns, got {len(row)}")
        raw = row[cols[1]].strip()
        try:
            label = float(spec.label_names.index(raw)) if spec.label_names else float(raw)
        except ValueError:
            raise ValueError(f"{path}:{number}: bad label {raw!r}") from None
        text_a.append(row[cols[0]])
        if col_b is not None:
            text_b.append(row[col_b])
        labels.append(label)
    if not labels:
        raise ValueError(f"{path}: no examples")
    return Split(text_a, text_b if col_b is not None else None, labels)


def load_splits(spec: TaskSpec, data_dir: str | Path | None) -> tuple[Split, Split]:
    """(train, dev) from a GLUE task folder, or from the ``nyu-mll/glue`` hub dataset when none is given."""
    if data_dir is not None:
        folder = Path(data_dir)
        if not folder.is_dir():
            raise ValueError(f"data dir {folder} does not exist")
        return read_tsv(spec, folder / "train.tsv"), read_tsv(spec, folder / spec.dev_file)
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        raise ValueError(
            f"no data dir given and HF_HUB_OFFLINE is set: cannot fetch nyu-mll/glue/{spec.name}"
        )
    try:
        import datasets

        dataset = datasets.load_dataset("nyu-mll/glue", spec.name)
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(
            f"cannot load nyu-mll/glue/{spec.name} from the hub ({first}); pass --data-dir"
        ) from None

    def convert(split) -> Split:
        a, b = spec.hub_columns
        return Split(list(split[a]), list(split[b]) if b else None, [float(x) for x in split["label"]])

    return convert(dataset["train"]), convert(dataset[spec.hub_dev_split])
