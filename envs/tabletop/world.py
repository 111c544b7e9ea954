"""The tabletop simulator: a private PyBullet client with the table, a Panda arm, blocks and bowls.

``TabletopWorld`` is what skills act on and what the Gymnasium env (``envs.tabletop.env``) wraps:
``reset(seed, init)``, ``perceive()`` (camera -> detections), ``execute(skill_text, rng)`` (physical
pick-and-place), ``state()`` (structured state for goals), ``render()``.
"""
from __future__ import annotations

import os

import numpy as np
import pybullet as p

from compose.errors import InvalidInputError
from envs.tabletop.camera import Camera, CameraSpec, Frame
from envs.tabletop.controller import Noise, Result, pick_and_place
from envs.tabletop.layout import sample_layout
from envs.tabletop.perception import Classifier, Perception, make_classifier, perceive
from envs.tabletop.robot import FINGERS, PandaArm, _Kinematics
from envs.tabletop.scene import add_objects, build_static
from envs.tabletop.state import read_state
from envs.tabletop.vocab import parse_skill, skill_texts

TIME_STEP = 1.0 / 240.0
DEFAULT_INIT = {"blocks": ["blue", "red", "green", "yellow"], "bowls": ["blue", "red", "green"]}


class TabletopWorld:
    def __init__(self, gui: bool = False, classifier: str | Classifier = "colour", noise: Noise = Noise(),
                 camera: CameraSpec = CameraSpec()):
        if gui and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise InvalidInputError("gui=True needs a display (DISPLAY is not set); run without gui")
        self.client = p.connect(p.GUI if gui else p.DIRECT)
        if self.client < 0:
            raise InvalidInputError("cannot connect to PyBullet (only one GUI window per process)")
        self.noise = noise
        self.classifier = make_classifier(classifier) if isinstance(classifier, str) else classifier
        self.camera_spec = camera
        self._kin = _Kinematics()
        self.steps = 0
        self.bodies: dict[str, int] = {}
        self.init: dict = {}
        self.seed = 0
        self._perception: tuple[int, Perception] | None = None
        self._frame: tuple[int, Frame] | None = None
        self.arm: PandaArm | None = None

    # ------------------------------------------------------------------------------------------- lifecycle
    def reset(self, seed: int, init: dict | None = None) -> None:
        """Rebuild the scene from scratch (so the same seed always gives the same episode)."""
        init = dict(DEFAULT_INIT if init is None else init)
        layout = sample_layout(init.get("blocks", []), init.get("bowls", []), seed)
        c = self.client
        p.resetSimulation(physicsClientId=c)
        p.setGravity(0, 0, -9.81, physicsClientId=c)
        p.setTimeStep(TIME_STEP, physicsClientId=c)
        p.setPhysicsEngineParameter(numSolverIterations=50, deterministicOverlappingPairs=1, physicsClientId=c)
        static = build_static(c)
        self.table, self.floor = static["table"], static["floor"]
        self.arm = PandaArm(c, self.step, kinematics=self._kin)
        self.bodies = add_objects(c, layout)
        self.init, self.seed, self.steps = init, int(seed), 0
        self._perception = self._frame = None
        self.camera = Camera(c, self.camera_spec)
        self.settle(max_steps=120)

    def close(self) -> None:
        if self.client is not None and p.isConnected(self.client):
            p.disconnect(self.client)
        self._kin.close()
        self.client = None

    # ------------------------------------------------------------------------------------------- physics
    def step(self) -> None:
        p.stepSimulation(physicsClientId=self.client)
        self.steps += 1

    @property
    def sim_time(self) -> float:
        return self.steps * TIME_STEP

    def settle(self, max_steps: int = 90, tol: float = 0.01) -> None:
        """Step until every object is (nearly) still."""
        for k in range(max_steps):
            self.step()
            if k % 10 == 9 and all(np.linalg.norm(p.getBaseVelocity(b, physicsClientId=self.client)[0]) < tol
                                   for b in self.bodies.values()):
                break

    # ------------------------------------------------------------------------------------------- sensing
    def frame(self) -> Frame:
        """The camera frame now (rendered once per decision point: cached until the simulation advances)."""
        if self._frame is None or self._frame[0] != self.steps:
            self._frame = (self.steps, self.camera.render())
        return self._frame[1]

    def render(self) -> np.ndarray:
        """The camera image (224 x 224 RGB)."""
        return self.frame().rgb

    def perceive(self) -> Perception:
        """Detections in the current frame (cached with it)."""
        if self._perception is None or self._perception[0] != self.steps:
            ignore = (self.arm.body, self.table, self.floor)
            self._perception = (self.steps, perceive(self.frame(), ignore, self.classifier))
        return self._perception[1]

    def state(self) -> dict:
        """Structured state from the simulator's poses and contacts (what goals are checked on)."""
        return read_state(self.client, self.bodies, self.table, self.arm.body)

    def holding(self) -> str | None:
        """The object squeezed between both fingers, if any."""
        touching = [{c[2] for c in p.getContactPoints(bodyA=self.arm.body, linkIndexA=f, physicsClientId=self.client)}
                    for f in FINGERS]
        both = touching[0] & touching[1]
        for name, body in self.bodies.items():
            if body in both:
                return name
        return None

    # ------------------------------------------------------------------------------------------- acting
    @property
    def skill_texts(self) -> list[str]:
        """This scene's options: every block onto every other block, bowl and region, then done."""
        return skill_texts(self.init.get("blocks", []), self.init.get("bowls", []))

    def execute(self, text: str, rng: np.random.Generator) -> Result:
        """Carry out one skill sentence physically. 'done' does nothing and succeeds."""
        parsed = parse_skill(text)
        if parsed is None:
            return Result(True, "")
        pick, place = parsed
        if pick not in self.bodies:
            return Result(False, f"there is no {pick} in this scene")
        return pick_and_place(self, pick, place, rng, self.noise)
