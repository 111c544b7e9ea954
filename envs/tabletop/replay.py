"""Replay a recorded tabletop episode: rebuild the world from (seed, init) and apply the recorded skills.

The simulator is deterministic and every stochastic choice comes from the episode's seed, so the final state
equals the recorded ``final_state`` (``python -m agents.replay DIR`` checks that).
"""
from __future__ import annotations

from compose.errors import InvalidInputError
from envs.tabletop.config import config_of_record
from envs.tabletop.vocab import ALL_SKILL_TEXTS, DONE


def replay(record: dict, on_step=None) -> dict:
    """Final structured state after re-running ``record``'s skills (``on_step(index, skill, info)`` per step)."""
    from envs.tabletop.env import TabletopEnv

    task = record.get("task") or {}
    init = task.get("init")
    if not isinstance(init, dict):
        raise InvalidInputError("episode record: task.init is missing (a tabletop record needs the start state)")
    knobs = config_of_record(record)
    env = TabletopEnv(classifier=knobs.classifier, noise=knobs.make_noise(), max_steps=10**6)
    try:
        env.reset(seed=int(record["seed"]), options={"init": init})
        for i, step in enumerate(record["steps"]):
            skill = step.get("skill")
            if skill not in ALL_SKILL_TEXTS:
                raise InvalidInputError(f"episode record: step {i} has an unknown skill {skill!r}")
            _, _, _, _, info = env.step(ALL_SKILL_TEXTS.index(skill))
            if on_step:
                on_step(i, skill, info)
            if skill == DONE:
                break
        return env.unwrapped.world.state()
    finally:
        env.close()
