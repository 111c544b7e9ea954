"""Seeded layouts of navigation worlds: where the places (graph nodes), roads, landmarks and buildings go.

Two graph styles are shipped: ``grid`` (a jittered street grid with some blocks merged) and ``organic`` (Poisson-disk
places joined by a Gabriel graph, like paths across a campus). Every function takes a numpy Generator.
"""
from __future__ import annotations

import math

import networkx as nx
import numpy as np

MAX_DEGREE = 8  # action space size of the env; layouts never exceed it
BUILDING_COLORS = ((0.82, 0.76, 0.62), (0.7, 0.7, 0.72), (0.62, 0.5, 0.42), (0.85, 0.82, 0.78),
                   (0.55, 0.6, 0.55), (0.78, 0.66, 0.6))


def _seg_dist(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = float(np.clip(np.dot(p - a, ab) / max(np.dot(ab, ab), 1e-9), 0, 1))
    return float(np.linalg.norm(p - (a + t * ab)))


def _with_lengths(pos: np.ndarray, edges) -> nx.Graph:
    g = nx.Graph()
    for i, (x, y) in enumerate(pos):
        g.add_node(i, pos=(float(x), float(y)))
    for u, v in edges:
        g.add_edge(int(u), int(v), length=float(np.linalg.norm(pos[u] - pos[v])))
    return g


def _prune(g: nx.Graph, rng: np.random.Generator, fraction: float) -> None:
    """Drop about ``fraction`` of the edges at random, keeping the graph connected."""
    edges = sorted(g.edges())
    for i in rng.permutation(len(edges))[: int(fraction * len(edges))]:
        u, v = edges[i]
        data = g.edges[u, v]
        g.remove_edge(u, v)
        if not nx.is_connected(g):
            g.add_edge(u, v, **data)


def grid_graph(rng: np.random.Generator, nx_: int = 11, ny: int = 11, spacing: float = 6.0) -> nx.Graph:
    """A jittered street grid: nx_ x ny places, neighbours joined, ~15% of links removed."""
    pos = np.array([(i * spacing, j * spacing) for j in range(ny) for i in range(nx_)], dtype=float)
    pos += rng.uniform(-0.7, 0.7, size=pos.shape)
    edges = [(j * nx_ + i, j * nx_ + i + 1) for j in range(ny) for i in range(nx_ - 1)]
    edges += [(j * nx_ + i, (j + 1) * nx_ + i) for j in range(ny - 1) for i in range(nx_)]
    g = _with_lengths(pos, edges)
    _prune(g, rng, 0.15)
    return g


def poisson_disk(rng: np.random.Generator, width: float, height: float, r: float, tries: int = 30) -> np.ndarray:
    """Dart-throwing Poisson-disk sample: points at least ``r`` apart in a width x height box."""
    pts: list[np.ndarray] = []
    misses = 0
    while misses < tries * 50:
        p = rng.uniform((0, 0), (width, height))
        if all(np.linalg.norm(p - q) >= r for q in pts):
            pts.append(p)
            misses = 0
        else:
            misses += 1
    return np.array(pts)


def organic_graph(rng: np.random.Generator, width: float = 66.0, height: float = 54.0, r: float = 5.0) -> nx.Graph:
    """Poisson-disk places joined by a Gabriel graph (planar, connected), long links dropped, ~10% pruned."""
    pos = poisson_disk(rng, width, height, r)
    n = len(pos)
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    edges = []
    for u in range(n):
        for v in range(u + 1, n):
            if d[u, v] > 2.2 * r:
                continue
            mid = (pos[u] + pos[v]) / 2
            inside = np.linalg.norm(pos - mid, axis=1) < d[u, v] / 2 - 1e-9
            if not inside.any():
                edges.append((u, v))
    g = _with_lengths(pos, edges)
    g = g.subgraph(max(nx.connected_components(g), key=len)).copy()
    g = nx.convert_node_labels_to_integers(g, ordering="sorted")
    _prune(g, rng, 0.1)
    return g


def place_landmarks(g: nx.Graph, kinds, rng: np.random.Generator, offset: float = 2.8) -> list[dict]:
    """One landmark per kind beside a spread-out anchor node, away from every road."""
    pos = {n: np.array(g.nodes[n]["pos"]) for n in g}
    nodes = sorted(g)
    anchors = [nodes[int(rng.integers(len(nodes)))]]
    while len(anchors) < len(kinds):  # farthest-point sampling over the graph's places
        dmin = {n: min(np.linalg.norm(pos[n] - pos[a]) for a in anchors) for n in nodes}
        best = max(dmin.values())
        ties = [n for n in nodes if dmin[n] >= best - 1.5]
        anchors.append(ties[int(rng.integers(len(ties)))])
    segs = [(pos[u], pos[v]) for u, v in g.edges()]
    out = []
    for kind, a in zip(kinds, anchors):
        best_p, best_clear = None, -1.0
        for k in range(16):
            ang = 2 * math.pi * k / 16 + rng.uniform(0, 0.2)
            p = pos[a] + offset * np.array([math.cos(ang), math.sin(ang)])
            clear = min(_seg_dist(p, s, t) for s, t in segs)
            clear = min([clear] + [np.linalg.norm(p - np.array(o["position"])) - 2.0 for o in out])
            if clear > best_clear:
                best_p, best_clear = p, clear
        face = math.atan2(pos[a][1] - best_p[1], pos[a][0] - best_p[0])
        out.append({"kind": kind, "position": [float(best_p[0]), float(best_p[1])], "yaw": face, "anchor": int(a)})
    return out


def place_buildings(segs, landmarks, rng: np.random.Generator, bounds, n: int = 60, clearance: float = 1.8):
    """Boxes of muted colours that keep clear of roads, landmarks and each other."""
    (x0, y0), (x1, y1) = bounds
    out: list[dict] = []
    for _ in range(n * 20):
        if len(out) >= n:
            break
        w, d, h = rng.uniform(3, 6), rng.uniform(3, 6), rng.uniform(3, 7)
        p = rng.uniform((x0, y0), (x1, y1))
        rad = math.hypot(w, d) / 2
        if segs and min(_seg_dist(p, a, b) for a, b in segs) < rad + clearance:
            continue
        if any(np.linalg.norm(p - np.array(lm["position"])) < rad + 2.5 for lm in landmarks):
            continue
        if any(np.linalg.norm(p - np.array(o["position"])) < rad + o["radius"] + 0.5 for o in out):
            continue
        color = BUILDING_COLORS[int(rng.integers(len(BUILDING_COLORS)))]
        out.append({"position": [float(p[0]), float(p[1])], "size": [float(w), float(d), float(h)],
                    "radius": rad, "color": list(color), "yaw": float(rng.uniform(0, math.pi))})
    return out


def bounds_of(g: nx.Graph, margin: float = 8.0):
    xy = np.array([g.nodes[n]["pos"] for n in g])
    return tuple(xy.min(0) - margin), tuple(xy.max(0) + margin)
