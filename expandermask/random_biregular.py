"""Uniformly random simple (dL, dR)-biregular bipartite graphs.

The configuration model pairs left and right "stubs" at random; at XoRA shapes
this produces many double edges (about 95 at 768 x 8 with degrees (2, 192), and
no simple pairing with probability about 1e-42), so neither "retry until
simple" nor "drop duplicates" works. Instead the double edges are switched away
with degree-preserving switchings, and then a long run of random switchings
mixes the graph. The switch chain is symmetric and connects all simple graphs
with the given degrees (Ryser's interchange theorem), so its stationary
distribution is uniform.

References
----------
.. [1] B. Bollobas, "A probabilistic proof of an asymptotic formula for the
   number of labelled regular graphs", European J. Combin. 1 (1980).
.. [2] H. J. Ryser, "Combinatorial properties of matrices of zeros and ones",
   Canad. J. Math. 9 (1957) 371-377.
.. [3] B. D. McKay and N. C. Wormald, "Uniform generation of random regular
   graphs of moderate degree", J. Algorithms 11 (1990) 52-67.
"""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

from expandermask.graph import MASK_DTYPE, BipartiteGraph

#: Mixing switchings attempted per edge after the double edges are gone.
DEFAULT_MIXING = 10.0
#: Random draws handed to a kernel per call (bounds memory on huge graphs).
_CHUNK = 1 << 20
#: Largest ``n_left * n_right`` for which the O(1) presence table is used.
_TABLE_CELLS = 1 << 28
#: Left degree above which the presence table beats scanning a block.
_TABLE_MIN_DL = 12


