"""Navigation-graph pages for ``agents.replay`` (the world's ``WorldSpec.replay_extras``): the route on the map, the
landmark scores, and each visited node's views when a record has no frames."""
from __future__ import annotations

import base64
import html
import json

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
    esc = html.escape
    plan = record.get("plan") or {}
    parts = [f"<p><b>Landmarks:</b> {esc(json.dumps(plan.get('landmarks', [])))} "
             f"({esc(str(plan.get('source', '')))})</p>"]
    img = route_map(record)
    parts.append(f"<img alt='map' src='data:image/png;base64,{img}'>")
    if plan.get("top"):
        parts.append("<h2>Landmark scores (top nodes, log P(node | landmark))</h2><table><tr><th>landmark</th>"
                     "<th>chosen</th><th>top nodes</th></tr>")
        for lm, ch, top in zip(plan["landmarks"], plan.get("chosen", []), plan["top"]):
            tops = ", ".join(f"{n}: {s:.2f}" for n, s in top)
            parts.append(f"<tr><td>{esc(lm)}</td><td>{ch}</td><td>{esc(tops)}</td></tr>")
        parts.append("</table>")
    return parts


def fallback_frames(record: dict) -> list[np.ndarray]:
    from envs.navgraph.storage import load_graph

    world = load_graph(record["final_state"]["graph"])
    return [np.concatenate(list(world.views(n)), axis=1) for n in record["final_state"]["route"]]
