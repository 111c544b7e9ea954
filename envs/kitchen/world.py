"""The physical kitchen: one private PyBullet client holding the scene, the robot and the objects.

``KitchenWorld.reset(init, rng)`` builds any task ``init``; ``kitchen_state()`` reads where every object rests *from
the simulator's poses* (containment in each location's volume), never from the plan. Manipulation controllers live
in ``envs.kitchen.manipulation``; skills (``skills.kitchen``) call them.
"""
from __future__ import annotations

import math

import numpy as np
import pybullet as p

from compose.errors import InvalidInputError
from envs.kitchen.layout import BIN, COUNTER, DRAWER, INTERIOR, LOCATION_SPECS, OBJECT_SPECS, STAND, \
    footprint_radius, height, resting_height
from envs.kitchen.perception import Perception
from envs.kitchen.robot import Robot
from envs.kitchen.scene import SceneHandles, build_scene, quat_yaw, spawn_object
from envs.kitchen.state import KitchenState

DT = 1.0 / 120.0  # coarse but stable for these grasps; controllers count time in 1/240 s ticks
DRIVE_SPEED = 0.6  # m/s, kinematic base
TURN_SPEED = 1.2  # rad/s


class KitchenWorld:
    """Scene + robot + objects. Several worlds can live in one process (each has its own client)."""

    def __init__(self, gui: bool = False):
        try:
            self.cid = p.connect(p.GUI if gui else p.DIRECT)
        except p.error as exc:  # e.g. GUI without a display
            raise InvalidInputError(f"could not start a PyBullet {'GUI' if gui else 'DIRECT'} client: {exc}") from None
        if self.cid < 0:
            raise InvalidInputError("could not start a PyBullet client (the GUI needs a display)")
        self.scene: SceneHandles | None = None
        self.robot: Robot | None = None
        self.bodies: list[int] = []  # object bodies, in init order
        self.names: dict[int, str] = {}
        self.location = "user"
        self.visited: list[str] = []
        self.travel_time = 0.0
        self.resets = 0
        self.perception = Perception()

    # ---- building ---------------------------------------------------------------------------------------------------
    def reset(self, init: dict | KitchenState, rng: np.random.Generator) -> None:
        state = init if isinstance(init, KitchenState) else KitchenState.from_init(init)
        cid = self.cid
        p.resetSimulation(physicsClientId=cid)
        p.setGravity(0, 0, -9.81, physicsClientId=cid)
        p.setPhysicsEngineParameter(fixedTimeStep=DT, numSolverIterations=60, deterministicOverlappingPairs=1,
                                    physicsClientId=cid)
        p.configureDebugVisualizer(p.COV_ENABLE_RENDERING, 0, physicsClientId=cid)
        self.scene = build_scene(cid)
        self.robot = Robot(cid, DT)
        self.bodies, self.names = [], {}
        self.travel_time = 0.0
        self.resets += 1
        self.perception.reset()
        self._set_drawer(DRAWER["travel"] if state.drawer_open else 0.0)
        by_location: dict[str, list[str]] = {}
        for name, loc in state.objects:
            by_location.setdefault(loc, []).append(name)
        for loc, names in by_location.items():
            for name, (x, y, z, yaw, lying) in zip(names, self._spawn_poses(loc, names, rng)):
                self._add_object(name, (x, y, z), yaw, lying, rng)
        self.location = state.robot
        self.visited = [state.robot]
        self.robot.place_base(*LOCATION_SPECS[state.robot].park_pose())
        if state.holding is not None:
            self._spawn_in_hand(state.holding, rng)
        self.robot.step(90)  # let everything settle
        p.configureDebugVisualizer(p.COV_ENABLE_RENDERING, 1, physicsClientId=cid)

    def _add_object(self, name: str, pos, yaw: float, lying: bool, rng) -> int:
        spec = OBJECT_SPECS[name]
        orn = p.getQuaternionFromEuler([math.pi / 2, 0, yaw]) if lying else quat_yaw(yaw)
        body = spawn_object(self.cid, spec, pos, orn, friction=float(rng.uniform(0.7, 1.0)))
        self.bodies.append(body)
        self.names[body] = name
        return body

    def _spawn_poses(self, loc: str, names: list[str], rng) -> list[tuple]:
        """Non-overlapping poses in the location's region (overflow goes to the rest of the surface)."""
        spec = LOCATION_SPECS[loc]
        back, front, left, right = spec.region
        placed: list[tuple[float, float, float]] = []
        out = []
        for name in names:
            ospec = OBJECT_SPECS[name]
            lying = ospec.lying or (loc == "trash can" and height(ospec) > 0.14) or \
                (loc == "drawer" and height(ospec) > DRAWER["rail_z"] - spec.top - 0.003)  # must fit under the rail
            rad = footprint_radius(ospec, lying)
            b, f, lt, rt = back, front, left, right
            if loc in INTERIOR:  # keep the whole object inside the container
                ib, if_, il, ir = INTERIOR[loc]
                b, f = min(max(b, ib + rad), if_ - rad), max(min(f, if_ - rad), ib + rad)
                rt, lt = min(max(rt, ir + rad), il - rad), max(min(lt, il - rad), ir + rad)
            spot = None
            for attempt in range(200):
                grow = 0.0 if attempt < 100 or loc in INTERIOR else 0.12
                fx = rng.uniform(b - grow * 0.5, f + grow)
                fy = rng.uniform(rt - grow, lt + grow)
                if all(math.hypot(fx - px, fy - py) > rad + pr + 0.015 for px, py, pr in placed):
                    spot = (fx, fy)
                    break
            if spot is None:  # no room: drop it somewhere in the region and let physics decide
                spot = (rng.uniform(b, f), rng.uniform(rt, lt))
            yaw = spec.facing + float(rng.uniform(-math.pi, math.pi))
            placed.append((spot[0], spot[1], rad))
            base_fx = spot[0] + (self._drawer_shift() if loc == "drawer" else 0.0)
            x, y = spec.to_world(base_fx, spot[1])
            z = spec.top + resting_height(ospec, lying) + 0.003 + (0.1 if loc == "trash can" and len(placed) > 1
                                                                   else 0.0) * (len(placed) - 1)
            out.append((x, y, z, yaw, lying))
        return out

    def _spawn_in_hand(self, name: str, rng) -> None:
        from envs.kitchen.manipulation import grasp_spawned

        body = self._add_object(name, (0, 0, -5), 0.0, OBJECT_SPECS[name].lying, rng)
        grasp_spawned(self, body)

    # ---- drawer -----------------------------------------------------------------------------------------------------
    def _set_drawer(self, q: float) -> None:
        d = self.scene.drawer
        p.resetJointState(d, 0, q, physicsClientId=self.cid)
        p.setJointMotorControl2(d, 0, p.VELOCITY_CONTROL, targetVelocity=0.0, force=6.0, physicsClientId=self.cid)

    def drawer_opening(self) -> float:
        return p.getJointState(self.scene.drawer, 0, physicsClientId=self.cid)[0]

    def drawer_open(self) -> bool:
        return self.drawer_opening() > 0.5 * DRAWER["travel"]

    def _drawer_shift(self) -> float:
        """How far the drawer's interior centre is from its open position, along the location's forward axis."""
        if self.scene is None:
            return DRAWER["travel"]
        return DRAWER["travel"] - self.drawer_opening()

    # ---- where things are -------------------------------------------------------------------------------------------
    def pose(self, body: int):
        return p.getBasePositionAndOrientation(body, physicsClientId=self.cid)

    def location_of_point(self, x: float, y: float, z: float) -> str | None:
        """The location whose resting volume contains the point (an object's centre), or None (e.g. the floor)."""
        for name, spec in LOCATION_SPECS.items():
            fx, fy = spec.to_local(x, y)
            if spec.kind == "surface":
                if name == "table":
                    inside = -0.24 <= fx <= 0.80 and abs(fy) <= 0.76
                else:
                    near = COUNTER["near"]
                    inside = near - 0.01 <= fx <= near + COUNTER["depth"] + 0.01 and abs(fy) <= COUNTER["width"] / 2
                if inside and spec.top - 0.03 <= z <= spec.top + 0.40:
                    return name
            elif spec.kind == "bin":
                half = BIN["inner"] / 2 + 0.01
                if abs(fx) <= half and abs(fy) <= half and spec.top - 0.03 <= z <= BIN["height"] + 0.06:
                    return name
            elif spec.kind == "tray":
                if abs(fx) <= STAND["depth"] / 2 + 0.02 and abs(fy) <= STAND["width"] / 2 + 0.02 and \
                        spec.top - 0.03 <= z <= spec.top + 0.40:
                    return name
            else:  # drawer: the interior follows the drawer link
                dfx = fx - self._drawer_shift()
                half_d, half_w = DRAWER["inner_depth"] / 2 + 0.01, DRAWER["inner_width"] / 2 + 0.01
                if abs(dfx) <= half_d and abs(fy) <= half_w and spec.top - 0.03 <= z <= spec.top + 0.27:
                    return name
        return None

    def held_body(self) -> int | None:
        """The object locked in the gripper (a lock exists only after both fingers closed on it and it lifted)."""
        return self.robot.held

    def rests_at(self, body: int) -> str | None:
        if body == self.held_body():
            return None
        return self.location_of_point(*self.pose(body)[0])

    def kitchen_state(self) -> KitchenState:
        """Where things actually are now, from physics (objects resting nowhere, e.g. on the floor, are left out)."""
        held = self.held_body()
        objects = []
        for body in self.bodies:
            if body == held:
                continue
            loc = self.location_of_point(*self.pose(body)[0])
            if loc is not None:
                objects.append((self.names[body], loc))
        return KitchenState(robot=self.location, holding=self.names[held] if held is not None else None,
                            drawer_open=self.drawer_open(), objects=objects, visited=list(self.visited))

    # ---- motion -----------------------------------------------------------------------------------------------------
    def drive_to(self, location: str) -> None:
        """Tuck the arm and drive (kinematically) to the location's parking pose."""
        if location == self.location:
            return
        self.robot.tuck()
        x0, y0, yaw0 = self.robot.pose
        x1, y1, yaw1 = LOCATION_SPECS[location].park_pose()
        turn = abs((yaw1 - yaw0 + math.pi) % (2 * math.pi) - math.pi)
        self.travel_time += math.hypot(x1 - x0, y1 - y0) / DRIVE_SPEED + turn / TURN_SPEED
        self.robot.place_base(x1, y1, yaw1)
        self.robot.step(12)
        self.location = location
        self.visited.append(location)

    @property
    def version(self) -> tuple:
        """Changes whenever the world may have changed (physics stepped, robot moved, rebuilt)."""
        return self.resets, self.robot.steps if self.robot else 0, len(self.visited)

    def look(self) -> dict:
        """What the robot perceives now (see envs.kitchen.perception)."""
        return self.perception.look(self)

    @property
    def sim_time(self) -> float:
        steps = self.robot.steps if self.robot else 0
        return steps * DT + self.travel_time

    # ---- rendering --------------------------------------------------------------------------------------------------
    def camera_matrices(self, fov: float = 50.0):
        eye, _ = self.robot.camera()
        spec = LOCATION_SPECS[self.location]
        target = [spec.anchor[0], spec.anchor[1], spec.top]
        view = p.computeViewMatrix(eye, target, [0, 0, 1])
        proj = p.computeProjectionMatrixFOV(fov, 1.0, 0.05, 6.0)
        return view, proj

    def camera_image(self, size: int, seg: bool = True):
        """(rgb uint8 HxWx3, depth buffer HxW, segmentation HxW, view, proj) from the robot's mast camera."""
        view, proj = self.camera_matrices()
        flags = 0 if seg else p.ER_NO_SEGMENTATION_MASK
        _, _, rgba, depth, segm = p.getCameraImage(size, size, view, proj, renderer=p.ER_TINY_RENDERER, flags=flags,
                                                   shadow=0, physicsClientId=self.cid)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(size, size, 4)[:, :, :3].copy()
        depth = np.asarray(depth, dtype=np.float32).reshape(size, size)
        segm = np.asarray(segm, dtype=np.int32).reshape(size, size) if seg else None
        return rgb, depth, segm, view, proj

    def overview_image(self, size: int = 224) -> np.ndarray:
        """A fixed bird's-eye view of the whole kitchen (for videos and docs)."""
        view = p.computeViewMatrix([0.3, -5.2, 5.0], [0.3, 0.0, 0.3], [0, 0, 1])
        proj = p.computeProjectionMatrixFOV(55.0, 1.0, 0.1, 20.0)
        _, _, rgba, _, _ = p.getCameraImage(size, size, view, proj, renderer=p.ER_TINY_RENDERER,
                                            flags=p.ER_NO_SEGMENTATION_MASK, physicsClientId=self.cid)
        return np.asarray(rgba, dtype=np.uint8).reshape(size, size, 4)[:, :, :3].copy()

    def close(self) -> None:
        if self.cid is not None and self.cid >= 0:
            try:
                p.disconnect(physicsClientId=self.cid)
            except p.error:  # already gone
                pass
        self.cid = -1
