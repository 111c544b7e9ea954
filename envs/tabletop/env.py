"""Gymnasium env ``socratic/Tabletop-v0``: SayCan's pick-and-place table with a success check.

- action: ``Discrete(281)``, an index into ``ALL_SKILL_TEXTS`` (every "pick the X block and place it on the Y" for
  the ten colours, then "done"); a skill naming an object absent from the scene fails without moving.
- observation: ``{"image": 224x224x3 uint8 camera frame, "poses": (20, 3) float32 positions of the 10 blocks then
  the 10 bowls (zeros when absent), "present": MultiBinary(20)}``, rendered only at decision points (reset, step).
- reset options: ``{"init": {"blocks": [...], "bowls": [...]}, "goal": {...}}`` (docs/tasks.md); the reward is 1 while
  the goal holds (0 without a goal). Only ``done`` or the step limit ends an episode: goals are the runner's to check.
- a step runs the skill library's controller (``skills.tabletop:tabletop_library``, named here and loaded lazily
  because skills sit above envs).
- info: ``skill``, ``success``, ``reason``, ``state`` (structured state), ``goal_met``, ``skill_texts`` (this scene's
  options).
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from compose.errors import InvalidInputError
from compose.registry import load_entry
from envs.tabletop.camera import IMAGE_SIZE
from envs.tabletop.controller import Noise
from envs.tabletop.goals import check_goal, validate_goal, validate_init
from envs.tabletop.vocab import ALL_SKILL_TEXTS, DONE, OBJECTS
from envs.tabletop.world import DEFAULT_INIT, TabletopWorld


# the skill library used when none is given (skills sit above envs, so it is named, not imported)
DEFAULT_LIBRARY = "skills.tabletop:tabletop_library"


class TabletopEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 2}

    def __init__(self, render_mode: str | None = None, gui: bool = False, classifier: str = "colour",
                 noise: Noise | None = None, max_steps: int = 20, library=None):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise InvalidInputError(f"unknown render_mode {render_mode!r}; known: rgb_array (gui=True opens a window)")
        self.render_mode = render_mode
        self.world = TabletopWorld(gui=gui, classifier=classifier,
                                   noise=Noise() if noise is None else noise)
        self.max_steps = max_steps
        self.skill_texts = list(ALL_SKILL_TEXTS)
        self.library = library or load_entry(DEFAULT_LIBRARY)()  # a skills.base.SkillLibrary over every colour
        self.action_space = spaces.Discrete(len(self.skill_texts))
        n = len(OBJECTS)
        self.observation_space = spaces.Dict({
            "image": spaces.Box(0, 255, (IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8),
            "poses": spaces.Box(-5.0, 5.0, (n, 3), np.float32),
            "present": spaces.MultiBinary(n),
        })
        self.goal: dict | None = None
        self._t = 0
        self._image: np.ndarray | None = None

    # ------------------------------------------------------------------------------------------------------
    def _obs(self) -> dict:
        self._image = self.world.render().copy()  # a fresh array per call: callers may keep or modify it
        poses = np.zeros((len(OBJECTS), 3), np.float32)
        present = np.zeros(len(OBJECTS), np.int8)
        objects = self.world.state()["objects"]
        for i, name in enumerate(OBJECTS):
            if name in objects:
                poses[i] = np.clip(objects[name]["pos"], -5, 5)
                present[i] = 1
        return {"image": self._image, "poses": poses, "present": present}

    def _info(self, state: dict, **extra) -> dict:
        goal_met = None if self.goal is None else check_goal(self.goal, state)
        return {"state": state, "goal_met": goal_met, "skill_texts": self.world.skill_texts, **extra}

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        options = options or {}
        init = options.get("init", DEFAULT_INIT)
        validate_init(init, "options.init")
        self.goal = options.get("goal")
        if self.goal is not None:
            validate_goal(self.goal, "options.goal")
        world_seed = int(self.np_random.integers(2**31)) if seed is None else int(seed)
        self.world.reset(world_seed, init)
        self._t = 0
        obs = self._obs()
        return obs, self._info(self.world.state())

    def step(self, action):
        if self.world.arm is None:
            raise InvalidInputError("call reset() before step()")
        if not self.action_space.contains(action):
            raise InvalidInputError(f"action must be an integer in [0, {self.action_space.n}), got {action!r}")
        text = self.skill_texts[int(action)]
        result = self.library[self.library.index(text)].run(self.world, self.np_random)
        self._t += 1
        obs = self._obs()
        state = self.world.state()
        info = self._info(state, skill=text, success=result.success, reason=result.reason)
        reward = 1.0 if info["goal_met"] else 0.0
        terminated = text == DONE
        truncated = not terminated and self._t >= self.max_steps
        return obs, reward, terminated, truncated, info

    def render(self):
        if self.render_mode == "rgb_array":
            return self._image if self._image is not None else self.world.render()
        return None

    def close(self):
        self.world.close()
