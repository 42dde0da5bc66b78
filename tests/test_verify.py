import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

from expandermask import (
    BipartiteGraph,
    ramanujan_bound,
    random_biregular_graph,
    sigma2_lower_bound,
    verify_graph,
)
from tests.conftest import biregular_shapes, dense_singular_values

ATOL = 1e-8


def _check_against_dense(graph, report):
    sigma = dense_singular_values(graph)  # descending, length min(shape)
    assert report.sigma_1 == pytest.approx(sigma[0], abs=ATOL)
    if sigma.size > 1:
        assert report.sigma_2 == pytest.approx(sigma[1], abs=ATOL)
        assert report.sigma_min == pytest.approx(sigma[-1], abs=ATOL)
    rank = int(np.sum(sigma > 1e-9))
    if report.rank is not None:
        assert report.rank == rank
    nx_components = nx.number_connected_components(graph.to_networkx())
    assert report.n_components == nx_components


@settings(max_examples=80, deadline=None)
@given(biregular_shapes(max_side=30))
def test_dense_route_matches_numpy_svd(shape):
    graph = random_biregular_graph(*shape, seed=7)
    report = verify_graph(graph, solver="dense")
    n_left, n_right, dl = shape
    dr = n_left * dl // n_right
    assert (report.dl, report.dr) == (dl, dr)
    assert report.is_biregular and report.is_simple
    assert report.sigma_1 == pytest.approx(math.sqrt(dl * dr), abs=ATOL)
    _check_against_dense(graph, report)
    bound = math.sqrt(dl - 1) + math.sqrt(dr - 1)
    assert report.ramanujan_bound == pytest.approx(bound)
    assert report.is_ramanujan == (dense_singular_values(graph)[1:2].max(initial=0) <= bound + 1e-9)
    assert report.margin == pytest.approx(bound - report.sigma_2)
    # the trace lower bound really is a lower bound
    if report.sigma2_lower_bound is not None:
        assert report.sigma_2 >= report.sigma2_lower_bound - 1e-9


@pytest.mark.parametrize("shape", [(600, 60, 3), (200, 100, 4), (60, 120, 6), (300, 300, 5)])
def test_sparse_route_matches_dense(shape):
    graph = random_biregular_graph(*shape, seed=3)
    sparse = verify_graph(graph, solver="sparse", smallest=True)
    quick = verify_graph(graph, solver="sparse")
    assert quick.sigma_2 == pytest.approx(sparse.sigma_2, abs=ATOL)
    assert quick.sigma_min is None and quick.rank is None and quick.in_two_sided_band is None
    dense = verify_graph(graph, solver="dense")
    assert sparse.solver == "sparse" and dense.solver == "dense"
    _check_against_dense(graph, sparse)
    assert sparse.is_ramanujan == dense.is_ramanujan
    assert sparse.in_two_sided_band == dense.in_two_sided_band


def test_two_sided_band_by_hand():
    graph = random_biregular_graph(120, 40, 4, seed=1)
    report = verify_graph(graph)
    sigma = np.linalg.svd(graph.to_dense().astype(float), compute_uv=False)[1:]
    lower = abs(math.sqrt(report.dr - 1) - math.sqrt(report.dl - 1))
    sigma = sigma[sigma > 1e-9]
    expected = bool(np.all(sigma <= report.ramanujan_bound + 1e-9) and np.all(sigma >= lower - 1e-9))
    assert report.band_lower == pytest.approx(lower)
    assert report.in_two_sided_band == expected


def test_complete_bipartite_graph_hand_worked():
    # K_{3,4}: B = ones(3,4): sigma = (sqrt 12, 0, 0); Ramanujan, rank 1
    report = verify_graph(np.ones((3, 4), dtype=int))
    assert (report.dl, report.dr) == (4, 3)
    assert report.sigma_1 == pytest.approx(math.sqrt(12))
    assert report.sigma_2 == 0.0
    assert report.rank == 1
    assert report.is_ramanujan
    assert report.n_components == 1


def test_disconnected_graph_fails():
    # two disjoint copies of K_{2,2}: sigma_2 = sigma_1 = 2 > bound 2
    block = np.ones((2, 2), dtype=int)
    dense = np.block([[block, np.zeros((2, 2), int)], [np.zeros((2, 2), int), block]])
    report = verify_graph(dense)
    assert report.n_components == 2
    assert report.sigma_2 == pytest.approx(2.0)
    assert report.ramanujan_bound == pytest.approx(2.0)
    # 2 <= 2: the one-sided bound is met with equality (K_{2,2} pieces are Ramanujan-extremal)
    assert report.is_ramanujan


def test_dl_one_star_forest_fails():
    dense = np.kron(np.eye(3, dtype=int), np.ones((4, 1), dtype=int))  # 12 x 3, (1, 4)
    report = verify_graph(dense)
    assert (report.dl, report.dr) == (1, 4)
    assert report.n_components == 3
    assert report.sigma_2 == pytest.approx(2.0)
    assert not report.is_ramanujan
    assert report.sigma2_lower_bound == pytest.approx(2.0)


def test_not_biregular_reports_and_fails():
    dense = np.array([[1, 1, 0], [0, 1, 1], [0, 0, 1]])
    graph = BipartiteGraph.from_biadjacency(dense)
    report = verify_graph(graph)
    assert not report.is_biregular and not report.is_ramanujan
    assert report.dl is None and report.ramanujan_bound is None
    sigma = dense_singular_values(graph)
    assert report.sigma_1 == pytest.approx(sigma[0], abs=ATOL)
    assert report.sigma_2 == pytest.approx(sigma[1], abs=ATOL)
    assert "not biregular" in report.summary()


def test_bounds_by_hand():
    assert ramanujan_bound(2, 192) == pytest.approx(1 + math.sqrt(191))
    assert sigma2_lower_bound(768, 8, 2, 192) == pytest.approx(math.sqrt(192 * 6 / 7))
    assert sigma2_lower_bound(8, 768, 192, 2) == pytest.approx(math.sqrt(192 * 6 / 7))
    assert sigma2_lower_bound(5, 1, 1, 5) is None
    with pytest.raises(ValueError):
        ramanujan_bound(0, 3)


def test_report_round_trips_through_dict():
    report = verify_graph(random_biregular_graph(768, 8, 2, seed=0))
    from expandermask import VerificationReport

    assert VerificationReport.from_dict(report.to_dict()) == report
    with pytest.raises(ValueError):
        VerificationReport.from_dict({**report.to_dict(), "extra": 1})


def test_unknown_solver():
    with pytest.raises(ValueError, match="solver"):
        verify_graph(np.ones((2, 2)), solver="magic")
