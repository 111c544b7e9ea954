"""One episode on the tabletop (SayCan's / Socratic Models' pick-and-place table): perceive, plan, act, check.

``run_episode(task, config, seed, llm=None, on_step=None) -> dict`` is pure apart from the per-process model cache:
the same task, config and seed give the same record, whichever process runs it. Modes (``config.mode``):

- ``saycan``: p_LLM(skill | prompt, instruction, steps so far) x affordance from perception;
- ``llm``: p_LLM alone; ``oracle-plan``: follow ``config.oracle_plan``;
- ``generative``: Socratic Models' variant -- the LLM writes each step after a scene description
  ``objects = [...]`` built from perception, and the text is mapped to the nearest skill with MiniLM.

Every mode's prompt starts with the perceived ``objects = [...]`` line (as in SayCan's tabletop notebook).
World knobs (``--set``): ``envs.tabletop.config.TabletopConfig`` -- ``options`` ("scene": skills for the task's blocks
and bowls, default; "all": every colour), ``noise`` ("default" | "none"), ``classifier`` ("colour" | "dual-encoder" |
"auto").
"""
from __future__ import annotations

import time

from agents.config import EpisodeConfig
from agents.episode import check_instruction, episode_record, finish_episode, llm_counts, make_planner
from agents.planner import closed_loop, load_prompt
from agents.planners import PLANNERS
from envs.record import EpisodeRecorder
from envs.tabletop.config import TabletopConfig
from envs.tabletop.goals import check_goal, plan_success, validate_goal, validate_init
from envs.tabletop.vocab import ALL_SKILL_TEXTS, COLOURS
from envs.tabletop.world import DEFAULT_INIT

PROMPT, WRITING_PROMPT = "saycan_tabletop", "socratic_tabletop"  # the latter for planners that write each step


def scene_line(names) -> str:
    """Socratic Models' scene description: ``objects = [red block, blue bowl]``."""
    return "objects = [" + ", ".join(names) + "]"


def make_env(config: EpisodeConfig):
    from envs.tabletop.env import TabletopEnv

    knobs = config.knobs(TabletopConfig)
    return TabletopEnv(render_mode="rgb_array", classifier=knobs.classifier, noise=knobs.make_noise(),
                       max_steps=10**6)


def run_episode(task: dict, config: EpisodeConfig, seed: int, llm=None, on_step=None) -> dict:
    """Run one tabletop task. ``on_step(step_dict)`` is called after every step (CLI display)."""
    from skills.tabletop import tabletop_library

    t0 = time.perf_counter()
    instruction = check_instruction(task.get("instruction", ""))
    init = task.get("init") or DEFAULT_INIT
    validate_init(init, "init")
    goal = task.get("goal")
    if goal is not None:
        validate_goal(goal, "goal")
    options = config.knobs(TabletopConfig).options
    library = tabletop_library(*((init["blocks"], init.get("bowls", [])) if options == "scene" else (COLOURS, COLOURS)))
    recorder = EpisodeRecorder(config.record_dir) if config.record_dir else None

    env = make_env(config)
    try:
        env.reset(seed=seed, options={"init": init})
        world = env.unwrapped.world
        initial_state = world.state()
        perception = world.perceive()
        prompt = load_prompt(WRITING_PROMPT if PLANNERS.get(config.mode).writes_steps else PROMPT) + scene_line(perception.names()) + "\n"
        planner = make_planner(config, prompt, llm)
        stats0 = llm_counts(planner)

        def observe():
            perception = world.perceive()
            return perception.summary(), library.texts, library.affordances(perception)

        def act(decision):
            _, _, _, truncated, info = env.step(ALL_SKILL_TEXTS.index(decision.skill))
            return info, truncated

        steps, terminated_by, llm_s = closed_loop(planner, instruction, config.max_steps, observe, act,
                                                  lambda: world.sim_time, world.render, recorder, on_step,
                                                  world="tabletop")
        final_state = world.state()
    finally:
        env.close()

    plan = [s["skill"] for s in steps]
    exec_ok = bool(check_goal(goal, final_state)) if goal is not None else None
    plan_ok = bool(plan_success({**task, "init": init, "seed": task.get("seed", seed)}, plan)) \
        if goal is not None else None
    record = episode_record("tabletop", task, config, seed, instruction=instruction, steps=steps,
                            terminated_by=terminated_by, plan_ok=plan_ok, exec_ok=exec_ok, t0=t0, llm_s=llm_s,
                            planner=planner, stats0=stats0, initial_state=initial_state, final_state=final_state,
                            n_options=len(library))
    return finish_episode(record, task, init, config, recorder)
