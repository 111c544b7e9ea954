"""Render captioned training / evaluation images from random layouts of the navigation worlds.

Layout seeds are disjoint from the shipped graphs' (see envs.navgraph.build.SHIPPED): training uses
``TRAIN_SEED_BASE + i``, held-out evaluation ``EVAL_SEED_BASE + i`` and also draws new camera heights and pitches.
Labels come from the simulator's segmentation mask: the landmark kind covering the most pixels when it is prominent
(the camera is at it), otherwise background -- so "the red car" means being next to it, as LM-Nav needs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from envs.navgraph import layout
from envs.navgraph.build import SHIPPED, populate
from envs.navgraph.kinds import KIND_NAMES
from envs.navgraph.scene import Camera, Scene

TRAIN_SEED_BASE = 10_000
EVAL_SEED_BASE = 20_000
BACKGROUND_LABEL = len(KIND_NAMES)  # label index of "no landmark"
assert all(seed < TRAIN_SEED_BASE for _, seed in SHIPPED.values())


@dataclass(frozen=True)
class RenderSpec:
    n_layouts: int = 60
    views_per_landmark: int = 5
    random_views: int = 20  # views from random graph nodes and headings per layout
    held_out: bool = False  # evaluation: new camera heights / pitches and the evaluation seed range
    seed: int = 0
    size: int = 64


PROMINENT = 120  # pixels (of 64x64): a view is "at" a landmark when it covers at least this much


@dataclass
class Dataset:
    """Rendered views with per-kind pixel counts; labels follow from the counts (see ``label_views``)."""

    images: np.ndarray  # (N, H, W, 3) uint8
    pixels: np.ndarray  # (N, K) int: pixels each landmark kind covers in the view
    layout_seeds: np.ndarray  # (N,) which layout each image came from

    def __post_init__(self):
        self.labels, self.visible = label_views(self.pixels)

    def __len__(self) -> int:
        return len(self.labels)


def label_views(pixels: np.ndarray, prominent: int = PROMINENT):
    """Label = the kind covering the most pixels if it is prominent, else background (far or no landmark).

    ``visible`` (N, K+1) marks kinds that are neither the label nor clearly absent (>= prominent / 2 pixels): the
    loss does not use them as negatives for that view. The background label is never masked.
    """
    pixels = np.asarray(pixels)
    n, k = pixels.shape
    best = pixels.argmax(axis=1)
    labels = np.where(pixels[np.arange(n), best] >= prominent, best, k)  # k: background (BACKGROUND_LABEL)
    visible = np.zeros((n, k + 1), dtype=bool)
    visible[:, :k] = pixels >= prominent // 2
    visible[np.arange(n), labels] = True
    return labels.astype(np.int64), visible


def _small_world(rng: np.random.Generator):
    if rng.random() < 0.5:
        g = layout.grid_graph(rng, int(rng.integers(4, 7)), int(rng.integers(4, 7)), float(rng.uniform(5.0, 7.5)))
    else:
        g = layout.organic_graph(rng, float(rng.uniform(25, 40)), float(rng.uniform(25, 40)), float(rng.uniform(4.5, 6)))
    n_kinds = int(rng.integers(5, len(KIND_NAMES) + 1))
    kinds = [KIND_NAMES[i] for i in rng.permutation(len(KIND_NAMES))[:n_kinds]]
    kinds = kinds[: max(1, min(len(kinds), len(g) // 2))]
    landmarks = layout.place_landmarks(g, kinds, rng, offset=float(rng.uniform(2.2, 3.6)))
    segs = [(np.array(g.nodes[u]["pos"]), np.array(g.nodes[v]["pos"])) for u, v in g.edges()]
    buildings = layout.place_buildings(segs, landmarks, rng, layout.bounds_of(g), n=int(rng.integers(15, 45)))
    return g, landmarks, buildings


def _camera(rng: np.random.Generator, spec: RenderSpec) -> Camera:
    if spec.held_out:
        return Camera(size=spec.size, fov=float(rng.uniform(65, 85)), height=float(rng.uniform(1.2, 1.9)),
                      pitch=float(rng.uniform(-10, 2)))
    return Camera(size=spec.size, fov=75.0, height=1.5, pitch=-4.0)


def _pixels(visible: dict[int, int], scene: Scene) -> np.ndarray:
    out = np.zeros(len(KIND_NAMES), dtype=np.int32)
    for idx, px in visible.items():
        out[KIND_NAMES.index(scene.landmarks[idx]["kind"])] += px
    return out


def render_dataset(spec: RenderSpec, progress: bool = True) -> Dataset:
    """Render ``spec.n_layouts`` random worlds and label every view from the segmentation mask."""
    base = EVAL_SEED_BASE if spec.held_out else TRAIN_SEED_BASE
    images, pixels, seeds = [], [], []
    for i in tqdm(range(spec.n_layouts), desc="render " + ("held-out" if spec.held_out else "training"),
                  disable=not progress):
        lseed = base + spec.seed * 1000 + i
        rng = np.random.default_rng(lseed)
        g, landmarks, buildings = _small_world(rng)
        with Scene() as scene:
            populate(scene, g, landmarks, buildings, rng)
            poses = []
            for lm in landmarks:  # views aimed (roughly) at each landmark from varied distances
                for _ in range(spec.views_per_landmark):
                    d, ang = rng.uniform(1.8, 9.0), rng.uniform(0, 2 * math.pi)
                    x, y = lm["position"][0] + d * math.cos(ang), lm["position"][1] + d * math.sin(ang)
                    poses.append((x, y, ang + math.pi + rng.uniform(-0.45, 0.45)))
            nodes = sorted(g)
            for _ in range(spec.random_views):
                x, y = g.nodes[nodes[int(rng.integers(len(nodes)))]]["pos"]
                poses.append((x, y, rng.uniform(0, 2 * math.pi)))
            for x, y, yaw in poses:
                rgb, seg = scene.render(x, y, yaw, _camera(rng, spec))
                images.append(rgb)
                pixels.append(_pixels(scene.visible(seg, 12), scene))
                seeds.append(lseed)
    return Dataset(np.stack(images), np.stack(pixels), np.array(seeds))


def cached_dataset(spec: RenderSpec, progress: bool = True) -> Dataset:
    """``render_dataset`` memoised on disk (cache dir / grounding-data), keyed by the spec and the renderer code."""
    import hashlib
    import inspect
    from dataclasses import astuple

    from compose.grounding.scores import cache_dir
    from envs.navgraph import layout, scene

    key = hashlib.sha256(repr(astuple(spec)).encode())
    for mod in (layout, scene):
        key.update(inspect.getsource(mod).encode())
    path = cache_dir().parent / "grounding-data" / f"{key.hexdigest()[:16]}.npz"
    if path.exists():
        with np.load(path) as z:
            return Dataset(z["images"], z["pixels"], z["layout_seeds"])
    data = render_dataset(spec, progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, images=data.images, pixels=data.pixels, layout_seeds=data.layout_seeds)
    return data
