"""Gymnasium environment ``socratic/Kitchen-v0``: SayCan's office kitchen in PyBullet, one skill per step.

An action is a skill: an index into ``skill_texts`` (``Discrete(63)``) or the skill's text. Reward is 1.0 when the
skill succeeded, else 0.0; the episode terminates after ``done`` and is truncated after ``max_steps`` skills.

Observation (a ``Dict``): ``image`` -- the robot's mast camera (uint8 HxWx3; zeros when ``render=False``),
``robot`` -- location index, ``holding`` -- 0 for nothing or 1 + object index, ``drawer_open`` -- 0/1,
``counts`` -- the robot's memory of how many of each object it last saw at each location (6 x 18).
"""
from __future__ import annotations

import copy

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from compose.errors import InvalidInputError
from compose.registry import load_entry
from envs.kitchen.language import parse_skill
from envs.kitchen.state import DEFAULT_INIT, KitchenState
from envs.kitchen.vocab import LOCATIONS, OBJECTS
from envs.kitchen.world import KitchenWorld

# the skill library used when none is given (skills sit above envs, so it is named, not imported)
DEFAULT_LIBRARY = "skills.kitchen:kitchen_library"

MAX_COUNT = 32


class KitchenEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 2}

    def __init__(self, render_mode: str | None = None, gui: bool = False, image_size: int = 224, max_steps: int = 30,
                 render: bool = True, library=None):
        if render_mode not in (None, "rgb_array"):
            raise InvalidInputError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if not (isinstance(image_size, int) and 16 <= image_size <= 1024):
            raise InvalidInputError(f"image_size must be an int in [16, 1024], got {image_size!r}")
        if not (isinstance(max_steps, int) and max_steps >= 1):
            raise InvalidInputError(f"max_steps must be a positive int, got {max_steps!r}")
        self.render_mode, self.image_size, self.max_steps, self.render_images = render_mode, image_size, max_steps, \
            render
        self.library = library or load_entry(DEFAULT_LIBRARY)()  # a skills.base.SkillLibrary
        self.world = KitchenWorld(gui=gui)
        self.action_space = spaces.Discrete(len(self.library))
        self.observation_space = spaces.Dict({
            "image": spaces.Box(0, 255, (image_size, image_size, 3), np.uint8),
            "robot": spaces.Discrete(len(LOCATIONS)),
            "holding": spaces.Discrete(len(OBJECTS) + 1),
            "drawer_open": spaces.Discrete(2),
            "counts": spaces.Box(0, MAX_COUNT, (len(LOCATIONS), len(OBJECTS)), np.int64),
        })
        self._steps = 0
        self._terminated = False
        self._built = False

    # ---- the planner's API ------------------------------------------------------------------------------------------
    @property
    def skill_texts(self) -> list[str]:
        return list(self.library.texts)

    @property
    def sim_time(self) -> float:
        """Simulated seconds since reset (arm physics + base travel)."""
        return self.world.sim_time if self._built else 0.0

    def perceive(self) -> dict:
        """What the robot perceives now (camera segmentation + memory); see envs.kitchen.perception."""
        self._need_reset()
        return copy.deepcopy(self.world.look())

    def affordances(self) -> np.ndarray:
        return self.library.affordances(self.perceive())

    def kitchen_state(self) -> KitchenState:
        """Where things actually rest now, from the simulator's poses, plus the visited locations."""
        self._need_reset()
        return self.world.kitchen_state()

    def render_frame(self) -> np.ndarray:
        """The robot's camera at ``image_size`` (rendered even when ``render=False``)."""
        self._need_reset()
        return self.world.camera_image(self.image_size, seg=False)[0]

    def overview_frame(self, size: int | None = None) -> np.ndarray:
        """A fixed bird's-eye view of the whole kitchen."""
        self._need_reset()
        return self.world.overview_image(size or self.image_size)

    # ---- gymnasium --------------------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        options = options or {}
        unknown = set(options) - {"init"}
        if unknown:
            raise InvalidInputError(f"unknown reset option(s) {sorted(unknown)}; known: init")
        init = options.get("init") or DEFAULT_INIT
        state = KitchenState.from_init(init)
        self.world.reset(state, self.np_random)
        self._built = True
        self._steps, self._terminated = 0, False
        perception = self.world.look()
        return self._obs(perception), self._info(perception, skill=None, success=True, reason="")

    def step(self, action):
        self._need_reset()
        if self._terminated:
            raise InvalidInputError("the episode is over ('done' was executed): call reset()")
        index = self._resolve(action)
        skill = self.library[index]
        outcome = skill.run(self.world, self.np_random)
        self._steps += 1
        terminated = parse_skill(skill.text)[0] == "done"
        truncated = not terminated and self._steps >= self.max_steps
        self._terminated = terminated
        perception = self.world.look()
        info = self._info(perception, skill=skill.text, success=outcome.success, reason=outcome.reason)
        info["skill_seconds"] = outcome.sim_seconds
        return self._obs(perception), float(outcome.success), terminated, truncated, info

    def render(self):
        if self.render_mode == "rgb_array":
            return self.render_frame()
        return None

    def close(self) -> None:
        if self.world is not None:
            self.world.close()
        self._built = False

    # ---- helpers ----------------------------------------------------------------------------------------------------
    def _need_reset(self) -> None:
        if not self._built:
            raise InvalidInputError("the kitchen is not built yet: call reset() first")

    def _resolve(self, action) -> int:
        if isinstance(action, (int, np.integer)) and not isinstance(action, bool):
            if not 0 <= int(action) < len(self.library):
                raise InvalidInputError(f"action {int(action)} is out of range: there are {len(self.library)} skills")
            return int(action)
        if isinstance(action, np.ndarray) and action.shape == () and np.issubdtype(action.dtype, np.integer):
            return self._resolve(int(action))
        if isinstance(action, str):
            return self.library.index(" ".join(action.strip().lower().rstrip(".").split()))
        raise InvalidInputError(f"an action is a skill index or a skill text, got {type(action).__name__}")

    def _obs(self, perception: dict) -> dict:
        if self.render_images:
            image = self.world.camera_image(self.image_size, seg=False)[0]
        else:
            image = np.zeros((self.image_size, self.image_size, 3), np.uint8)
        counts = np.zeros((len(LOCATIONS), len(OBJECTS)), np.int64)
        for loc, names in perception["seen"].items():
            for name in names:
                counts[LOCATIONS.index(loc), OBJECTS.index(name)] += 1
        holding = perception["holding"]
        return {
            "image": image,
            "robot": LOCATIONS.index(perception["location"]),
            "holding": 0 if holding is None else OBJECTS.index(holding) + 1,
            "drawer_open": int(perception["drawer_open"]),
            "counts": np.minimum(counts, MAX_COUNT),
        }

    def _info(self, perception: dict, skill: str | None, success: bool, reason: str) -> dict:
        return {
            "skill": skill, "success": bool(success), "reason": reason, "skills": self.skill_texts,
            "affordances": self.library.affordances(perception), "state": self.world.kitchen_state().to_dict(),
            "perception": copy.deepcopy(perception), "sim_time": self.sim_time, "steps": self._steps,
        }
