"""Replay a recorded navgraph episode: rebuild the env from (task init, seed), apply the recorded actions, and return
the final state (``NavGraphEnv.state()``), which must equal the record's ``final_state``."""
from __future__ import annotations

from compose.errors import InvalidInputError


def replay(record: dict, return_env: bool = False):
    from envs.navgraph.env import NavGraphEnv

    task = record.get("task") or {}
    init = task.get("init")
    if not isinstance(init, dict):
        raise InvalidInputError("record.task.init: missing (the navgraph start state)")
    env = NavGraphEnv(graph=init.get("graph", "town"))
    env.reset(seed=int(record["seed"]), options={"init": init})
    for i, step in enumerate(record["steps"]):
        if not isinstance(step, dict) or "action" not in step:
            raise InvalidInputError(f"record.steps[{i}]: no 'action'")
        action = step["action"]
        if not isinstance(action, int) or isinstance(action, bool) or not env.action_space.contains(action):
            raise InvalidInputError(f"record.steps[{i}].action: {action!r} is not a valid action")
        env.step(action)
    state = env.state()
    return (state, env) if return_env else state
