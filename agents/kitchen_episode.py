"""One SayCan episode in the physical kitchen: plan closed-loop with the LLM and affordances, act, check the goal.

``run_episode(task, config, seed, llm=None) -> dict`` is pure apart from the per-process model cache: the same task,
config and seed give the same record, whichever process runs it.
"""
from __future__ import annotations

import time

from agents.config import EpisodeConfig
from agents.planner import SayCanPlanner, closed_loop, load_prompt
from agents.runtime import get_embedder, get_llm
from compose.errors import InvalidInputError
from envs.kitchen_state import KitchenState
from envs.record import EpisodeRecorder, to_jsonable

MAX_INSTRUCTION_CHARS = 1000

# The scene `python -m agents.saycan --task ...` uses when no --init is given: a sponge on the far counter, drinks,
# snacks and fruit elsewhere, so that most everyday requests make sense.
DEFAULT_INIT = {
    "robot": "user",
    "holding": None,
    "drawer_open": False,
    "objects": [
        ["sponge", "far counter"], ["water bottle", "far counter"],
        ["coke can", "table"], ["energy bar", "table"],
        ["apple", "close counter"], ["jalapeno chips", "close counter"],
    ],
}


def check_instruction(text) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("the task is empty: say what the robot should do, e.g. 'bring me a sponge'")
    if len(text) > MAX_INSTRUCTION_CHARS:
        raise InvalidInputError(f"the task is {len(text)} characters long; the limit is {MAX_INSTRUCTION_CHARS}")
    return " ".join(text.split())


def make_planner(config: EpisodeConfig, llm=None, prompt: str = "saycan_kitchen") -> SayCanPlanner:
    if config.mode != "oracle-plan" and llm is None:
        llm = get_llm(config.llm)
    embedder = get_embedder() if config.mode == "generative" else None
    return SayCanPlanner(llm, load_prompt(prompt), mode=config.mode, embedder=embedder,
                         oracle_plan=config.oracle_plan)


def run_episode(task: dict, config: EpisodeConfig, seed: int, llm=None, on_step=None) -> dict:
    """Run one kitchen task. ``on_step(step_dict)`` is called after every step (CLI display)."""
    from envs.kitchen.env import KitchenEnv
    from envs.kitchen_goals import check_goal, plan_success

    t0 = time.perf_counter()
    instruction = check_instruction(task.get("instruction", ""))
    init = task.get("init") or DEFAULT_INIT
    KitchenState.from_init(init)  # validate before starting the simulator
    planner = make_planner(config, llm)
    stats0 = dict(planner.llm.stats.as_dict()) if planner.llm is not None else {}
    recorder = EpisodeRecorder(config.record_dir) if config.record_dir else None

    env = KitchenEnv(render_mode="rgb_array", render=config.render or recorder is not None)
    try:
        _, info = env.reset(seed=seed, options={"init": init})
        world = env.unwrapped
        initial_state = world.kitchen_state().to_dict()

        def observe():
            return _perception_summary(world.perceive()), world.skill_texts, world.affordances()

        def act(decision):
            _, _, _, truncated, info = env.step(decision.index)
            return info, truncated

        steps, terminated_by, llm_s = closed_loop(planner, instruction, config.max_steps, observe, act,
                                                  lambda: world.sim_time, world.render_frame, recorder, on_step)
        final_state = world.kitchen_state()
    finally:
        env.close()

    goal = task.get("goal")
    plan = [s["skill"] for s in steps]
    exec_ok = bool(check_goal(goal, final_state)) if goal is not None else None
    plan_ok = bool(plan_success(task, plan)) if goal is not None else None
    stats1 = planner.llm.stats.as_dict() if planner.llm is not None else {}
    record = {
        "id": task.get("id", "cli"), "world": "kitchen", "mode": config.mode, "seed": seed,
        "instruction": instruction, "family": task.get("family"),
        "model": None if config.mode == "oracle-plan" else config.llm.model,
        "plan": plan, "steps": steps, "terminated_by": terminated_by,
        "plan_success": plan_ok, "exec_success": exec_ok,
        "metrics": {"n_steps": len(steps), "skill_failures": sum(not s["success"] for s in steps),
                    "sim_time": round(final_state_time(steps), 3)},
        "timing": {"total_s": round(time.perf_counter() - t0, 3), "llm_s": round(llm_s, 3)},
        # counts only: timings live under "timing", so equal seeds give equal records
        "llm_stats": {k: stats1[k] - stats0.get(k, 0) for k in stats1 if k != "seconds"},
        "initial_state": initial_state, "final_state": final_state.to_dict(),
    }
    if recorder:
        task_rec = {k: task[k] for k in ("id", "world", "instruction", "family", "init", "goal") if k in task}
        task_rec.setdefault("init", init)
        recorder.save({**record, "task": task_rec, "config": _config_dict(config),
                       "outcome": {"goal_met": exec_ok, "plan_success": plan_ok, "terminated_by": terminated_by}})
    return to_jsonable(record)


def final_state_time(steps: list[dict]) -> float:
    return steps[-1]["t_end"] if steps else 0.0


def _perception_summary(p: dict) -> dict:
    return {"location": p.get("location"), "visible": list(p.get("visible", [])), "holding": p.get("holding")}


def _config_dict(config: EpisodeConfig) -> dict:
    import dataclasses

    d = dataclasses.asdict(config)
    d["extra"] = [list(kv) for kv in config.extra]
    return d
