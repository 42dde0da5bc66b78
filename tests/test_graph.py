import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from expandermask import BipartiteGraph


def test_hand_worked_degrees_and_density():
    g = BipartiteGraph.from_biadjacency(np.array([[1, 1, 0], [0, 1, 1]]))
    assert g.shape == (2, 3)
    assert g.n_edges == 4
    assert g.left_degrees.tolist() == [2, 2]
    assert g.right_degrees.tolist() == [1, 2, 1]
    assert g.degrees is None and not g.is_biregular
    assert g.density == pytest.approx(4 / 6)


def test_biregular_degrees():
    g = BipartiteGraph.from_biadjacency(np.array([[1, 1, 0, 0], [0, 0, 1, 1]]).T)
    assert g.degrees == (1, 2)


@pytest.mark.parametrize("bad", [np.array([[0, 2], [1, 0]]), np.array([[0.5, 1]]), np.array([-1, 1])])
def test_non_binary_or_non_2d_rejected(bad):
    with pytest.raises(ValueError):
        BipartiteGraph.from_biadjacency(bad)


def test_sparse_duplicates_summed_and_rejected():
    coo = sp.coo_array((np.ones(2), ([0, 0], [1, 1])), shape=(2, 2))
    with pytest.raises(ValueError, match="only 0 and 1"):
        BipartiteGraph.from_biadjacency(coo)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.data())
def test_networkx_round_trip(n_left, n_right, data):
    dense = np.array(
        data.draw(st.lists(st.integers(0, 1), min_size=n_left * n_right, max_size=n_left * n_right))
    ).reshape(n_left, n_right)
    g = BipartiteGraph.from_biadjacency(dense)
    nxg = g.to_networkx()
    assert nx.is_bipartite(nxg)
    assert nxg.number_of_edges() == dense.sum()
    assert {d["bipartite"] for _, d in nxg.nodes(data=True)} <= {0, 1}
    back = BipartiteGraph.from_networkx(nxg)
    np.testing.assert_array_equal(back.to_dense(), dense)
    ref = nx.bipartite.biadjacency_matrix(
        nxg, row_order=range(n_left), column_order=range(n_left, n_left + n_right)
    ).toarray()
    np.testing.assert_array_equal(ref, dense)
    np.testing.assert_array_equal(g.transpose().to_dense(), dense.T)
    adjacency = g.adjacency().toarray()
    np.testing.assert_array_equal(adjacency, adjacency.T)
    np.testing.assert_array_equal(adjacency[:n_left, n_left:], dense)


def test_from_networkx_checks_sides():
    graph = nx.complete_bipartite_graph(2, 3)
    assert BipartiteGraph.from_networkx(graph).degrees == (3, 2)
    graph.add_edge(0, 1)  # both on side 0
    with pytest.raises(ValueError, match="same side"):
        BipartiteGraph.from_networkx(graph)
    with pytest.raises(ValueError, match="bipartite"):
        BipartiteGraph.from_networkx(nx.path_graph(3))
