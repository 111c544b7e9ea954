"""Planner/episode configuration shared by every command line, the benchmark and the executors.

An episode runner for a world is a plain function ``run_episode(task: dict, config: EpisodeConfig, seed: int,
llm=None) -> dict`` with no hidden state (a per-process model cache aside), so any executor can run it and the same
seed gives the same record. A world's runner is its ``WorldSpec.episode_runner`` in the world registry (envs.worlds).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from compose.llm.base import LLMConfig

@dataclass(frozen=True)
class EpisodeConfig:
    mode: str = "saycan"  # a planner strategy of agents.planners.PLANNERS (navgraph's runner has its own modes)
    llm: LLMConfig = field(default_factory=LLMConfig)
    max_steps: int = 20
    render: bool = True  # render frames at decision points
    record_dir: str | None = None  # save the episode for replay
    oracle_plan: tuple[str, ...] | None = None  # for mode oracle-plan (tests)
    # the ``--set`` knobs as (key, value) pairs, e.g. (("alpha", 0.1),): what a record keeps; runners read them typed
    # through ``knobs`` into their world's config class (WorldSpec.config) and planners into their Options
    extra: tuple[tuple[str, object], ...] = ()

    def knobs(self, cls, constraints=None):
        """The frozen dataclass ``cls`` with its fields read from ``extra``, converted to the field types
        (``compose.knobs``; a bad value is an InvalidInputError); keys that are not its fields are ignored."""
        from compose.knobs import build

        return build(cls, self.extra, constraints)


def episode_runner(world: str):
    """``run_episode`` of ``world`` (UnknownNameError listing the known worlds otherwise)."""
    from envs.worlds import WORLDS

    return WORLDS.get(world).runner()


def knob_classes(worlds, modes, config_classes=None) -> list[tuple[type, dict | None]]:
    """The dataclasses whose fields are the valid ``--set`` keys of a run of ``worlds`` with ``modes``: each world's
    config class (``WorldSpec.config``; ``config_classes`` {world: class} overrides it, e.g. a --runner's ``CONFIG``)
    and, when a mode is a planner strategy, the strategies' ``Options`` (agents.planners.options)."""
    from agents.planners import PLANNERS
    from agents.planners.options import planner_option_classes
    from envs.worlds import WORLDS

    out = []
    for world in sorted(set(worlds)):
        overrides = config_classes or {}
        cls = overrides[world] if world in overrides else WORLDS.get(world).config_class()
        if cls is not None:
            out.append((cls, None))
    if any(mode in PLANNERS for mode in modes):
        out += planner_option_classes()
    return out


def check_knobs(pairs, worlds, modes, config_classes=None, flag: str = "--set") -> tuple[tuple[str, object], ...]:
    """``pairs`` converted to the types of the knobs that read them; an unknown key or a bad value is an
    InvalidInputError (one line, listing the valid keys). Returns the pairs sorted by key, one per key."""
    from compose.knobs import check

    where = f" for world {', '.join(sorted(set(worlds)))} with mode {', '.join(modes)}"
    return check(pairs, knob_classes(worlds, modes, config_classes), flag, where)
