"""Build a navigation-graph world: lay it out, make the PyBullet scene, render every node's views, save it.

``build_world(name, style, seed)`` is deterministic: the same seed gives the same graph, landmarks and images.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from tqdm import tqdm

from envs.navgraph import layout
from envs.navgraph.kinds import KIND_NAMES
from envs.navgraph.scene import Camera, Scene
from envs.navgraph.storage import DATA_DIR, save_graph

STYLES = {"grid": layout.grid_graph, "organic": layout.organic_graph}
# the shipped worlds: name -> (style, seed)
SHIPPED = {"town": ("grid", 101), "campus": ("organic", 202)}


@dataclass(frozen=True)
class BuildOptions:
    camera: Camera = Camera(size=64, fov=75.0, height=1.5, pitch=-4.0)
    n_views: int = 6  # headings 0, 60, ..., 300 degrees (world frame), overlapping with a 75 degree field of view
    n_buildings: int = 70
    min_pixels: int = 12  # a landmark counts as visible in a view when it covers at least this many pixels


def populate(scene: Scene, g: nx.Graph, landmarks: list[dict], buildings: list[dict], rng: np.random.Generator):
    """Put roads along the edges, the buildings and the landmarks into ``scene``."""
    for u, v in sorted(g.edges()):
        scene.add_road(g.nodes[u]["pos"], g.nodes[v]["pos"])
    for b in buildings:
        scene.add_building(*b["position"], *b["size"], tuple(b["color"]) + (1.0,), b["yaw"])
    for lm in landmarks:
        scene.add_landmark(lm["kind"], *lm["position"], lm["yaw"], rng)


def headings(n_views: int) -> list[float]:
    return [2 * math.pi * k / n_views for k in range(n_views)]


def build_world(name: str, style: str, seed: int, options: BuildOptions = BuildOptions(), progress: bool = True):
    """Lay out and render one world. Returns (graph, meta, images[node][view])."""
    rng = np.random.default_rng(seed)
    g = STYLES[style](rng)
    if max(d for _, d in g.degree()) > layout.MAX_DEGREE:
        raise RuntimeError(f"layout {style} seed {seed} has a node of degree > {layout.MAX_DEGREE}")
    kinds = list(KIND_NAMES)
    landmarks = layout.place_landmarks(g, kinds, rng)
    segs = [(np.array(g.nodes[u]["pos"]), np.array(g.nodes[v]["pos"])) for u, v in g.edges()]
    buildings = layout.place_buildings(segs, landmarks, rng, layout.bounds_of(g), n=options.n_buildings)
    heads = headings(options.n_views)
    images, visible = [], []
    with Scene() as scene:
        populate(scene, g, landmarks, buildings, rng)
        for n in tqdm(sorted(g), desc=f"render {name}", disable=not progress):
            x, y = g.nodes[n]["pos"]
            row, vis = [], []
            for yaw in heads:
                rgb, seg = scene.render(x, y, yaw, options.camera)
                row.append(rgb)
                vis.append(sorted([k, px] for k, px in scene.visible(seg, options.min_pixels).items()))
            images.append(row)
            visible.append(vis)
    for i, lm in enumerate(landmarks):
        lm["seen_from"] = sorted(n for n in g if any(k == i for view in visible[n] for k, _ in view))
    meta = {"style": style, "seed": seed, "camera": asdict(options.camera), "headings": heads,
            "landmarks": landmarks, "buildings": [{k: b[k] for k in ("position", "size", "color", "yaw")}
                                                   for b in buildings], "visible": visible}
    return g, meta, images


def build_shipped(directory: Path = DATA_DIR, names=None, progress: bool = True) -> list[str]:
    """Regenerate the shipped graphs (all of them, or ``names``) into ``directory``."""
    done = []
    for name, (style, seed) in SHIPPED.items():
        if names and name not in names:
            continue
        g, meta, images = build_world(name, style, seed, progress=progress)
        save_graph(directory, name, g, meta, images)
        done.append(name)
    return done
