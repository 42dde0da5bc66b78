"""Lubotzky-Phillips-Sarnak Ramanujan graphs X^{p,q}.

For distinct primes ``p, q = 1 (mod 4)`` with ``q > 2 sqrt(p)``, X^{p,q} is the
Cayley graph of PGL(2, q) (when ``(p/q) = -1``; bipartite, ``q(q^2-1)``
vertices) or PSL(2, q) (when ``(p/q) = +1``; not bipartite,
``q(q^2-1)/2`` vertices) with the ``p + 1`` generators coming from the
integer quaternions of norm ``p``. It is ``(p+1)``-regular and every
eigenvalue other than ``+-(p+1)`` has absolute value at most ``2 sqrt(p)``.

Construction here is vectorised: canonical projective representatives are
enumerated directly (``[[1, b], [c, d]]`` and ``[[0, 1], [c, d]]``), ranked to
integers for O(1) lookup, and all vertex-generator products are computed at
once in numpy.

References
----------
.. [1] A. Lubotzky, R. Phillips, P. Sarnak, "Ramanujan graphs",
   Combinatorica 8 (1988) 261-277.
.. [2] G. Davidoff, P. Sarnak, A. Valette, "Elementary Number Theory, Group
   Theory and Ramanujan Graphs", Cambridge University Press (2003), ch. 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sympy import isprime
from sympy.ntheory import is_quad_residue, sqrt_mod

from expandermask.graph import MASK_DTYPE, BipartiteGraph
from expandermask.regular import bipartite_double_cover, incidence_graph

#: The mask forms an LPS graph can be exported as.
LPS_FORMS = ("adjacency", "bipartite", "incidence")


def check_lps_parameters(p: int, q: int) -> None:
    """Raise ``ValueError`` with a one-line reason unless (p, q) defines an LPS graph.

    ``p != q`` primes, both ``1 mod 4``, and the ``p + 1`` generators distinct mod q
    (always true for ``q > 2 sqrt(p)``; below that the pair is accepted only when it
    holds, e.g. ``(13, 5)`` is accepted and ``(29, 5)`` refused).

    Examples
    --------
    >>> check_lps_parameters(5, 13)
    >>> check_lps_parameters(5, 7)
    Traceback (most recent call last):
    ...
    ValueError: q=7 must be a prime = 1 mod 4
    >>> check_lps_parameters(29, 5)
    Traceback (most recent call last):
    ...
    ValueError: q=5 is below 2*sqrt(p)=10.77 and the 30 generators are not distinct mod q...
    """
    for name, value in (("p", p), ("q", q)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer, got {value!r}")
        if value < 5 or not isprime(int(value)) or value % 4 != 1:
            raise ValueError(f"{name}={value} must be a prime = 1 mod 4")
    if p == q:
        raise ValueError(f"p and q must be different primes, got p = q = {p}")
    if q * q <= 4 * p and not _generators_distinct(p, q):
        raise ValueError(
            f"q={q} is below 2*sqrt(p)={2 * math.sqrt(p):.2f} and the {p + 1} generators are"
            " not distinct mod q: the graph would have multi-edges"
        )


def _generators_distinct(p: int, q: int) -> bool:
    """Whether the p+1 generators are distinct elements of PGL(2, q).

    Guaranteed when ``q > 2 sqrt(p)``; below that it holds for some pairs, e.g. (13, 5).
    """
    ranks = _rank(_canonicalise(generator_matrices(p, q), q, _inverses(q)), q)
    return np.unique(ranks).size == p + 1


def quaternion_generators(p: int) -> np.ndarray:
    """The ``p + 1`` solutions of ``a0^2+a1^2+a2^2+a3^2 = p``, ``a0 > 0`` odd, ``a1..a3`` even.

    Returns an int64 array of shape ``(p + 1, 4)`` in lexicographic order.

    Examples
    --------
    >>> quaternion_generators(5).tolist()
    [[1, -2, 0, 0], [1, 0, -2, 0], [1, 0, 0, -2], [1, 0, 0, 2], [1, 0, 2, 0], [1, 2, 0, 0]]
    """
    root = math.isqrt(p)
    found = []
    for a0 in range(1, root + 1, 2):
        for a1 in range(-root - root % 2, root + 1, 2):
            for a2 in range(-root - root % 2, root + 1, 2):
                rest = p - a0 * a0 - a1 * a1 - a2 * a2
                if rest < 0:
                    continue
                a3 = math.isqrt(rest)
                if a3 * a3 == rest and a3 % 2 == 0:
                    found.extend([(a0, a1, a2, a3)] if a3 == 0 else [(a0, a1, a2, -a3), (a0, a1, a2, a3)])
    generators = np.array(sorted(found), dtype=np.int64)
    if generators.shape[0] != p + 1:  # Jacobi's four-square theorem guarantees p + 1
        raise AssertionError(f"found {generators.shape[0]} generators for p={p}, expected {p + 1}")
    return generators


def generator_matrices(p: int, q: int) -> np.ndarray:
    """Generators as 2x2 matrices mod q, flattened to ``(p + 1, 4)`` rows ``[a, b, c, d]``.

    ``[[a0 + i a1, a2 + i a3], [-a2 + i a3, a0 - i a1]]`` with ``i^2 = -1 (mod q)``;
    each has determinant ``p (mod q)``.
    """
    i = int(sqrt_mod(q - 1, q))
    a0, a1, a2, a3 = quaternion_generators(p).T
    return np.stack([a0 + i * a1, a2 + i * a3, -a2 + i * a3, a0 - i * a1], axis=1) % q


@dataclass(frozen=True)
class LPSGraph:
    """An LPS Cayley graph: adjacency plus the facts needed to export it.

    Attributes
    ----------
    adjacency : scipy.sparse.csr_array
        ``N x N`` symmetric 0/1 matrix, ``(p+1)``-regular.
    group : str
        ``"PGL"`` (bipartite) or ``"PSL"``.
    det_is_square : numpy.ndarray
        Per vertex, whether the determinant of its matrix is a square mod q
        (the bipartition in the PGL case).
    """

    p: int
    q: int
    adjacency: sp.csr_array
    group: str
    det_is_square: np.ndarray

    @property
    def n_vertices(self) -> int:
        return int(self.adjacency.shape[0])

    @property
    def degree(self) -> int:
        return self.p + 1

    @property
    def is_bipartite(self) -> bool:
        return self.group == "PGL"

    def girth_lower_bound(self) -> float:
        """LPS girth bounds: ``2 log_p q`` (PSL), ``4 log_p q - log_p 4`` (PGL)."""
        log_pq = math.log(self.q) / math.log(self.p)
        return 4 * log_pq - math.log(4) / math.log(self.p) if self.is_bipartite else 2 * log_pq

    def bipartite(self) -> BipartiteGraph:
        """PGL: the graph itself with det classes as sides (``N/2 x N/2``); PSL: the double cover."""
        meta = {"method": "lps", "p": self.p, "q": self.q, "group": self.group, "form": "bipartite"}
        if not self.is_bipartite:
            graph = bipartite_double_cover(self.adjacency)
            graph.meta = meta
            return graph
        left = np.flatnonzero(self.det_is_square)
        right = np.flatnonzero(~self.det_is_square)
        graph = BipartiteGraph.from_biadjacency(self.adjacency[left][:, right])
        graph.meta = meta
        return graph

    def incidence(self) -> BipartiteGraph:
        """Edge-vertex incidence graph: ``(N (p+1) / 2) x N``, (2, p+1)-biregular."""
        graph = incidence_graph(self.adjacency)
        graph.meta = {"method": "lps", "p": self.p, "q": self.q, "group": self.group, "form": "incidence"}
        return graph


def _canonical_representatives(q: int) -> np.ndarray:
    """One matrix per element of PGL(2, q): ``[[1,b],[c,d]]`` (``d != bc``) and ``[[0,1],[c,d]]``."""
    b, c, d = (x.ravel() for x in np.meshgrid(np.arange(q), np.arange(q), np.arange(q), indexing="ij"))
    keep = (d - b * c) % q != 0
    with_a = np.stack([np.ones(keep.sum(), np.int64), b[keep], c[keep], d[keep]], axis=1)
    c0, d0 = (x.ravel() for x in np.meshgrid(np.arange(1, q), np.arange(q), indexing="ij"))
    without_a = np.stack([np.zeros(c0.size, np.int64), np.ones(c0.size, np.int64), c0, d0], axis=1)
    return np.concatenate([with_a, without_a])


def _inverses(q: int) -> np.ndarray:
    """Multiplicative inverses mod q (entry 0 unused)."""
    inverse = np.zeros(q, dtype=np.int64)
    inverse[1:] = [pow(x, -1, q) for x in range(1, q)]
    return inverse


def _rank(m: np.ndarray, q: int) -> np.ndarray:
    """Integer rank of canonical representatives (``m`` has rows ``[a, b, c, d]``)."""
    a, b, c, d = m[..., 0], m[..., 1], m[..., 2], m[..., 3]
    return np.where(a == 1, (b * q + c) * q + d, q**3 + c * q + d)


def _canonicalise(m: np.ndarray, q: int, inverse: np.ndarray) -> np.ndarray:
    """Scale each matrix so its first nonzero entry of the top row is 1."""
    lead = np.where(m[..., 0] != 0, m[..., 0], m[..., 1])
    return (m * inverse[lead][..., None]) % q


def lps_graph(p: int, q: int) -> LPSGraph:
    """Build the LPS Ramanujan graph X^{p,q}.

    Parameters
    ----------
    p, q : int
        Distinct primes, both ``1 mod 4``, ``q > 2 sqrt(p)``.

    Returns
    -------
    LPSGraph
        Adjacency on PGL(2, q) if ``(p/q) = -1`` (bipartite) else on PSL(2, q).

    Raises
    ------
    ValueError
        If (p, q) is not a valid pair (see :func:`check_lps_parameters`).

    Examples
    --------
    >>> g = lps_graph(5, 13)
    >>> g.group, g.n_vertices, g.degree
    ('PGL', 2184, 6)

    References
    ----------
    .. [1] A. Lubotzky, R. Phillips, P. Sarnak, "Ramanujan graphs",
       Combinatorica 8 (1988) 261-277.
    """
    check_lps_parameters(p, q)
    pgl = not is_quad_residue(p % q, q)
    reps = _canonical_representatives(q)
    squares = np.zeros(q, dtype=bool)
    squares[(np.arange(1, q) ** 2) % q] = True
    det_square = squares[(reps[:, 0] * reps[:, 3] - reps[:, 1] * reps[:, 2]) % q]
    if not pgl:
        reps, det_square = reps[det_square], det_square[det_square]
    n = reps.shape[0]
    lookup = np.full(q**3 + q**2, -1, dtype=np.int64)
    lookup[_rank(reps, q)] = np.arange(n)
    inverse = _inverses(q)
    gens = generator_matrices(p, q)
    a, b, c, d = (reps[:, None, k] for k in range(4))  # (n, 1)
    e, f, g, h = (gens[None, :, k] for k in range(4))  # (1, p+1)
    products = np.stack([a * e + b * g, a * f + b * h, c * e + d * g, c * f + d * h], axis=-1) % q
    neighbours = lookup[_rank(_canonicalise(products, q, inverse), q)]
    if np.any(neighbours < 0):  # pragma: no cover - would be a bug in the construction
        raise AssertionError("a product left the vertex set")
    ordered = np.sort(neighbours, axis=1)
    if np.any(ordered[:, 1:] == ordered[:, :-1]):
        raise ValueError(f"generators of X^{{{p},{q}}} are not distinct mod q (multi-edges)")
    adjacency = sp.csr_array(
        (
            np.ones(ordered.size, dtype=MASK_DTYPE),
            ordered.ravel().astype(np.int32),
            np.arange(0, ordered.size + 1, p + 1, dtype=np.int64),
        ),
        shape=(n, n),
    )
    return LPSGraph(p=p, q=q, adjacency=adjacency, group="PGL" if pgl else "PSL", det_is_square=det_square)


@dataclass(frozen=True)
class LPSShape:
    """One achievable LPS mask: parameters, form and its shape and degrees."""

    p: int
    q: int
    group: str
    n_vertices: int
    form: str
    n_left: int
    n_right: int
    dl: int
    dr: int


def lps_shapes(p: int, q: int) -> list[LPSShape]:
    """Mask shapes (left x right, degrees) that X^{p,q} gives in each bipartite form."""
    pgl = not is_quad_residue(p % q, q)
    n = q * (q * q - 1) // (1 if pgl else 2)
    group = "PGL" if pgl else "PSL"
    side = n // 2 if pgl else n
    edges = n * (p + 1) // 2
    return [
        LPSShape(p, q, group, n, "bipartite", side, side, p + 1, p + 1),
        LPSShape(p, q, group, n, "incidence", edges, n, 2, p + 1),
        LPSShape(p, q, group, n, "incidence-transposed", n, edges, p + 1, 2),
    ]


def lps_pairs(max_vertices: int = 1_000_000, max_p: int | None = None) -> list[tuple[int, int]]:
    """The (p, q) with ``q > 2 sqrt(p)`` and at most ``max_vertices`` vertices, by size then p.

    Pairs below ``2 sqrt(p)`` whose generators happen to be distinct (such as
    ``(13, 5)``) are accepted by :func:`lps_graph` but not listed.

    Examples
    --------
    >>> lps_pairs(3000)[:3]
    [(17, 13), (29, 13), (5, 13)]
    """
    primes = [x for x in range(5, 10_000, 4) if isprime(x)]
    pairs = []
    for q in primes:
        if q * (q * q - 1) // 2 > max_vertices:
            break
        for p in primes:
            if p * 4 >= q * q or (max_p is not None and p > max_p):
                break
            if p == q:
                continue
            n = q * (q * q - 1) // (1 if not is_quad_residue(p % q, q) else 2)
            if n <= max_vertices:
                pairs.append((n, p, q))
    return [(p, q) for _, p, q in sorted(pairs)]


def lps_mask(n_left: int, n_right: int, dl: int) -> BipartiteGraph:
    """The LPS graph whose bipartite or incidence form has exactly this shape and left degree.

    Raises
    ------
    ValueError
        When no LPS graph fits; the message lists the nearest achievable shapes.
    """
    candidates = []
    limit = max(n_left, n_right) * 4
    for p, q in lps_pairs(max_vertices=max(limit, 3000)):
        for shape in lps_shapes(p, q):
            if (shape.n_left, shape.n_right, shape.dl) == (n_left, n_right, dl):
                graph = lps_graph(p, q)
                mask = graph.bipartite() if shape.form == "bipartite" else graph.incidence()
                return mask.transpose() if shape.form == "incidence-transposed" else mask
            candidates.append(shape)

    def distance(s: LPSShape) -> float:
        return abs(math.log(s.n_left / n_left)) + abs(math.log(s.n_right / n_right)) + abs(s.dl - dl) / dl

    nearest = sorted(candidates, key=distance)[:4]
    listed = "; ".join(f"{s.n_left}x{s.n_right} dl={s.dl} (p={s.p}, q={s.q}, {s.form})" for s in nearest)
    raise ValueError(f"no LPS graph has shape {n_left}x{n_right} with dl={dl}; nearest: {listed}")
