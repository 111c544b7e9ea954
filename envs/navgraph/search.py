"""LM-Nav's graph search: the route from ``start`` that visits landmark nodes v_1..v_L in order and maximises

    sum_i score[i, v_i] - alpha * path length

Dynamic programming over (landmark index, node): layer i's cost is a multi-source Dijkstra seeded with layer i-1's
costs (any start offsets, non-negative edge weights), so the whole search is L+1 Dijkstra runs, O(L (E + N log N)).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import networkx as nx
import numpy as np

from compose.errors import InvalidInputError

TIE_BREAK = 1e-9  # per metre, so alpha = 0 still prefers shorter connections between the chosen nodes


@dataclass(frozen=True)
class CSRGraph:
    """Adjacency in compressed rows; nodes are 0..N-1."""

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def from_networkx(cls, g: nx.Graph, weight: str = "length") -> "CSRGraph":
        n = g.number_of_nodes()
        if sorted(g.nodes) != list(range(n)):
            raise InvalidInputError("graph nodes must be the integers 0..N-1")
        rows = [sorted(g.adj[u].items()) for u in range(n)]
        indptr = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
        indices = np.array([v for r in rows for v, _ in r], dtype=np.int64)
        weights = np.array([float(d[weight]) for r in rows for _, d in r], dtype=np.float64)
        return cls(indptr, indices, weights)


@dataclass(frozen=True)
class SearchResult:
    route: list[int]  # start ... v_L, consecutive nodes adjacent
    chosen: list[int]  # v_1..v_L
    objective: float  # summed scores - alpha * length
    length: float  # metres
    scores: list[float]  # score[i, v_i]


def _dijkstra(g: CSRGraph, init: np.ndarray, alpha: float):
    """Multi-source Dijkstra: dist[v] = min_u init[u] + alpha' * d(u, v); parent[v] is v's predecessor (-1: source)."""
    dist = init.astype(np.float64).copy()
    parent = np.full(g.n, -1, dtype=np.int64)
    step = alpha + TIE_BREAK
    indptr, indices = g.indptr.tolist(), g.indices.tolist()
    wts = (g.weights * step).tolist()
    d_list = dist.tolist()
    heap = [(d, v) for v, d in enumerate(d_list) if d < np.inf]
    heapq.heapify(heap)
    par = parent.tolist()
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        d, u = pop(heap)
        if d > d_list[u]:
            continue
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            nd = d + wts[k]
            if nd < d_list[v]:
                d_list[v] = nd
                par[v] = u
                push(heap, (nd, v))
    return np.array(d_list), np.array(par, dtype=np.int64)


def _dijkstra_scipy(g: CSRGraph, init: np.ndarray, alpha: float):
    """Same as ``_dijkstra`` in C (scipy.sparse.csgraph): a virtual source joined to every finite start offset."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n = g.n
    finite = np.flatnonzero(np.isfinite(init))
    base = float(init[finite].min())
    # weights must be > 0 (explicit zeros are not edges), so offsets start at 1.0
    data = np.concatenate([g.weights * (alpha + TIE_BREAK), init[finite] - base + 1.0])
    indices = np.concatenate([g.indices, finite])
    indptr = np.concatenate([g.indptr, [g.indptr[-1] + len(finite)]])
    m = csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
    dist, pred = dijkstra(m, directed=True, indices=n, return_predecessors=True)
    dist = dist[:n] + base - 1.0
    parent = pred[:n].astype(np.int64)
    parent[(parent == n) | (parent < 0)] = -1
    return dist, parent


def _walk_back(parent: np.ndarray, node: int) -> list[int]:
    path = [node]
    while parent[path[-1]] >= 0:
        path.append(int(parent[path[-1]]))
    return path[::-1]


def _backend(name: str):
    if name == "auto":
        try:
            import scipy.sparse.csgraph  # noqa: F401

            return _dijkstra_scipy
        except ImportError:  # pragma: no cover - scipy is a dependency, pure Python is the fallback
            return _dijkstra
    return {"scipy": _dijkstra_scipy, "python": _dijkstra}[name]


def search(graph: nx.Graph | CSRGraph, start: int, scores: np.ndarray, alpha: float,
           backend: str = "auto") -> SearchResult:
    """Best route through one node per landmark, in order. ``scores`` is (L, N), higher is better.

    ``backend``: "scipy" (C Dijkstra), "python" (heapq) or "auto" (scipy when installed)."""
    dijkstra = _backend(backend)
    g = graph if isinstance(graph, CSRGraph) else CSRGraph.from_networkx(graph)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] != g.n or scores.shape[0] == 0:
        raise InvalidInputError(f"scores must be (landmarks >= 1, {g.n} nodes), got {scores.shape}")
    if not np.isfinite(scores).all():
        raise InvalidInputError("scores contain NaN or infinity")
    if not 0 <= int(start) < g.n:
        raise InvalidInputError(f"start node {start} is not in the graph (0..{g.n - 1})")
    if not np.isfinite(alpha) or alpha < 0:
        raise InvalidInputError(f"alpha must be a finite number >= 0, got {alpha}")
    init = np.full(g.n, np.inf)
    init[int(start)] = 0.0
    parents = []
    cost = init
    for i in range(scores.shape[0]):
        reach, parent = dijkstra(g, cost, alpha)
        parents.append(parent)
        cost = reach - scores[i]  # cost of being at v having matched landmarks 0..i with v_i = v
    if not np.isfinite(cost).any():
        raise InvalidInputError("no landmark node is reachable from the start")
    chosen = [int(np.argmin(cost))]
    segments = []
    for i in range(scores.shape[0] - 1, -1, -1):
        seg = _walk_back(parents[i], chosen[0])
        segments.append(seg)
        if i > 0:
            chosen.insert(0, seg[0])
    route = segments[-1]
    for seg in reversed(segments[:-1]):
        route += seg[1:]
    if route[0] != int(start):
        raise AssertionError("search backtrack did not reach the start")
    length = float(sum(_edge(g, a, b) for a, b in zip(route, route[1:])))
    picked = [float(scores[i, v]) for i, v in enumerate(chosen)]
    return SearchResult(route, chosen, float(sum(picked) - alpha * length), length, picked)


def _edge(g: CSRGraph, a: int, b: int) -> float:
    lo, hi = g.indptr[a], g.indptr[a + 1]
    k = lo + int(np.searchsorted(g.indices[lo:hi], b))
    return float(g.weights[k])
