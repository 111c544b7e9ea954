"""Build the kitchen's furniture and objects in a PyBullet client.

Counters, the user's stand and the bin are boxes; the table and the user's tray come from ``pybullet_data``; the
drawer is a cabinet (static base) with one prismatic link that opens toward the robot. Objects are primitive rigid
bodies (cylinders, boxes, spheres, capsules) with distinct colours.
"""
from __future__ import annotations

import hashlib
import math
import os
import tempfile
from dataclasses import dataclass, field

import pybullet as p
import pybullet_data

from envs.kitchen.layout import BIN, COUNTER, DRAWER, LOCATION_SPECS, STAND, LocationSpec, ObjectSpec

WOOD = (0.55, 0.38, 0.22, 1)
STONE = (0.78, 0.78, 0.74, 1)
DARK = (0.15, 0.15, 0.17, 1)


@dataclass
class SceneHandles:
    """Body ids of what was built (all in one client)."""

    floor: int = -1
    furniture: dict[str, list[int]] = field(default_factory=dict)  # location -> bodies
    drawer: int = -1  # the cabinet multibody; link 0 is the drawer
    drawer_joint: int = 0
    user_figure: list[int] = field(default_factory=list)


def quat_yaw(yaw: float) -> list[float]:
    return [0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)]


def _world(spec: LocationSpec, fx: float, fy: float, z: float) -> list[float]:
    x, y = spec.to_world(fx, fy)
    return [x, y, z]


def add_box(cid: int, half, pos, yaw: float, rgba, mass: float = 0.0, friction: float = 0.8) -> int:
    col = p.createCollisionShape(p.GEOM_BOX, halfExtents=list(half), physicsClientId=cid)
    vis = p.createVisualShape(p.GEOM_BOX, halfExtents=list(half), rgbaColor=list(rgba), physicsClientId=cid)
    body = p.createMultiBody(mass, col, vis, list(pos), quat_yaw(yaw), physicsClientId=cid)
    p.changeDynamics(body, -1, lateralFriction=friction, physicsClientId=cid)
    return body


def build_counter(cid: int, spec: LocationSpec, rgba) -> list[int]:
    d, w, near = COUNTER["depth"], COUNTER["width"], COUNTER["near"]
    return [add_box(cid, (d / 2, w / 2, spec.top / 2), _world(spec, near + d / 2, 0, spec.top / 2), spec.facing,
                    rgba)]


def build_table(cid: int, spec: LocationSpec) -> list[int]:
    pos = _world(spec, -0.22 + 0.5, 0, 0)
    body = p.loadURDF("table/table.urdf", pos, quat_yaw(spec.facing + math.pi / 2), useFixedBase=True,
                      physicsClientId=cid)
    p.changeDynamics(body, -1, lateralFriction=0.8, physicsClientId=cid)
    return [body]


def build_bin(cid: int, spec: LocationSpec) -> list[int]:
    inner, t, h, floor = BIN["inner"], BIN["wall"], BIN["height"], spec.top
    grey = (0.35, 0.38, 0.40, 1)
    half_out = inner / 2 + t
    bodies = [add_box(cid, (half_out, half_out, floor / 2), _world(spec, 0, 0, floor / 2), spec.facing, grey)]
    for fx, fy, hx, hy in ((half_out - t / 2, 0, t / 2, half_out), (-half_out + t / 2, 0, t / 2, half_out),
                           (0, half_out - t / 2, half_out, t / 2), (0, -half_out + t / 2, half_out, t / 2)):
        bodies.append(add_box(cid, (hx, hy, (h - floor) / 2), _world(spec, fx, fy, floor + (h - floor) / 2),
                              spec.facing, grey))
    return bodies


