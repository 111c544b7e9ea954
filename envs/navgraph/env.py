"""Gymnasium env over a navigation graph: the agent hops between neighbouring places and sees each place's views.

- action: ``Discrete(MAX_DEGREE)``, an index into the current node's sorted neighbour list; an index past the end
  means "stay" and sets ``info["invalid_action"]``;
- observation: the node's views, ``Box(uint8, (V, H, W, 3))``;
- reward: minus the length of the edge travelled; episodes end by truncation after ``max_steps``;
- info: node, position, distance travelled, neighbours, invalid_action.

``reset(seed, options={"init": {"graph": NAME, "start": NODE}})``; without options the constructor's graph and a
seeded random start are used.
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from compose.errors import InvalidInputError
from envs.navgraph.layout import MAX_DEGREE
from envs.navgraph.storage import DATA_DIR, load_graph


class NavGraphEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 2}

    def __init__(self, graph: str = "town", max_steps: int = 500, render_mode: str | None = None,
                 data_dir=None):
        self.data_dir = data_dir or DATA_DIR
        self.world = load_graph(graph, self.data_dir)
        self.max_steps = max_steps
        self.render_mode = render_mode
        v, s = self.world.n_views, self.world.image_size
        self.observation_space = spaces.Box(0, 255, shape=(v, s, s, 3), dtype=np.uint8)
        self.action_space = spaces.Discrete(MAX_DEGREE)
        self.node: int = self.world.nodes[0]
        self.route: list[int] = [self.node]
        self.distance = 0.0
        self.steps = 0

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        init = (options or {}).get("init")
        if init is not None:
            from envs.navgraph.goals import validate_init

            validate_init(init, "init")
            world = load_graph(init["graph"], self.data_dir)
            if (world.n_views, world.image_size) != (self.world.n_views, self.world.image_size):
                raise InvalidInputError(f"init.graph: {init['graph']!r} has a different view shape than "
                                        f"{self.world.name!r}; make a new env for it")
            self.world, start = world, int(init["start"])
        else:
            start = int(self.np_random.integers(len(self.world.nodes)))
        self.node, self.route, self.distance, self.steps = start, [start], 0.0, 0
        return self._obs(), self._info(False)

    def step(self, action):
        if not self.action_space.contains(action):
            raise InvalidInputError(f"action must be an int in [0, {MAX_DEGREE}), got {action!r}")
        neighbours = self.world.neighbours(self.node)
        invalid = int(action) >= len(neighbours)
        reward = 0.0
        if not invalid:
            nxt = neighbours[int(action)]
            length = float(self.world.graph.edges[self.node, nxt]["length"])
            self.node = nxt
            self.distance += length
            self.route.append(nxt)
            reward = -length
        self.steps += 1
        truncated = self.steps >= self.max_steps
        return self._obs(), reward, False, truncated, self._info(invalid)

    def render(self):
        """The current node's views side by side (H, V*W, 3)."""
        return np.concatenate(list(self._obs()), axis=1)

    # ------------------------------------------------------------------ helpers
    def action_to(self, node: int) -> int:
        """The action that moves to neighbour ``node``."""
        neighbours = self.world.neighbours(self.node)
        if node not in neighbours:
            raise InvalidInputError(f"node {node} is not a neighbour of {self.node} (neighbours: {neighbours})")
        return neighbours.index(node)

    def state(self) -> dict:
        """What goal checks and replays compare: graph, current node, executed route, distance travelled."""
        return {"graph": self.world.name, "node": int(self.node), "route": [int(n) for n in self.route],
                "distance": round(float(self.distance), 6)}

    def _obs(self) -> np.ndarray:
        return self.world.views(self.node)

    def _info(self, invalid: bool) -> dict:
        return {"node": int(self.node), "position": self.world.pos(self.node).tolist(),
                "distance": float(self.distance), "neighbours": self.world.neighbours(self.node),
                "invalid_action": bool(invalid)}
