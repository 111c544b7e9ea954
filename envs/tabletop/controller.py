"""The scripted pick-and-place controller: perceive, grasp from above, carry, release, retract -- all in physics.

Targets come from perception (``envs.tabletop.perception``), not from the simulator's poses. Seeded noise
(``Noise``) perturbs the grasp and the release like an imperfect policy would; a missed grasp, a block that slips
or slides off a stack is then a real physical outcome, reported as a failure. Success is judged afterwards from
the simulator's state with the goal semantics (``envs.tabletop.goals.rests_on``), like SayCan's success detector.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from envs.tabletop.goals import rests_on
from envs.tabletop.layout import BLOCK_SIZE, BOWL_FLOOR, BOWL_RADIUS, footprint
from envs.tabletop.perception import Detection, Perception
from envs.tabletop.vocab import REGIONS, kind_of, region_anchor, region_bounds

APPROACH = 0.08  # clearance above the tallest thing when carrying
RELEASE_GAP = 0.008  # drop height above the support surface
OPEN_WIDE, OPEN_NARROW = 0.04, 0.031  # finger positions: approach on the open table / near bowl walls, release
OCCUPIED_XY = 0.03  # another detection this close and higher sits on top


@dataclass(frozen=True)
class Noise:
    """Seeded execution noise. ``Noise.none()`` gives a perfect (but still physical) controller."""

    grasp_xy: float = 0.004  # std of the grasp point error (m)
    grasp_yaw: float = 0.06  # std of the gripper yaw error (rad)
    place_xy: float = 0.005  # std of the release point error (m)
    bad_grasp: float = 0.04  # probability of a grossly misplaced grasp (often a miss)
    bad_grasp_offset: float = 0.03  # size of that error (m)

    @classmethod
    def none(cls) -> "Noise":
        return cls(0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Result:
    success: bool
    reason: str = ""
    details: dict | None = None


def on_top(p: Perception, det: Detection) -> Detection | None:
    for d in p.detections:
        if d is not det and d.kind == "block" and math.hypot(d.x - det.x, d.y - det.y) < OCCUPIED_XY \
                and d.top > det.top + BLOCK_SIZE / 2:
            return d
    return None


def free_spot(p: Perception, region: str, ignore: Detection | None) -> tuple[float, float]:
    """The point of ``region`` nearest its anchor that keeps a block clear of every perceived object."""
    ax, ay = region_anchor(region)
    x0, x1, y0, y1 = region_bounds(region)
    m = footprint("block") + 0.005
    best, best_d = (ax, ay), math.inf
    for x in np.linspace(x0 + m, x1 - m, 7):
        for y in np.linspace(y0 + m, y1 - m, 7):
            clear = all(math.hypot(x - d.x, y - d.y) >= footprint(d.name) + footprint("block") + 0.01
                        for d in p.detections if d is not ignore)
            dist = math.hypot(x - ax, y - ay)
            if clear and dist < best_d:
                best, best_d = (float(x), float(y)), dist
    return best


def bowl_spot(p: Perception, bowl: Detection) -> tuple[float, float, float]:
    """Where to release into a bowl: a free spot inside it, else on top of what is there. Returns (x, y, z_bottom)."""
    inside = [d for d in p.detections if d.kind == "block" and math.hypot(d.x - bowl.x, d.y - bowl.y) < BOWL_RADIUS]
    floor = BOWL_FLOOR
    r = BOWL_RADIUS - 0.007 - footprint("block") - 0.004
    for k in range(9):
        a = 2 * math.pi * k / 8
        x, y = bowl.x + (r if k else 0) * math.cos(a), bowl.y + (r if k else 0) * math.sin(a)
        if all(math.hypot(x - d.x, y - d.y) > 2 * footprint("block") for d in inside):
            return x, y, floor
    return bowl.x, bowl.y, max(d.top for d in inside)


def plan_release(p: Perception, held: Detection, place: str) -> tuple[float, float, float, float] | Result:
    """(x, y, z of the block's bottom, yaw) for releasing ``held`` on ``place``, or a failure Result."""
    if place in REGIONS:
        x, y = free_spot(p, place, held)
        return x, y, 0.0, held.yaw
    target = p.find(place)
    if target is None:
        return Result(False, f"the {place} is not in view")
    if kind_of(place) == "bowl":
        x, y, z = bowl_spot(p, target)
        return x, y, z, held.yaw
    if on_top(p, target):
        return Result(False, f"the {place} is covered by the {on_top(p, target).name}")
    # a cube looks the same every quarter turn: turn the held block by the smallest angle that aligns it
    turn = (target.yaw - held.yaw + math.pi / 4) % (math.pi / 2) - math.pi / 4
    return target.x, target.y, target.top, held.yaw + turn


def pick_and_place(world, pick: str, place: str, rng: np.random.Generator, noise: Noise) -> Result:
    """Pick block ``pick`` and place it on ``place`` (block, bowl or region) in ``world`` (a TabletopWorld)."""
    p = world.perceive()
    held = p.find(pick)
    if held is None:
        return Result(False, f"the {pick} is not in view")
    cover = on_top(p, held)
    if cover is not None:
        return Result(False, f"the {cover.name} is on the {pick}")
    plan = plan_release(p, held, place)
    if isinstance(plan, Result):
        return plan
    px, py, pz, pyaw = plan
    arm = world.arm
    top = max([d.top for d in p.detections] + [0.0])
    safe = max(top + BLOCK_SIZE + APPROACH, 0.18)

    # grasp point with seeded error
    gx, gy = held.x + rng.normal(0, noise.grasp_xy), held.y + rng.normal(0, noise.grasp_xy)
    if noise.bad_grasp and rng.random() < noise.bad_grasp:
        a = rng.uniform(0, 2 * math.pi)
        gx, gy = gx + noise.bad_grasp_offset * math.cos(a), gy + noise.bad_grasp_offset * math.sin(a)
    gyaw = held.yaw + rng.normal(0, noise.grasp_yaw)
    gz = max(held.top - BLOCK_SIZE / 2, 0.012)
    px, py = px + rng.normal(0, noise.place_xy), py + rng.normal(0, noise.place_xy)
    release_z = pz + BLOCK_SIZE / 2 + RELEASE_GAP

    in_bowl = any(d.kind == "bowl" and math.hypot(d.x - held.x, d.y - held.y) < BOWL_RADIUS for d in p.detections)
    start, _ = arm.ee_pose()
    arm.set_gripper(OPEN_NARROW if in_bowl else OPEN_WIDE, 1)
    arm.move_line(start, (gx, gy, safe), gyaw, step_len=0.08)
    arm.move_line((gx, gy, safe), (gx, gy, gz), gyaw)
    arm.set_gripper(0.0, 40)
    arm.move_line((gx, gy, gz), (gx, gy, safe), gyaw)
    grasped = world.holding() == pick
    if grasped:
        arm.move_line((gx, gy, safe), (px, py, safe), gyaw, step_len=0.08, yaw_end=pyaw)
        arm.move_line((px, py, safe), (px, py, release_z), pyaw)
    arm.set_gripper(OPEN_NARROW, 25)
    arm.move_line(arm.ee_pose()[0], (*arm.ee_pose()[0][:2], safe), pyaw if grasped else gyaw)
    arm.go_home()
    world.settle()
    if not grasped:
        return Result(False, f"missed the grasp: the {pick} is not in the gripper")
    state = world.state()
    if rests_on(state["objects"], pick, place):
        return Result(True, "")
    o = state["objects"][pick]
    where = o["support"] if o["support"] != "table" else f"table ({o['region'] or 'off the workspace'})"
    return Result(False, f"the {pick} did not stay on the {place}: it ended on the {where}")
