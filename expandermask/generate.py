"""Verified mask generation: build a graph, verify it, retry with fresh randomness.

This is the library form of ``expandermask generate``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from expandermask.exceptions import NotRamanujanError
from expandermask.graph import BipartiteGraph
from expandermask.random_biregular import DEFAULT_MIXING, random_biregular_graph, right_degree
from expandermask.verify import ramanujan_bound, sigma2_lower_bound, verify_graph

#: Construction methods :func:`generate_mask` knows.
METHODS = ("random", "lift", "lps")


def generate_mask(
    n_left: int,
    n_right: int,
    dl: int,
    *,
    method: str = "random",
    seed: int | np.random.Generator | None = 0,
    max_tries: int = 50,
    allow_non_ramanujan: bool = False,
    mixing: float = DEFAULT_MIXING,
    progress: Callable[[int, BipartiteGraph], None] | None = None,
    base: BipartiteGraph | None = None,
) -> BipartiteGraph:
    """A verified (dL, dR)-biregular Ramanujan mask of shape ``n_left x n_right``.

    Parameters
    ----------
    n_left, n_right : int
        Mask shape (left vertices are rows).
    dl : int
        Left degree (ones per row); the right degree is ``n_left * dl / n_right``.
    method : {"random", "lift", "lps"}
        ``"random"``: :func:`random_biregular_graph`; ``"lift"``: a Ramanujan
        r-covering of ``base`` (default ``K_{dR,dL}``, see
        :func:`expandermask.lifts.lift_mask`); ``"lps"``: the LPS graph whose bipartite
        or incidence form has exactly this shape (:func:`expandermask.lps.lps_mask`).
    seed : int, numpy.random.Generator or None
        The same int gives the same mask, bit for bit.
    max_tries : int
        Graphs sampled (each with fresh randomness from the same generator) before
        giving up.
    allow_non_ramanujan : bool
        If no graph passes, return the one with the smallest ``sigma_2`` (its
        report says it fails) instead of raising.
    mixing : float
        Random switchings per edge (see :func:`random_biregular_graph`).
    progress : callable, optional
        Called as ``progress(try_number, graph)`` after every verified try (random method).
    base : BipartiteGraph, optional
        Base graph for ``method="lift"``.

    Returns
    -------
    BipartiteGraph
        With ``report`` attached and ``meta`` recording method, seed and tries.

    Raises
    ------
    ValueError
        Infeasible shape, unknown method or bad ``max_tries``.
    NotRamanujanError
        No try passed and ``allow_non_ramanujan`` is false (also raised at once
        when the trace bound shows no graph of this shape can pass).

    Examples
    --------
    >>> mask = generate_mask(768, 8, 2, seed=0)
    >>> mask.degrees, mask.report.is_ramanujan, mask.density
    ((2, 192), True, 0.25)
    """
    dr = right_degree(n_left, n_right, dl)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    if isinstance(max_tries, bool) or not isinstance(max_tries, (int, np.integer)) or max_tries < 1:
        raise ValueError(f"max_tries must be a positive integer, got {max_tries!r}")
    if base is not None and method != "lift":
        raise ValueError("a base graph is only used with method 'lift'")
    lower = sigma2_lower_bound(n_left, n_right, dl, dr)
    bound = ramanujan_bound(dl, dr)
    if lower is not None and lower > bound + 1e-9 and not allow_non_ramanujan:
        raise NotRamanujanError(
            f"no ({dl}, {dr})-biregular graph on {n_left} x {n_right} can be Ramanujan:"
            f" every one has sigma_2 >= {lower:.4f} > bound {bound:.4f}"
        )
    if method == "lift":
        from expandermask.lifts import lift_mask

        return lift_mask(
            n_left,
            n_right,
            dl,
            base=base,
            seed=seed,
            max_tries=max_tries,
            allow_non_ramanujan=allow_non_ramanujan,
        )
    if method == "lps":
        from expandermask.lps import lps_mask

        mask = lps_mask(n_left, n_right, dl)
        mask.report = verify_graph(mask)
        mask.meta.update(seed=None, tries=1)
        if not mask.report.is_ramanujan and not allow_non_ramanujan:  # pragma: no cover - LPS theorem
            raise NotRamanujanError("LPS graph failed verification", best=mask)
        return mask
    rng = np.random.default_rng(seed)
    seed_meta = int(seed) if isinstance(seed, (int, np.integer)) else None
    best: BipartiteGraph | None = None
    for attempt in range(1, max_tries + 1):
        graph = random_biregular_graph(n_left, n_right, dl, seed=rng, mixing=mixing)
        graph.report = verify_graph(graph)
        graph.meta.update(method=method, seed=seed_meta, tries=attempt)
        if progress is not None:
            progress(attempt, graph)
        if graph.report.is_ramanujan:
            return graph
        if best is None or graph.report.sigma_2 < best.report.sigma_2:
            best = graph
    best.meta["tries"] = max_tries
    if allow_non_ramanujan:
        return best
    raise NotRamanujanError(
        f"no Ramanujan graph in {max_tries} tries: best sigma_2 {best.report.sigma_2:.4f}"
        f" > bound {bound:.4f}; raise max_tries or allow non-Ramanujan graphs",
        best=best,
    )
