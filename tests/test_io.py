import hashlib
import json
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp

from expandermask import MaskFileError, generate_mask, load_graph, load_mask, save_mask
from expandermask.io import csr_members, write_npz_atomic


@pytest.fixture(scope="module")
def mask():
    return generate_mask(96, 8, 2, seed=5)


def test_scipy_load_npz_reads_the_matrix(tmp_path, mask):
    path = tmp_path / "m.npz"
    save_mask(path, mask)
    matrix = sp.load_npz(path)
    assert matrix.shape == (96, 8)
    np.testing.assert_array_equal(matrix.toarray(), mask.to_dense())


def test_round_trip_meta_and_report(tmp_path, mask):
    path = tmp_path / "m.npz"
    save_mask(path, mask)
    matrix, meta = load_mask(path)
    assert (matrix != mask.biadjacency).nnz == 0
    assert meta["shape"] == [96, 8] and meta["degrees"] == [2, 24]
    assert meta["method"] == "random" and meta["seed"] == 5
    assert meta["format_version"] == 1 and meta["package_version"]
    assert meta["report"]["sigma_2"] == mask.report.sigma_2
    graph = load_graph(path)
    assert graph.report == mask.report
    assert graph.meta["seed"] == 5


def test_same_graph_same_bytes(tmp_path, mask):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    save_mask(a, mask)
    save_mask(b, generate_mask(96, 8, 2, seed=5))
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


def _rewrite(path, target, **changes):
    with np.load(path) as archive:
        members = {k: archive[k] for k in archive.files}
    for key, value in changes.items():
        if value is None:
            members.pop(key)
        else:
            members[key] = value
    write_npz_atomic(target, members)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"meta": None}, "missing member 'meta'"),
        ({"indices": None}, "missing member"),
        ({"data": "twos"}, "not binary"),
        ({"meta": np.array("{not json")}, "not valid JSON"),
        ({"format": np.array(b"csc")}, "expected 'csr'"),
        ({"degrees": "wrong"}, "degrees"),
        ({"indices": "out of range"}, "out of range"),
        ({"meta": "future"}, "format_version"),
    ],
)
def test_corrupted_files_rejected(tmp_path, mask, changes, message):
    path = tmp_path / "m.npz"
    save_mask(path, mask)
    if changes.get("data") == "twos":
        changes = {"data": np.full(mask.n_edges, 2, dtype=np.int32)}
    elif "degrees" in changes:
        meta = json.loads(np.load(path)["meta"].item())
        meta["degrees"] = [3, 36]
        changes = {"meta": np.array(json.dumps(meta))}
    elif changes.get("indices") == "out of range":
        indices = np.load(path)["indices"].copy()
        indices[0] = 99
        changes = {"indices": indices}
    elif changes.get("meta") == "future":
        meta = json.loads(np.load(path)["meta"].item())
        meta["format_version"] = 99
        changes = {"meta": np.array(json.dumps(meta))}
    bad = tmp_path / "bad.npz"
    _rewrite(path, bad, **changes)
    with pytest.raises(MaskFileError, match=message):
        load_mask(bad)


def test_not_a_zip_and_missing(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"hello")
    with pytest.raises(MaskFileError, match="not a zip"):
        load_mask(junk)
    with pytest.raises(MaskFileError, match="no such file"):
        load_mask(tmp_path / "absent.npz")
    truncated = tmp_path / "trunc.npz"
    with zipfile.ZipFile(truncated, "w") as archive:
        archive.writestr("meta.npy", b"\x93NUMPY garbage")
    with pytest.raises(MaskFileError):
        load_mask(truncated)


def test_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "out.npz"

    class Boom:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_npz_atomic(target, {"a": np.arange(3), "b": Boom()})
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError):
        write_npz_atomic(tmp_path / "no" / "x.npz", {"a": np.arange(3)})


def test_overwrite_is_atomic_replacement(tmp_path, mask):
    path = tmp_path / "m.npz"
    path.write_bytes(b"old")
    save_mask(path, mask)
    assert load_mask(path)[0].nnz == mask.n_edges
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_csr_members_keys_match_scipy_save_npz(tmp_path, mask):
    ref = tmp_path / "ref.npz"
    sp.save_npz(ref, mask.biadjacency)
    with np.load(ref) as archive:
        assert set(archive.files) == set(csr_members(mask.biadjacency))
