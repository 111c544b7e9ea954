"""Task-world contract for ``navgraph`` (docs/tasks.md): validate init/goal, check a goal on a state, judge a plan.

goal = ``{"landmarks": [node ids in visiting order], "radius": metres (default 0)}``: satisfied when the route passes
within ``radius`` of each landmark node in order and ends within ``radius`` of the last one.
"""
from __future__ import annotations

import math
from numbers import Real

from compose.errors import InvalidInputError, UnknownNameError
from envs.navgraph.storage import list_graphs, read_meta


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _node_ids(meta: dict) -> set[int]:
    return {int(n["id"]) for n in meta["nodes"]}


def validate_init(init, where: str = "init") -> None:
    if not isinstance(init, dict):
        raise InvalidInputError(f"{where}: must be an object like {{\"graph\": \"town\", \"start\": 0}}")
    for key in init:
        if key not in ("graph", "start"):
            raise InvalidInputError(f"{where}.{key}: unknown field (navgraph init has graph and start)")
    if "graph" not in init:
        raise InvalidInputError(f"{where}.graph: missing; shipped graphs: {', '.join(list_graphs())}")
    if not isinstance(init["graph"], str):
        raise InvalidInputError(f"{where}.graph: must be a graph name string")
    try:
        meta = read_meta(init["graph"])
    except UnknownNameError as exc:
        raise InvalidInputError(f"{where}.graph: {exc}") from None
    if "start" not in init:
        raise InvalidInputError(f"{where}.start: missing (a node id)")
    if not _is_int(init["start"]) or init["start"] not in _node_ids(meta):
        raise InvalidInputError(f"{where}.start: {init['start']!r} is not a node of graph {init['graph']!r} "
                                f"(nodes are 0..{len(meta['nodes']) - 1})")


def validate_goal(goal, where: str = "goal", init: dict | None = None) -> None:
    """Structure always; node ids too when ``init`` (already valid) names the graph."""
    if not isinstance(goal, dict):
        raise InvalidInputError(f"{where}: must be an object like {{\"landmarks\": [3, 17], \"radius\": 0}}")
    for key in goal:
        if key not in ("landmarks", "radius"):
            raise InvalidInputError(f"{where}.{key}: unknown predicate (navgraph goals have landmarks and radius)")
    lms = goal.get("landmarks")
    if not isinstance(lms, list) or not lms:
        raise InvalidInputError(f"{where}.landmarks: must be a non-empty list of node ids")
    for i, n in enumerate(lms):
        if not _is_int(n) or n < 0:
            raise InvalidInputError(f"{where}.landmarks[{i}]: {n!r} is not a node id (a non-negative integer)")
    radius = goal.get("radius", 0)
    if not isinstance(radius, Real) or isinstance(radius, bool) or not math.isfinite(radius) or radius < 0:
        raise InvalidInputError(f"{where}.radius: must be a number >= 0 (metres), got {radius!r}")
    if init is not None and isinstance(init, dict) and isinstance(init.get("graph"), str):
        ids = _node_ids(read_meta(init["graph"]))
        for i, n in enumerate(lms):
            if n not in ids:
                raise InvalidInputError(f"{where}.landmarks[{i}]: {n} is not a node of graph {init['graph']!r}")


def _positions(graph: str) -> dict[int, tuple[float, float]]:
    return {int(n["id"]): tuple(n["pos"]) for n in read_meta(graph)["nodes"]}


def route_visits(route, landmarks, radius: float, pos) -> bool:
    """True when ``route`` passes within ``radius`` of each landmark in order and ends within it of the last."""
    if not route:
        return False

    def near(a, b):
        return math.dist(pos[a], pos[b]) <= radius + 1e-9

    i = 0
    for node in route:
        while i < len(landmarks) and near(node, landmarks[i]):
            i += 1  # the same place may satisfy consecutive landmarks
    return i == len(landmarks) and near(route[-1], landmarks[-1])


def check_goal(goal: dict, state: dict) -> bool:
    """``state``: {"graph", "route": [executed nodes], ...} as returned by NavGraphEnv.state()."""
    route = [int(n) for n in state.get("route") or [state["node"]]]
    return route_visits(route, [int(n) for n in goal["landmarks"]], float(goal.get("radius", 0)),
                        _positions(state["graph"]))


def plan_success(task: dict, plan) -> bool:
    """Would the planned route (node ids as ints or strings, starting anywhere) satisfy the task's goal?"""
    try:
        route = [int(n) for n in plan]
    except (TypeError, ValueError):
        return False
    graph = task["init"]["graph"]
    pos = _positions(graph)
    if not route or any(n not in pos for n in route):
        return False
    if route[0] != int(task["init"]["start"]):
        route = [int(task["init"]["start"])] + route
    return check_goal(task["goal"], {"graph": graph, "route": route})


def shortest_through(graph_name: str, start: int, landmarks) -> float:
    """Length of the shortest route from ``start`` through ``landmarks`` in order (radius 0)."""
    import networkx as nx

    from envs.navgraph.storage import load_graph

    g = load_graph(graph_name).graph
    total, cur = 0.0, int(start)
    for n in landmarks:
        total += nx.shortest_path_length(g, cur, int(n), weight="length")
        cur = int(n)
    return float(total)
