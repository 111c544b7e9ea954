"""Object crops from the kitchen robot's mast camera, labelled by the simulator (for training and held-out tests).

Each view: a random start state (objects spread over the counters, the table and the open drawer), the robot parked
at one place, the 128 x 128 perception camera. Every object segment with enough pixels is one region proposal; its
crop (square box around the segment, margin added) is what a learned model names. Held-out data uses other layout
seeds and perturbed camera poses (the robot parked up to 6 cm and 6 degrees off its usual pose).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from envs.kitchen.vocab import OBJECTS

VIEW_PLACES = ("close counter", "far counter", "table", "drawer")
TRAIN_SEED_BASE, EVAL_SEED_BASE = 50_000, 60_000
CROP = 64  # crops are resized to CROP x CROP


def crop_segment(rgb: np.ndarray, mask: np.ndarray, size: int = CROP, margin: float = 0.25) -> np.ndarray:
    """A square crop around the mask's bounding box (``margin`` of its size added on each side), resized."""
    from PIL import Image

    rows, cols = np.nonzero(mask)
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    side = max(r1 - r0, c1 - c0) * (1 + 2 * margin) + 2
    cr, cc = (r0 + r1) / 2, (c0 + c1) / 2
    h, w = mask.shape
    a, b = int(max(0, math.floor(cr - side / 2))), int(min(h, math.ceil(cr + side / 2)))
    c, d = int(max(0, math.floor(cc - side / 2))), int(min(w, math.ceil(cc + side / 2)))
    return np.asarray(Image.fromarray(rgb[a:b, c:d]).resize((size, size), Image.Resampling.BILINEAR))


@dataclass
class CropSet:
    crops: np.ndarray  # (N, CROP, CROP, 3) uint8
    labels: np.ndarray  # (N,) index into OBJECTS
    views: np.ndarray  # (N,) which rendered view each crop came from

    def __len__(self) -> int:
        return len(self.labels)


def random_init(rng: np.random.Generator) -> dict:
    n = int(rng.integers(4, 10))
    objs = [OBJECTS[k] for k in rng.choice(len(OBJECTS), size=n, replace=False)]
    return {"robot": "user", "holding": None, "drawer_open": True,
            "objects": [[o, VIEW_PLACES[int(rng.integers(len(VIEW_PLACES)))]] for o in objs]}


def layout_crops(world, rng, new_pose: bool, min_pixels: int = 5):
    """(crop, object index, view index) of every object seen from each view place of one random layout; with
    ``new_pose`` the robot parks a little off the usual pose (a new camera pose)."""
    world.reset(random_init(rng), rng)
    for v, place in enumerate(VIEW_PLACES):
        world.drive_to(place)
        if new_pose:
            x, y, yaw = world.robot.pose
            world.robot.place_base(x + rng.uniform(-0.06, 0.06), y + rng.uniform(-0.06, 0.06),
                                   yaw + math.radians(rng.uniform(-6, 6)))
        rgb, _, seg, _, _ = world.camera_image(128, seg=True)
        for body in world.bodies:
            mask = seg == body
            if mask.sum() >= min_pixels:
                yield crop_segment(rgb, mask), OBJECTS.index(world.names[body]), v


def render_crops(n_layouts: int, held_out: bool = False, seed: int = 0, min_pixels: int = 5,
                 progress: bool = True) -> CropSet:
    from tqdm import tqdm

    from envs.kitchen.world import KitchenWorld

    base = EVAL_SEED_BASE if held_out else TRAIN_SEED_BASE
    crops, labels, views = [], [], []
    world = KitchenWorld()
    try:
        for i in tqdm(range(n_layouts), desc="render kitchen " + ("held-out" if held_out else "training"),
                      disable=not progress):
            rng = np.random.default_rng(base + 1000 * seed + i)
            for crop, label, view in layout_crops(world, rng, held_out, min_pixels):
                crops.append(crop)
                labels.append(label)
                views.append(i * len(VIEW_PLACES) + view)
    finally:
        world.close()
    return CropSet(np.stack(crops), np.array(labels), np.array(views))
