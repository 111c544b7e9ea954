"""What the robot perceives: its mast camera's segmentation and depth images, turned into named objects and places.

Honest "simulator perception": an object is seen when enough pixels of the segmentation image belong to it; its
position is the depth-unprojected centroid of those pixels, assigned to a location by the kitchen's map (the same
volumes ``KitchenWorld.location_of_point`` uses). Nothing here reads the task or the goal. The robot remembers, per
location, what it saw there last, and which places it has looked at.
"""
from __future__ import annotations

import math

import numpy as np

from envs.kitchen.layout import HOVER, LOCATION_SPECS, OBJECT_SPECS, footprint_radius, grasp_heights, within_reach
from envs.kitchen.vocab import LOCATIONS

SIZE = 128  # perception image size: fixed, so rendering for people (render=True or not) never changes behaviour
MIN_PIXELS = 5


def unproject(depth: np.ndarray, view, proj, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """World points (N x 3) of the given pixels of a PyBullet depth buffer."""
    h, w = depth.shape
    m = np.linalg.inv(np.asarray(proj).reshape(4, 4).T @ np.asarray(view).reshape(4, 4).T)
    ndc = np.stack([2 * (cols + 0.5) / w - 1, 1 - 2 * (rows + 0.5) / h, 2 * depth[rows, cols] - 1,
                    np.ones(len(rows))], axis=0)
    pts = m @ ndc
    return (pts[:3] / pts[3]).T


class Perception:
    """Camera-based perception with a memory of what was seen where during the episode.

    ``namer``: None -> objects are named by the simulator (ground truth, "segmentation" perception); otherwise a
    callable ``namer(rgb, masks) -> [(name, confidence)]`` (a learned recogniser, set from the agents layer) names
    each segment -- the segmentation then only proposes regions.
    """

    def __init__(self, namer=None) -> None:
        self.namer = namer
        self.confidence: dict[int, float] = {}
        self.memory: dict[str, list[str]] = {}
        self.explored: list[str] = []
        self.last: dict | None = None
        self._seen: list[tuple[int, str, tuple[float, float, float]]] = []
        self._tops: dict[int, float] = {}
        self._key = None

    def reset(self) -> None:
        self.memory, self.explored, self.last, self._seen, self._key = {}, [], None, [], None

    def detect(self, world) -> list[tuple[int, str, tuple[float, float, float]]]:
        """(body, name, estimated centre) of every object the camera sees at the robot's location.

        The centre is the mean of the object's visible surface points; its z is replaced by the middle between the
        highest visible point and the location's floor (the camera sees tops, not centres)."""
        rgb, depth, seg, view, proj = world.camera_image(SIZE, seg=True)
        held = world.robot.held
        spec = LOCATION_SPECS[world.location]
        floor = spec.top
        self._tops = {}
        out = []
        for body in world.bodies:
            if body == held:
                continue
            rows, cols = np.nonzero(seg == body)
            if len(rows) < MIN_PIXELS:
                continue
            pts = unproject(depth, view, proj, rows, cols)
            c = pts.mean(axis=0)
            if world.location_of_point(*c) == world.location:
                top = float(np.percentile(pts[:, 2], 95))
                self._tops[body] = top
                out.append((body, world.names[body], (float(c[0]), float(c[1]), 0.5 * (top + floor))))
        self.confidence = {body: 1.0 for body, _, _ in out}
        if self.namer is not None and out:  # a learned model names the proposed regions
            named = self.namer(rgb, [seg == body for body, _, _ in out])
            self.confidence = {body: conf for (body, _, _), (_, conf) in zip(out, named)}
            out = [(body, name, c) for (body, _, c), (name, _) in zip(out, named)]
        return out

    def look(self, world) -> dict:
        """Render, detect, update the memory; returns the perception dict skills' affordances read.

        Cached until the world changes, so looking twice at an unchanged world costs nothing and learns nothing.
        """
        if self.last is not None and self._key == world.version:
            return self.last
        self._key = world.version
        loc = world.location
        seen = self.detect(world)
        drawer_open = world.drawer_open()
        if loc != "drawer" or drawer_open:  # a closed drawer hides its contents: nothing learned about them
            self.memory[loc] = sorted(name for _, name, _ in seen)
            if loc not in self.explored:
                self.explored.append(loc)
        bx, by, _ = world.robot.pose
        spec = LOCATION_SPECS[loc]
        reachable = sorted(name for body, name, c in seen
                           if within_reach(math.hypot(c[0] - bx, c[1] - by),
                                           *grasp_heights(self._tops[body], spec.top, spec.kind, spec.top)))
        held = world.held_body()
        holding = world.names[held] if held is not None else None
        self._seen = seen
        self.last = {
            "location": loc,
            "visible": sorted(name for _, name, _ in seen),
            "confidence": {name: round(self.confidence.get(body, 1.0), 4) for body, name, _ in seen},
            "reachable": reachable,
            "holding": holding,
            "drawer_open": drawer_open,
            "free_space": self._free_space(world, loc, holding),
            "seen": {k: list(v) for k, v in self.memory.items()},
            "explored": list(self.explored),
            "unexplored": [L for L in LOCATIONS if L not in self.explored],
        }
        return self.last

    def _free_space(self, world, loc: str, holding: str | None) -> bool:
        """Is there a clear spot in reach for the held object here (from the perceived positions)?"""
        spec = LOCATION_SPECS[loc]
        if spec.kind == "bin":
            return True
        if loc == "drawer" and not world.drawer_open():
            return False
        radius = footprint_radius(OBJECT_SPECS[holding]) if holding else 0.04
        heights = (spec.top + 0.05, spec.top + HOVER[spec.kind] + 0.1)  # release and approach, roughly
        bx, by, _ = world.robot.pose
        back, front, left, right = spec.region
        shift = world._drawer_shift() if loc == "drawer" else 0.0
        others = [(c[0], c[1], 0.045) for _, _, c in self._seen]
        for fx in np.linspace(back, front, 5):
            for fy in np.linspace(right, left, 7):
                x, y = spec.to_world(fx + shift, fy)
                if all(math.hypot(x - a, y - b) - r > radius + 0.02 for a, b, r in others) and \
                        within_reach(math.hypot(x - bx, y - by), *heights):
                    return True
        return False

    def visible_bodies(self, name: str, world) -> list[int]:
        """Bodies called ``name`` seen in the last look, nearest to the arm first."""
        bx, by, _ = world.robot.pose
        found = [(math.hypot(c[0] - bx, c[1] - by), body) for body, n, c in self._seen if n == name]
        return [body for _, body in sorted(found)]
