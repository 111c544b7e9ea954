"""PyBullet scenes of the navigation worlds: ground, roads, buildings and landmarks, rendered with TinyRenderer.

Every call goes through a private DIRECT client (``physicsClientId``), so several scenes can coexist and nothing
touches the default client. Bodies are visual-only (no collision shapes): nothing is simulated, only rendered.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pybullet as pb
import pybullet_data

from envs.navgraph.kinds import KIND_NAMES


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: square images of ``size`` pixels, horizontal field of view in degrees, eye height."""

    size: int = 64
    fov: float = 75.0
    height: float = 1.5
    pitch: float = -4.0  # degrees, negative looks down


def _quat_z(yaw: float):
    return pb.getQuaternionFromEuler((0.0, 0.0, yaw))


class Scene:
    """One world in one private PyBullet client. ``landmark_of[body_id]`` maps bodies to landmark indices."""

    def __init__(self, ground_rgba=(0.36, 0.55, 0.28, 1.0)):
        self.cid = pb.connect(pb.DIRECT)
        self.landmark_of: dict[int, int] = {}
        self.landmarks: list[dict] = []  # {"kind", "position", "yaw", "bodies"}
        self._box(( 0, 0, -0.05), (400, 400, 0.05), ground_rgba)

    def close(self) -> None:
        if self.cid is not None:
            pb.disconnect(physicsClientId=self.cid)
            self.cid = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ----------------------------------------------------------------- primitives
    def _body(self, shape: int, pos, orn=(0, 0, 0, 1)) -> int:
        return pb.createMultiBody(baseMass=0, baseCollisionShapeIndex=-1, baseVisualShapeIndex=shape,
                                  basePosition=list(pos), baseOrientation=list(orn), physicsClientId=self.cid)

    def _box(self, pos, half, rgba, yaw=0.0) -> int:
        s = pb.createVisualShape(pb.GEOM_BOX, halfExtents=list(half), rgbaColor=list(rgba), physicsClientId=self.cid)
        return self._body(s, pos, _quat_z(yaw))

    def _cyl(self, pos, radius, length, rgba, orn=(0, 0, 0, 1)) -> int:
        s = pb.createVisualShape(pb.GEOM_CYLINDER, radius=radius, length=length, rgbaColor=list(rgba),
                                 physicsClientId=self.cid)
        return self._body(s, pos, orn)

    def _sphere(self, pos, radius, rgba) -> int:
        s = pb.createVisualShape(pb.GEOM_SPHERE, radius=radius, rgbaColor=list(rgba), physicsClientId=self.cid)
        return self._body(s, pos)

    def _mesh(self, file, pos, scale, rgba=None, orn=(0, 0, 0, 1)) -> int:
        kw = {"rgbaColor": list(rgba)} if rgba is not None else {}
        s = pb.createVisualShape(pb.GEOM_MESH, fileName=f"{pybullet_data.getDataPath()}/{file}",
                                 meshScale=[scale] * 3, physicsClientId=self.cid, **kw)
        return self._body(s, pos, orn)

    # ----------------------------------------------------------------- world pieces
    def add_road(self, a, b, width=2.2) -> None:
        (ax, ay), (bx, by) = a, b
        length = math.hypot(bx - ax, by - ay)
        yaw = math.atan2(by - ay, bx - ax)
        self._box(((ax + bx) / 2, (ay + by) / 2, 0.01), (length / 2 + width / 2, width / 2, 0.01),
                  (0.32, 0.32, 0.34, 1), yaw)

    def add_building(self, x, y, w, d, h, rgba, yaw=0.0) -> None:
        self._box((x, y, h / 2), (w / 2, d / 2, h / 2), rgba, yaw)
        roof = tuple(c * 0.6 for c in rgba[:3]) + (1.0,)
        self._box((x, y, h + 0.15), (w / 2 + 0.2, d / 2 + 0.2, 0.15), roof, yaw)

    def add_landmark(self, kind: str, x: float, y: float, yaw: float, rng: np.random.Generator) -> int:
        """Build one landmark of ``kind`` at (x, y) facing ``yaw``; small random variations come from ``rng``."""
        if kind not in KIND_NAMES:
            raise ValueError(f"unknown landmark kind {kind!r}")
        before = pb.getNumBodies(physicsClientId=self.cid)
        s = float(rng.uniform(0.9, 1.1))  # size jitter
        jitter = rng.uniform(-0.06, 0.06, size=3)
        getattr(self, "_lm_" + kind.replace(" ", "_"))(x, y, yaw, s, jitter)
        index = len(self.landmarks)
        bodies = [pb.getBodyUniqueId(i, physicsClientId=self.cid)
                  for i in range(before, pb.getNumBodies(physicsClientId=self.cid))]
        for b in bodies:
            self.landmark_of[b] = index
        self.landmarks.append({"kind": kind, "position": [float(x), float(y)], "yaw": float(yaw)})
        return index

    @staticmethod
    def _rgba(base, jitter):
        return tuple(float(np.clip(c + j, 0, 1)) for c, j in zip(base, jitter)) + (1.0,)

    @staticmethod
    def _off(x, y, yaw, fx, fy):
        """Point at (fx forward, fy left) of (x, y) in a frame rotated by yaw."""
        c, s = math.cos(yaw), math.sin(yaw)
        return x + c * fx - s * fy, y + s * fx + c * fy

    def _lm_red_car(self, x, y, yaw, s, j):
        red = self._rgba((0.85, 0.08, 0.08), j)
        self._box((x, y, 0.6 * s), (2.1 * s, 0.95 * s, 0.35 * s), red, yaw)
        cx, cy = self._off(x, y, yaw, -0.2 * s, 0)
        self._box((cx, cy, 1.22 * s), (1.1 * s, 0.85 * s, 0.3 * s), (0.55, 0.75, 0.9, 1), yaw)
        self._box((cx, cy, 1.53 * s), (1.0 * s, 0.8 * s, 0.03 * s), red, yaw)
        wheel = pb.getQuaternionFromEuler((math.pi / 2, 0, yaw))
        for fx in (-1.3, 1.3):
            for fy in (-0.95, 0.95):
                wx, wy = self._off(x, y, yaw, fx * s, fy * s)
                self._cyl((wx, wy, 0.35 * s), 0.35 * s, 0.25, (0.05, 0.05, 0.05, 1), wheel)

    def _lm_blue_mailbox(self, x, y, yaw, s, j):
        s *= 1.6
        blue = self._rgba((0.1, 0.2, 0.8), j)
        self._cyl((x, y, 0.45 * s), 0.06 * s, 0.9 * s, (0.3, 0.3, 0.3, 1))
        self._box((x, y, 1.15 * s), (0.3 * s, 0.25 * s, 0.3 * s), blue, yaw)
        self._cyl((x, y, 1.45 * s), 0.25 * s, 0.6 * s, blue, pb.getQuaternionFromEuler((0, math.pi / 2, yaw)))

    def _lm_picnic_table(self, x, y, yaw, s, j):
        wood = self._rgba((0.78, 0.55, 0.3), j)
        self._box((x, y, 0.9 * s), (1.2 * s, 0.5 * s, 0.05 * s), wood, yaw)
        for fy in (-0.9, 0.9):
            bx, by = self._off(x, y, yaw, 0, fy * s)
            self._box((bx, by, 0.5 * s), (1.2 * s, 0.2 * s, 0.04 * s), wood, yaw)
        for fx in (-0.9, 0.9):
            lx, ly = self._off(x, y, yaw, fx * s, 0)
            self._box((lx, ly, 0.45 * s), (0.06 * s, 1.0 * s, 0.45 * s), wood, yaw)

    def _lm_stop_sign(self, x, y, yaw, s, j):
        s *= 1.3
        self._cyl((x, y, 1.1 * s), 0.05 * s, 2.2 * s, (0.6, 0.6, 0.6, 1))
        face = pb.getQuaternionFromEuler((0, math.pi / 2, yaw))
        self._cyl((x, y, 2.2 * s), 0.5 * s, 0.06, self._rgba((0.85, 0.05, 0.05), j), face)
        fx, fy = self._off(x, y, yaw, 0.04, 0)
        self._box((fx, fy, 2.2 * s), (0.02, 0.36 * s, 0.09 * s), (0.95, 0.95, 0.95, 1), yaw)

    def _lm_tree(self, x, y, yaw, s, j):
        s *= float(1.0 + abs(j[0]) * 3)
        self._cyl((x, y, 1.0 * s), 0.22 * s, 2.0 * s, (0.4, 0.25, 0.12, 1))
        green = self._rgba((0.12, 0.45, 0.12), j)
        self._sphere((x, y, 2.5 * s), 1.2 * s, green)
        self._sphere((x + 0.5 * s, y + 0.2 * s, 3.1 * s), 0.8 * s, green)

    def _lm_bench(self, x, y, yaw, s, j):
        s *= 1.3
        wood = self._rgba((0.45, 0.28, 0.15), j)
        self._box((x, y, 0.5 * s), (1.0 * s, 0.25 * s, 0.04 * s), wood, yaw)
        bx, by = self._off(x, y, yaw, 0, -0.25 * s)
        self._box((bx, by, 0.85 * s), (1.0 * s, 0.04 * s, 0.25 * s), wood, yaw)
        for fx in (-0.85, 0.85):
            lx, ly = self._off(x, y, yaw, fx * s, 0)
            self._box((lx, ly, 0.25 * s), (0.05 * s, 0.25 * s, 0.25 * s), (0.15, 0.15, 0.15, 1), yaw)

    def _lm_fire_hydrant(self, x, y, yaw, s, j):
        s *= 1.8
        red = self._rgba((0.8, 0.1, 0.05), j)
        self._cyl((x, y, 0.35 * s), 0.18 * s, 0.7 * s, red)
        self._sphere((x, y, 0.72 * s), 0.18 * s, red)
        self._cyl((x, y, 0.05 * s), 0.25 * s, 0.1 * s, red)
        side = pb.getQuaternionFromEuler((math.pi / 2, 0, yaw))
        self._cyl((x, y, 0.45 * s), 0.08 * s, 0.6 * s, (0.9, 0.85, 0.2, 1), side)

    def _lm_traffic_cone(self, x, y, yaw, s, j):
        s *= 1.8
        orange = self._rgba((1.0, 0.45, 0.0), j)
        self._box((x, y, 0.03 * s), (0.3 * s, 0.3 * s, 0.03 * s), orange, yaw)
        for k, (r, z) in enumerate(((0.22, 0.15), (0.17, 0.35), (0.12, 0.55), (0.07, 0.75))):
            color = (0.95, 0.95, 0.95, 1) if k == 2 else orange
            self._cyl((x, y, z * s), r * s, 0.2 * s, color)

    def _lm_lamp_post(self, x, y, yaw, s, j):
        self._cyl((x, y, 1.5 * s), 0.09 * s, 3.0 * s, (0.15, 0.15, 0.18, 1))
        arm_x, arm_y = self._off(x, y, yaw, 0.35 * s, 0)
        self._box((arm_x, arm_y, 3.0 * s), (0.4 * s, 0.06 * s, 0.06 * s), (0.15, 0.15, 0.18, 1), yaw)
        lx, ly = self._off(x, y, yaw, 0.7 * s, 0)
        self._sphere((lx, ly, 2.8 * s), 0.25 * s, (1.0, 0.95, 0.6, 1))

    def _lm_yellow_duck_statue(self, x, y, yaw, s, j):
        self._box((x, y, 0.3), (0.7 * s, 0.7 * s, 0.3), (0.55, 0.55, 0.55, 1), yaw)
        orn = pb.getQuaternionFromEuler((math.pi / 2, 0, yaw))
        self._mesh("duck.obj", (x, y, 0.6), 1.2 * s, self._rgba((1.0, 0.85, 0.05), j), orn)

    def _lm_teddy_bear_statue(self, x, y, yaw, s, j):
        self._box((x, y, 0.25), (0.8 * s, 0.8 * s, 0.25), (0.5, 0.5, 0.5, 1), yaw)
        orn = pb.getQuaternionFromEuler((math.pi / 2, 0, yaw))
        sc = 1.9 * s  # the mesh's origin is off-centre: shift it back over the pedestal
        px, py = self._off(x, y, yaw, -0.68 * sc, 0.32 * sc)
        self._mesh("teddy2_VHACD_CHs.obj", (px, py, 0.5 - 0.19 * sc), sc, self._rgba((0.55, 0.33, 0.15), j), orn)

    def _lm_soccer_ball(self, x, y, yaw, s, j):
        s *= 1.6
        self._mesh("soccerball.obj", (x, y, 0.5 * s), s, None, _quat_z(yaw))

    # ----------------------------------------------------------------- rendering
    def render(self, x: float, y: float, yaw: float, camera: Camera = Camera()):
        """Render a view from (x, y) looking along ``yaw`` (radians). Returns (rgb uint8 HxWx3, seg int HxW)."""
        eye = [x, y, camera.height]
        pitch = math.radians(camera.pitch)
        target = [x + math.cos(yaw) * math.cos(pitch), y + math.sin(yaw) * math.cos(pitch),
                  camera.height + math.sin(pitch)]
        view = pb.computeViewMatrix(eye, target, [0, 0, 1], physicsClientId=self.cid)
        proj = pb.computeProjectionMatrixFOV(camera.fov, 1.0, 0.1, 120.0, physicsClientId=self.cid)
        _, _, rgba, _, seg = pb.getCameraImage(camera.size, camera.size, view, proj, renderer=pb.ER_TINY_RENDERER,
                                               shadow=0, lightDirection=[0.4, 0.3, 1.0], physicsClientId=self.cid)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(camera.size, camera.size, 4)[:, :, :3].copy()
        return rgb, np.asarray(seg, dtype=np.int64).reshape(camera.size, camera.size)

    def visible(self, seg: np.ndarray, min_pixels: int = 12) -> dict[int, int]:
        """Landmark index -> number of pixels it covers in a segmentation mask (only those >= min_pixels)."""
        ids, counts = np.unique(seg[seg >= 0], return_counts=True)
        out: dict[int, int] = {}
        for b, c in zip(ids.tolist(), counts.tolist()):
            if b in self.landmark_of:
                out[self.landmark_of[b]] = out.get(self.landmark_of[b], 0) + c
        return {k: v for k, v in out.items() if v >= min_pixels}