def build_user(cid: int, spec: LocationSpec) -> tuple[list[int], list[int]]:
    """The user's stand with a tray on top (where things are handed over), and the user standing behind it."""
    stand = add_box(cid, (STAND["depth"] / 2, STAND["width"] / 2, STAND["height"] / 2),
                    _world(spec, 0, 0, STAND["height"] / 2), spec.facing, (0.30, 0.30, 0.34, 1))
    tray = p.loadURDF("tray/traybox.urdf", _world(spec, 0, 0, STAND["height"]), quat_yaw(spec.facing),
                      globalScaling=STAND["tray_scale"], useFixedBase=True, physicsClientId=cid)
    p.changeVisualShape(tray, -1, rgbaColor=[0.85, 0.85, 0.80, 1], physicsClientId=cid)
    figure = []
    for shape, dims, z, rgba in (("cyl", (0.16, 0.85), 0.425, (0.20, 0.22, 0.35, 1)),
                                 ("cyl", (0.20, 0.60), 1.15, (0.25, 0.55, 0.75, 1)),
                                 ("sph", (0.12,), 1.58, (0.90, 0.75, 0.60, 1))):
        if shape == "cyl":
            col = p.createCollisionShape(p.GEOM_CYLINDER, radius=dims[0], height=dims[1], physicsClientId=cid)
            vis = p.createVisualShape(p.GEOM_CYLINDER, radius=dims[0], length=dims[1], rgbaColor=rgba,
                                      physicsClientId=cid)
        else:
            col = p.createCollisionShape(p.GEOM_SPHERE, radius=dims[0], physicsClientId=cid)
            vis = p.createVisualShape(p.GEOM_SPHERE, radius=dims[0], rgbaColor=rgba, physicsClientId=cid)
        figure.append(p.createMultiBody(0, col, vis, _world(spec, 0.48, 0, z), physicsClientId=cid))
    return [stand, tray], figure


def _urdf_boxes(parts, rgba_default) -> str:
    out = []
    for i, (half, pos, rgba) in enumerate(parts):
        size = " ".join(f"{2 * h:.4f}" for h in half)
        xyz = " ".join(f"{v:.4f}" for v in pos)
        colour = " ".join(f"{c:.3f}" for c in (rgba or rgba_default))
        geom = f'<origin xyz="{xyz}"/><geometry><box size="{size}"/></geometry>'
        out.append(f'<visual>{geom}<material name="m{i}"><color rgba="{colour}"/></material></visual>'
                   f'<collision>{geom}</collision>')
    return "".join(out)


def drawer_urdf(spec: LocationSpec) -> str:
    """Cabinet (base link) + drawer (prismatic link toward the robot, limited to 0..DRAWER['travel'])."""
    D = DRAWER
    t, travel = D["wall"], D["travel"]
    front = travel / 2  # the closed drawer's front face, in the location frame (open: the exposed part is centred)
    cd, cw, ch = D["cab_depth"], D["cab_width"], D["cab_height"]
    cx = front + cd / 2
    floor_top = spec.top
    cab = [  # (half extents, centre relative to the location anchor at floor level, colour)
        ((cd / 2, cw / 2, t / 2), (cx, 0, ch - t / 2), None),  # top
        ((cd / 2, t / 2, ch / 2), (cx, cw / 2 - t / 2, ch / 2), None),  # sides
        ((cd / 2, t / 2, ch / 2), (cx, -cw / 2 + t / 2, ch / 2), None),
        ((t / 2, cw / 2, ch / 2), (front + cd - t / 2, 0, ch / 2), None),  # back
        ((cd / 2, cw / 2 - t, (floor_top - 0.04) / 2), (cx, 0, (floor_top - 0.04) / 2), None),  # plinth
        # front rail above the drawer: hides a closed drawer's contents (and stops objects too tall to fit)
        ((t / 2, cw / 2, (ch - D["rail_z"]) / 2), (front + t / 2, 0, (ch + D["rail_z"]) / 2), None),
    ]
    di, dw, sh = D["inner_depth"], D["inner_width"], D["side_height"]
    half_w = dw / 2 + t
    handle_x = -di / 2 - t - D["handle_off"]
    hz = D["handle_z"] - floor_top
    drawer = [  # link frame: centre of the closed drawer's interior, at floor level
        ((di / 2 + t, half_w, t / 2), (0, 0, -t / 2), None),  # floor
        ((di / 2 + t, t / 2, sh / 2), (0, dw / 2 + t / 2, sh / 2), None),  # sides
        ((di / 2 + t, t / 2, sh / 2), (0, -dw / 2 - t / 2, sh / 2), None),
        ((t / 2, half_w, sh / 2), (di / 2 + t / 2, 0, sh / 2), None),  # back
        ((t / 2, half_w + 0.02, D["panel_height"] / 2), (-di / 2 - t / 2, 0, D["panel_height"] / 2 - 0.03), None),

        ((0.01, D["handle_len"] / 2, 0.01), (handle_x, 0, hz), DARK),  # handle bar on two posts
        ((D["handle_off"] / 2, 0.008, 0.008), (handle_x + D["handle_off"] / 2, 0.06, hz), DARK),
        ((D["handle_off"] / 2, 0.008, 0.008), (handle_x + D["handle_off"] / 2, -0.06, hz), DARK),
    ]
    inertia = '<inertia ixx="0.05" ixy="0" ixz="0" iyy="0.05" iyz="0" izz="0.05"/>'
    return (
        '<?xml version="1.0"?><robot name="kitchen_drawer">'
        f'<link name="cabinet"><inertial><mass value="0"/>{inertia}</inertial>{_urdf_boxes(cab, WOOD)}</link>'
        f'<link name="drawer"><inertial><mass value="1.5"/>{inertia}</inertial>'
        f'{_urdf_boxes(drawer, (0.72, 0.55, 0.36, 1))}</link>'
        '<joint name="slide" type="prismatic"><parent link="cabinet"/><child link="drawer"/>'
        f'<origin xyz="{front + di / 2:.4f} 0 {floor_top:.4f}"/><axis xyz="-1 0 0"/>'
        f'<limit lower="0" upper="{travel:.4f}" effort="500" velocity="1.0"/></joint></robot>'
    )


