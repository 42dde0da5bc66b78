import math

import networkx as nx
import numpy as np
import pytest
from sympy.ntheory import is_quad_residue

from expandermask import verify_graph
from expandermask.lps import (
    check_lps_parameters,
    generator_matrices,
    lps_graph,
    lps_mask,
    lps_pairs,
    lps_shapes,
    quaternion_generators,
)

SMALL = [(5, 13), (13, 5), (5, 17), (13, 17), (17, 13), pytest.param((5, 29), marks=pytest.mark.slow)]


@pytest.fixture(scope="module", params=SMALL, ids=lambda pq: f"X{pq[0]},{pq[1]}")
def lps(request):
    return lps_graph(*request.param)


def test_vertex_count_group_and_regularity(lps):
    p, q = lps.p, lps.q
    bipartite = not is_quad_residue(p, q)  # (p/q) = -1
    expected = q * (q * q - 1) // (1 if bipartite else 2)
    assert lps.n_vertices == expected
    assert lps.group == ("PGL" if bipartite else "PSL")
    a = lps.adjacency
    assert (a != a.T).nnz == 0  # undirected: generators closed under inverses
    assert a.diagonal().sum() == 0
    assert np.all(np.diff(a.indptr) == p + 1)
    assert a.data.max() == 1


def test_spectrum_by_dense_numpy(lps):
    p = lps.p
    eigenvalues = np.sort(np.linalg.eigvalsh(lps.adjacency.toarray().astype(float)))
    assert eigenvalues[-1] == pytest.approx(p + 1)
    has_minus_d = abs(eigenvalues[0] + p + 1) < 1e-8
    assert has_minus_d == lps.is_bipartite  # bipartite iff (p/q) = -1
    inner = eigenvalues[1:-1] if lps.is_bipartite else eigenvalues[:-1]
    assert np.abs(inner).max() <= 2 * math.sqrt(p) + 1e-9  # Ramanujan


def test_networkx_bipartite_connected_girth(lps):
    graph = nx.from_scipy_sparse_array(lps.adjacency)
    assert nx.is_connected(graph)
    assert nx.is_bipartite(graph) == lps.is_bipartite
    from expandermask.regular import bfs_girth

    girth = nx.girth(graph)
    assert bfs_girth(lps.adjacency) == girth
    assert girth >= lps.girth_lower_bound() - 1e-9 or lps.q * lps.q <= 4 * lps.p


def test_bipartite_and_incidence_forms_are_ramanujan(lps):
    p = lps.p
    bip = lps.bipartite()
    side = lps.n_vertices // 2 if lps.is_bipartite else lps.n_vertices
    assert bip.shape == (side, side) and bip.degrees == (p + 1, p + 1)
    assert verify_graph(bip).is_ramanujan
    inc = lps.incidence()
    assert inc.shape == (lps.n_vertices * (p + 1) // 2, lps.n_vertices)
    assert inc.degrees == (2, p + 1)
    report = verify_graph(inc)
    assert report.is_ramanujan
    # B^T B = d I + A, so sigma^2 = d + lambda
    b = inc.biadjacency.astype(float)
    gram = (b.T @ b).toarray()
    np.testing.assert_array_equal(gram, (p + 1) * np.eye(lps.n_vertices) + lps.adjacency.toarray())


def test_generators():
    for p in (5, 13, 17, 29, 37, 101):
        gens = quaternion_generators(p)
        assert gens.shape == (p + 1, 4)
        assert np.all((gens**2).sum(axis=1) == p)
        assert np.all(gens[:, 0] > 0) and np.all(gens[:, 0] % 2 == 1) and np.all(gens[:, 1:] % 2 == 0)
    m = generator_matrices(5, 13)
    assert np.all((m[:, 0] * m[:, 3] - m[:, 1] * m[:, 2]) % 13 == 5)  # det = p mod q


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        (7, 13, "1 mod 4"),
        (5, 15, "prime"),
        (13, 13, "different"),
        (29, 5, "not distinct"),
        (2, 13, "1 mod 4"),
        (5.0, 13, "integer"),
    ],
)
def test_invalid_parameters(p, q, message):
    with pytest.raises(ValueError, match=message):
        check_lps_parameters(p, q)
    with pytest.raises(ValueError, match=message):
        lps_graph(p, q)


def test_pairs_and_shapes_are_consistent():
    pairs = lps_pairs(3000)
    assert (5, 13) in pairs and (17, 13) in pairs
    assert all(q * q > 4 * p for p, q in pairs)
    for p, q in pairs[:3]:
        graph = lps_graph(p, q)
        for shape in lps_shapes(p, q):
            assert shape.n_vertices == graph.n_vertices


def test_lps_mask_fits_or_lists_nearest():
    mask = lps_mask(6552, 2184, 2)
    assert mask.degrees == (2, 6) and mask.meta["p"] == 5
    transposed = lps_mask(2184, 6552, 6)
    assert transposed.degrees == (6, 2)
    with pytest.raises(ValueError, match=r"nearest: .*p=5, q=13"):
        lps_mask(768, 8, 2)
