import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from expandermask import BipartiteGraph, generate_mask, random_biregular_graph, verify_graph
from expandermask.lifts import (
    iterated_two_lifts,
    lift_from_permutations,
    lift_mask,
    new_spectrum,
    ramanujan_covering,
    random_lift,
    random_permutations,
    signing_search,
    signs_to_permutations,
)
from tests.conftest import biregular_shapes


@settings(max_examples=40, deadline=None)
@given(biregular_shapes(max_side=12), st.integers(1, 4), st.integers(0, 10**6))
def test_lift_keeps_degrees_and_splits_spectrum(shape, r, seed):
    base = random_biregular_graph(*shape, seed=seed)
    perms = random_permutations(base.n_edges, r, seed)
    lift = lift_from_permutations(base, perms)
    assert lift.shape == (shape[0] * r, shape[1] * r)
    assert lift.degrees == base.degrees
    full = np.sort(np.linalg.svd(lift.to_dense().astype(float), compute_uv=False))
    base_sigma = np.linalg.svd(base.to_dense().astype(float), compute_uv=False)
    parts = np.sort(np.concatenate([base_sigma, new_spectrum(base, perms)]))
    np.testing.assert_allclose(full, parts, atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 4), st.integers(0, 10**6))
def test_regular_lift_spectrum_split(r, seed):
    a = sp.csr_array(nx.to_scipy_sparse_array(nx.random_regular_graph(3, 8, seed=seed % 1000)))
    perms = random_permutations(12, r, seed)
    lift = lift_from_permutations(a, perms)
    assert (lift != lift.T).nnz == 0
    assert np.all(np.diff(lift.indptr) == 3)
    full = np.sort(np.linalg.eigvalsh(lift.toarray()))
    parts = np.sort(np.concatenate([np.linalg.eigvalsh(a.toarray()), new_spectrum(a, perms)]))
    np.testing.assert_allclose(full, parts, atol=1e-9)


def test_two_lift_new_part_is_signed_matrix():
    base = random_biregular_graph(10, 5, 2, seed=0)
    signs = np.random.default_rng(1).choice([-1, 1], size=base.n_edges)
    signed = base.to_dense().astype(float)
    coo = base.biadjacency.tocoo()
    signed[coo.row, coo.col] = signs
    expected = np.linalg.svd(signed, compute_uv=False)
    got = new_spectrum(base, signs_to_permutations(signs))
    np.testing.assert_allclose(np.sort(got), np.sort(expected), atol=1e-12)


def test_random_lift_seeded():
    base = BipartiteGraph.from_biadjacency(np.ones((6, 2)))
    a, b = random_lift(base, 5, seed=3), random_lift(base, 5, seed=3)
    assert (a.biadjacency != b.biadjacency).nnz == 0
    assert a.degrees == (2, 6)


def test_ramanujan_covering_certificate():
    base = random_biregular_graph(12, 6, 3, seed=2)
    cover = ramanujan_covering(base, 3, seed=0)
    bound = math.sqrt(2) + math.sqrt(5)
    assert cover.is_ramanujan_covering and cover.bound == pytest.approx(bound)
    assert new_spectrum(base, cover.permutations).max() <= bound + 1e-9
    # a perfect matching has bound sqrt(0) + sqrt(0) = 0 but every lift's new values are 1
    matching = BipartiteGraph.from_biadjacency(np.eye(3, dtype=int))
    with pytest.raises(RuntimeError, match="no Ramanujan"):
        ramanujan_covering(matching, 2, max_tries=3, seed=0)
    best = ramanujan_covering(matching, 2, max_tries=3, seed=0, allow_fail=True)
    assert not best.is_ramanujan_covering and best.max_new == pytest.approx(1.0)


def test_signing_search_and_iterated_lifts():
    a = sp.csr_array(nx.to_scipy_sparse_array(nx.petersen_graph()))
    signs, value = signing_search(a, seed=0)
    signed = a.toarray().astype(float)
    u, v = sp.triu(a, 1).nonzero()
    signed[u, v] = signs
    signed[v, u] = signs
    assert value == pytest.approx(np.abs(np.linalg.eigvalsh(signed)).max())
    assert value <= 2 * math.sqrt(2) + 1e-9
    base = random_biregular_graph(20, 10, 3, seed=0)
    grown, values = iterated_two_lifts(base, 3, seed=0)
    assert grown.shape == (160, 80) and grown.degrees == (3, 6)
    assert max(values) <= math.sqrt(2) + math.sqrt(5) + 1e-9
    assert verify_graph(grown).is_ramanujan == verify_graph(base).is_ramanujan


def test_lift_mask_xora_shape_has_rank_deficit():
    mask = lift_mask(768, 8, 2, seed=0)
    assert mask.degrees == (2, 192)
    assert mask.report.is_ramanujan
    assert mask.report.rank == 8 - 2 + 1 == np.linalg.matrix_rank(mask.to_dense())
    assert generate_mask(768, 8, 2, method="lift").report.rank == 7
    with pytest.raises(ValueError, match="not whole"):
        lift_mask(768, 12, 5)
    base = random_biregular_graph(24, 4, 2, seed=0)
    lifted = generate_mask(96, 16, 2, method="lift", base=base, seed=1)
    assert lifted.degrees == (2, 12) and lifted.meta["r"] == 4
    with pytest.raises(ValueError, match="base degrees"):
        generate_mask(96, 16, 4, method="lift", base=base)