def build_drawer(cid: int, spec: LocationSpec) -> int:
    """Load the generated cabinet+drawer URDF (written once per process to a temporary file)."""
    text = drawer_urdf(spec)
    digest = hashlib.sha1(text.encode()).hexdigest()[:12]
    path = os.path.join(tempfile.gettempdir(), f"socratic_kitchen_drawer_{digest}.urdf")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    body = p.loadURDF(path, _world(spec, 0, 0, 0), quat_yaw(spec.facing), useFixedBase=True, physicsClientId=cid)
    p.changeDynamics(body, 0, lateralFriction=0.8, linearDamping=0.5, physicsClientId=cid)
    return body


def build_scene(cid: int) -> SceneHandles:
    p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=cid)
    h = SceneHandles()
    h.floor = p.loadURDF("plane.urdf", physicsClientId=cid)
    S = LOCATION_SPECS
    h.furniture["close counter"] = build_counter(cid, S["close counter"], STONE)
    h.furniture["far counter"] = build_counter(cid, S["far counter"], (0.62, 0.66, 0.72, 1))
    h.furniture["table"] = build_table(cid, S["table"])
    h.furniture["trash can"] = build_bin(cid, S["trash can"])
    h.furniture["user"], h.user_figure = build_user(cid, S["user"])
    h.drawer = build_drawer(cid, S["drawer"])
    h.furniture["drawer"] = [h.drawer]
    return h


def spawn_object(cid: int, spec: ObjectSpec, pos, orn, friction: float = 0.9) -> int:
    """One rigid object; ``orn`` a quaternion."""
    if spec.shape == "cylinder":
        col = p.createCollisionShape(p.GEOM_CYLINDER, radius=spec.size[0], height=spec.size[1], physicsClientId=cid)
        vis = p.createVisualShape(p.GEOM_CYLINDER, radius=spec.size[0], length=spec.size[1], rgbaColor=spec.rgba,
                                  physicsClientId=cid)
    elif spec.shape == "capsule":
        col = p.createCollisionShape(p.GEOM_CAPSULE, radius=spec.size[0], height=spec.size[1], physicsClientId=cid)
        vis = p.createVisualShape(p.GEOM_CAPSULE, radius=spec.size[0], length=spec.size[1], rgbaColor=spec.rgba,
                                  physicsClientId=cid)
    elif spec.shape == "sphere":
        col = p.createCollisionShape(p.GEOM_SPHERE, radius=spec.size[0], physicsClientId=cid)
        vis = p.createVisualShape(p.GEOM_SPHERE, radius=spec.size[0], rgbaColor=spec.rgba, physicsClientId=cid)
    else:
        half = [s / 2 for s in spec.size]
        col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=cid)
        vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=spec.rgba, physicsClientId=cid)
    body = p.createMultiBody(spec.mass, col, vis, list(pos), list(orn), physicsClientId=cid)
    p.changeDynamics(body, -1, lateralFriction=friction, rollingFriction=0.01, spinningFriction=0.01,
                     physicsClientId=cid)
    return body
