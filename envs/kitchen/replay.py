"""Replay a recorded kitchen episode: rebuild the world from the recorded seed and init, apply the recorded skills."""
from __future__ import annotations

from compose.errors import InvalidInputError


def replay(record: dict, on_step=None) -> dict:
    """Returns the final KitchenState (as a dict) reached by re-running the record's actions."""
    from envs.kitchen.env import KitchenEnv

    task = record.get("task") or {}
    if "init" not in task:
        raise InvalidInputError("kitchen record has no task.init: cannot rebuild the start state")
    env = KitchenEnv(render_mode="rgb_array", render=False)
    try:
        env.reset(seed=int(record["seed"]), options={"init": task["init"]})
        for i, step in enumerate(record["steps"]):
            skill = step.get("skill")
            if skill not in env.unwrapped.skill_texts:
                raise InvalidInputError(f"record step {i}: {skill!r} is not a kitchen skill")
            _, _, _, _, info = env.step(skill)
            if on_step:
                on_step(i, step, info)
        return env.unwrapped.kitchen_state().to_dict()
    finally:
        env.close()
