import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from scipy.stats import chisquare

from expandermask import random_biregular_graph, right_degree
from expandermask._switching import repeated_slots
from tests.conftest import biregular_shapes


@settings(max_examples=120, deadline=None)
@given(biregular_shapes(), biregular_shapes().map(lambda s: s[0]))
def test_exact_degrees_and_simple(shape, seed):
    n_left, n_right, dl = shape
    g = random_biregular_graph(n_left, n_right, dl, seed=seed)
    dense = g.to_dense()
    assert dense.shape == (n_left, n_right)
    assert set(np.unique(dense)) <= {0, 1}  # no double edges survive
    assert np.all(dense.sum(axis=1) == dl)
    assert np.all(dense.sum(axis=0) == n_left * dl // n_right)
    # independent degree check with networkx
    nxg = g.to_networkx()
    assert {nxg.degree(v) for v in range(n_left)} == {dl}


@settings(max_examples=30, deadline=None)
@given(biregular_shapes())
def test_same_seed_same_graph(shape):
    a = random_biregular_graph(*shape, seed=123)
    b = random_biregular_graph(*shape, seed=123)
    np.testing.assert_array_equal(a.biadjacency.indices, b.biadjacency.indices)
    np.testing.assert_array_equal(a.biadjacency.indptr, b.biadjacency.indptr)


def test_xora_shape_many_double_edges_are_removed():
    # the raw stub pairing of (2, 192) on 768 x 8 has ~95 double edges
    rng = np.random.default_rng(0)
    raw = rng.permutation(np.repeat(np.arange(8, dtype=np.int32), 192))
    assert len(repeated_slots(raw, 2)) > 50
    g = random_biregular_graph(768, 8, 2, seed=0)
    assert g.degrees == (2, 192)
    assert g.to_dense().max() == 1


def test_different_seeds_differ():
    a = random_biregular_graph(768, 8, 2, seed=1).to_dense()
    b = random_biregular_graph(768, 8, 2, seed=2).to_dense()
    assert (a != b).any()


def test_sampler_is_uniform_on_small_shape():
    # 4x4 (2,2)-biregular 0/1 matrices: there are exactly 90; the sampler must hit
    # every one with equal frequency (chi-square goodness of fit).
    counts: dict[bytes, int] = {}
    n_samples = 2700
    for s in range(n_samples):
        key = random_biregular_graph(4, 4, 2, seed=s).to_dense().astype(np.int8).tobytes()
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 90
    assert chisquare(list(counts.values())).pvalue > 1e-4


def test_dense_shape_uses_complement_and_complete_graph():
    g = random_biregular_graph(40, 20, 19, seed=0)
    assert g.degrees == (19, 38)
    full = random_biregular_graph(5, 4, 4, seed=0)
    assert full.to_dense().sum() == 20


def test_switching_repairs_on_networkx_reference():
    # same degree sequence as networkx's configuration model: nx drops duplicates and breaks degrees
    nxg = nx.bipartite.configuration_model([2] * 768, [192] * 8, create_using=nx.Graph(), seed=0)
    assert min(d for _, d in nxg.degree(range(768))) < 2
    assert random_biregular_graph(768, 8, 2, seed=0).degrees == (2, 192)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((10, 8, 3), "not a whole number"),
        ((0, 8, 2), "positive"),
        ((8, -1, 2), "positive"),
        ((8, 4, 5), "between 1 and n_right"),
        ((8, 4, 0), "between 1 and n_right"),
        ((8.0, 4, 2), "integer"),
    ],
)
def test_infeasible_shapes_raise(args, message):
    with pytest.raises(ValueError, match=message):
        random_biregular_graph(*args, seed=0)
    with pytest.raises(ValueError, match=message):
        right_degree(*args)


def test_shape_too_large_for_memory_is_refused():
    with pytest.raises(MemoryError, match="GiB"):
        random_biregular_graph(10**12, 8, 2, seed=0)
