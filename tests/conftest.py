"""Shared fixtures and hypothesis strategies."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


@st.composite
def biregular_shapes(draw, max_side: int = 40):
    """Feasible (n_left, n_right, dl) triples, sparse and dense alike."""
    n_right = draw(st.integers(1, max_side))
    dl = draw(st.integers(1, n_right))
    # n_left * dl must be a multiple of n_right: n_left = k * n_right / gcd(dl, n_right)
    step = n_right // np.gcd(dl, n_right)
    k = draw(st.integers(1, max(1, max_side // step)))
    return int(k * step), int(n_right), int(dl)


def dense_singular_values(graph):
    """Reference singular values of a graph's 0/1 biadjacency by dense numpy SVD, descending."""
    return np.linalg.svd(graph.to_dense().astype(float), compute_uv=False)
