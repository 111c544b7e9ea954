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
    extra: tuple[tuple[str, object], ...] = ()  # world-specific knobs as (key, value) pairs, e.g. (("alpha", 0.1),)

    def get(self, key: str, default=None):
        return dict(self.extra).get(key, default)


def episode_runner(world: str):
    """``run_episode`` of ``world`` (UnknownNameError listing the known worlds otherwise)."""
    from envs.worlds import WORLDS

    return WORLDS.get(world).runner()
