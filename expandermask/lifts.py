"""Random r-lifts (coverings), their new spectrum, Ramanujan coverings and Bilu-Linial signings.

An r-lift of a graph replaces every vertex by a fibre of r copies and every
edge ``uv`` by a perfect matching between the fibres given by a permutation
``pi_uv``. Degrees are kept, so the lift of a (dL, dR)-biregular graph is
(dL, dR)-biregular. In the basis "constant on fibres" + "sums to zero on
fibres" the lift's matrix splits into the base matrix and the *new* part

    N = sum_uv  E_uv (x) H P_uv H^T,

with ``H`` the ``(r-1) x r`` Helmert matrix (orthonormal rows orthogonal to
the ones vector). So the lift's spectrum is the base spectrum plus the new
spectrum; for r = 2 the new part is the signed matrix (``+1`` where
``pi_uv`` is the identity, ``-1`` where it swaps).

References
----------
.. [1] Y. Bilu, N. Linial, "Lifts, discrepancy and nearly optimal spectral
   gap", Combinatorica 26 (2006) 495-519.
.. [2] A. Marcus, D. Spielman, N. Srivastava, "Interlacing families I:
   bipartite Ramanujan graphs of all degrees", Ann. of Math. 182 (2015).
.. [3] C. Hall, D. Puder, W. Sawin, "Ramanujan coverings of graphs",
   Adv. Math. 323 (2018) 367-410.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.linalg import helmert

from expandermask.graph import MASK_DTYPE, BipartiteGraph
from expandermask.verify import ramanujan_bound, verify_graph

#: Largest new-part dimension solved densely (larger ones use Lanczos on a projected operator).
_DENSE_NEW = 2048

Base = BipartiteGraph | sp.sparray | np.ndarray


def _edges(base: Base) -> tuple[np.ndarray, np.ndarray, bool, tuple[int, int]]:
    """Edge endpoints ``(u, v)``, whether the base is bipartite, and its shape."""
    if isinstance(base, BipartiteGraph):
        coo = base.biadjacency.tocoo()
        return coo.row.astype(np.int64), coo.col.astype(np.int64), True, base.shape
    adjacency = sp.csr_array(base)
    if adjacency.shape[0] != adjacency.shape[1] or (adjacency != adjacency.T).nnz:
        raise ValueError("a non-bipartite base must be given as a symmetric adjacency matrix")
    upper = sp.triu(adjacency, k=1).tocoo()
    return upper.row.astype(np.int64), upper.col.astype(np.int64), False, adjacency.shape


def _check_r(r: int) -> None:
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 1:
        raise ValueError(f"lift order r must be a positive integer, got {r!r}")


def random_permutations(n_edges: int, r: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """One uniformly random permutation of ``range(r)`` per edge, as an ``(n_edges, r)`` array."""
    _check_r(r)
    rng = np.random.default_rng(seed)
    return rng.permuted(np.tile(np.arange(r, dtype=np.int64), (n_edges, 1)), axis=1)


def lift_from_permutations(base: Base, permutations: np.ndarray) -> Any:
    """The lift whose edge ``e = (u, v)`` joins ``(u, i)`` to ``(v, permutations[e, i])``.

    Vertex ``(u, i)`` has index ``u * r + i``. Edges are taken in the order of the
    base's CSR (bipartite) or of its upper triangle (symmetric adjacency).
    Returns a :class:`BipartiteGraph` for a bipartite base, else a symmetric CSR array.
    """
    u, v, bipartite, shape = _edges(base)
    permutations = np.asarray(permutations, dtype=np.int64)
    if permutations.ndim != 2 or permutations.shape[0] != u.size:
        raise ValueError(f"need one permutation per edge ({u.size}), got shape {permutations.shape}")
    r = permutations.shape[1]
    if not np.all(np.sort(permutations, axis=1) == np.arange(r)):
        raise ValueError("every row of permutations must be a permutation of range(r)")
    rows = (u[:, None] * r + np.arange(r)).ravel()
    cols = (v[:, None] * r + permutations).ravel()
    ones = np.ones(rows.size, dtype=MASK_DTYPE)
    if bipartite:
        matrix = sp.csr_array((ones, (rows, cols)), shape=(shape[0] * r, shape[1] * r))
        meta = {"method": "lift", "r": int(r), "base_shape": list(shape)}
        return BipartiteGraph.from_biadjacency(matrix, **meta)
    n = shape[0] * r
    upper = sp.csr_array((ones, (rows, cols)), shape=(n, n))
    return (upper + upper.T).tocsr()


def random_lift(base: Base, r: int, *, seed: int | np.random.Generator | None = None) -> Any:
    """A random r-lift: one uniformly random permutation per base edge.

    Parameters
    ----------
    base : BipartiteGraph or symmetric adjacency matrix
    r : int
        Number of copies of every vertex.
    seed : int, numpy.random.Generator or None
        Same seed, same lift.

    Returns
    -------
    BipartiteGraph (bipartite base) or scipy.sparse.csr_array (symmetric adjacency)

    Examples
    --------
    >>> import numpy as np
    >>> from expandermask import BipartiteGraph
    >>> lift = random_lift(BipartiteGraph.from_biadjacency(np.ones((192, 2))), 4, seed=0)
    >>> lift.shape, lift.degrees
    ((768, 8), (2, 192))
    """
    u, _, _, _ = _edges(base)
    return lift_from_permutations(base, random_permutations(u.size, r, seed))


def new_part(base: Base, permutations: np.ndarray) -> sp.csr_array:
    """The matrix of the lift on vectors summing to zero on every fibre (Helmert blocks).

    Bipartite base: ``(n_left (r-1)) x (n_right (r-1))``; symmetric base:
    ``n (r-1)`` square and symmetric. For ``r = 2`` it is the signed matrix.
    """
    u, v, bipartite, shape = _edges(base)
    permutations = np.asarray(permutations, dtype=np.int64)
    r = permutations.shape[1]
    if r < 2:
        return sp.csr_array((0, 0))
    h = helmert(r)  # (r-1, r), orthonormal rows, orthogonal to ones
    blocks = np.einsum("ij,ekj->eik", h, h[:, permutations].transpose(1, 0, 2))  # H P H^T per edge
    k = r - 1
    rows = (u[:, None, None] * k + np.arange(k)[None, :, None]).repeat(k, axis=2).ravel()
    cols = (v[:, None, None] * k + np.arange(k)[None, None, :]).repeat(k, axis=1).ravel()
    values = blocks.ravel()
    if bipartite:
        return sp.csr_array((values, (rows, cols)), shape=(shape[0] * k, shape[1] * k))
    n = shape[0] * k
    upper = sp.csr_array((values, (rows, cols)), shape=(n, n))
    return (upper + upper.T).tocsr()


def new_spectrum(base: Base, permutations: np.ndarray) -> np.ndarray:
    """New singular values (bipartite base, descending) or eigenvalues (symmetric base, descending)."""
    return _dense_spectrum(new_part(base, permutations), isinstance(base, BipartiteGraph))


def _dense_spectrum(matrix: sp.csr_array, bipartite: bool) -> np.ndarray:
    dense = matrix.toarray()
    if dense.size == 0:
        return np.zeros(0)
    return np.linalg.svd(dense, compute_uv=False) if bipartite else np.linalg.eigvalsh(dense)[::-1]


def max_new_value(base: Base, permutations: np.ndarray) -> float:
    """Largest new singular value (bipartite) or largest ``|new eigenvalue|`` (symmetric)."""
    matrix = new_part(base, permutations)
    if matrix.shape[0] == 0 or matrix.shape[1] == 0:
        return 0.0
    if min(matrix.shape) <= _DENSE_NEW:
        return float(np.abs(_dense_spectrum(matrix, isinstance(base, BipartiteGraph))).max())
    import scipy.sparse.linalg as spla

    start = np.random.default_rng(0).standard_normal(min(matrix.shape))
    if isinstance(base, BipartiteGraph):
        return float(spla.svds(matrix, k=1, return_singular_vectors=False, v0=start)[0])
    return float(np.abs(spla.eigsh(matrix, k=1, which="LM", return_eigenvectors=False, v0=start)).max())


def universal_cover_bound(base: Base) -> float:
    """``sqrt(dL-1) + sqrt(dR-1)`` for a biregular bipartite base, ``2 sqrt(d-1)`` for a d-regular one."""
    if isinstance(base, BipartiteGraph):
        degrees = base.degrees
        if degrees is None:
            raise ValueError("the base graph must be biregular")
        return ramanujan_bound(*degrees)
    degrees = np.diff(sp.csr_array(base).indptr)
    if degrees.size == 0 or np.any(degrees != degrees[0]) or degrees[0] < 1:
        raise ValueError("the base graph must be regular")
    return 2 * math.sqrt(int(degrees[0]) - 1)


@dataclass(frozen=True)
class Covering:
    """A lift found by :func:`ramanujan_covering` with its new-spectrum certificate."""

    graph: Any
    permutations: np.ndarray
    max_new: float
    bound: float
    tries: int

    @property
    def is_ramanujan_covering(self) -> bool:
        return self.max_new <= self.bound + 1e-9


def ramanujan_covering(
    base: Base,
    r: int,
    *,
    max_tries: int = 100,
    seed: int | np.random.Generator | None = None,
    allow_fail: bool = False,
) -> Covering:
    """Sample random r-lifts until every new value is within the universal-cover bound.

    Hall, Puder and Sawin prove a Ramanujan r-covering exists for every graph and
    every r; random lifts find one quickly at the shapes masks use.

    Raises
    ------
    RuntimeError
        If no try succeeds and ``allow_fail`` is false (otherwise the best lift is returned).

    Examples
    --------
    >>> import numpy as np
    >>> from expandermask import BipartiteGraph
    >>> cover = ramanujan_covering(BipartiteGraph.from_biadjacency(np.ones((192, 2))), 4, seed=0)
    >>> cover.is_ramanujan_covering, cover.graph.degrees
    (True, (2, 192))

    References
    ----------
    .. [1] C. Hall, D. Puder, W. Sawin, "Ramanujan coverings of graphs",
       Adv. Math. 323 (2018) 367-410.
    """
    _check_r(r)
    if isinstance(max_tries, bool) or not isinstance(max_tries, (int, np.integer)) or max_tries < 1:
        raise ValueError(f"max_tries must be a positive integer, got {max_tries!r}")
    bound = universal_cover_bound(base)
    rng = np.random.default_rng(seed)
    n_edges = _edges(base)[0].size
    best: Covering | None = None
    for attempt in range(1, max_tries + 1):
        perms = random_permutations(n_edges, r, rng)
        value = max_new_value(base, perms)
        if best is None or value < best.max_new:
            best = Covering(None, perms, value, bound, attempt)
        if value <= bound + 1e-9:
            break
    assert best is not None
    if not best.is_ramanujan_covering and not allow_fail:
        raise RuntimeError(
            f"no Ramanujan {r}-covering in {max_tries} tries: best new value {best.max_new:.4f}"
            f" > bound {bound:.4f}"
        )
    graph = lift_from_permutations(base, best.permutations)
    return Covering(graph, best.permutations, best.max_new, bound, attempt)


def signing_search(
    base: Base,
    *,
    seed: int | np.random.Generator | None = None,
    max_steps: int = 10_000,
    candidates: int = 8,
) -> tuple[np.ndarray, float]:
    """Bilu-Linial local search for an edge signing with a small signed spectral radius.

    Starts from a random signing and repeatedly flips the edge whose flip most
    decreases the largest singular value (bipartite) or ``|eigenvalue|``
    (symmetric) of the signed matrix, using the first-order change
    ``-2 s_e x_u y_v`` from the top singular/eigen vectors and keeping a flip only
    when the exact value decreases. Stops at a local minimum or once the value
    is within the universal-cover bound.

    Returns
    -------
    signs : numpy.ndarray
        ``+1``/``-1`` per edge (base edge order).
    value : float
        The signed matrix's spectral radius, i.e. the largest new value of the 2-lift.

    References
    ----------
    .. [1] Y. Bilu, N. Linial, "Lifts, discrepancy and nearly optimal spectral
       gap", Combinatorica 26 (2006) 495-519.
    """
    u, v, bipartite, shape = _edges(base)
    bound = universal_cover_bound(base)
    rng = np.random.default_rng(seed)
    signs = rng.choice(np.array([-1.0, 1.0]), size=u.size)

    def top(signs):
        if bipartite:
            dense = np.zeros(shape)
            dense[u, v] = signs
            left, values, right = np.linalg.svd(dense)
            return float(values[0]), left[:, 0], right[0]
        dense = np.zeros(shape)
        dense[u, v] = signs
        dense[v, u] = signs
        values, vectors = np.linalg.eigh(dense)
        i = int(np.argmax(np.abs(values)))
        x = vectors[:, i] * np.sign(values[i])
        return float(abs(values[i])), x, vectors[:, i]

    value, x, y = top(signs)
    for _ in range(max_steps):
        if value <= bound + 1e-9:
            break
        gain = signs * x[u] * y[v]  # first-order decrease of the top value when flipping
        improved = False
        for e in np.argsort(-gain)[:candidates]:
            if gain[e] <= 0:
                break
            signs[e] = -signs[e]
            new_value, new_x, new_y = top(signs)
            if new_value < value - 1e-12:
                value, x, y, improved = new_value, new_x, new_y, True
                break
            signs[e] = -signs[e]
        if not improved:
            break
    return signs.astype(np.int64), value


def signs_to_permutations(signs: np.ndarray) -> np.ndarray:
    """2-lift permutations: identity for ``+1``, swap for ``-1``."""
    signs = np.asarray(signs)
    return np.where(signs[:, None] > 0, np.array([0, 1]), np.array([1, 0]))


def iterated_two_lifts(
    base: Base, levels: int, *, seed: int | np.random.Generator | None = None, max_tries: int = 20
) -> tuple[Any, list[float]]:
    """Grow a family by repeated Ramanujan 2-lifts found by :func:`signing_search`.

    Each level doubles the graph; the signing's value (the new spectral radius)
    of every level is returned, all within the universal-cover bound.

    Raises
    ------
    RuntimeError
        If some level finds no good signing in ``max_tries`` restarts.
    """
    rng = np.random.default_rng(seed)
    bound = universal_cover_bound(base)
    graph, values = base, []
    for level in range(levels):
        for _ in range(max_tries):
            signs, value = signing_search(graph, seed=rng)
            if value <= bound + 1e-9:
                break
        else:
            raise RuntimeError(f"level {level + 1}: no signing within the bound {bound:.4f}")
        graph = lift_from_permutations(graph, signs_to_permutations(signs))
        values.append(value)
    return graph, values


def lift_mask(
    n_left: int,
    n_right: int,
    dl: int,
    *,
    base: BipartiteGraph | None = None,
    seed: int | np.random.Generator | None = 0,
    max_tries: int = 100,
    allow_non_ramanujan: bool = False,
) -> BipartiteGraph:
    """An ``n_left x n_right`` (dl, dr) mask as a Ramanujan r-covering of a base graph.

    The default base is the complete bipartite graph ``K_{dR, dL}`` (``r =
    n_right / dl``). Its lifts keep the base's ``dL - 1`` zero singular values,
    so the 0/1 mask has rank ``n_right - dL + 1`` (see the README).

    Raises
    ------
    ValueError
        When r is not whole or the base does not fit the shape.
    """
    from expandermask.random_biregular import right_degree

    dr = right_degree(n_left, n_right, dl)
    if base is None:
        if n_right % dl:
            raise ValueError(
                f"a lift of K_{{{dr},{dl}}} has n_right a multiple of dl: r = {n_right}/{dl} is not whole"
            )
        base = BipartiteGraph.from_biadjacency(np.ones((dr, dl), dtype=MASK_DTYPE))
    if base.degrees != (dl, dr):
        raise ValueError(f"base degrees {base.degrees} differ from the requested ({dl}, {dr})")
    if n_right % base.n_right or n_left % base.n_left or n_left // base.n_left != n_right // base.n_right:
        raise ValueError(
            f"{n_left}x{n_right} is not an r-lift of the {base.n_left}x{base.n_right} base (r not whole)"
        )
    r = n_right // base.n_right
    cover = ramanujan_covering(base, r, max_tries=max_tries, seed=seed, allow_fail=allow_non_ramanujan)
    mask = cover.graph
    mask.report = verify_graph(mask)
    mask.meta.update(
        method="lift",
        seed=int(seed) if isinstance(seed, (int, np.integer)) else None,
        max_new=cover.max_new,
        tries=cover.tries,
    )
    return mask
