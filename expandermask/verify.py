"""Spectral verification of bipartite graphs against the (dL, dR) Ramanujan bound.

For a bipartite graph with biadjacency ``B`` (``n_left x n_right``) the adjacency
spectrum is ``+-`` the singular values of ``B`` plus zeros. For a
(dL, dR)-biregular graph the top singular value is ``sigma_1 = sqrt(dL*dR)``
(the trivial one, for the all-ones vectors), and the graph is **Ramanujan**
when the largest nontrivial singular value satisfies

    sigma_2 <= sqrt(dL - 1) + sqrt(dR - 1),

the one-sided bound of the XoRA paper's Definition 4.1, which is the spectral
radius of the universal cover (the (dL, dR)-biregular tree). The two-sided
band, all nonzero nontrivial singular values in
``[|sqrt(dR-1) - sqrt(dL-1)|, sqrt(dR-1) + sqrt(dL-1)]``, is reported separately.

Small graphs (the smaller side at most :data:`DENSE_LIMIT`) use the exact
integer Gram matrix of the smaller side and a dense symmetric eigensolver;
larger ones use ``scipy.sparse.linalg.eigsh`` on the Gram operator with the
known top eigenvector deflated.

References
----------
.. [1] A. Lubotzky, R. Phillips, P. Sarnak, "Ramanujan graphs",
   Combinatorica 8 (1988) 261-277.
.. [2] K. Feng, W. Li, "Spectra of hypergraphs and applications",
   J. Number Theory 60 (1996) (the biregular Alon-Boppana bound).
.. [3] G. Brito, I. Dumitriu, K. Harris, "Spectral gap in random bipartite
   biregular graphs and applications", Combin. Probab. Comput. 31 (2022).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph

from expandermask.graph import BipartiteGraph

#: Largest smaller-side size solved with the exact dense Gram matrix.
DENSE_LIMIT = 2048
#: Absolute slack allowed when comparing a computed singular value with a bound.
BOUND_TOLERANCE = 1e-9


def ramanujan_bound(dl: int, dr: int) -> float:
    """The (dL, dR)-biregular Ramanujan bound ``sqrt(dL - 1) + sqrt(dR - 1)``.

    Examples
    --------
    >>> round(ramanujan_bound(2, 192), 6)
    14.820275
    """
    if dl < 1 or dr < 1:
        raise ValueError(f"degrees must be >= 1, got ({dl}, {dr})")
    return math.sqrt(dl - 1) + math.sqrt(dr - 1)


def sigma2_lower_bound(n_left: int, n_right: int, dl: int, dr: int) -> float | None:
    """Trace lower bound on ``sigma_2`` of any (dL, dR)-biregular graph of this shape.

    On the smaller side (say ``n_right <= n_left``) the Gram matrix ``B^T B`` has
    trace ``n_right * dR`` and top eigenvalue ``dL * dR``, so the largest of the
    other ``n_right - 1`` eigenvalues is at least their mean
    ``dR (n_right - dL) / (n_right - 1)``. Equality means all nontrivial
    singular values are equal: the best any graph of this shape can do.
    Returns ``None`` when the smaller side has one vertex.

    Examples
    --------
    >>> round(sigma2_lower_bound(768, 8, 2, 192), 6)
    12.828540
    """
    if n_right <= n_left:
        m, big_degree, small_degree = n_right, dr, dl
    else:
        m, big_degree, small_degree = n_left, dl, dr
    if m < 2:
        return None
    return math.sqrt(max(big_degree * (m - small_degree) / (m - 1), 0.0))


@dataclass(frozen=True)
class VerificationReport:
    """Everything :func:`verify_graph` measured; JSON-serialisable via :meth:`to_dict`.

    ``sigma_*`` are singular values of the biadjacency matrix. ``dl``, ``dr``,
    ``ramanujan_bound``, ``margin`` and ``band_lower`` are ``None`` when the graph
    is not biregular; ``in_two_sided_band`` and ``rank`` are ``None`` when the
    solver could not decide them.
    """

    n_left: int
    n_right: int
    n_edges: int
    left_degree_min: int
    left_degree_max: int
    right_degree_min: int
    right_degree_max: int
    is_biregular: bool
    is_simple: bool
    n_components: int
    dl: int | None
    dr: int | None
    sigma_1: float
    sigma_2: float
    ramanujan_bound: float | None
    margin: float | None
    is_ramanujan: bool
    band_lower: float | None
    in_two_sided_band: bool | None
    sigma_min: float | None
    sigma_min_nonzero: float | None
    rank: int | None
    sigma2_lower_bound: float | None
    solver: str

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-ready) of every field."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VerificationReport:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown report fields: {sorted(unknown)}")
        return cls(**data)

    def summary(self) -> str:
        """A few human-readable lines."""
        shape = f"{self.n_left} x {self.n_right}"
        if self.is_biregular:
            degrees = f"({self.dl}, {self.dr})-biregular"
        else:
            degrees = (
                f"not biregular (left {self.left_degree_min}..{self.left_degree_max},"
                f" right {self.right_degree_min}..{self.right_degree_max})"
            )
        density = self.n_edges / (self.n_left * self.n_right)
        lines = [
            f"shape      {shape}, {self.n_edges} edges, density {density:.4f} (sparsity {1 - density:.2%})",
            f"degrees    {degrees}, {self.n_components} component(s)",
        ]
        if self.ramanujan_bound is not None:
            verdict = "PASS" if self.is_ramanujan else "FAIL"
            lines.append(
                f"spectrum   sigma_1 {self.sigma_1:.6f}, sigma_2 {self.sigma_2:.6f} <= bound"
                f" {self.ramanujan_bound:.6f} (margin {self.margin:+.6f}): {verdict}"
            )
            if self.sigma2_lower_bound is not None:
                lines.append(
                    f"optimality best possible sigma_2 >= {self.sigma2_lower_bound:.6f};"
                    f" two-sided band: {_tristate(self.in_two_sided_band)},"
                    f" rank {self.rank if self.rank is not None else 'unknown'}"
                )
        else:
            lines.append(
                f"spectrum   sigma_1 {self.sigma_1:.6f}, sigma_2 {self.sigma_2:.6f}: FAIL (not biregular)"
            )
        return "\n".join(lines)


def _tristate(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def verify_graph(
    graph: BipartiteGraph | Any, *, solver: str = "auto", smallest: bool | None = None
) -> VerificationReport:
    """Measure degrees, connectivity and the singular values that decide Ramanujan-ness.

    Parameters
    ----------
    graph : BipartiteGraph or matrix
        The graph, or a 0/1 biadjacency matrix (dense or scipy.sparse).
    solver : {"auto", "dense", "sparse"}
        ``"dense"``: exact Gram matrix of the smaller side and ``numpy.linalg.eigvalsh``.
        ``"sparse"``: ``scipy.sparse.linalg.eigsh`` on the Gram operator with the
        trivial eigenvector deflated. ``"auto"`` picks dense when the smaller side
        has at most :data:`DENSE_LIMIT` vertices.
    smallest : bool, optional
        Also compute the smallest singular value (for the rank and the two-sided
        band). Free on the dense route; on the sparse route it is a second, often
        slow, Lanczos run, so the default there is ``False`` and the report says
        ``None`` (unknown) for ``sigma_min``, ``rank`` and ``in_two_sided_band``.

    Returns
    -------
    VerificationReport

    Examples
    --------
    >>> from expandermask import random_biregular_graph, verify_graph
    >>> report = verify_graph(random_biregular_graph(768, 8, 2, seed=0))
    >>> report.dl, report.dr, report.is_ramanujan
    (2, 192, True)
    """
    if not isinstance(graph, BipartiteGraph):
        graph = BipartiteGraph.from_biadjacency(graph)
    if solver not in ("auto", "dense", "sparse"):
        raise ValueError(f"solver must be 'auto', 'dense' or 'sparse', got {solver!r}")
    b = graph.biadjacency
    n_left, n_right = graph.shape
    small = min(n_left, n_right)
    if solver == "auto":
        solver = "dense" if small <= DENSE_LIMIT else "sparse"
    if small < 4:
        solver = "dense"  # Lanczos needs a few dimensions to work in
    left, right = graph.left_degrees, graph.right_degrees
    degrees = graph.degrees
    biregular = degrees is not None and degrees[0] >= 1 and degrees[1] >= 1
    dl, dr = degrees if biregular else (None, None)
    simple = bool(b.nnz == 0 or b.data.max() <= 1)
    n_components = int(csgraph.connected_components(graph.adjacency(), directed=False)[0])

    gram = _gram_of_smaller_side(b)
    if solver == "dense":
        spectrum = _dense_singular_values(gram)
        sigma_1 = float(spectrum.sigma[0]) if small else 0.0
        sigma_2 = float(spectrum.sigma[1]) if small > 1 else 0.0
        nontrivial = spectrum.sigma[1:]
        sigma_min, sigma_min_nonzero, rank = spectrum.smallest, spectrum.smallest_nonzero, spectrum.rank
    else:
        sigma_1, sigma_2, sigma_min = _sparse_extremes(
            gram, dl * dr if biregular else None, smallest=bool(smallest)
        )
        nontrivial = None
        rank = sigma_min_nonzero = None
        if sigma_min is not None and sigma_min > 0:
            rank, sigma_min_nonzero = small, sigma_min

    bound = band_lower = margin = None
    ramanujan = False
    in_band = None
    lower = None
    if biregular:
        bound = ramanujan_bound(dl, dr)
        band_lower = abs(math.sqrt(dr - 1) - math.sqrt(dl - 1))
        margin = bound - sigma_2
        ramanujan = bool(simple and sigma_2 <= bound + BOUND_TOLERANCE)
        lower = sigma2_lower_bound(n_left, n_right, dl, dr)
        if nontrivial is not None:
            nonzero = nontrivial[nontrivial > 0]
            in_band = bool(
                np.all(nonzero <= bound + BOUND_TOLERANCE) and np.all(nonzero >= band_lower - BOUND_TOLERANCE)
            )
        elif sigma_min_nonzero is not None:  # full rank: every sigma is nonzero
            in_band = bool(sigma_2 <= bound + BOUND_TOLERANCE and sigma_min >= band_lower - BOUND_TOLERANCE)
    return VerificationReport(
        n_left=n_left,
        n_right=n_right,
        n_edges=graph.n_edges,
        left_degree_min=int(left.min()) if left.size else 0,
        left_degree_max=int(left.max()) if left.size else 0,
        right_degree_min=int(right.min()) if right.size else 0,
        right_degree_max=int(right.max()) if right.size else 0,
        is_biregular=biregular,
        is_simple=simple,
        n_components=n_components,
        dl=dl,
        dr=dr,
        sigma_1=sigma_1,
        sigma_2=sigma_2,
        ramanujan_bound=bound,
        margin=margin,
        is_ramanujan=ramanujan,
        band_lower=band_lower,
        in_two_sided_band=in_band,
        sigma_min=sigma_min,
        sigma_min_nonzero=sigma_min_nonzero,
        rank=rank,
        sigma2_lower_bound=lower,
        solver=solver,
    )


def _gram_of_smaller_side(b: sp.csr_array) -> sp.csr_array:
    """``B^T B`` or ``B B^T``, whichever is smaller, as float64 sparse (entries are co-degrees)."""
    bf = b.astype(np.float64)
    return (bf.T @ bf).tocsr() if b.shape[1] <= b.shape[0] else (bf @ bf.T).tocsr()


def _zero_tolerance(largest_eigenvalue: float, size: int) -> float:
    """Gram eigenvalues at or below this are exact zeros lost in rounding."""
    return max(largest_eigenvalue, 1.0) * max(size, 1) * np.finfo(np.float64).eps * 16


@dataclass(frozen=True)
class _DenseSpectrum:
    sigma: np.ndarray  # descending singular values of the smaller side
    rank: int
    smallest: float | None
    smallest_nonzero: float | None


def _dense_singular_values(gram: sp.csr_array) -> _DenseSpectrum:
    size = gram.shape[0]
    if size == 0:
        return _DenseSpectrum(np.zeros(0), 0, None, None)
    eigenvalues = np.linalg.eigvalsh(gram.toarray())[::-1]
    tol = _zero_tolerance(float(eigenvalues[0]), size)
    nonzero = eigenvalues > tol
    sigma = np.where(nonzero, np.sqrt(np.clip(eigenvalues, 0.0, None)), 0.0)
    rank = int(nonzero.sum())
    return _DenseSpectrum(
        sigma=sigma,
        rank=rank,
        smallest=float(sigma[-1]),
        smallest_nonzero=float(sigma[rank - 1]) if rank else None,
    )


def _sparse_extremes(
    gram: sp.csr_array, trivial: float | None, smallest: bool
) -> tuple[float, float, float | None]:
    """``(sigma_1, sigma_2, sigma_min)`` from Lanczos on the Gram matrix (``sigma_min`` only
    when ``smallest``).

    With ``trivial = dL*dR`` (biregular) the all-ones top eigenvector is deflated,
    so one Lanczos run gives ``sigma_2`` directly.
    """
    import scipy.sparse.linalg as spla

    size = gram.shape[0]
    start = np.random.default_rng(0).standard_normal(size)  # fixed: same report every run
    options = {"tol": 0.0, "v0": start, "ncv": min(size, 40)}
    if trivial is not None:
        unit = np.full(size, 1.0 / math.sqrt(size))

        def deflated(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x).ravel()
            return gram @ x - trivial * unit * (unit @ x)

        operator = spla.LinearOperator((size, size), matvec=deflated, dtype=np.float64)
        lam2 = float(spla.eigsh(operator, k=1, which="LA", return_eigenvectors=False, **options)[0])
        sigma_1, sigma_2 = math.sqrt(trivial), math.sqrt(max(lam2, 0.0))
    else:
        top = np.sort(spla.eigsh(gram, k=2, which="LA", return_eigenvectors=False, **options))
        sigma_1, sigma_2 = math.sqrt(max(top[1], 0.0)), math.sqrt(max(top[0], 0.0))
    if not smallest:
        return sigma_1, sigma_2, None
    lam_min = float(spla.eigsh(gram, k=1, which="SA", return_eigenvectors=False, **options)[0])
    tol = _zero_tolerance(sigma_1**2, size)
    sigma_min = math.sqrt(lam_min) if lam_min > tol else 0.0
    return sigma_1, sigma_2, sigma_min
