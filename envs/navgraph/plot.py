"""Draw a navigation graph with a route, the ground-truth landmarks and the chosen nodes' images (matplotlib, Agg)."""
from __future__ import annotations

import io

import numpy as np


def plot_route(world, route, chosen=(), phrases=(), path=None, views=None, title: str = "", goal=None) -> bytes:
    """Map (edges, landmarks, route, start, chosen nodes) above a row of the chosen nodes' best views.

    ``goal`` (a navgraph goal): a dashed circle of the goal radius around each target -- the landmark object
    itself -- numbered in visiting order; a route reaches a target when it enters its circle.

    ``views[i]`` is the HxWx3 image shown for ``chosen[i]`` (default: its first view). Returns PNG bytes and writes
    them to ``path`` when given.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = world.graph
    k = max(1, len(chosen))
    fig = plt.figure(figsize=(max(7.0, 1.8 * k), 8.2))
    ax = fig.add_axes((0.05, 0.3, 0.9, 0.64))
    for u, v in g.edges():
        (x0, y0), (x1, y1) = g.nodes[u]["pos"], g.nodes[v]["pos"]
        ax.plot([x0, x1], [y0, y1], color="0.8", lw=1, zorder=1)
    xy = np.array([g.nodes[n]["pos"] for n in sorted(g)])
    ax.scatter(xy[:, 0], xy[:, 1], s=6, color="0.55", zorder=2)
    for lm in world.landmarks:
        x, y = lm["position"]
        ax.scatter([x], [y], marker="*", s=60, color="tab:green", zorder=3)
        ax.annotate(lm["kind"], (x, y), fontsize=6, color="darkgreen", xytext=(2, 2), textcoords="offset points")
    if goal:
        from envs.navgraph.goals import target_points

        radius = float(goal.get("radius", 0))
        for i, (x, y) in enumerate(target_points(world.meta, goal["landmarks"])):
            ax.add_patch(plt.Circle((x, y), max(radius, 0.3), fill=False, ls="--", lw=1.2, color="tab:green",
                                    zorder=3, label="goal radius" if i == 0 else None))
            ax.annotate(f"goal {i + 1}", (x, y), fontsize=7, color="tab:green", xytext=(-8, 8),
                        textcoords="offset points")
    if route:
        r = np.array([g.nodes[n]["pos"] for n in route])
        ax.plot(r[:, 0], r[:, 1], color="tab:blue", lw=2.2, alpha=0.8, zorder=4, label="route")
        ax.scatter([r[0, 0]], [r[0, 1]], s=80, marker="s", color="tab:blue", zorder=5, label="start")
    for i, n in enumerate(chosen):
        x, y = g.nodes[n]["pos"]
        ax.scatter([x], [y], s=110, facecolors="none", edgecolors="tab:red", lw=2, zorder=6)
        ax.annotate(str(i + 1), (x, y), fontsize=9, color="tab:red", weight="bold", xytext=(4, -10),
                    textcoords="offset points")
    ax.set_aspect("equal")
    ax.set_title(title or f"{world.name}: {len(route)} nodes on the route", fontsize=10)
    ax.legend(loc="upper right", fontsize=7)
    ax.tick_params(labelsize=7)
    for i, n in enumerate(chosen):
        sub = fig.add_axes((0.05 + 0.9 * i / k, 0.02, 0.9 / k - 0.01, 0.22))
        img = views[i] if views is not None else world.image(n, 0)
        sub.imshow(img)
        sub.set_xticks([])
        sub.set_yticks([])
        label = phrases[i] if i < len(phrases) else ""
        sub.set_title(f"{i + 1}. {label}\nnode {n}", fontsize=7)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    data = buf.getvalue()
    if path:
        with open(path, "wb") as f:
            f.write(data)
    return data
