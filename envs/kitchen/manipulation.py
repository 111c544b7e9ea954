"""Arm controllers of the kitchen robot: pick, place, open and close the drawer -- by physics, with seeded noise.

Each returns ``(succeeded, reason)``. Noise: the object pose the controller aims at is the true pose plus
perception error (``GRASP_NOISE``); placements aim at a jittered free spot. Failure is decided by the simulator:
fingers that do not both touch the object, an object that does not rise with the hand, a target out of reach, no
free space, a drawer that did not move.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pybullet as p

from envs.kitchen.layout import BIN, DRAWER, HOVER, LOCATION_SPECS, MAX_OPENING, OBJECT_SPECS, footprint_radius, \
    grasp_heights, within_reach
from envs.kitchen.robot import FINGER_OPEN, TUCK, top_down


@dataclass(frozen=True)
class Noise:
    """Standard deviations of the controllers' errors (metres, radians)."""

    grasp_xy: float = 0.007
    grasp_z: float = 0.004
    grasp_yaw: float = 0.08
    place_xy: float = 0.01
    handle: float = 0.006


NOISE = Noise()


def _shape_points(name: str) -> np.ndarray:
    """Points on the object's surface in its own frame (enough to measure its widths)."""
    spec = OBJECT_SPECS[name]
    ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    if spec.shape == "box":
        hx, hy, hz = (s / 2 for s in spec.size)
        return np.array([[sx * hx, sy * hy, sz * hz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
    if spec.shape == "sphere":
        r = spec.size[0]
        pts = [[r * math.cos(a) * math.cos(b), r * math.sin(a) * math.cos(b), r * math.sin(b)]
               for a in ang for b in (-1.2, -0.6, 0, 0.6, 1.2)] + [[0, 0, r], [0, 0, -r]]
        return np.array(pts)
    r, length = spec.size
    half = length / 2 + (r if spec.shape == "capsule" else 0)
    zs = (-length / 2, length / 2) if spec.shape == "cylinder" else (-length / 2, 0, length / 2)
    pts = [[r * math.cos(a), r * math.sin(a), z] for a in ang for z in zs]
    return np.array(pts + [[0, 0, half], [0, 0, -half]])


def grasp_plan(name: str, pos, orn, prefer: float = 0.0) -> tuple[float, float, float, float]:
    """(closing yaw, width across the fingers, top z, bottom z) for a top-down grasp of the object at pos/orn.

    Among closing directions within 3 mm of the narrowest, the one nearest to ``prefer`` (mod pi) wins."""
    rot = np.array(p.getMatrixFromQuaternion(orn)).reshape(3, 3)
    pts = _shape_points(name) @ rot.T + np.asarray(pos)
    yaws = np.linspace(0, math.pi, 24, endpoint=False)
    widths = []
    for yaw in yaws:
        d = pts[:, 0] * math.cos(yaw) + pts[:, 1] * math.sin(yaw)
        widths.append(float(d.max() - d.min()))
    narrow = min(widths)
    ok = [(abs((y - prefer + math.pi / 2) % math.pi - math.pi / 2), y, w) for y, w in zip(yaws, widths)
          if w <= narrow + 0.003]
    _, yaw, width = min(ok)
    return float(yaw), width, float(pts[:, 2].max()), float(pts[:, 2].min())


def _in_reach(world, x: float, y: float, *heights: float) -> bool:
    bx, by, _ = world.robot.pose
    return within_reach(math.hypot(x - bx, y - by), *heights)


def _nearest_yaw(yaw: float, facing: float) -> float:
    """The grasp yaw (mod pi) closest to the robot's facing, so the wrist does not twist far."""
    k = round((facing - yaw) / math.pi)
    return yaw + k * math.pi


def _abort(world, reason: str, keep: bool = False) -> tuple[bool, str]:
    """Give up: back off upward and tuck (letting go unless ``keep``)."""
    r = world.robot
    if not keep:
        r.release()
        r.gripper(FINGER_OPEN, steps=24)
    hp, ho = r.hand_pose()
    r.move_line(hp, [hp[0], hp[1], hp[2] + 0.12], ho, n=3, steps_each=12)
    r.tuck()
    return False, reason


def pick(world, body: int, rng: np.random.Generator, noise: Noise = NOISE) -> tuple[bool, str]:
    r = world.robot
    name = world.names[body]
    if r.held is not None:
        return False, f"the gripper already holds the {world.names[r.held]}"
    pos, orn = world.pose(body)
    est = [pos[0] + rng.normal(0, noise.grasp_xy), pos[1] + rng.normal(0, noise.grasp_xy), pos[2]]
    lateral = world.robot.pose[2] + math.pi / 2  # closing sideways keeps the hand clear of walls ahead
    yaw, width, top, bottom = grasp_plan(name, est, orn, prefer=lateral)
    spec = LOCATION_SPECS[world.location]
    gz, hover = grasp_heights(top, bottom, spec.kind, spec.top)
    if not _in_reach(world, pos[0], pos[1], gz, hover):
        return False, f"the {name} is out of reach"
    yaw = _nearest_yaw(yaw + rng.normal(0, noise.grasp_yaw), lateral)
    if width > MAX_OPENING:
        return False, f"the {name} is too wide for the gripper ({width * 100:.0f} cm)"
    gz += rng.normal(0, noise.grasp_z)
    o = top_down(yaw)
    above = [est[0], est[1], hover]
    r.gripper(FINGER_OPEN, steps=8)
    if r.move_to(above, o, max_steps=300) > 0.03:
        return _abort(world, f"could not reach above the {name}")
    r.move_line(above, [est[0], est[1], gz], o, n=max(4, int((above[2] - gz) / 0.03)), steps_each=12)
    r.gripper(0.0, steps=48)
    left, right = r.finger_contacts(body)
    if not (left and right):
        return _abort(world, f"the grasp missed the {name}")
    z0 = world.pose(body)[0][2]
    hp, _ = r.hand_pose()
    r.move_line(hp, [hp[0], hp[1], hp[2] + 0.06], o, n=3, steps_each=16)  # lift by friction alone
    left, right = r.finger_contacts(body)
    if world.pose(body)[0][2] - z0 < 0.03 or not (left and right):
        return _abort(world, f"the {name} slipped out of the gripper")
    r.lock_grasp(body)
    r.grasp_yaw = yaw - r.pose[2]  # relative to the base, so placing elsewhere keeps the wrist untwisted
    hp, _ = r.hand_pose()
    r.move_line(hp, [hp[0], hp[1], max(hp[2], top) + 0.08], o, n=3, steps_each=16)
    r.tuck()
    if world.held_body() != body:
        return _abort(world, f"the {name} slipped out of the gripper")
    return True, ""


def _free_spot(world, loc: str, radius: float, rng, noise: Noise, heights=()):
    """A point in the location's region clear of every object there and reachable at ``heights`` (world x, y), or
    None if the place is crowded."""
    spec = LOCATION_SPECS[loc]
    back, front, left, right = spec.region
    shift = world._drawer_shift() if loc == "drawer" else 0.0
    others = []
    for b in world.bodies:
        if b == world.robot.held:
            continue
        (x, y, z) = world.pose(b)[0]
        if world.location_of_point(x, y, z) == loc:
            others.append((x, y, footprint_radius(OBJECT_SPECS[world.names[b]])))
    candidates = []
    for fx in np.linspace(back, front, 5):
        for fy in np.linspace(right, left, 7):
            x, y = spec.to_world(fx + shift, fy)
            clear = min([math.hypot(x - a, y - b) - r for a, b, r in others], default=1.0)
            if clear > radius + 0.02 and _in_reach(world, x, y, *heights):
                candidates.append((-clear + 0.3 * math.hypot(fx, fy), x, y))
    if not candidates:
        return None
    candidates.sort()
    _, x, y = candidates[int(rng.integers(0, min(3, len(candidates))))]
    return x + rng.normal(0, noise.place_xy), y + rng.normal(0, noise.place_xy)


def place(world, rng: np.random.Generator, noise: Noise = NOISE) -> tuple[bool, str]:
    """Put the held object down at the robot's location (dropped into the bin at the trash can)."""
    r = world.robot
    body = world.held_body()
    if body is None:
        return False, "the gripper is empty"
    name, loc = world.names[body], world.location
    spec = LOCATION_SPECS[loc]
    if loc == "drawer" and not world.drawer_open():
        return False, "the drawer is closed"
    hp, _ = r.hand_pose()
    (bx, by, bz), _ = world.pose(body)
    aabb = p.getAABB(body, physicsClientId=world.cid)
    below = hp[2] - aabb[0][2]  # how far the object hangs below the grasp point
    yaw = r.pose[2] + r.grasp_yaw
    o = top_down(yaw)
    release_z = (BIN["height"] + 0.05 if spec.kind == "bin" else spec.top + 0.012) + below
    hover = max(release_z + 0.08, spec.top + HOVER[spec.kind] + below)
    if spec.kind == "bin":
        x, y = spec.to_world(rng.normal(0, noise.place_xy * 2), rng.normal(0, noise.place_xy * 2))
    else:
        radius = 0.5 * math.hypot(aabb[1][0] - aabb[0][0], aabb[1][1] - aabb[0][1])
        spot = _free_spot(world, loc, radius, rng, noise, heights=(release_z, hover))
        if spot is None:
            return False, f"no free space within reach at the {loc}"
        x, y = spot
    # the object's centre is not the hand's: aim the hand so the object lands on the spot
    x, y = x + (hp[0] - bx), y + (hp[1] - by)
    above = [x, y, hover]
    if r.move_to(above, o, max_steps=300) > 0.04:
        return _abort(world, f"could not reach the {loc} with the {name}", keep=True)
    r.move_line(above, [x, y, release_z], o, n=max(3, int((above[2] - release_z) / 0.03)), steps_each=12)
    r.release()
    r.gripper(FINGER_OPEN, steps=32)
    r.step(48 if spec.kind == "bin" else 24)
    hp, _ = r.hand_pose()
    r.move_line(hp, [hp[0], hp[1], hp[2] + 0.10], o, n=3, steps_each=14)
    r.tuck()
    r.step(24)
    where = world.rests_at(body)
    if where != loc:
        return False, f"the {name} did not stay at the {loc}" + (f" (it is at the {where})" if where else "")
    return True, ""


def _handle_world(world) -> list[float]:
    spec = LOCATION_SPECS["drawer"]
    D = DRAWER
    front = D["travel"] / 2 - world.drawer_opening()
    fx = front - D["wall"] - D["handle_off"]
    x, y = spec.to_world(fx, 0.0)
    return [x, y, D["handle_z"]]


def move_drawer(world, open_it: bool, rng: np.random.Generator, noise: Noise = NOISE) -> tuple[bool, str]:
    """Hook the closed fingers behind the handle and pull (open), or push the handle (close)."""
    r = world.robot
    if world.location != "drawer":
        return False, "the robot is not at the drawer"
    if r.held is not None:
        return False, "the gripper is not free"
    spec = LOCATION_SPECS["drawer"]
    fwd = np.array([math.cos(spec.facing), math.sin(spec.facing), 0.0])
    handle = np.array(_handle_world(world)) + rng.normal(0, noise.handle, 3) * np.array([1, 1, 0.5])
    q0 = world.drawer_opening()
    o = top_down(spec.facing + math.pi / 2)  # fingers closed, hand across the drawer: a hook
    up = np.array([0.0, 0.0, 0.12])
    # open: fingertips into the gap behind the bar, pull; close: fingertips in front of the bar, push
    start = handle + (0.035 if open_it else -0.03) * fwd + np.array([0, 0, -0.002])
    shift = -(DRAWER["travel"] - q0 + 0.01) * fwd if open_it else (q0 + 0.02) * fwd
    r.gripper(0.0, steps=24)
    if r.move_to(start + up, o, max_steps=300) > 0.03:
        return _abort(world, "could not reach the drawer handle")
    r.move_line(start + up, start, o, n=4, steps_each=12)
    r.move_line(start, start + shift, o, n=8, steps_each=16)
    hp, _ = r.hand_pose()
    r.move_line(hp, np.array(hp) + up, o, n=3, steps_each=12)
    r.gripper(FINGER_OPEN, steps=16)
    r.tuck()
    if world.drawer_open() != open_it:
        return False, f"the drawer did not {'open' if open_it else 'close'}"
    return True, ""


def grasp_spawned(world, body: int) -> None:
    """Put an object that an init says is already held into the hand: fingers close on it, then it is locked."""
    r = world.robot
    r.set_joints(TUCK, FINGER_OPEN)
    name = world.names[body]
    hp, ho = r.hand_pose()
    closing = np.array(p.getMatrixFromQuaternion(ho)).reshape(3, 3)[:, 1]
    yaw_hand = math.atan2(closing[1], closing[0])
    base = p.getQuaternionFromEuler([math.pi / 2, 0, 0]) if OBJECT_SPECS[name].lying else [0, 0, 0, 1]
    yaw_obj, _, top, bottom = grasp_plan(name, [0, 0, 0], base)
    orn = p.multiplyTransforms([0, 0, 0], p.getQuaternionFromEuler([0, 0, yaw_hand - yaw_obj]), [0, 0, 0], base)[1]
    gz = max(top - 0.03, bottom + 0.016)
    p.resetBasePositionAndOrientation(body, [hp[0], hp[1], hp[2] - gz], orn, physicsClientId=world.cid)
    r.gripper(0.0, steps=24)
    r.lock_grasp(body)
    r.grasp_yaw = yaw_hand - r.pose[2]
