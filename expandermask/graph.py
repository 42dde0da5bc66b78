"""The bipartite graph type shared by every constructor, the verifier and the file format.

A bipartite graph with ``n_left`` left and ``n_right`` right vertices is stored as
its ``n_left x n_right`` 0/1 biadjacency matrix in CSR form (rows are left
vertices, columns are right vertices). A XoRA mask *is* such a matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # pragma: no cover - imported for type hints only
    import networkx as nx

    from expandermask.verify import VerificationReport

#: dtype of the stored 0/1 entries: integer, so that products such as ``B.T @ B``
#: (co-degrees) never overflow or round.
MASK_DTYPE = np.int32


@dataclass(eq=False)
class BipartiteGraph:
    """A simple bipartite graph given by its 0/1 biadjacency matrix.

    Parameters
    ----------
    biadjacency : scipy.sparse.csr_array
        ``n_left x n_right`` matrix with entries 0 or 1, canonical CSR
        (sorted indices, no duplicates). Use :meth:`from_biadjacency` to build
        one from any dense or sparse input.
    meta : dict
        Free-form provenance (``method``, ``seed``, ...), written to mask files.
    report : VerificationReport or None
        The spectral report of :func:`expandermask.verify_graph`, attached by
        the constructors so that it travels with the graph (for a square
        ``meta["kind"] == "adjacency"`` matrix, the ``RegularReport`` of
        :func:`expandermask.regular.verify_regular`).

    Examples
    --------
    >>> import numpy as np
    >>> from expandermask import BipartiteGraph
    >>> g = BipartiteGraph.from_biadjacency(np.array([[1, 1, 0], [0, 1, 1]]))
    >>> g.shape, g.n_edges
    ((2, 3), 4)
    >>> g.left_degrees.tolist(), g.right_degrees.tolist()
    ([2, 2], [1, 2, 1])
    """

    biadjacency: sp.csr_array
    meta: dict[str, Any] = field(default_factory=dict)
    report: VerificationReport | None = None

    # ------------------------------------------------------------------ build
    @classmethod
    def from_biadjacency(cls, matrix: Any, **meta: Any) -> BipartiteGraph:
        """Build a graph from a dense array or any scipy sparse matrix/array.

        Raises
        ------
        ValueError
            If the matrix is not two-dimensional or has entries other than 0 and 1.
        """
        if sp.issparse(matrix):
            csr = sp.csr_array(matrix, copy=True)
        else:
            dense = np.asarray(matrix)
            if dense.ndim != 2:
                raise ValueError(f"biadjacency must be 2-D, got shape {dense.shape}")
            csr = sp.csr_array(dense)
        if csr.ndim != 2:
            raise ValueError(f"biadjacency must be 2-D, got shape {csr.shape}")
        csr.sum_duplicates()
        csr.eliminate_zeros()
        if csr.nnz and not np.all(csr.data == 1):
            raise ValueError("biadjacency must contain only 0 and 1 entries")
        csr = sp.csr_array(
            (
                np.ones(csr.nnz, dtype=MASK_DTYPE),
                csr.indices.astype(np.int32, copy=False),
                csr.indptr.astype(np.int64, copy=False),
            ),
            shape=csr.shape,
        )
        return cls(csr, dict(meta))

    @classmethod
    def from_networkx(cls, graph: nx.Graph, **meta: Any) -> BipartiteGraph:
        """Build from a networkx graph whose nodes carry ``bipartite`` = 0 (left) or 1 (right).

        Left and right vertices are ordered as the graph's node order, the
        convention of :func:`networkx.bipartite.biadjacency_matrix`.

        Raises
        ------
        ValueError
            If a node has no ``bipartite`` attribute or an edge joins two nodes of one side.
        """
        import networkx as nx

        sides = nx.get_node_attributes(graph, "bipartite")
        missing = [n for n in graph if n not in sides]
        if missing:
            raise ValueError(f"node {missing[0]!r} has no 'bipartite' attribute (0 or 1)")
        left = [n for n in graph if sides[n] == 0]
        right = [n for n in graph if sides[n] == 1]
        if len(left) + len(right) != graph.number_of_nodes():
            raise ValueError("every node's 'bipartite' attribute must be 0 or 1")
        if graph.is_multigraph() and graph.number_of_edges() != nx.Graph(graph).number_of_edges():
            raise ValueError("graph has parallel edges; a mask needs a simple graph")
        for u, v in graph.edges():
            if sides[u] == sides[v]:
                raise ValueError(f"edge ({u!r}, {v!r}) joins two nodes of the same side")
        matrix = nx.bipartite.biadjacency_matrix(
            graph, row_order=left, column_order=right, dtype=MASK_DTYPE, weight=None
        )
        return cls.from_biadjacency(matrix, **meta)

    # ------------------------------------------------------------ properties
    @property
    def n_left(self) -> int:
        """Number of left vertices (rows)."""
        return int(self.biadjacency.shape[0])

    @property
    def n_right(self) -> int:
        """Number of right vertices (columns)."""
        return int(self.biadjacency.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_left, n_right)``."""
        return (self.n_left, self.n_right)

    @property
    def n_edges(self) -> int:
        """Number of edges (nonzeros of the mask)."""
        return int(self.biadjacency.nnz)

    @property
    def density(self) -> float:
        """Fraction of kept entries, ``n_edges / (n_left * n_right)``."""
        cells = self.n_left * self.n_right
        return self.n_edges / cells if cells else 0.0

    @property
    def left_degrees(self) -> np.ndarray:
        """Degree of every left vertex (row sums)."""
        return np.diff(self.biadjacency.indptr).astype(np.int64)

    @property
    def right_degrees(self) -> np.ndarray:
        """Degree of every right vertex (column sums)."""
        return np.bincount(self.biadjacency.indices, minlength=self.n_right).astype(np.int64)

    @property
    def degrees(self) -> tuple[int, int] | None:
        """``(dL, dR)`` when the graph is biregular, else ``None``."""
        left, right = self.left_degrees, self.right_degrees
        if left.size == 0 or right.size == 0:
            return None
        if np.all(left == left[0]) and np.all(right == right[0]):
            return (int(left[0]), int(right[0]))
        return None

    @property
    def is_biregular(self) -> bool:
        """True when every left vertex has one degree and every right vertex another."""
        return self.degrees is not None

    # ------------------------------------------------------------ conversions
    def to_dense(self) -> np.ndarray:
        """The biadjacency matrix as a dense ``numpy`` array of 0/1 integers."""
        return self.biadjacency.toarray()

    def to_sparse(self) -> sp.csr_array:
        """A copy of the CSR biadjacency matrix."""
        return self.biadjacency.copy()

    def adjacency(self) -> sp.csr_array:
        """The ``(n_left + n_right)`` square adjacency matrix ``[[0, B], [B^T, 0]]``."""
        b = self.biadjacency
        return sp.block_array([[None, b], [b.T, None]], format="csr")

    def to_networkx(self) -> nx.Graph:
        """A :class:`networkx.Graph` with nodes ``0..n_left-1`` (``bipartite=0``) then
        ``n_left..n_left+n_right-1`` (``bipartite=1``)."""
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(self.n_left), bipartite=0)
        graph.add_nodes_from(range(self.n_left, self.n_left + self.n_right), bipartite=1)
        coo = self.biadjacency.tocoo()
        graph.add_edges_from(zip(coo.row.tolist(), (coo.col + self.n_left).tolist(), strict=True))
        return graph

    def transpose(self) -> BipartiteGraph:
        """The same graph with the two sides swapped (``B^T``)."""
        return BipartiteGraph.from_biadjacency(self.biadjacency.T, **self.meta)

    def __repr__(self) -> str:
        deg = self.degrees
        degrees = f"degrees={deg}" if deg else "not biregular"
        verdict = ""
        if self.report is not None:
            verdict = ", ramanujan" if self.report.is_ramanujan else ", NOT ramanujan"
        return f"BipartiteGraph({self.n_left}x{self.n_right}, {self.n_edges} edges, {degrees}{verdict})"
