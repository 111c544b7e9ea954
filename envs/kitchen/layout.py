"""Geometry of the physical kitchen: where each location is, where the robot parks, what each object looks like.

All numbers are metres, kilograms and radians in the world frame (z up). Each location has an *anchor*: the point
0.55 m in front of the parked arm's base at which the robot looks and works; furniture is built around it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from envs.kitchen.vocab import LOCATIONS, OBJECTS

ARM_TO_ANCHOR = 0.55  # horizontal distance from the parked arm base to the location's anchor
ARM_BASE_Z = 0.50  # height of the arm base on top of the mobile base
REACH_MIN = 0.28  # closer than this (horizontally) the arm cannot reach down
# Top-down reach of the Panda, measured by inverse kinematics: height of the grasp point above the arm base ->
# farthest horizontal distance reached within 1 cm.
REACH_DZ = (-0.40, -0.30, -0.20, -0.15, 0.00, 0.20, 0.30, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70)
REACH_D = (0.55, 0.65, 0.70, 0.74, 0.77, 0.77, 0.74, 0.70, 0.67, 0.64, 0.58, 0.50, 0.42, 0.32)
HOVER = {"surface": 0.10, "tray": 0.13, "bin": 0.22, "drawer": 0.25}  # approach height above the location's floor
MAX_OPENING = 0.076  # widest object the gripper can close on (Panda: 0.08 with some margin)


@dataclass(frozen=True)
class LocationSpec:
    name: str
    kind: str  # surface | bin | tray | drawer
    anchor: tuple[float, float]  # working point on the surface
    facing: float  # yaw of the robot when parked (it faces the anchor)
    top: float  # height objects rest on (surface top, bin floor, tray floor, drawer floor when closed)
    region: tuple[float, float, float, float]  # spawn/put region around the anchor: (back, front, left, right)
    # in the location frame: x forward from the robot, y to the robot's left
    standoff: float = ARM_TO_ANCHOR  # horizontal distance from the parked arm base to the anchor

    @property
    def forward(self) -> tuple[float, float]:
        return math.cos(self.facing), math.sin(self.facing)

    def to_world(self, fx: float, fy: float) -> tuple[float, float]:
        """A point given in the location frame (x forward from the anchor, y left) in world coordinates."""
        c, s = self.forward
        return self.anchor[0] + c * fx - s * fy, self.anchor[1] + s * fx + c * fy

    def to_local(self, x: float, y: float) -> tuple[float, float]:
        c, s = self.forward
        dx, dy = x - self.anchor[0], y - self.anchor[1]
        return c * dx + s * dy, -s * dx + c * dy

    def park_pose(self) -> tuple[float, float, float]:
        """(x, y, yaw) of the arm base when the robot is parked at this location."""
        c, s = self.forward
        return self.anchor[0] - self.standoff * c, self.anchor[1] - self.standoff * s, self.facing


def reach_limit(z: float) -> float:
    """Farthest horizontal distance at which a top-down grasp point at height ``z`` is reachable."""
    dz = z - ARM_BASE_Z
    if dz < REACH_DZ[0]:
        return REACH_D[0] - 2.0 * (REACH_DZ[0] - dz)
    for (z0, d0), (z1, d1) in zip(zip(REACH_DZ, REACH_D), zip(REACH_DZ[1:], REACH_D[1:])):
        if dz <= z1:
            return d0 + (d1 - d0) * (dz - z0) / (z1 - z0)
    return 0.0


def grasp_heights(top: float, bottom: float, kind: str, floor: float) -> tuple[float, float]:
    """(grasp point z, approach z) of a top-down grasp on an object spanning ``bottom``..``top``: the fingertips
    hold the top 3 cm (or stay 1.6 cm above the floor); the approach clears the object and the location's walls."""
    return max(top - 0.03, bottom + 0.016), max(top + 0.035, floor + HOVER[kind])


def within_reach(distance: float, *heights: float) -> bool:
    """Can the hand reach (top-down) a point ``distance`` away horizontally at each of ``heights``?"""
    return distance >= REACH_MIN and all(distance <= reach_limit(z) for z in heights)


H = math.pi / 2
# Region: (back, front, left, right) extents around the anchor, in the location frame.
LOCATION_SPECS: dict[str, LocationSpec] = {
    "close counter": LocationSpec("close counter", "surface", (0.0, 2.0), H, 0.70, (-0.14, 0.12, 0.24, -0.24)),
    "far counter": LocationSpec("far counter", "surface", (2.6, 2.0), H, 0.70, (-0.14, 0.12, 0.24, -0.24)),
    "table": LocationSpec("table", "surface", (1.2, -2.0), -H, 0.625, (-0.14, 0.13, 0.25, -0.25)),
    "trash can": LocationSpec("trash can", "bin", (-1.0, -2.0), -H, 0.24, (-0.07, 0.07, 0.07, -0.07), 0.60),
    "user": LocationSpec("user", "tray", (-2.2, 0.0), math.pi, 0.61, (-0.09, 0.09, 0.10, -0.10)),
    "drawer": LocationSpec("drawer", "drawer", (2.9, -0.4), 0.0, 0.33, (-0.07, 0.05, 0.15, -0.15), 0.63),
}
assert tuple(LOCATION_SPECS) == LOCATIONS
# Inner walls of the containers (location frame, drawer open): a whole object must fit between them.
INTERIOR = {"drawer": (-0.125, 0.16, 0.215, -0.215), "user": (-0.19, 0.19, 0.19, -0.19),
            "trash can": (-0.16, 0.16, 0.16, -0.16)}

