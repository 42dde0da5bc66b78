import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from expandermask import verify_graph
from expandermask.regular import (
    bfs_girth,
    bipartite_double_cover,
    incidence_graph,
    two_coloring,
    verify_regular,
)


def _adj(graph):
    return sp.csr_array(nx.to_scipy_sparse_array(graph, dtype=float))


@pytest.mark.parametrize(
    "graph",
    [nx.petersen_graph(), nx.complete_graph(6), nx.cycle_graph(8), nx.cycle_graph(9), nx.hypercube_graph(4)],
    ids=["petersen", "K6", "C8", "C9", "Q4"],
)
def test_report_matches_dense_numpy_and_networkx(graph):
    a = _adj(graph)
    report = verify_regular(a)
    eigenvalues = np.sort(np.linalg.eigvalsh(a.toarray()))
    d = int(a.sum(axis=1)[0])
    assert report.degree == d and report.is_regular
    assert report.is_bipartite == nx.is_bipartite(graph)
    assert report.lambda_1 == pytest.approx(eigenvalues[-1])
    assert report.lambda_min == pytest.approx(eigenvalues[0])
    inner = eigenvalues[1:-1] if report.is_bipartite else eigenvalues[:-1]
    assert report.nontrivial_max_abs == pytest.approx(np.abs(inner).max())
    assert report.is_ramanujan == (np.abs(inner).max() <= 2 * math.sqrt(d - 1) + 1e-9)
    assert report.girth == nx.girth(graph)


def test_sparse_route_matches_dense():
    graph = nx.random_regular_graph(5, 400, seed=1)
    dense = verify_regular(_adj(graph), solver="dense")
    sparse = verify_regular(_adj(graph), solver="sparse")
    assert sparse.nontrivial_max_abs == pytest.approx(dense.nontrivial_max_abs, abs=1e-8)
    assert sparse.lambda_2 == pytest.approx(dense.lambda_2, abs=1e-8)
    bip = nx.bipartite.random_graph(50, 50, 0.1, seed=2)
    cube = _adj(nx.hypercube_graph(7))
    assert verify_regular(cube, solver="sparse").nontrivial_max_abs == pytest.approx(5.0)
    assert bip is not None


def test_two_coloring_and_girth_hand_cases():
    assert two_coloring(_adj(nx.cycle_graph(5))) is None
    colors = two_coloring(_adj(nx.path_graph(4)))
    assert colors.tolist() in ([0, 1, 0, 1], [1, 0, 1, 0])
    assert bfs_girth(_adj(nx.path_graph(5))) is None
    assert bfs_girth(_adj(nx.cycle_graph(7))) == 7


def test_incidence_identity_for_regular_graph():
    graph = nx.random_regular_graph(4, 30, seed=0)
    a = _adj(graph)
    inc = incidence_graph(a)
    assert inc.shape == (60, 30) and inc.degrees == (2, 4)
    b = inc.biadjacency.astype(float)
    np.testing.assert_array_equal((b.T @ b).toarray(), 4 * np.eye(30) + a.toarray())
    # sigma^2 = d + lambda: Ramanujan graph -> Ramanujan incidence graph
    regular = verify_regular(a)
    report = verify_graph(inc)
    assert report.sigma_2**2 == pytest.approx(4 + regular.lambda_2)
    assert report.is_ramanujan == (regular.lambda_2 <= 2 * math.sqrt(3) + 1e-9)


def test_double_cover():
    a = _adj(nx.petersen_graph())
    cover = bipartite_double_cover(a)
    assert cover.shape == (10, 10) and cover.degrees == (3, 3)
    sigma = np.linalg.svd(a.toarray(), compute_uv=False)
    assert verify_graph(cover).sigma_2 == pytest.approx(sigma[1])


def test_rejects_non_square():
    with pytest.raises(ValueError, match="square"):
        verify_regular(np.ones((2, 3)))
