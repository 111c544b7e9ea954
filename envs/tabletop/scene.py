"""Builds the tabletop scene in a PyBullet client: floor, table, coloured blocks and bowls made of primitive shapes."""
from __future__ import annotations

import math

import pybullet as p

from envs.tabletop.layout import BLOCK_SIZE, BOWL_FLOOR, BOWL_HEIGHT, BOWL_RADIUS, Placement
from envs.tabletop.vocab import RGB, colour_of

TABLE_HALF = (0.55, 0.65, 0.025)  # half extents of the table slab
TABLE_CENTRE = (0.40, 0.0)  # the slab's centre (x, y); its top is at z = 0
TABLE_RGBA = (0.82, 0.76, 0.66, 1.0)
FLOOR_Z = -0.70
BLOCK_MASS = 0.06
BOWL_MASS = 0.25
BOWL_WALL = 0.007  # wall thickness
BOWL_BASE = BOWL_FLOOR
BOWL_SEGMENTS = 14  # PyBullet overflows beyond 16 coloured shapes per visual array


def build_static(client: int) -> dict[str, int]:
    """Floor and table. Returns their body ids."""
    half = (3.0, 3.0, 0.01)
    floor_col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=client)
    floor_vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=(0.35, 0.35, 0.38, 1),
                                    physicsClientId=client)
    floor = p.createMultiBody(0, floor_col, floor_vis, basePosition=(0, 0, FLOOR_Z - half[2]), physicsClientId=client)
    col = p.createCollisionShape(p.GEOM_BOX, halfExtents=TABLE_HALF, physicsClientId=client)
    vis = p.createVisualShape(p.GEOM_BOX, halfExtents=TABLE_HALF, rgbaColor=TABLE_RGBA, physicsClientId=client)
    table = p.createMultiBody(0, col, vis, basePosition=(TABLE_CENTRE[0], TABLE_CENTRE[1], -TABLE_HALF[2]),
                              physicsClientId=client)
    p.changeDynamics(table, -1, lateralFriction=0.8, physicsClientId=client)
    return {"floor": floor, "table": table}


def _rgba(name: str) -> tuple[float, float, float, float]:
    return (*RGB[colour_of(name)], 1.0)


def add_block(client: int, place: Placement) -> int:
    h = BLOCK_SIZE / 2
    col = p.createCollisionShape(p.GEOM_BOX, halfExtents=(h, h, h), physicsClientId=client)
    vis = p.createVisualShape(p.GEOM_BOX, halfExtents=(h, h, h), rgbaColor=_rgba(place.name), physicsClientId=client)
    body = p.createMultiBody(BLOCK_MASS, col, vis, basePosition=(place.x, place.y, h + 1e-4),
                             baseOrientation=p.getQuaternionFromEuler((0, 0, place.yaw)), physicsClientId=client)
    p.changeDynamics(body, -1, lateralFriction=1.0, spinningFriction=0.002, rollingFriction=0.0005,
                     restitution=0.0, physicsClientId=client)
    return body


def _bowl_parts() -> tuple[list, list, list, list]:
    """Shape types, half extents/radii, positions and orientations: a flat disc plus a ring of thin boxes."""
    types, sizes, poses, orns = [p.GEOM_CYLINDER], [(BOWL_RADIUS, BOWL_BASE)], [(0, 0, BOWL_BASE / 2)], [(0, 0, 0, 1)]
    r = BOWL_RADIUS - BOWL_WALL / 2
    seg_len = 2 * BOWL_RADIUS * math.tan(math.pi / BOWL_SEGMENTS) + 0.002
    for k in range(BOWL_SEGMENTS):
        a = 2 * math.pi * k / BOWL_SEGMENTS
        types.append(p.GEOM_BOX)
        sizes.append((BOWL_WALL / 2, seg_len / 2, (BOWL_HEIGHT - BOWL_BASE) / 2))  # walls stand on the disc, so
        poses.append((r * math.cos(a), r * math.sin(a), (BOWL_HEIGHT + BOWL_BASE) / 2))  # only it touches the table
        orns.append(p.getQuaternionFromEuler((0, 0, a)))
    return types, sizes, poses, orns


def add_bowl(client: int, place: Placement) -> int:
    types, sizes, poses, orns = _bowl_parts()
    radii = [s[0] if t == p.GEOM_CYLINDER else 0 for t, s in zip(types, sizes)]
    lengths = [s[1] if t == p.GEOM_CYLINDER else 0 for t, s in zip(types, sizes)]
    half = [s if t == p.GEOM_BOX else (0, 0, 0) for t, s in zip(types, sizes)]
    col = p.createCollisionShapeArray(types, radii=radii, halfExtents=half, lengths=lengths,
                                      collisionFramePositions=poses, collisionFrameOrientations=orns,
                                      physicsClientId=client)
    vis = p.createVisualShapeArray(types, radii=radii, halfExtents=half, lengths=lengths,
                                   rgbaColors=[_rgba(place.name)] * len(types), visualFramePositions=poses,
                                   visualFrameOrientations=orns, physicsClientId=client)
    body = p.createMultiBody(BOWL_MASS, col, vis, basePosition=(place.x, place.y, 1e-4), physicsClientId=client)
    p.changeDynamics(body, -1, lateralFriction=0.9, restitution=0.0, physicsClientId=client)
    return body


def add_objects(client: int, layout: list[Placement]) -> dict[str, int]:
    """Create every object of a layout; returns name -> body id."""
    return {pl.name: (add_bowl if pl.name.endswith(" bowl") else add_block)(client, pl) for pl in layout}