def right_degree(n_left: int, n_right: int, dl: int) -> int:
    """Check a biregular shape and return the right degree ``dR = n_left * dL / n_right``.

    Parameters
    ----------
    n_left, n_right : int
        Numbers of left and right vertices (rows and columns of the mask), >= 1.
    dl : int
        Left degree, ``1 <= dl <= n_right``.

    Returns
    -------
    int
        The right degree.

    Raises
    ------
    ValueError
        With a one-line message when the shape is infeasible.

    Examples
    --------
    >>> right_degree(768, 8, 2)
    192
    """
    for name, value in (("n_left", n_left), ("n_right", n_right), ("dl", dl)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer, got {value!r}")
    if n_left < 1 or n_right < 1:
        raise ValueError(f"sizes must be positive, got n_left={n_left}, n_right={n_right}")
    if not 1 <= dl <= n_right:
        raise ValueError(f"left degree dl={dl} must be between 1 and n_right={n_right}")
    if (n_left * dl) % n_right:
        raise ValueError(
            f"infeasible degrees: n_left*dl/n_right = {n_left}*{dl}/{n_right} is not a whole"
            " number, so no (dl, dr)-biregular graph has this shape"
        )
    return int(n_left * dl // n_right)


def random_biregular_graph(
    n_left: int,
    n_right: int,
    dl: int,
    *,
    seed: int | np.random.Generator | None = None,
    mixing: float = DEFAULT_MIXING,
) -> BipartiteGraph:
    """A uniformly random simple (dL, dR)-biregular bipartite graph.

    Configuration-model stub pairing, degree-preserving switchings to remove
    double edges, then ``mixing * n_edges`` random switchings (numba kernels).
    Shapes denser than one half are built as the complement of the sparse
    shape, so every feasible shape works.

    Parameters
    ----------
    n_left, n_right : int
        Numbers of left and right vertices.
    dl : int
        Left degree; the right degree is ``n_left * dl / n_right``.
    seed : int, numpy.random.Generator or None
        Seed or generator; the same int gives the same graph bit for bit.
    mixing : float
        Random switchings attempted per edge after the graph is simple.

    Returns
    -------
    BipartiteGraph
        Not yet verified (``report`` is ``None``); see
        :func:`expandermask.generate_mask` for the verified, retried version.

    Raises
    ------
    ValueError
        If the shape is infeasible (see :func:`right_degree`).

    Examples
    --------
    >>> g = random_biregular_graph(768, 8, 2, seed=0)
    >>> g.degrees
    (2, 192)

    References
    ----------
    .. [1] H. J. Ryser, "Combinatorial properties of matrices of zeros and
       ones", Canad. J. Math. 9 (1957).
    """
    dr = right_degree(n_left, n_right, dl)
    if mixing < 0:
        raise ValueError(f"mixing must be >= 0, got {mixing}")
    complement = 2 * dl > n_right
    sparse_dl = n_right - dl if complement else dl
    _check_memory(n_left, n_right, dl, sparse_dl, complement)
    rng = np.random.default_rng(seed)
    sparse_dr = n_left - dr if complement else dr
    right_of = _sample_endpoints(n_left, n_right, sparse_dl, sparse_dr, rng, mixing)
    if complement:
        right_of = _complement_endpoints(right_of, n_left, n_right, sparse_dl)
        sparse_dl = dl
    blocks = np.sort(right_of.reshape(n_left, sparse_dl), axis=1)
    matrix = sp.csr_array(
        (
            np.ones(blocks.size, dtype=MASK_DTYPE),
            blocks.ravel().astype(np.int32),
            np.arange(0, blocks.size + 1, sparse_dl, dtype=np.int64),
        ),
        shape=(n_left, n_right),
    )
    seed_meta = int(seed) if isinstance(seed, (int, np.integer)) else None
    return BipartiteGraph(matrix, {"method": "random", "seed": seed_meta, "mixing": mixing})


#: Rough peak bytes per edge of sampling + CSR + verification (measured: ~40).
_BYTES_PER_EDGE = 48


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX
        return None


def _check_memory(n_left: int, n_right: int, dl: int, sparse_dl: int, complement: bool) -> None:
    """Refuse, with a one-line MemoryError, shapes that cannot fit in this machine's memory."""
    needed = n_left * sparse_dl * _BYTES_PER_EDGE + (n_left * n_right if complement else 0)
    total = _physical_memory()
    if total is not None and needed > 0.8 * total:
        raise MemoryError(
            f"a {n_left} x {n_right} mask with dl={dl} needs about {needed / 2**30:.1f} GiB,"
            f" more than this machine's {total / 2**30:.1f} GiB"
        )


def _sample_endpoints(n_left, n_right, dl, dr, rng, mixing):
    """Right endpoint of every edge slot of a simple random (dl, dr) graph."""
    from expandermask import _switching as kernels

    n_edges = n_left * dl
    if n_edges == 0:
        return np.zeros(0, dtype=np.int32)
    right_of = rng.permutation(np.repeat(np.arange(n_right, dtype=np.int32), dr))
    bad = kernels.repeated_slots(right_of, dl)
    done = 0
    budget = 1000 * n_edges + _CHUNK
    while done < bad.size:
        if budget <= 0:
            raise RuntimeError(
                f"could not switch away double edges of a ({dl}, {dr}) graph on"
                f" {n_left} x {n_right}; try another seed"
            )
        partners = rng.integers(0, n_edges, size=min(_CHUNK, max(64, 8 * bad.size)))
        done, used = kernels.remove_double_edges(right_of, dl, bad, partners, done)
        budget -= used
    attempts = int(mixing * n_edges)
    use_table = dl >= _TABLE_MIN_DL and n_left * n_right <= _TABLE_CELLS
    if use_table:
        present = np.zeros((n_left, n_right), dtype=np.bool_)
        present[np.repeat(np.arange(n_left), dl), right_of] = True
    while attempts > 0:
        pairs = rng.integers(0, n_edges, size=(min(attempts, _CHUNK), 2))
        if use_table:
            kernels.mix_with_table(right_of, dl, pairs, present)
        else:
            kernels.mix_by_scanning(right_of, dl, pairs)
        attempts -= pairs.shape[0]
    return right_of


def _complement_endpoints(right_of, n_left, n_right, dl):
    """Endpoints of the complement graph, as slots of ``n_right - dl`` per left vertex."""
    keep = np.ones((n_left, n_right), dtype=np.bool_)
    keep[np.repeat(np.arange(n_left), dl), right_of] = False
    return np.nonzero(keep)[1].astype(np.int32)
