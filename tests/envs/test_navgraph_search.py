"""LM-Nav's ordered landmark search against brute force on small graphs."""
import itertools

import networkx as nx
import numpy as np
import pytest

from compose.errors import InvalidInputError
from envs.navgraph.search import CSRGraph, search


def _random_graph(rng, n=9):
    pos = rng.uniform(0, 20, size=(n, 2))
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for u, v in itertools.combinations(range(n), 2):
        if rng.random() < 0.35:
            g.add_edge(u, v, length=float(np.linalg.norm(pos[u] - pos[v])))
    for u in range(n - 1):  # connected
        if not nx.has_path(g, u, u + 1):
            g.add_edge(u, u + 1, length=float(np.linalg.norm(pos[u] - pos[u + 1])))
    return g


def _brute(g, start, scores, alpha):
    d = dict(nx.all_pairs_dijkstra_path_length(g, weight="length"))
    best = -np.inf
    for combo in itertools.product(range(g.number_of_nodes()), repeat=scores.shape[0]):
        length = d[start][combo[0]] + sum(d[a][b] for a, b in zip(combo, combo[1:]))
        best = max(best, sum(scores[i, v] for i, v in enumerate(combo)) - alpha * length)
    return best


@pytest.mark.parametrize("backend", ["scipy", "python"])
@pytest.mark.parametrize("seed", range(6))
def test_search_matches_brute_force(seed, backend):
    rng = np.random.default_rng(seed)
    g = _random_graph(rng)
    L = 2 + seed % 2
    scores = rng.normal(size=(L, g.number_of_nodes())) * 3
    alpha = [0.0, 0.05, 0.3][seed % 3]
    res = search(g, 0, scores, alpha, backend=backend)
    assert res.objective == pytest.approx(_brute(g, 0, scores, alpha), abs=1e-6)
    assert res.route[0] == 0 and res.route[-1] == res.chosen[-1]
    assert all(g.has_edge(a, b) for a, b in zip(res.route, res.route[1:]))
    assert res.length == pytest.approx(nx.path_weight(g, res.route, "length") if len(res.route) > 1 else 0.0)
    pos = 0  # chosen nodes appear along the route in order (one place may serve consecutive landmarks)
    for c in res.chosen:
        pos = res.route.index(c, pos)


def test_alpha_trades_score_for_distance():
    g = nx.path_graph(6)
    nx.set_edge_attributes(g, 10.0, "length")
    scores = np.array([[0, 0, 1.0, 0, 0, 1.5]])
    assert search(g, 0, scores, 0.0).chosen == [5]  # free travel: best score
    assert search(g, 0, scores, 0.03).chosen == [2]  # 30 m more for +0.5 is not worth it


def test_search_rejects_bad_inputs():
    g = nx.path_graph(3)
    nx.set_edge_attributes(g, 1.0, "length")
    with pytest.raises(InvalidInputError, match="scores"):
        search(g, 0, np.zeros((1, 4)), 0.1)
    with pytest.raises(InvalidInputError, match="NaN"):
        search(g, 0, np.array([[0, np.nan, 0]]), 0.1)
    with pytest.raises(InvalidInputError, match="start"):
        search(g, 7, np.zeros((1, 3)), 0.1)
    with pytest.raises(InvalidInputError, match="alpha"):
        search(g, 0, np.zeros((1, 3)), -1)


def test_csr_roundtrip_and_large_graph_is_fast():
    import time

    rng = np.random.default_rng(0)
    side = 60
    g = nx.grid_2d_graph(side, side)
    g = nx.convert_node_labels_to_integers(g)
    for u, v in g.edges():
        g.edges[u, v]["length"] = float(rng.uniform(1, 3))
    csr = CSRGraph.from_networkx(g)
    assert csr.n == side * side and len(csr.indices) == 2 * g.number_of_edges()
    scores = rng.normal(size=(5, csr.n))
    t = time.perf_counter()
    res = search(csr, 0, scores, 0.05)
    assert time.perf_counter() - t < 5.0
    assert len(res.chosen) == 5
    slow = search(csr, 0, scores, 0.05, backend="python")
    assert slow.objective == pytest.approx(res.objective, abs=1e-6)
