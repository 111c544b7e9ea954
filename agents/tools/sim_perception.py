"""Simulator perception of the kitchen: what the robot's camera shows at its location.

This is NOT a learned detector: it reads the simulator's segmentation image (through the kitchen env's
``perceive()``), so it is exact by construction. Socratic pipelines use it where a real robot would run an
open-vocabulary detector; swap in a learned one by giving the pipeline another tool with the same output.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compose.errors import InvalidInputError
from compose.tools.base import Tool, register_tool


@dataclass(frozen=True)
class Perception:
    location: str
    visible: tuple[str, ...]  # objects seen at the robot's location (duplicates kept: two coke cans are two)
    holding: str | None = None
    drawer_open: bool | None = None
    extra: dict = field(default_factory=dict, compare=False)  # anything else the env reports (memory of places...)

    @classmethod
    def from_env_dict(cls, d: dict) -> "Perception":
        if not isinstance(d, dict) or "location" not in d:
            raise InvalidInputError(f"a perception must be a dict with at least 'location', got {d!r}")
        visible = d.get("visible", d.get("objects", ()))
        rest = {k: v for k, v in d.items() if k not in ("location", "visible", "objects", "holding", "drawer_open")}
        return cls(location=str(d["location"]), visible=tuple(str(v) for v in visible), holding=d.get("holding"),
                   drawer_open=d.get("drawer_open"), extra=rest)

    def objects(self, include_held: bool = True) -> list[str]:
        """Distinct object names in view (plus the held one), in the order first seen."""
        names = list(self.visible) + ([self.holding] if include_held and self.holding else [])
        return list(dict.fromkeys(names))


def scene_objects_line(objects) -> str:
    """Socratic Models' scene description: ``objects = ['sponge', 'water bottle']``."""
    return "objects = [" + ", ".join(repr(o) for o in objects) + "]"


def perceive(env) -> Perception:
    """Perception from a kitchen env (a KitchenEnv, possibly wrapped)."""
    world = getattr(env, "unwrapped", env)
    if not hasattr(world, "perceive"):
        raise InvalidInputError(f"{type(world).__name__} has no perceive(): not a kitchen simulator")
    return Perception.from_env_dict(world.perceive())


@dataclass(frozen=True)
class PerceiveInput:
    """No inputs: the tool reports what the robot sees now."""


@register_tool
class SimPerceptionTool(Tool):
    """``SimPerceptionTool(env=...)`` wraps a running env; ``SimPerceptionTool(init=..., seed=...)`` starts one."""

    name = "simulator_perception"
    description = ("Simulator perception (ground-truth segmentation of the kitchen simulator, not a learned "
                   "detector): the robot's location, the objects its camera sees there, and what it holds. No input.")
    input_type = PerceiveInput
    output_doc = "Perception(location: str, visible: tuple[str, ...], holding: str | None, drawer_open, extra)"

    def __init__(self, env: Any = None, init: dict | None = None, seed: int = 0):
        super().__init__()
        self.env, self.init, self.seed = env, init, seed
        self._owns_env = False

    def load(self) -> None:
        if self.env is None:
            from envs.kitchen.env import KitchenEnv
            from envs.kitchen.state import KitchenState

            if self.init is not None:
                KitchenState.from_init(self.init)  # validate before starting the simulator
            self.env = KitchenEnv(render=False)
            self.env.reset(seed=self.seed, options={"init": self.init} if self.init is not None else None)
            self._owns_env = True

    def run(self, inp: PerceiveInput) -> Perception:
        return perceive(self.env)

    def close(self) -> None:
        if self._owns_env and self.env is not None:
            self.env.close()
            self.env, self._owns_env, self._loaded = None, False, False
