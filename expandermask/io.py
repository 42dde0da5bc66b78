"""The mask file format: a ``scipy.sparse.save_npz``-compatible CSR file plus a ``meta`` JSON entry.

A mask file is a zip of ``.npy`` members, exactly what ``scipy.sparse.save_npz``
writes for a CSR array (``data``, ``indices``, ``indptr``, ``format``, ``shape``,
``_is_array``), so ``scipy.sparse.load_npz(path)`` returns the 0/1 biadjacency
matrix, plus one extra member ``meta``: a JSON string with ``format``,
``format_version``, ``package_version``, ``kind`` (``"biadjacency"``, or
``"adjacency"`` for a square symmetric adjacency matrix of a non-bipartite
graph such as an LPS graph), ``shape``, ``degrees``, ``n_edges``, ``method``,
``seed``, ``params`` and the verification ``report``.

Files are written atomically (temporary file in the target folder, then
``os.replace``) with fixed zip timestamps, so a failed run leaves no file and the
same graph gives the same bytes on every run.

Examples
--------
>>> import tempfile, os, scipy.sparse
>>> from expandermask import generate_mask, save_mask, load_mask
>>> path = os.path.join(tempfile.mkdtemp(), "mask.npz")
>>> save_mask(path, generate_mask(768, 8, 2, seed=0))
>>> matrix, meta = load_mask(path)
>>> matrix.shape, meta["degrees"], scipy.sparse.load_npz(path).nnz
((768, 8), [2, 192], 1536)
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from expandermask._version import __version__
from expandermask.exceptions import MaskFileError
from expandermask.graph import MASK_DTYPE, BipartiteGraph

#: Value of ``meta["format"]`` in single-mask files.
FORMAT_NAME = "expandermask.mask"
#: Version of the layout of ``meta``; readers refuse newer versions.
FORMAT_VERSION = 1
_SPARSE_KEYS = ("data", "indices", "indptr", "format", "shape")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_npz_atomic(
    path: str | os.PathLike, arrays: Mapping[str, np.ndarray], compresslevel: int | None = None
) -> None:
    """Write ``arrays`` as an ``.npz`` (deflate-compressed) atomically and reproducibly.

    Members are written in the given order with a fixed timestamp; the file
    appears under ``path`` only once it is complete.

    Raises
    ------
    OSError
        If the folder does not exist or is not writable; no file is left behind.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {path}: folder {folder} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a directory")
    handle, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, value in arrays.items():
                    buffer = io.BytesIO()
                    np.lib.format.write_array(buffer, np.asanyarray(value), allow_pickle=False)
                    info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, buffer.getvalue(), compresslevel=compresslevel)
            raw.flush()
            os.fsync(raw.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, path)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def csr_members(matrix: sp.csr_array) -> dict[str, np.ndarray]:
    """The ``save_npz`` members of a CSR array, in scipy's key names."""
    return {
        "indices": np.asarray(matrix.indices, dtype=np.int32),
        "indptr": np.asarray(matrix.indptr, dtype=np.int64),
        "format": np.array(b"csr"),
        "shape": np.array(matrix.shape, dtype=np.int64),
        "data": np.asarray(matrix.data, dtype=MASK_DTYPE),
        "_is_array": np.array(True),
    }


def graph_meta(graph: BipartiteGraph) -> dict[str, Any]:
    """The ``meta`` dictionary written with a graph (without the JSON encoding)."""
    info = dict(graph.meta)
    degrees = graph.degrees
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "shape": [graph.n_left, graph.n_right],
        "degrees": list(degrees) if degrees else None,
        "n_edges": graph.n_edges,
        "kind": info.pop("kind", "biadjacency"),
        "method": info.pop("method", None),
        "seed": info.pop("seed", None),
        "params": info,
        "report": graph.report.to_dict() if graph.report is not None else None,
    }


def save_mask(path: str | os.PathLike, graph: BipartiteGraph) -> None:
    """Write one graph as a mask file (atomically; same graph, same bytes).

    Parameters
    ----------
    path : str or path-like
        Target file; written exactly under this name (no suffix is added).
    graph : BipartiteGraph
        The mask; its ``meta`` and ``report`` go into the ``meta`` member.
    """
    members = csr_members(graph.biadjacency)
    members["meta"] = np.array(json.dumps(graph_meta(graph), sort_keys=True))
    write_npz_atomic(path, members)


