"""The mobile manipulator: a kinematic wheeled base with a mast camera and a Franka Panda arm (pybullet_data).

The base moves kinematically (teleported along its path: navigation is not what this world studies). The arm moves
by physics under joint position control toward inverse-kinematics targets, and the gripper closes by physics. A
grasped object is *locked* to the hand with a fixed constraint only once both fingers touch it and it rose with the
hand -- the lock stands in for the extra grip a real gripper has, it never creates a grasp that physics did not.
"""
from __future__ import annotations

import math

import numpy as np
import pybullet as p

from envs.kitchen.layout import ARM_BASE_Z
from envs.kitchen.scene import add_box, quat_yaw

ARM_JOINTS = list(range(7))
FINGERS = (9, 10)
EE_LINK = 11  # panda_grasptarget: the point between the fingertips
LOWER = [-2.9671, -1.8326, -2.9671, -3.1416, -2.9671, -0.0873, -2.9671]
UPPER = [2.9671, 1.8326, 2.9671, 0.0, 2.9671, 3.8223, 2.9671]
REST = [0.0, -0.3, 0.0, -2.2, 0.0, 2.0, 0.785]
RANGES = [u - l for l, u in zip(LOWER, UPPER)] + [0.04, 0.04]
TUCK = [0.771, -0.766, 0.667, -1.626, 0.52, 1.043, 0.783]  # hand behind-left, high: out of the camera's view
FINGER_OPEN = 0.04
TUCK_POINT = (-0.2, 0.3, ARM_BASE_Z + 0.6)  # hand position of TUCK (x forward, y left from the base; z)
CAMERA_HEIGHT = 1.85
MAST = CAMERA_HEIGHT - ARM_BASE_Z - 0.05


