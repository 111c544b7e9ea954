"""The tabletop's structured state -- what goals are checked on -- and how to read it off the simulator.

A state is plain JSON data::

    {"objects": {"red block": {"kind": "block", "pos": [x, y, z], "support": "blue bowl", "region": "middle"}, ...},
     "holding": null}

``support`` is what the object rests on directly: another object's name, ``"table"``, ``"floor"`` (fell off) or
``"gripper"`` (held). ``region`` is the workspace cell under the object (None when off the table or held). The
physical simulator derives supports from contact points and poses; the symbolic model (``envs.tabletop.symbolic``)
produces the same shape, so one goal checker serves both.
"""
from __future__ import annotations

import math

from envs.tabletop.layout import BLOCK_SIZE, BOWL_RADIUS
from envs.tabletop.vocab import OBJECTS, kind_of, region_of

TABLE, FLOOR, GRIPPER = "table", "floor", "gripper"


def sort_names(names) -> list[str]:
    order = {n: i for i, n in enumerate(OBJECTS)}
    return sorted(names, key=lambda n: order.get(n, len(order)))


def _supports_from_contacts(client: int, bodies: dict[str, int], table: int, robot: int) -> dict[str, str]:
    """For each object, what it rests on, from contact points: the highest touching body below its centre."""
    import pybullet as p

    pos = {n: p.getBasePositionAndOrientation(b, physicsClientId=client)[0] for n, b in bodies.items()}
    by_id = {b: n for n, b in bodies.items()}
    support: dict[str, str] = {}
    for name, body in bodies.items():
        z = pos[name][2]
        below: list[tuple[float, str]] = []
        touching_robot = False
        for c in p.getContactPoints(bodyA=body, physicsClientId=client):
            other, cz = c[2], c[5][2]  # partner body, contact position on A
            if other == robot:
                touching_robot = True
                continue
            if cz > z + 1e-3 and kind_of(name) == "block":
                continue  # a contact on the object's upper half: something rests on it, not under it
            if other == table:
                below.append((0.0, TABLE))
            elif other in by_id:
                other_name = by_id[other]
                if pos[other_name][2] < z - 1e-3:
                    below.append((pos[other_name][2], other_name))
        if touching_robot and not below:
            support[name] = GRIPPER
        elif below:
            # rest on the highest thing below (a block in a bowl touches the bowl, not the table)
            support[name] = max(below)[1]
        else:
            support[name] = FLOOR if z < -0.05 else _geometric_support(name, pos)
    return support


def _geometric_support(name: str, pos: dict) -> str:
    """Fallback without contacts (e.g. a frame before the first physics step): the object right below, else table."""
    x, y, z = pos[name]
    best, best_z = TABLE, -math.inf
    for other, (ox, oy, oz) in pos.items():
        if other == name or oz >= z:
            continue
        reach = BOWL_RADIUS if kind_of(other) == "bowl" else BLOCK_SIZE * 0.75
        if math.hypot(x - ox, y - oy) < reach and oz > best_z:
            best, best_z = other, oz
    return best


def read_state(client: int, bodies: dict[str, int], table: int, robot: int) -> dict:
    """The structured state of the simulator now (positions rounded to 0.1 mm)."""
    import pybullet as p

    support = _supports_from_contacts(client, bodies, table, robot)
    objects = {}
    for name in sort_names(bodies):
        x, y, z = p.getBasePositionAndOrientation(bodies[name], physicsClientId=client)[0]
        s = support[name]
        on_table = s not in (FLOOR, GRIPPER) and z > -0.02
        objects[name] = {"kind": kind_of(name), "pos": [round(x, 4), round(y, 4), round(z, 4)], "support": s,
                         "region": region_of(x, y) if on_table else None}
    held = [n for n, o in objects.items() if o["support"] == GRIPPER]
    return {"objects": objects, "holding": held[0] if held else None}
