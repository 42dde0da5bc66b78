"""Regular (not necessarily bipartite) graphs given by a symmetric adjacency matrix.

Verification against the Ramanujan bound ``2 sqrt(d - 1)``, girth of
vertex-transitive graphs, and the two bipartite graphs built from a regular
graph ``H``: its bipartite double cover (biadjacency ``A_H``) and its
edge-vertex incidence graph. For the incidence matrix ``B`` (edges x vertices)
of a d-regular ``H``,

    B^T B = d I + A_H,   so   sigma^2 = d + lambda(H),

and the incidence graph of a Ramanujan graph is a (2, d)-biregular bipartite
Ramanujan graph: ``lambda <= 2 sqrt(d-1)`` gives ``sigma <= 1 + sqrt(d-1)``,
which is exactly the (2, d) bound ``sqrt(2-1) + sqrt(d-1)``. Every XoRA mask
with ``dL = 2`` is the incidence graph of a multigraph on its columns.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph

from expandermask.graph import MASK_DTYPE, BipartiteGraph

#: Largest vertex count verified with a dense symmetric eigensolver.
DENSE_LIMIT = 3000


@dataclass(frozen=True)
class RegularReport:
    """What :func:`verify_regular` measured (``lambda_*`` are adjacency eigenvalues)."""

    n_vertices: int
    n_edges: int
    degree: int | None
    is_regular: bool
    is_symmetric: bool
    has_loops: bool
    is_bipartite: bool
    n_components: int
    lambda_1: float
    lambda_2: float
    lambda_min: float
    nontrivial_max_abs: float
    ramanujan_bound: float | None
    margin: float | None
    is_ramanujan: bool
    girth: int | None
    solver: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return asdict(self)

    def summary(self) -> str:
        """A few human-readable lines."""
        kind = "bipartite" if self.is_bipartite else "not bipartite"
        lines = [
            f"graph      {self.n_vertices} vertices, {self.n_edges} edges,"
            f" {f'{self.degree}-regular' if self.is_regular else 'not regular'}, {kind},"
            f" {self.n_components} component(s)"
            + (f", girth {self.girth}" if self.girth is not None else ""),
        ]
        if self.ramanujan_bound is not None:
            verdict = "PASS" if self.is_ramanujan else "FAIL"
            lines.append(
                f"spectrum   lambda_1 {self.lambda_1:.6f}, max nontrivial |lambda|"
                f" {self.nontrivial_max_abs:.6f} <= 2 sqrt(d-1) = {self.ramanujan_bound:.6f}"
                f" (margin {self.margin:+.6f}): {verdict}"
            )
        return "\n".join(lines)


def is_symmetric_01(adjacency: sp.sparray) -> bool:
    """True when the matrix is symmetric (as a 0/1 pattern)."""
    a = sp.csr_array(adjacency)
    return a.shape[0] == a.shape[1] and (a != a.T).nnz == 0


def two_coloring(adjacency: sp.csr_array) -> np.ndarray | None:
    """Side (0/1) of every vertex if the graph is bipartite, else ``None`` (BFS parity)."""
    _, labels = csgraph.connected_components(adjacency, directed=False)
    roots = np.unique(labels, return_index=True)[1]
    depth = np.full(adjacency.shape[0], -1, dtype=np.int64)
    depth[roots] = 0
    frontier = np.zeros(adjacency.shape[0], dtype=np.float64)
    frontier[roots] = 1.0
    level = 0
    while True:  # layered BFS from one root per component, one sparse product per layer
        reached = (adjacency @ frontier > 0) & (depth < 0)
        if not reached.any():
            break
        level += 1
        depth[reached] = level
        frontier = reached.astype(np.float64)
    color = depth % 2
    coo = sp.triu(adjacency, k=1).tocoo()
    return color if np.all(color[coo.row] != color[coo.col]) else None


def bfs_girth(adjacency: sp.csr_array, root: int = 0) -> int | None:
    """Length of the shortest cycle through ``root`` (``None`` if there is none).

    For a vertex-transitive graph (every Cayley graph) this is the girth. With
    BFS depths ``h`` and tree parents from ``root``, it is the minimum of
    ``h(u) + h(v) + 1`` over edges ``uv`` not in the BFS tree.
    """
    dist, pred = csgraph.shortest_path(
        adjacency, unweighted=True, directed=False, indices=root, return_predecessors=True
    )
    coo = sp.triu(adjacency, k=1).tocoo()
    u, v = coo.row, coo.col
    reachable = np.isfinite(dist[u]) & np.isfinite(dist[v])
    tree = (pred[v] == u) | (pred[u] == v)
    other = reachable & ~tree
    if not other.any():
        return None
    return int((dist[u[other]] + dist[v[other]] + 1).min())


def verify_regular(adjacency: Any, *, girth: bool | None = None, solver: str = "auto") -> RegularReport:
    """Check a graph given by its symmetric adjacency matrix against ``2 sqrt(d - 1)``.

    The trivial eigenvalues are ``d`` and, for a bipartite graph, ``-d``; the graph
    is Ramanujan when every other eigenvalue has ``|lambda| <= 2 sqrt(d - 1)``
    (Lubotzky-Phillips-Sarnak). Dense ``eigvalsh`` up to :data:`DENSE_LIMIT`
    vertices, else ``scipy.sparse.linalg.eigsh`` with the trivial eigenvectors
    deflated.

    Parameters
    ----------
    adjacency : array or sparse matrix
        Square symmetric 0/1 matrix.
    girth : bool, optional
        Compute the girth by BFS from vertex 0 (exact for vertex-transitive graphs);
        default: when the graph has at most 200,000 vertices.
    solver : {"auto", "dense", "sparse"}

    Examples
    --------
    >>> import networkx as nx
    >>> report = verify_regular(nx.to_scipy_sparse_array(nx.petersen_graph()))
    >>> report.degree, report.is_ramanujan, report.girth
    (3, True, 5)
    """
    a = sp.csr_array(adjacency, dtype=np.float64)
    n = a.shape[0]
    if a.ndim != 2 or a.shape[0] != a.shape[1] or n == 0:
        raise ValueError(f"adjacency must be a non-empty square matrix, got shape {a.shape}")
    symmetric = is_symmetric_01(a)
    loops = bool(a.diagonal().any())
    degrees = np.diff(a.indptr)
    regular = bool(np.all(degrees == degrees[0]))
    d = int(degrees[0]) if regular else None
    n_components = int(csgraph.connected_components(a, directed=False)[0])
    coloring = two_coloring(a) if symmetric else None
    bipartite = coloring is not None
    if solver == "auto":
        solver = "dense" if n <= DENSE_LIMIT else "sparse"
    if solver == "dense" or n < 8:
        solver = "dense"
        eigenvalues = np.linalg.eigvalsh(a.toarray())[::-1]
        lam1, lam_min = float(eigenvalues[0]), float(eigenvalues[-1])
        inner = eigenvalues[1:-1] if bipartite and regular else eigenvalues[1:]
        lam2 = float(eigenvalues[1]) if n > 1 else 0.0
        nontrivial = float(np.abs(inner).max()) if inner.size else 0.0
    else:
        lam1, lam2, lam_min, nontrivial = _sparse_regular_extremes(a, d, coloring)
    bound = 2 * math.sqrt(d - 1) if regular and d and d >= 1 else None
    ramanujan = bool(bound is not None and symmetric and not loops and nontrivial <= bound + 1e-9)
    if girth is None:
        girth = n <= 200_000
    return RegularReport(
        n_vertices=n,
        n_edges=int(a.nnz // 2) if symmetric else int(a.nnz),
        degree=d,
        is_regular=regular,
        is_symmetric=symmetric,
        has_loops=loops,
        is_bipartite=bipartite,
        n_components=n_components,
        lambda_1=lam1,
        lambda_2=lam2,
        lambda_min=lam_min,
        nontrivial_max_abs=nontrivial,
        ramanujan_bound=bound,
        margin=(bound - nontrivial) if bound is not None else None,
        is_ramanujan=ramanujan,
        girth=bfs_girth(a) if girth and symmetric else None,
        solver=solver,
    )


def _sparse_regular_extremes(a, d, coloring):
    import scipy.sparse.linalg as spla

    n = a.shape[0]
    options = {"tol": 0.0, "v0": np.random.default_rng(0).standard_normal(n), "ncv": 40}
    trivial = []
    if d is not None:
        trivial.append((float(d), np.full(n, 1 / math.sqrt(n))))
        if coloring is not None:
            trivial.append((-float(d), np.where(coloring == 0, 1.0, -1.0) / math.sqrt(n)))

    def deflated(x):
        x = np.asarray(x).ravel()
        y = a @ x
        for value, vec in trivial:
            y = y - value * vec * (vec @ x)
        return y

    op = spla.LinearOperator((n, n), matvec=deflated, dtype=np.float64)
    top = float(spla.eigsh(op, k=1, which="LA", return_eigenvectors=False, **options)[0])
    if coloring is not None:  # bipartite: the spectrum is symmetric about 0
        bottom = -top
    else:
        bottom = float(spla.eigsh(op, k=1, which="SA", return_eigenvectors=False, **options)[0])
    lam1 = float(d) if d is not None else top
    lam_min = -float(d) if coloring is not None and d is not None else bottom
    return lam1, top, lam_min, max(abs(top), abs(bottom))


def incidence_graph(adjacency: Any) -> BipartiteGraph:
    """Edge-vertex incidence graph of a simple graph: left = edges, right = vertices.

    For a d-regular graph it is (2, d)-biregular with ``B^T B = d I + A``.

    Examples
    --------
    >>> import networkx as nx
    >>> g = incidence_graph(nx.to_scipy_sparse_array(nx.petersen_graph()))
    >>> g.shape, g.degrees
    ((15, 10), (2, 3))
    """
    upper = sp.triu(sp.csr_array(adjacency), k=1).tocoo()
    order = np.lexsort((upper.col, upper.row))
    u, v = upper.row[order], upper.col[order]
    n_edges = u.size
    cols = np.stack([u, v], axis=1).ravel().astype(np.int32)
    matrix = sp.csr_array(
        (np.ones(2 * n_edges, dtype=MASK_DTYPE), cols, np.arange(0, 2 * n_edges + 1, 2, dtype=np.int64)),
        shape=(n_edges, adjacency.shape[0]),
    )
    return BipartiteGraph(matrix, {"method": "incidence"})


def bipartite_double_cover(adjacency: Any) -> BipartiteGraph:
    """The bipartite double cover ``H x K_2``: its biadjacency matrix is ``A_H``."""
    return BipartiteGraph.from_biadjacency(sp.csr_array(adjacency), method="double-cover")