def read_npz_members(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read every member of an ``.npz`` file, turning every failure into :class:`MaskFileError`."""
    path = Path(path)
    if not path.exists():
        raise MaskFileError(f"{path}: no such file")
    if path.is_dir():
        raise MaskFileError(f"{path}: is a directory, not a mask file")
    if not zipfile.is_zipfile(path):
        raise MaskFileError(f"{path}: not an .npz mask file (not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise MaskFileError(f"{path}: corrupted .npz member ({first_line})") from None


def csr_from_members(members: Mapping[str, np.ndarray], where: str, prefix: str = "") -> sp.csr_array:
    """Rebuild and validate a 0/1 CSR matrix stored under ``prefix + key`` names."""
    missing = [prefix + key for key in _SPARSE_KEYS if prefix + key not in members]
    if missing:
        raise MaskFileError(f"{where}: missing member(s) {', '.join(missing)}")
    fmt = members[prefix + "format"]
    fmt = fmt.item() if fmt.shape == () else None
    if isinstance(fmt, bytes):
        fmt = fmt.decode("ascii", "replace")
    if fmt != "csr":
        raise MaskFileError(f"{where}: sparse format is {fmt!r}, expected 'csr'")
    shape = members[prefix + "shape"]
    if shape.shape != (2,) or shape.dtype.kind not in "iu" or np.any(shape < 1):
        raise MaskFileError(f"{where}: shape must be two positive integers, got {shape.tolist()}")
    n_rows, n_cols = (int(v) for v in shape)
    data, indices, indptr = members[prefix + "data"], members[prefix + "indices"], members[prefix + "indptr"]
    for name, array in (("indices", indices), ("indptr", indptr)):
        if array.ndim != 1 or array.dtype.kind not in "iu":
            raise MaskFileError(f"{where}: {name} must be a 1-D integer array")
    if data.ndim != 1 or data.dtype.kind not in "iufb":
        raise MaskFileError(f"{where}: data must be a 1-D numeric array")
    if indptr.size != n_rows + 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise MaskFileError(f"{where}: indptr does not describe {n_rows} rows")
    if indptr[-1] != indices.size or data.size != indices.size:
        raise MaskFileError(f"{where}: data/indices/indptr lengths disagree")
    if indices.size and (indices.min() < 0 or indices.max() >= n_cols):
        raise MaskFileError(f"{where}: column index out of range for {n_cols} columns")
    if data.size and not np.all(data == 1):
        raise MaskFileError(f"{where}: mask is not binary (entries other than 1 are stored)")
    rows = np.repeat(np.arange(n_rows), np.diff(indptr))
    keys = rows * n_cols + indices.astype(np.int64)
    if keys.size > 1 and np.any(np.diff(keys) <= 0):
        raise MaskFileError(f"{where}: column indices unsorted or repeated within a row")
    return sp.csr_array(
        (data.astype(MASK_DTYPE), indices.astype(np.int32), indptr.astype(np.int64)),
        shape=(n_rows, n_cols),
    )


def parse_meta(members: Mapping[str, np.ndarray], where: str, key: str = "meta") -> dict[str, Any]:
    """Decode and sanity-check the JSON ``meta`` member."""
    if key not in members:
        raise MaskFileError(f"{where}: missing member '{key}' (not an expandermask file?)")
    raw = members[key]
    if raw.shape != () or raw.dtype.kind not in "US":
        raise MaskFileError(f"{where}: '{key}' must be a JSON string")
    text = raw.item()
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as error:
        raise MaskFileError(f"{where}: '{key}' is not valid JSON ({error.msg})") from None
    if not isinstance(meta, dict):
        raise MaskFileError(f"{where}: '{key}' must be a JSON object")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise MaskFileError(
            f"{where}: unsupported format_version {version!r} (this reader: {FORMAT_VERSION})"
        )
    return meta


def check_meta_against(matrix: sp.csr_array, meta: Mapping[str, Any], where: str) -> None:
    """Refuse files whose matrix disagrees with its metadata (shape, edge count, degrees)."""
    if list(meta.get("shape") or []) != list(matrix.shape):
        raise MaskFileError(f"{where}: meta shape {meta.get('shape')} != matrix shape {list(matrix.shape)}")
    if meta.get("n_edges") is not None and meta["n_edges"] != matrix.nnz:
        raise MaskFileError(f"{where}: meta n_edges {meta['n_edges']} != stored {matrix.nnz}")
    degrees = meta.get("degrees")
    if degrees is not None:
        actual = BipartiteGraph(matrix).degrees
        if actual is None or list(actual) != list(degrees):
            raise MaskFileError(
                f"{where}: meta degrees {degrees} do not match the matrix ({actual or 'not biregular'})"
            )


def load_mask(path: str | os.PathLike) -> tuple[sp.csr_array, dict[str, Any]]:
    """Read a mask file written by :func:`save_mask`.

    Returns
    -------
    matrix : scipy.sparse.csr_array
        The ``n_left x n_right`` 0/1 biadjacency matrix (integer entries).
    meta : dict
        The decoded ``meta`` JSON (``shape``, ``degrees``, ``method``, ``seed``, ``report``, ...).

    Raises
    ------
    MaskFileError
        If the file is missing, not a zip, lacks members, is not binary, or its
        matrix disagrees with ``meta`` (a ``ValueError`` subclass).
    """
    where = str(path)
    members = read_npz_members(path)
    meta = parse_meta(members, where)
    if meta.get("format") != FORMAT_NAME:
        raise MaskFileError(f"{where}: meta format is {meta.get('format')!r}, expected {FORMAT_NAME!r}")
    matrix = csr_from_members(members, where)
    check_meta_against(matrix, meta, where)
    return matrix, meta


def load_graph(path: str | os.PathLike) -> BipartiteGraph:
    """Read a mask file as a :class:`BipartiteGraph` (``meta`` and stored report attached).

    The stored report is what the writer measured; call
    :func:`expandermask.verify_graph` to recompute it from the matrix.
    """
    from expandermask.verify import VerificationReport

    matrix, meta = load_mask(path)
    params = dict(meta.get("params") or {})
    graph = BipartiteGraph(matrix, {"method": meta.get("method"), "seed": meta.get("seed"), **params})
    if meta.get("report") is not None and meta.get("kind", "biadjacency") == "biadjacency":
        try:
            graph.report = VerificationReport.from_dict(meta["report"])
        except (TypeError, ValueError) as error:
            raise MaskFileError(f"{path}: stored report is malformed ({error})") from None
    return graph
