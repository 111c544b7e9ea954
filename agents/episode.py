"""What every SayCan-style episode runner shares: building the planner, the episode record and its saved copy.

The world-specific part of a runner (``agents.kitchen_episode``, ``agents.tabletop``) is a ``SkillWorld``: the
simulator, the prompt, the observe/act callbacks for ``agents.planner.closed_loop`` and the goal checks; the episode
itself is one template, ``run_skill_episode``, so that every world runs and records episodes the same way.
"""
from __future__ import annotations

import dataclasses
import time
from abc import ABC, abstractmethod

from agents.config import EpisodeConfig
from agents.planners import PLANNERS, Planner
from agents.runtime import get_embedder, get_llm
from compose.errors import InvalidInputError
from envs.record import EpisodeRecorder, to_jsonable

MAX_INSTRUCTION_CHARS = 1000


def check_instruction(text) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("the task is empty: say what the robot should do, e.g. 'bring me a sponge'")
    if len(text) > MAX_INSTRUCTION_CHARS:
        raise InvalidInputError(f"the task is {len(text)} characters long; the limit is {MAX_INSTRUCTION_CHARS}")
    return " ".join(text.split())


def make_planner(config: EpisodeConfig, prompt: str, llm=None) -> Planner:
    """The strategy ``config.mode`` (``agents.planners.PLANNERS``) over the few-shot ``prompt``; the models it
    ``needs`` come from the per-process model cache when not given."""
    cls = PLANNERS.get(config.mode)
    if "llm" in cls.needs and llm is None:
        llm = get_llm(config.llm)
    embedder = get_embedder() if "embedder" in cls.needs else None
    return cls(llm=llm, prompt=prompt, embedder=embedder, options=cls.options_from(config))


def llm_counts(planner: Planner) -> dict:
    """A snapshot of the planner's LLM counters (take one before the episode, pass it to ``episode_record``)."""
    return dict(planner.llm.stats.as_dict()) if planner.llm is not None else {}


def episode_record(world: str, task: dict, config: EpisodeConfig, seed: int, *, instruction: str, steps: list[dict],
                   terminated_by: str, plan_ok, exec_ok, t0: float, llm_s: float, planner: Planner,
                   stats0: dict, initial_state: dict, final_state: dict, **metrics) -> dict:
    """The record a runner returns; ``metrics`` adds world-specific numbers to the shared ones."""
    stats1 = llm_counts(planner)
    return {
        "id": task.get("id", "cli"), "world": world, "mode": config.mode, "seed": seed,
        "instruction": instruction, "family": task.get("family"),
        "model": config.llm.model if "llm" in type(planner).needs else None,
        "plan": [s["skill"] for s in steps], "steps": steps, "terminated_by": terminated_by,
        "plan_success": plan_ok, "exec_success": exec_ok,
        "metrics": {"n_steps": len(steps), "skill_failures": sum(not s["success"] for s in steps),
                    "sim_time": round(steps[-1]["t_end"] if steps else 0.0, 3), **metrics},
        "timing": {"total_s": round(time.perf_counter() - t0, 3), "llm_s": round(llm_s, 3)},
        # counts only: timings live under "timing", so equal seeds give equal records
        "llm_stats": {k: stats1[k] - stats0.get(k, 0) for k in stats1 if k != "seconds"},
        "initial_state": initial_state, "final_state": final_state,
    }


def finish_episode(record: dict, task: dict, init: dict, config: EpisodeConfig,
                   recorder: EpisodeRecorder | None) -> dict:
    """Save the episode for ``agents.replay`` when recording; return the record as plain JSON types."""
    if recorder is not None:
        task_rec = {k: task[k] for k in ("id", "instruction", "family", "goal") if k in task}
        task_rec.update(world=record["world"], init=init)
        settings = dataclasses.asdict(config)
        settings["extra"] = [list(kv) for kv in config.extra]
        recorder.save({**record, "task": task_rec, "config": settings,
                       "outcome": {"goal_met": record["exec_success"], "plan_success": record["plan_success"],
                                   "terminated_by": record["terminated_by"]}})
    return to_jsonable(record)


class SkillWorld(ABC):
    """The world's part of a skill-based episode (``run_skill_episode``); one instance per episode. Subclasses:
    ``agents.kitchen_episode.KitchenEpisode``, ``agents.tabletop.TabletopEpisode``."""

    name: str = ""

    def __init__(self, task: dict, config: EpisodeConfig):
        self.task, self.config = task, config

    @abstractmethod
    def start_state(self) -> dict:
        """The task's start state (or the world's default), checked before any simulator or model starts."""

    env = None  # the Gymnasium env ``open`` starts

    @abstractmethod
    def open(self, init: dict, seed: int, render: bool) -> None:
        """Start the simulator (``self.env``) at ``init``."""

    def close(self) -> None:
        if self.env is not None:
            self.env.close()

    @abstractmethod
    def state(self):
        """The world's state now (what ``check_goal`` reads)."""

    def state_record(self, state) -> dict:
        """``state`` as the record keeps it."""
        return state

    @abstractmethod
    def prompt(self) -> str:
        """The planner's few-shot prompt (called once, after ``open``)."""

    @abstractmethod
    def observe(self):
        """``(perception summary, skill texts, affordances)`` for ``agents.planner.closed_loop``."""

    @abstractmethod
    def act(self, decision):
        """Run the chosen skill: ``(info, truncated)``."""

    @abstractmethod
    def sim_time(self) -> float: ...

    @abstractmethod
    def frame(self):
        """A rendered frame for the recorder."""

    @abstractmethod
    def check_goal(self, goal, state) -> bool: ...

    @abstractmethod
    def plan_success(self, init: dict, seed: int, plan: list[str]) -> bool: ...

    def metrics(self) -> dict:
        """World-specific numbers added to the record's metrics."""
        return {}


def run_skill_episode(world: SkillWorld, seed: int, llm=None, on_step=None) -> dict:
    """The episode template of the skill worlds: check the task, open the simulator, build the planner, run the
    closed loop until ``done`` or the step limit, check the goal on the final state, record."""
    from agents.planner import closed_loop

    task, config = world.task, world.config
    t0 = time.perf_counter()
    instruction = check_instruction(task.get("instruction", ""))
    init = world.start_state()
    recorder = EpisodeRecorder(config.record_dir) if config.record_dir else None
    try:
        world.open(init, seed, render=config.render or recorder is not None)
        initial_state = world.state_record(world.state())
        planner = make_planner(config, world.prompt(), llm)
        stats0 = llm_counts(planner)
        steps, terminated_by, llm_s = closed_loop(planner, instruction, config.max_steps, world.observe, world.act,
                                                  world.sim_time, world.frame, recorder, on_step, world=world.name)
        final_state = world.state()
    finally:
        world.close()
    goal = task.get("goal")
    plan = [s["skill"] for s in steps]
    exec_ok = bool(world.check_goal(goal, final_state)) if goal is not None else None
    plan_ok = bool(world.plan_success(init, seed, plan)) if goal is not None else None
    record = episode_record(world.name, task, config, seed, instruction=instruction, steps=steps,
                            terminated_by=terminated_by, plan_ok=plan_ok, exec_ok=exec_ok, t0=t0, llm_s=llm_s,
                            planner=planner, stats0=stats0, initial_state=initial_state,
                            final_state=world.state_record(final_state), **world.metrics())
    return finish_episode(record, task, init, config, recorder)
