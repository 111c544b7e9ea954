"""SayCan's closed loop, world-agnostic: observe -> choose -> act until ``done`` or the step limit.

The choosing is a planner strategy from ``agents.planners`` (``PLANNERS``: saycan, llm, generative, oracle-plan);
``SayCanPlanner`` keeps the older call shape ``choose(instruction, history, skill_texts, affordances)`` over them.
"""
from __future__ import annotations

import math
import time
from importlib import resources
from typing import Sequence

import numpy as np

from agents.planners import DONE, PLANNERS, Candidate, Decision, Planner, StepContext, build_planner, saycan_context
from compose.errors import UnknownNameError

PLANNER_MODES = tuple(PLANNERS.names())


def load_prompt(name: str) -> str:
    """A prompt template shipped in compose/prompts/NAME.txt."""
    try:
        return resources.files("compose").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        known = [p.name[:-4] for p in resources.files("compose").joinpath("prompts").iterdir() if p.name.endswith(".txt")]
        raise UnknownNameError("prompt", name, known) from None


class SayCanPlanner:
    """A registered strategy behind the call ``choose(instruction, history, skill_texts, affordances)``.

    ``strategy`` is the ``agents.planners.Planner`` doing the work; ``llm`` and ``mode`` are its model and name.
    """

    context = staticmethod(saycan_context)

    def __init__(self, llm, prompt_prefix: str, mode: str = "saycan", embedder=None,
                 oracle_plan: Sequence[str] | None = None, top_k: int = 5):
        cls = PLANNERS.get(mode)
        options = cls.Options(plan=tuple(oracle_plan or ())) if cls.follows_given_plan else None
        self.strategy: Planner = build_planner(mode, llm=llm, prompt=prompt_prefix, embedder=embedder,
                                               options=options, top_k=top_k)
        self.llm, self.mode = llm, mode

    def choose(self, instruction: str, history: Sequence[str], skill_texts: Sequence[str],
               affordances: np.ndarray | None, world: str = "") -> Decision:
        return self.strategy.choose(StepContext(instruction, tuple(history), (), tuple(skill_texts), affordances,
                                                None, world))


def log_or_none(x: float | None) -> float | None:
    return None if x is None or x <= 0 else math.log(x)


def closed_loop(planner: Planner, instruction: str, max_steps: int, observe, act, sim_time, frame=None,
                recorder=None, on_step=None, world: str = "") -> tuple[list[dict], str, float]:
    """SayCan's closed loop over any world: observe -> choose -> act, until ``done`` or the step limit.

    ``planner`` is an ``agents.planners.Planner``: ``reset(instruction, scene)`` once (with the first observation),
    then ``choose(StepContext)`` each step. ``observe() -> (perception summary, skill texts, affordances)``;
    ``act(decision) -> (info, truncated)`` with info holding "success", "reason" and "state"; ``sim_time()`` is the
    world's clock; ``frame()`` renders for the recorder. A decision's non-empty ``extras`` are recorded with its step.
    Returns (steps, "done" | "max_steps", seconds spent choosing).
    """
    from envs.record import to_jsonable

    history: list[str] = []
    outcomes: list[tuple[bool, str]] = []
    steps: list[dict] = []
    llm_s, terminated_by = 0.0, "max_steps"
    for k in range(max_steps):
        if recorder:
            recorder.add_frame(frame())
        perception, texts, affordances = observe()
        t_plan = time.perf_counter()
        if k == 0:
            planner.reset(instruction, perception)
        decision = planner.choose(StepContext(instruction, tuple(history), tuple(outcomes), tuple(texts), affordances,
                                              perception, world))
        llm_s += time.perf_counter() - t_plan
        t_start = sim_time()
        info, truncated = act(decision)
        history.append(decision.skill)
        outcomes.append((bool(info["success"]), info.get("reason", "")))
        scores = decision.as_dict()
        scores["skill_index"] = scores.pop("index")
        steps.append(to_jsonable({**scores, "index": k, "t": round(t_start, 3), "t_end": round(sim_time(), 3),
                                  "success": bool(info["success"]), "reason": info.get("reason", ""),
                                  "perception": perception, "state": info["state"]}))
        if decision.extras:
            steps[-1]["extras"] = to_jsonable(decision.extras)
        if on_step:
            on_step(steps[-1])
        if decision.skill == DONE:
            terminated_by = "done"
            break
        if truncated:
            break
    if recorder:
        recorder.add_frame(frame())
    return steps, terminated_by, llm_s
