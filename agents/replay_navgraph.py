"""Navigation-graph pages for ``agents.replay`` and ``agents.pages`` (the world's ``WorldSpec.replay_extras``): the
route on the map, the landmark scores, each visited node's views when a record has no frames, and the episode page's
world-specific lines (plan as a route, path length and SPL, how a drive ends, the command line's placeholder goal)."""
from __future__ import annotations

import base64

import numpy as np


def route_map(record: dict) -> str | None:
    """The route drawn on the graph's map, as base64 PNG."""
    from envs.navgraph.plot import plot_route
    from envs.navgraph.storage import load_graph

    plan = record.get("plan") or {}
    world = load_graph(record["final_state"]["graph"])
    chosen = plan.get("chosen", [])
    views = [world.image(n, int(v)) for n, v in zip(chosen, plan.get("best_view", [0] * len(chosen)))]
    png = plot_route(world, record["final_state"]["route"], chosen, plan.get("landmarks", []), views=views,
                     title=record["task"].get("instruction", "")[:90])
    return base64.b64encode(png).decode()


def html_parts(record: dict) -> list[str]:
    """The map with the route and chosen views, and the landmark scores (a record folder's plan; [] otherwise)."""
    import math

    from agents.pages.html import bar, esc, img, table

    plan = record.get("plan")
    if not isinstance(plan, dict) or "graph" not in (record.get("final_state") or {}):
        return []  # a benchmark record (plan = the route): no map data
    parts = ["<h2>Map and route</h2>", img(f"data:image/png;base64,{route_map(record)}", "map with the route", "wide"),
             f"<p>landmarks from the instruction ({esc(plan.get('source', ''))}): "
             f"{esc(', '.join(plan.get('landmarks', [])))}</p>"]
    if plan.get("top"):
        rows = []
        for lm, ch, top in zip(plan.get("landmarks", []), plan.get("chosen", []), plan["top"]):
            cells = " ".join(f"{n}: {math.exp(s):.2f}" for n, s in top)
            best = math.exp(top[0][1]) if top else None
            rows.append((esc(lm), esc(ch), bar(best, "comb"), esc(cells)))
        parts.append("<h3>Landmark scores: top nodes, P(node | landmark)</h3>"
                     + table(["landmark", "chosen node", "best score", "top nodes"], rows))
    return parts


def fallback_frames(record: dict) -> list[np.ndarray]:
    from envs.navgraph.storage import load_graph

    world = load_graph(record["final_state"]["graph"])
    return [np.concatenate(list(world.views(n)), axis=1) for n in record["final_state"]["route"]]


# -- episode page hooks (agents.pages) ----------------------------------------------------------------------------
START_FRAME_CLASS = "wide"  # a start frame is a panorama of the node's views


def plan_line(record: dict) -> str:
    """The route driven, node to node."""
    from agents.pages.html import esc

    route = (record.get("plan") or {}).get("route") if isinstance(record.get("plan"), dict) else record.get("plan")
    return " &rarr; ".join(esc(n) for n in (route or []))


def outcome_pairs(record: dict, metrics: dict) -> list[tuple[str, str]] | None:
    """Path length, SPL and the predicted landmarks for the outcome box; None when the record has no path length."""
    from agents.pages import text as T
    from agents.pages.html import esc

    m = metrics
    if "path_length" not in m:
        return None
    path = f"{m['path_length']:.1f} m"
    if T.goal_of(record) is not None and "shortest_length" in m:
        path += f" (shortest through the goal's nodes {m['shortest_length']:.1f} m, SPL {m['spl']:.3f})"
    pairs = [("path", path)]
    if m.get("landmarks_predicted"):
        pairs.append(("landmarks", esc(", ".join(m["landmarks_predicted"]))
                      + (f" <span class='muted'>({esc(m.get('landmark_source'))})</span>"
                         if m.get("landmark_source") else "")))
    return pairs


def ending_text(record: dict) -> str:
    return f"the route was driven to its end ({len(record.get('steps') or [])} moves)"


def placeholder_goal(record: dict, goal) -> bool:
    """True for the goal ``agents.lmnav`` records when run without --goal: reach the start node."""
    task = record.get("task") or {}
    if task.get("id") != "cli" or not isinstance(goal, dict):
        return False
    start = (task.get("init") or {}).get("start")
    return goal.get("landmarks") == [start] and not goal.get("radius")
