"""The Franka Panda arm from pybullet_data with its two-finger gripper: inverse kinematics and joint-space motion.

Every motion is simulated physics (position-controlled motors, contacts, friction): a grasp holds a block only
because the fingers squeeze it.
"""
from __future__ import annotations

import math

import numpy as np
import pybullet as p
import pybullet_data

ARM_JOINTS = tuple(range(7))
FINGERS = (9, 10)
EE_LINK = 11  # panda_grasptarget: the point between the finger tips
HOME = (0.0, -1.05, 0.0, -2.75, 0.0, 1.75, math.pi / 4)  # hand tucked up over the base, out of the camera's view
REST = (0.0, -0.3, 0.0, -2.2, 0.0, 2.0, math.pi / 4)  # null-space preference for IK
FINGER_OPEN = 0.04
ARM_FORCE = 240.0
FINGER_FORCE = 40.0
POSITION_GAIN = 0.3
URDF = pybullet_data.getDataPath() + "/franka_panda/panda.urdf"


class PandaArm:
    """A Panda fixed at the origin. ``client`` is the PyBullet client id; ``step`` advances the simulation once."""

    def __init__(self, client: int, step_fn, kinematics: "_Kinematics | None" = None):
        self.client = client
        self._step = step_fn
        self.body = p.loadURDF(URDF, basePosition=(0, 0, 0), useFixedBase=True,
                               flags=p.URDF_ENABLE_CACHED_GRAPHICS_SHAPES, physicsClientId=client)
        info = [p.getJointInfo(self.body, j, physicsClientId=client) for j in ARM_JOINTS]
        self.lower = [i[8] for i in info]
        self.upper = [i[9] for i in info]
        self.ranges = [u - lo for u, lo in zip(self.upper, self.lower)]
        for f in FINGERS:
            p.changeDynamics(self.body, f, lateralFriction=1.5, spinningFriction=0.01, frictionAnchor=True,
                             physicsClientId=client)
        # couple the fingers (the URDF's mimic tag is ignored by PyBullet): both move together, so a squeezed block
        # cannot drift sideways with the two saturated finger motors
        gear = p.createConstraint(self.body, FINGERS[0], self.body, FINGERS[1], p.JOINT_GEAR, (1, 0, 0), (0, 0, 0),
                                  (0, 0, 0), physicsClientId=client)
        p.changeConstraint(gear, gearRatio=-1, erp=0.2, maxForce=200, physicsClientId=client)
        self._shadow = kinematics if kinematics is not None else _Kinematics()
        self.reset_home()

    # ---------------------------------------------------------------------------------------------- state
    def reset_home(self) -> None:
        for j, q in zip(ARM_JOINTS, HOME):
            p.resetJointState(self.body, j, q, physicsClientId=self.client)
        for f in FINGERS:
            p.resetJointState(self.body, f, FINGER_OPEN, physicsClientId=self.client)
        self._targets = list(HOME)
        self._finger = FINGER_OPEN
        self._apply()

    def joints(self) -> np.ndarray:
        return np.array([s[0] for s in p.getJointStates(self.body, ARM_JOINTS, physicsClientId=self.client)])

    def finger_gap(self) -> float:
        return sum(s[0] for s in p.getJointStates(self.body, FINGERS, physicsClientId=self.client))

    def ee_pose(self) -> tuple[np.ndarray, np.ndarray]:
        s = p.getLinkState(self.body, EE_LINK, computeForwardKinematics=True, physicsClientId=self.client)
        return np.array(s[4]), np.array(s[5])

    # ---------------------------------------------------------------------------------------------- control
    def _apply(self) -> None:
        p.setJointMotorControlArray(self.body, ARM_JOINTS, p.POSITION_CONTROL, targetPositions=self._targets,
                                    forces=[ARM_FORCE] * 7, positionGains=[POSITION_GAIN] * 7,
                                    physicsClientId=self.client)
        p.setJointMotorControlArray(self.body, FINGERS, p.POSITION_CONTROL, targetPositions=[self._finger] * 2,
                                    forces=[FINGER_FORCE] * 2, physicsClientId=self.client)

    def ik(self, pos, yaw: float, seed=None) -> list[float]:
        """Joint angles putting the grasp point at ``pos`` with the hand pointing down, rotated by ``yaw``."""
        return self._shadow.solve(pos, yaw, self._targets if seed is None else seed, self.lower, self.upper,
                                  self.ranges)

    def _settle(self, max_steps: int, tol: float = 2e-3) -> bool:
        for _ in range(max_steps):
            self._step()
            if np.max(np.abs(self.joints() - np.array(self._targets))) < tol:
                return True
        return False

    def move_joints(self, q, max_steps: int = 240, tol: float = 2e-3) -> bool:
        self._targets = list(q)
        self._apply()
        return self._settle(max_steps, tol)

    def move_line(self, start, end, yaw: float, step_len: float = 0.03, max_steps: int = 60,
                  yaw_end: float | None = None) -> bool:
        """Move the grasp point along a straight segment (waypoints every ``step_len`` metres), turning the hand
        from ``yaw`` to ``yaw_end`` on the way."""
        start, end = np.asarray(start, float), np.asarray(end, float)
        yaw_end = yaw if yaw_end is None else yaw_end
        n = max(1, int(math.ceil(np.linalg.norm(end - start) / step_len)))
        ok = True
        for k in range(1, n + 1):
            f = k / n
            self._targets = self.ik(start + (end - start) * f, yaw + (yaw_end - yaw) * f)
            self._apply()
            ok = self._settle(max_steps if k == n else 12, tol=2e-3 if k == n else 2e-2)
        return ok

    def set_gripper(self, opening: float, steps: int = 60) -> None:
        self._finger = opening
        self._apply()
        for _ in range(steps):
            self._step()

    def go_home(self) -> bool:
        return self.move_joints(HOME, max_steps=200, tol=2e-2)


class _Kinematics:
    """A second, kinematics-only PyBullet client holding a copy of the arm: IK is refined there by resetting joints
    freely, which the physical arm must never do."""

    def __init__(self):
        self.client = p.connect(p.DIRECT)
        self.body = p.loadURDF(URDF, useFixedBase=True, physicsClientId=self.client)

    def _set(self, q) -> None:
        for j, v in zip(ARM_JOINTS, q):
            p.resetJointState(self.body, j, v, physicsClientId=self.client)

    def solve(self, pos, yaw, start, lower, upper, ranges, iters: int = 8, tol: float = 5e-4) -> list[float]:
        orn = p.getQuaternionFromEuler((math.pi, 0.0, yaw))
        q = list(start)
        self._set(q)
        for _ in range(iters):
            q = list(p.calculateInverseKinematics(
                self.body, EE_LINK, pos, orn, lowerLimits=lower, upperLimits=upper, jointRanges=ranges,
                restPoses=list(REST), maxNumIterations=100, residualThreshold=1e-5, physicsClientId=self.client)[:7])
            self._set(q)
            got = p.getLinkState(self.body, EE_LINK, computeForwardKinematics=True, physicsClientId=self.client)[4]
            if np.linalg.norm(np.subtract(got, pos)) < tol:
                break
        return q

    def close(self) -> None:
        if self.client is not None and p.isConnected(self.client):
            p.disconnect(self.client)
        self.client = None
