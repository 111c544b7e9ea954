"""Task-world contract for ``navgraph`` (docs/tasks.md): validate init/goal, check a goal on a state, judge a plan.

goal = ``{"landmarks": [targets in visiting order], "radius": metres (default 0)}``. A target is either a landmark
object of the graph, by kind (``"tree"``: the object itself, as a person sees it -- what the task files use), or a
node id (a place). Satisfied when the route passes within ``radius`` of each target in order and ends within
``radius`` of the last one; distances are from the object's own position, or from the node's.
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


def _object_positions(meta: dict) -> dict[str, tuple[float, float]]:
    return {lm["kind"]: tuple(lm["position"]) for lm in meta["landmarks"]}


def validate_goal(goal, where: str = "goal", init: dict | None = None) -> None:
    """Structure always; targets too when ``init`` (already valid) names the graph."""
    from envs.navgraph.kinds import KIND_NAMES

    if not isinstance(goal, dict):
        raise InvalidInputError(f"{where}: must be an object like {{\"landmarks\": [\"tree\", \"bench\"], "
                                f"\"radius\": 6}}")
    for key in goal:
        if key not in ("landmarks", "radius"):
            raise InvalidInputError(f"{where}.{key}: unknown predicate (navgraph goals have landmarks and radius)")
    lms = goal.get("landmarks")
    if not isinstance(lms, list) or not lms:
        raise InvalidInputError(f"{where}.landmarks: must be a non-empty list of landmark kinds or node ids")
    for i, n in enumerate(lms):
        if isinstance(n, str):
            if n not in KIND_NAMES:
                raise InvalidInputError(f"{where}.landmarks[{i}]: {n!r} is not a landmark kind; known: "
                                        f"{', '.join(KIND_NAMES)}")
        elif not _is_int(n) or n < 0:
            raise InvalidInputError(f"{where}.landmarks[{i}]: {n!r} is neither a landmark kind nor a node id")
    radius = goal.get("radius", 0)
    if not isinstance(radius, Real) or isinstance(radius, bool) or not math.isfinite(radius) or radius < 0:
        raise InvalidInputError(f"{where}.radius: must be a number >= 0 (metres), got {radius!r}")
    if init is not None and isinstance(init, dict) and isinstance(init.get("graph"), str):
        meta = read_meta(init["graph"])
        ids, objects = _node_ids(meta), _object_positions(meta)
        node_pos = [tuple(nd["pos"]) for nd in meta["nodes"]]
        for i, n in enumerate(lms):
            if isinstance(n, str):
                if n not in objects:
                    raise InvalidInputError(f"{where}.landmarks[{i}]: graph {init['graph']!r} has no {n!r}")
                if not any(math.dist(p, objects[n]) <= radius + 1e-9 for p in node_pos):
                    raise InvalidInputError(f"{where}.landmarks[{i}]: no place of graph {init['graph']!r} is within "
                                            f"{radius} m of the {n}; use a larger radius")
            elif n not in ids:
                raise InvalidInputError(f"{where}.landmarks[{i}]: {n} is not a node of graph {init['graph']!r}")


def _positions(graph: str) -> dict[int, tuple[float, float]]:
    return {int(n["id"]): tuple(n["pos"]) for n in read_meta(graph)["nodes"]}


def target_points(graph, landmarks) -> list[tuple[float, float]]:
    """Where each goal target is: a landmark object's own position, or a node's. ``graph``: a name or its meta."""
    meta = read_meta(graph) if isinstance(graph, str) else graph
    objects = _object_positions(meta)
    pos = {int(n["id"]): tuple(n["pos"]) for n in meta["nodes"]}
    return [objects[t] if isinstance(t, str) else pos[int(t)] for t in landmarks]


def visits_points(route, points, radius: float, pos) -> bool:
    """True when ``route`` passes within ``radius`` of each point in order and ends within it of the last."""
    if not route or not points:
        return False

    def near(node, p):
        return math.dist(pos[node], p) <= radius + 1e-9

    i = 0
    for node in route:
        while i < len(points) and near(node, points[i]):
            i += 1  # the same place may satisfy consecutive landmarks
    return i == len(points) and near(route[-1], points[-1])


def route_visits(route, landmarks, radius: float, pos) -> bool:
    """``visits_points`` for landmark node ids (positions from ``pos``)."""
    return visits_points(route, [pos[n] for n in landmarks], radius, pos)


def check_goal(goal: dict, state: dict) -> bool:
    """``state``: {"graph", "route": [executed nodes], ...} as returned by NavGraphEnv.state()."""
    route = [int(n) for n in state.get("route") or [state["node"]]]
    return visits_points(route, target_points(state["graph"], goal["landmarks"]), float(goal.get("radius", 0)),
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


def shortest_through(graph_name: str, start: int, landmarks, radius: float = 0.0) -> float:
    """Length of the shortest route from ``start`` that satisfies the goal (``landmarks``, ``radius``): it passes,
    in order, a place within ``radius`` of each target. The same ordered search as LM-Nav, with 0/-inf scores."""
    import numpy as np

    from envs.navgraph.search import search
    from envs.navgraph.storage import load_graph

    g = load_graph(graph_name).graph
    pos = _positions(graph_name)
    nodes = sorted(g)
    scores = np.full((len(landmarks), len(nodes)), -1e9)
    for i, p in enumerate(target_points(graph_name, landmarks)):
        for n in nodes:
            if math.dist(pos[n], p) <= radius + 1e-9:
                scores[i, n] = 0.0
    if (scores.max(axis=1) < 0).any():
        raise InvalidInputError(f"no place of {graph_name!r} is within {radius} m of some goal landmark")
    return float(search(g, int(start), scores, alpha=1.0).length)