# Furniture dimensions (location frame: depth along x, width along y).
COUNTER = dict(depth=0.60, width=1.40, near=-0.22)  # near: front edge of the counter relative to the anchor
TABLE_SCALE = 1.0  # pybullet_data table: 1.5 x 1.0 top at 0.625
BIN = dict(inner=0.34, wall=0.015, height=0.40)  # floor: LOCATION_SPECS["trash can"].top
STAND = dict(depth=0.50, width=0.50, height=0.60, tray_scale=0.8)  # the user's stand, a tray on top
DRAWER = dict(  # the cabinet's front face is at x=near in the location frame (drawer closed)
    near=-0.22, cab_depth=0.42, cab_width=0.56, cab_height=0.62, wall=0.02,
    inner_depth=0.30, inner_width=0.44, side_height=0.08, travel=0.26,  # floor: LOCATION_SPECS["drawer"].top
    panel_height=0.14, handle_off=0.07, handle_z=0.38, handle_len=0.16, rail_z=0.455,
)


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    shape: str  # cylinder | box | sphere | capsule
    size: tuple[float, ...]  # cylinder/capsule: (radius, length); box: (x, y, z) full extents; sphere: (radius,)
    rgba: tuple[float, float, float, float]
    mass: float
    lying: bool = False  # cylinders/capsules that rest on their side


def _can(name, rgba):
    return ObjectSpec(name, "cylinder", (0.033, 0.12), rgba, 0.30)


OBJECT_SPECS: dict[str, ObjectSpec] = {s.name: s for s in [
    _can("coke can", (0.80, 0.05, 0.05, 1)),
    _can("pepsi can", (0.10, 0.20, 0.80, 1)),
    _can("7up can", (0.15, 0.75, 0.20, 1)),
    _can("sprite can", (0.55, 0.85, 0.75, 1)),
    ObjectSpec("redbull can", "cylinder", (0.027, 0.15), (0.35, 0.45, 0.75, 1), 0.30),
    ObjectSpec("lime soda", "cylinder", (0.030, 0.12), (0.60, 0.95, 0.15, 1), 0.30),
    ObjectSpec("grapefruit soda", "cylinder", (0.030, 0.12), (0.95, 0.50, 0.55, 1), 0.30),
    ObjectSpec("tea", "box", (0.055, 0.055, 0.13), (0.55, 0.30, 0.10, 1), 0.25),
    ObjectSpec("water bottle", "cylinder", (0.032, 0.22), (0.75, 0.90, 1.00, 1), 0.40),
    ObjectSpec("apple", "sphere", (0.034,), (0.75, 0.10, 0.10, 1), 0.18),
    ObjectSpec("orange", "sphere", (0.036,), (1.00, 0.55, 0.05, 1), 0.20),
    ObjectSpec("banana", "capsule", (0.019, 0.15), (0.98, 0.90, 0.25, 1), 0.15, lying=True),
    ObjectSpec("energy bar", "box", (0.13, 0.045, 0.025), (0.45, 0.25, 0.55, 1), 0.06),
    ObjectSpec("jalapeno chips", "box", (0.15, 0.065, 0.04), (0.20, 0.60, 0.20, 1), 0.08),
    ObjectSpec("multigrain chips", "box", (0.15, 0.065, 0.04), (0.80, 0.65, 0.35, 1), 0.08),
    ObjectSpec("rice chips", "box", (0.15, 0.065, 0.04), (0.95, 0.95, 0.90, 1), 0.08),
    ObjectSpec("sea salt chips", "box", (0.15, 0.065, 0.04), (0.25, 0.55, 0.85, 1), 0.08),
    ObjectSpec("sponge", "box", (0.10, 0.065, 0.045), (1.00, 0.90, 0.10, 1), 0.05),
]}
assert tuple(OBJECT_SPECS) == OBJECTS


def height(spec: ObjectSpec, lying: bool = False) -> float:
    """Height of the object when resting (lying: cylinders/capsules on their side, boxes on their long edge)."""
    if spec.shape == "sphere":
        return 2 * spec.size[0]
    if spec.shape in ("cylinder", "capsule"):
        return 2 * spec.size[0] if lying else spec.size[1] + (2 * spec.size[0] if spec.shape == "capsule" else 0)
    return spec.size[1] if lying else spec.size[2]


def footprint_radius(spec: ObjectSpec, lying: bool | None = None) -> float:
    """Radius of a circle around the object's footprint when resting (used to space objects apart)."""
    lying = spec.lying if lying is None else lying
    if spec.shape == "sphere":
        return spec.size[0]
    if spec.shape in ("cylinder", "capsule"):
        return 0.5 * spec.size[1] + (spec.size[0] if spec.shape == "capsule" else 0) if lying else spec.size[0]
    return 0.5 * math.hypot(spec.size[0], spec.size[2] if lying else spec.size[1])


def resting_height(spec: ObjectSpec, lying: bool) -> float:
    """Height of the object's centre above the surface it rests on."""
    return 0.5 * height(spec, lying)
