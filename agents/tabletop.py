"""One episode on the tabletop (SayCan's / Socratic Models' pick-and-place table): perceive, plan, act, check.

``run_episode(task, config, seed, llm=None, on_step=None) -> dict`` is pure apart from the per-process model cache:
the same task, config and seed give the same record, whichever process runs it. Modes (``config.mode``):

- ``saycan``: p_LLM(skill | prompt, instruction, steps so far) x affordance from perception;
- ``llm``: p_LLM alone; ``oracle-plan``: follow ``config.oracle_plan``;
- ``generative``: Socratic Models' variant -- the LLM writes each step after a scene description
  ``objects = [...]`` built from perception, and the text is mapped to the nearest skill with MiniLM.

Every mode's prompt starts with the perceived ``objects = [...]`` line (as in SayCan's tabletop notebook).
World knobs in ``config.extra``: ``options`` ("scene": skills for the task's blocks and bowls, default; "all": every
colour), ``noise`` ("default" | "none"), ``classifier`` ("colour" | "dual-encoder" | "auto").
"""
from __future__ import annotations

import dataclasses
import time

from agents.config import EpisodeConfig
from agents.kitchen_episode import check_instruction
from agents.planner import SayCanPlanner, closed_loop, load_prompt
from agents.runtime import get_embedder, get_llm
from compose.errors import InvalidInputError
from envs.record import EpisodeRecorder, to_jsonable
from envs.tabletop.goals import check_goal, plan_success, validate_goal, validate_init
from envs.tabletop.vocab import ALL_SKILL_TEXTS, COLOURS
from envs.tabletop.world import DEFAULT_INIT

EXTRA_KEYS = {"options": ("scene", "all"), "noise": ("default", "none"), "classifier": None}  # benchmark --set
PROMPTS = {"saycan": "saycan_tabletop", "llm": "saycan_tabletop", "oracle-plan": "saycan_tabletop",
           "generative": "socratic_tabletop"}


def scene_line(names) -> str:
    """Socratic Models' scene description: ``objects = [red block, blue bowl]``."""
    return "objects = [" + ", ".join(names) + "]"


def make_env(config: EpisodeConfig):
    from envs.tabletop.controller import Noise
    from envs.tabletop.env import TabletopEnv

    noise = config.get("noise", "default")
    if noise not in ("default", "none"):
        raise InvalidInputError(f"unknown tabletop noise {noise!r}; known: default, none")
    return TabletopEnv(render_mode="rgb_array", classifier=config.get("classifier", "colour"),
                       noise=Noise.none() if noise == "none" else Noise(), max_steps=10**6)


def make_planner(config: EpisodeConfig, scene: str, llm=None) -> SayCanPlanner:
    if config.mode != "oracle-plan" and llm is None:
        llm = get_llm(config.llm)
    embedder = get_embedder() if config.mode == "generative" else None
    prompt = load_prompt(PROMPTS.get(config.mode, "saycan_tabletop")) + scene + "\n"
    return SayCanPlanner(llm, prompt, mode=config.mode, embedder=embedder, oracle_plan=config.oracle_plan)


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
    options = config.get("options", "scene")
    if options not in ("scene", "all"):
        raise InvalidInputError(f"unknown tabletop options {options!r}; known: scene, all")
    library = tabletop_library(*((init["blocks"], init.get("bowls", [])) if options == "scene" else (COLOURS, COLOURS)))
    recorder = EpisodeRecorder(config.record_dir) if config.record_dir else None

    env = make_env(config)
    try:
        env.reset(seed=seed, options={"init": init})
        world = env.unwrapped.world
        initial_state = world.state()
        perception = world.perceive()
        planner = make_planner(config, scene_line(perception.names()), llm)
        stats0 = dict(planner.llm.stats.as_dict()) if planner.llm is not None else {}

        def observe():
            perception = world.perceive()
            return perception.summary(), library.texts, library.affordances(perception)

        def act(decision):
            _, _, _, truncated, info = env.step(ALL_SKILL_TEXTS.index(decision.skill))
            return info, truncated

        steps, terminated_by, llm_s = closed_loop(planner, instruction, config.max_steps, observe, act,
                                                  lambda: world.sim_time, world.render, recorder, on_step)
        final_state = world.state()
    finally:
        env.close()

    plan = [s["skill"] for s in steps]
    exec_ok = bool(check_goal(goal, final_state)) if goal is not None else None
    plan_ok = bool(plan_success({**task, "init": init, "seed": task.get("seed", seed)}, plan)) \
        if goal is not None else None
    stats1 = planner.llm.stats.as_dict() if planner.llm is not None else {}
    record = {
        "id": task.get("id", "cli"), "world": "tabletop", "mode": config.mode, "seed": seed,
        "instruction": instruction, "family": task.get("family"),
        "model": None if config.mode == "oracle-plan" else config.llm.model,
        "plan": plan, "steps": steps, "terminated_by": terminated_by,
        "plan_success": plan_ok, "exec_success": exec_ok,
        "metrics": {"n_steps": len(steps), "skill_failures": sum(not s["success"] for s in steps),
                    "sim_time": steps[-1]["t_end"] if steps else 0.0, "n_options": len(library)},
        "timing": {"total_s": round(time.perf_counter() - t0, 3), "llm_s": round(llm_s, 3)},
        "llm_stats": {k: stats1[k] - stats0.get(k, 0) for k in stats1},
        "initial_state": initial_state, "final_state": final_state,
    }
    if recorder:
        task_rec = {k: task[k] for k in ("id", "world", "instruction", "family", "goal") if k in task}
        task_rec.update(world="tabletop", init=init)
        recorder.save({**record, "task": task_rec, "config": _config_dict(config),
                       "outcome": {"goal_met": exec_ok, "plan_success": plan_ok, "terminated_by": terminated_by}})
    return to_jsonable(record)


def _config_dict(config: EpisodeConfig) -> dict:
    d = dataclasses.asdict(config)
    d["extra"] = [list(kv) for kv in config.extra]
    return d