class Robot:
    """Base + mast + Panda in one client. Poses are (x, y, yaw) of the arm base."""

    def __init__(self, cid: int, dt: float):
        self.cid, self.dt = cid, dt
        self.arm = p.loadURDF("franka_panda/panda.urdf", [0, 0, ARM_BASE_Z], useFixedBase=True,
                              flags=p.URDF_USE_SELF_COLLISION_EXCLUDE_ALL_PARENTS, physicsClientId=cid)
        self.base = add_box(cid, (0.30, 0.24, ARM_BASE_Z / 2), (0, 0, ARM_BASE_Z / 2), 0, (0.25, 0.25, 0.28, 1))
        col = -1
        vis = p.createVisualShape(p.GEOM_BOX, halfExtents=[0.03, 0.03, MAST / 2], rgbaColor=[0.3, 0.3, 0.32, 1],
                                  physicsClientId=cid)
        self.mast = p.createMultiBody(0, col, vis, [0, 0, ARM_BASE_Z + MAST / 2], physicsClientId=cid)
        for link in FINGERS:
            p.changeDynamics(self.arm, link, lateralFriction=1.5, spinningFriction=0.1, frictionAnchor=1,
                             physicsClientId=cid)
        self.lock: int | None = None  # constraint id of the grasp lock
        self.held: int | None = None  # body locked in the hand
        self.grasp_yaw = 0.0  # closing direction of the last grasp (placing keeps it)
        self.pose = (0.0, 0.0, 0.0)
        self.set_joints(TUCK, FINGER_OPEN)
        self.steps = 0  # physics steps taken (for simulated time)
        self.ticks_per_step = 1.0 / (240.0 * dt)

    # ---- base -------------------------------------------------------------------------------------------------------
    def place_base(self, x: float, y: float, yaw: float) -> None:
        """Teleport the base (and a held object with the hand)."""
        held_rel = None
        if self.held is not None:
            held_rel = self._relative_to_hand(self.held)
        self.pose = (x, y, yaw)
        c, s = math.cos(yaw), math.sin(yaw)
        q = quat_yaw(yaw)
        p.resetBasePositionAndOrientation(self.arm, [x, y, ARM_BASE_Z], q, physicsClientId=self.cid)
        p.resetBasePositionAndOrientation(self.base, [x - 0.12 * c, y - 0.12 * s, ARM_BASE_Z / 2], q,
                                          physicsClientId=self.cid)
        p.resetBasePositionAndOrientation(self.mast, [x - 0.37 * c, y - 0.37 * s, ARM_BASE_Z + MAST / 2], q,
                                          physicsClientId=self.cid)
        if held_rel is not None:
            hp, hq = self._com(self.arm, EE_LINK)
            pos, orn = p.multiplyTransforms(hp, hq, *held_rel)
            p.resetBasePositionAndOrientation(self.held, pos, orn, physicsClientId=self.cid)
            p.resetBaseVelocity(self.held, [0, 0, 0], [0, 0, 0], physicsClientId=self.cid)

    def camera(self) -> tuple[list[float], float]:
        """Eye position and yaw of the mast camera."""
        x, y, yaw = self.pose
        return [x - 0.35 * math.cos(yaw), y - 0.35 * math.sin(yaw), CAMERA_HEIGHT], yaw

    # ---- arm --------------------------------------------------------------------------------------------------------
    def set_joints(self, q, fingers: float) -> None:
        """Kinematic reset of the arm (used at build time and while driving, never to grasp)."""
        for j, v in zip(ARM_JOINTS, q):
            p.resetJointState(self.arm, j, v, physicsClientId=self.cid)
        for f in FINGERS:
            p.resetJointState(self.arm, f, fingers, physicsClientId=self.cid)
        self._command(q, fingers)

    def joints(self) -> list[float]:
        return [s[0] for s in p.getJointStates(self.arm, ARM_JOINTS, physicsClientId=self.cid)]

    def finger_width(self) -> float:
        return sum(s[0] for s in p.getJointStates(self.arm, FINGERS, physicsClientId=self.cid))

    def hand_pose(self):
        st = p.getLinkState(self.arm, EE_LINK, computeForwardKinematics=True, physicsClientId=self.cid)
        return list(st[4]), list(st[5])

    def ik(self, pos, orn, seed=None, rounds: int = 4, tol: float = 1.5e-3) -> list[float]:
        """Joint angles putting the grasp point at ``pos``/``orn``: pybullet's damped least squares, re-seeded from
        its own answer for up to ``rounds`` rounds (then once more from REST if that did not converge), on a
        kinematic copy of the arm -- the joint states are restored afterwards, the physical arm is untouched."""
        saved = p.getJointStates(self.arm, ARM_JOINTS, physicsClientId=self.cid)
        best, best_err = None, float("inf")
        for start in ([seed, REST] if rounds > 1 else [seed]):
            q = list(start) if start is not None else [s[0] for s in saved]
            for _ in range(rounds):
                for j, v in zip(ARM_JOINTS, q):
                    p.resetJointState(self.arm, j, v, physicsClientId=self.cid)
                q = list(p.calculateInverseKinematics(
                    self.arm, EE_LINK, list(pos), list(orn), lowerLimits=LOWER + [0, 0],
                    upperLimits=UPPER + [0.04, 0.04], jointRanges=RANGES, restPoses=REST + [0.02, 0.02],
                    maxNumIterations=30, residualThreshold=1e-4, physicsClientId=self.cid)[:7])
                q = [min(max(v, lo), hi) for v, lo, hi in zip(q, LOWER, UPPER)]
                for j, v in zip(ARM_JOINTS, q):
                    p.resetJointState(self.arm, j, v, physicsClientId=self.cid)
                err = float(np.linalg.norm(np.subtract(self.hand_pose()[0], pos)))
                if err < best_err:
                    best, best_err = q, err
                if err < tol:
                    break
            if best_err < tol:
                break
        for j, s in zip(ARM_JOINTS, saved):
            p.resetJointState(self.arm, j, s[0], s[1], physicsClientId=self.cid)
        return best

    def _command(self, q, fingers: float | None, finger_force: float = 40.0) -> None:
        p.setJointMotorControlArray(self.arm, ARM_JOINTS, p.POSITION_CONTROL, targetPositions=list(q),
                                    forces=[87.0] * 4 + [12.0] * 3, positionGains=[0.3] * 7,
                                    physicsClientId=self.cid)
        if fingers is not None:
            p.setJointMotorControlArray(self.arm, list(FINGERS), p.POSITION_CONTROL, targetPositions=[fingers] * 2,
                                        forces=[finger_force] * 2, physicsClientId=self.cid)

    def step(self, n: int = 1) -> None:
        """Advance physics by ``n`` ticks of 1/240 s (fewer, longer steps when the time step is coarser)."""
        k = max(1, int(round(n * self.ticks_per_step)))
        for _ in range(k):
            p.stepSimulation(physicsClientId=self.cid)
        self.steps += k

    def move_joints(self, q, fingers: float | None = None, max_steps: int = 240, tol: float = 0.01) -> bool:
        self._command(q, fingers)
        for _ in range(max_steps // 4):
            self.step(4)
            if max(abs(a - b) for a, b in zip(self.joints(), q)) < tol:
                return True
        return False

    def move_to(self, pos, orn, max_steps: int = 160, tol: float = 0.004) -> float:
        """Move the grasp point to ``pos``/``orn`` along a straight line (orientation interpolated); returns the
        remaining position error in metres."""
        hp, hq = self.hand_pose()
        n = max(3, int(math.ceil(np.linalg.norm(np.subtract(pos, hp)) / 0.05)))
        return self.move_line(hp, pos, orn, n=n, steps_each=10, start_orn=hq, max_steps=max_steps, tol=tol)

    def move_line(self, start, end, orn, n: int = 6, steps_each: int = 24, start_orn=None, max_steps: int = 120,
                  tol: float = 0.004) -> float:
        """Straight-line motion through ``n`` inverse-kinematics waypoints (approach, lift, pull), then settle."""
        q = None
        for k in range(1, n + 1):
            w = [a + (b - a) * k / n for a, b in zip(start, end)]
            o = orn if start_orn is None else slerp(start_orn, orn, k / n)
            q = self.ik(w, o, seed=q, rounds=4 if k == n else 1)
            self._command(q, None)
            self.step(steps_each)
        self.move_joints(q, None, max_steps=max_steps, tol=tol)
        return float(np.linalg.norm(np.subtract(self.hand_pose()[0], end)))

    def gripper(self, width: float, steps: int = 60, force: float = 40.0) -> None:
        """Open (0.04) or close (0.0) both fingers by physics."""
        self._command(self.joints(), width, finger_force=force)
        for _ in range(steps // 4):
            self.step(4)

    def tuck(self) -> None:
        """Carry pose: hand high, behind-left of the arm base (a straight-line move, then the exact joints)."""
        x, y, yaw = self.pose
        c, s = math.cos(yaw), math.sin(yaw)
        fx, fy, z = TUCK_POINT
        self.move_to([x + c * fx - s * fy, y + s * fx + c * fy, z], top_down(yaw + self.grasp_yaw), max_steps=60,
                     tol=0.02)

    # ---- contacts and grasp lock ------------------------------------------------------------------------------------
    def finger_contacts(self, body: int, link: int = -1) -> tuple[bool, bool]:
        out = []
        for f in FINGERS:
            pts = p.getContactPoints(self.arm, body, f, link, physicsClientId=self.cid) if link >= 0 else \
                p.getContactPoints(self.arm, body, f, physicsClientId=self.cid)
            out.append(len(pts) > 0)
        return out[0], out[1]

    def _com(self, body: int, link: int = -1):
        if link < 0:
            return p.getBasePositionAndOrientation(body, physicsClientId=self.cid)
        st = p.getLinkState(body, link, computeForwardKinematics=True, physicsClientId=self.cid)
        return st[0], st[1]

    def _relative_to_hand(self, body: int, link: int = -1):
        """Pose of ``body`` (centre of mass frame) in the grasp link's centre of mass frame."""
        hp, hq = self._com(self.arm, EE_LINK)
        bp, bq = self._com(body, link)
        return p.multiplyTransforms(*p.invertTransform(hp, hq), bp, bq)

    def lock_grasp(self, body: int, link: int = -1, max_force: float = 300.0) -> None:
        """Fix ``body`` (or its ``link``) to the hand where it is now. Call only after both fingers touch it."""
        rel_p, rel_q = self._relative_to_hand(body, link)
        self.lock = p.createConstraint(self.arm, EE_LINK, body, link, p.JOINT_FIXED, [0, 0, 0], rel_p, [0, 0, 0],
                                       parentFrameOrientation=rel_q, physicsClientId=self.cid)
        p.changeConstraint(self.lock, maxForce=max_force, physicsClientId=self.cid)
        self.held = body if link < 0 else None

    def release(self) -> None:
        if self.lock is not None:
            p.removeConstraint(self.lock, physicsClientId=self.cid)
        self.lock, self.held = None, None


def top_down(yaw: float) -> list[float]:
    """Gripper pointing down, fingers closing along the horizontal direction ``yaw``."""
    return list(p.getQuaternionFromEuler([math.pi, 0.0, yaw + math.pi / 2]))


def slerp(q0, q1, t: float) -> list[float]:
    """Spherical interpolation between unit quaternions (x, y, z, w)."""
    a, b = np.asarray(q0, float), np.asarray(q1, float)
    d = float(np.dot(a, b))
    if d < 0:
        b, d = -b, -d
    if d > 0.9995:
        out = a + t * (b - a)
    else:
        th = math.acos(d)
        out = (math.sin((1 - t) * th) * a + math.sin(t * th) * b) / math.sin(th)
    return list(out / np.linalg.norm(out))
