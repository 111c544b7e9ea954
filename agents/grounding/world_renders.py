"""Captioned renders of all three worlds for the LiT comparison, with held-out splits (64 x 64 RGB each).

- kitchen: object crops from the robot's mast camera (the 18 objects; agents.perception.kitchen_data);
- tabletop: object crops from the table camera (10 colours x block / bowl);
- navgraph: street views labelled with the prominent landmark kind or background (agents.grounding.data).

Splits: ``train``; ``new_layouts`` (layout seeds never used in training, the training camera); ``new_poses`` (other
new layouts seen from perturbed camera poses: kitchen robot parked up to 6 cm / 6 degrees off, tabletop camera moved
up to 8 cm and re-aimed, navgraph camera at other heights, pitches and fields of view). Labels come from the
simulators' segmentation masks and object names (ground truth); ``visible`` marks other labels also in view.
"""
from __future__ import annotations

import hashlib
import inspect
from dataclasses import astuple, dataclass

import numpy as np

SPLITS = ("train", "new_layouts", "new_poses")
KITCHEN_SEEDS = {"train": 50_000, "new_layouts": 60_000, "new_poses": 60_700}
TABLETOP_SEEDS = {"train": 80_000, "new_layouts": 90_000, "new_poses": 90_700}


@dataclass(frozen=True)
class RenderSizes:
    """Layouts (kitchen, tabletop: scenes) per world and split; modest for 2 CPU cores."""

    kitchen_train: int = 60
    kitchen_eval: int = 20
    tabletop_train: int = 60
    tabletop_eval: int = 20
    navgraph_train: int = 10
    navgraph_eval: int = 4
    seed: int = 0

    def layouts(self, world: str, split: str) -> int:
        return getattr(self, f"{world}_{'train' if split == 'train' else 'eval'}")


@dataclass
class RenderSet:
    world: str
    split: str
    images: np.ndarray  # (N, 64, 64, 3) uint8
    labels: np.ndarray  # (N,) index into the world's labels (agents.grounding.lit_names)
    visible: np.ndarray  # (N, L) bool: the label and any other label clearly in view

    def __len__(self) -> int:
        return len(self.labels)


def _one_hot(labels, n: int) -> np.ndarray:
    v = np.zeros((len(labels), n), dtype=bool)
    v[np.arange(len(labels)), labels] = True
    return v


def _kitchen(n: int, split: str, seed: int) -> RenderSet:
    from agents.perception.kitchen_data import layout_crops
    from envs.kitchen.vocab import OBJECTS
    from envs.kitchen.world import KitchenWorld

    crops, labels = [], []
    world = KitchenWorld()
    try:
        for i in range(n):
            rng = np.random.default_rng(KITCHEN_SEEDS[split] + 1000 * seed + i)
            for crop, label, _ in layout_crops(world, rng, split == "new_poses"):
                crops.append(crop)
                labels.append(label)
    finally:
        world.close()
    labels = np.array(labels, dtype=np.int64)
    return RenderSet("kitchen", split, np.stack(crops), labels, _one_hot(labels, len(OBJECTS)))


def _tabletop(n: int, split: str, seed: int) -> RenderSet:
    from agents.perception.kitchen_data import crop_segment
    from envs.tabletop.camera import Camera, CameraSpec
    from envs.tabletop.vocab import COLOURS, OBJECTS
    from envs.tabletop.world import TabletopWorld

    crops, labels = [], []
    world = TabletopWorld()
    base = CameraSpec()
    try:
        for i in range(n):
            rng = np.random.default_rng(TABLETOP_SEEDS[split] + 1000 * seed + i)
            blocks = [COLOURS[k] for k in rng.choice(len(COLOURS), size=int(rng.integers(2, 6)), replace=False)]
            bowls = [COLOURS[k] for k in rng.choice(len(COLOURS), size=int(rng.integers(1, 5)), replace=False)]
            world.reset(int(rng.integers(1 << 30)), {"blocks": blocks, "bowls": bowls})
            if split == "new_poses":
                eye = tuple(np.array(base.eye) + rng.uniform(-0.08, 0.08, 3))
                target = tuple(np.array(base.target) + np.append(rng.uniform(-0.05, 0.05, 2), 0.0))
                world.camera = Camera(world.client, CameraSpec(eye=eye, target=target,
                                                               fov=float(rng.uniform(38, 46))))
                world._frame = None
            frame = world.frame()
            for name, body in world.bodies.items():
                mask = frame.seg == body
                if mask.sum() >= 20:
                    crops.append(crop_segment(frame.rgb, mask))
                    labels.append(OBJECTS.index(name))
    finally:
        world.close()
    labels = np.array(labels, dtype=np.int64)
    return RenderSet("tabletop", split, np.stack(crops), labels, _one_hot(labels, len(OBJECTS)))


def _navgraph(n: int, split: str, seed: int) -> RenderSet:
    from agents.grounding.data import RenderSpec, render_dataset

    # new_layouts: the next training seed block (layouts TRAIN_SEED_BASE + 1000 (seed + 1) + i), training camera
    spec = RenderSpec(n_layouts=n, views_per_landmark=3, random_views=8, held_out=split == "new_poses",
                      seed=seed + (1 if split == "new_layouts" else 0))
    d = render_dataset(spec, progress=False)
    return RenderSet("navgraph", split, d.images, d.labels, d.visible)


_RENDERERS = {"kitchen": _kitchen, "tabletop": _tabletop, "navgraph": _navgraph}


def _key(world: str, split: str, n: int, seed: int) -> str:
    from agents.grounding import data as nav_data
    from agents.perception import kitchen_data

    h = hashlib.sha256(repr((world, split, n, seed)).encode())
    for mod in (nav_data, kitchen_data, inspect.getmodule(_key)):
        h.update(inspect.getsource(mod).encode())
    return h.hexdigest()[:16]


def render_set(world: str, split: str, sizes: RenderSizes = RenderSizes(), cache: bool = True) -> RenderSet:
    """The renders of ``world`` for ``split``, memoised on disk (cache root / lit-renders) by sizes and code."""
    if world not in _RENDERERS or split not in SPLITS:
        from compose.errors import InvalidInputError

        raise InvalidInputError(f"unknown world/split {world!r}/{split!r}; worlds: {', '.join(_RENDERERS)}, "
                                f"splits: {', '.join(SPLITS)}")
    n = sizes.layouts(world, split)
    if not cache:
        return _RENDERERS[world](n, split, sizes.seed)
    from compose.models import cache_dir

    path = cache_dir() / "lit-renders" / f"{world}-{split}-{_key(world, split, n, sizes.seed)}.npz"
    if path.exists():
        with np.load(path) as z:
            return RenderSet(world, split, z["images"], z["labels"], z["visible"])
    rs = _RENDERERS[world](n, split, sizes.seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, images=rs.images, labels=rs.labels, visible=rs.visible)
    return rs


def sizes_key(sizes: RenderSizes) -> str:
    return "-".join(str(x) for x in astuple(sizes))
