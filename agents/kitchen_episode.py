"""One SayCan episode in the physical kitchen: plan closed-loop with the LLM and affordances, act, check the goal.

``run_episode(task, config, seed, llm=None) -> dict`` is pure apart from the per-process model cache: the same task,
config and seed give the same record, whichever process runs it.
"""
from __future__ import annotations

import time

from agents.config import EpisodeConfig
from agents.episode import check_instruction, episode_record, finish_episode, llm_counts, make_planner
from agents.planner import closed_loop, load_prompt
from envs.kitchen.config import KitchenConfig
from envs.kitchen.state import DEFAULT_INIT, KitchenState
from envs.record import EpisodeRecorder

def run_episode(task: dict, config: EpisodeConfig, seed: int, llm=None, on_step=None) -> dict:
    """Run one kitchen task. ``on_step(step_dict)`` is called after every step (CLI display)."""
    from envs.kitchen.env import KitchenEnv
    from envs.kitchen.goals import check_goal, plan_success

    t0 = time.perf_counter()
    instruction = check_instruction(task.get("instruction", ""))
    init = task.get("init") or DEFAULT_INIT
    KitchenState.from_init(init)  # validate before starting the simulator
    knobs = config.knobs(KitchenConfig)
    planner = make_planner(config, load_prompt("saycan_kitchen"), llm)
    stats0 = llm_counts(planner)
    recorder = EpisodeRecorder(config.record_dir) if config.record_dir else None

    env = KitchenEnv(render_mode="rgb_array", render=config.render or recorder is not None)
    try:
        _, info = env.reset(seed=seed, options={"init": init})
        world = env.unwrapped
        if knobs.perception == "learned":
            from agents.perception.learned import use_learned_perception

            use_learned_perception(env)
        initial_state = world.kitchen_state().to_dict()

        def observe():
            return _perception_summary(world.perceive()), world.skill_texts, world.affordances()

        def act(decision):
            _, _, _, truncated, info = env.step(decision.index)
            return info, truncated

        steps, terminated_by, llm_s = closed_loop(planner, instruction, config.max_steps, observe, act,
                                                  lambda: world.sim_time, world.render_frame, recorder, on_step,
                                                  world="kitchen")
        final_state = world.kitchen_state()
    finally:
        env.close()

    goal = task.get("goal")
    plan = [s["skill"] for s in steps]
    exec_ok = bool(check_goal(goal, final_state)) if goal is not None else None
    plan_ok = bool(plan_success(task, plan)) if goal is not None else None
    record = episode_record("kitchen", task, config, seed, instruction=instruction, steps=steps,
                            terminated_by=terminated_by, plan_ok=plan_ok, exec_ok=exec_ok, t0=t0, llm_s=llm_s,
                            planner=planner, stats0=stats0, initial_state=initial_state,
                            final_state=final_state.to_dict())
    return finish_episode(record, task, init, config, recorder)


def _perception_summary(p: dict) -> dict:
    return {"location": p.get("location"), "visible": list(p.get("visible", [])), "holding": p.get("holding"),
            "drawer_open": bool(p.get("drawer_open")), "seen": {k: list(v) for k, v in p.get("seen", {}).items()},
            "unexplored": list(p.get("unexplored", []))}
