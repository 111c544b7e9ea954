"""A deterministic stand-in episode runner for the benchmark's tests (no LLM, no simulator).

The plan is the shortest symbolic plan to the goal; depending on the seed it drops a step (a planning error) and
the execution fails with probability 0.25 (a physical failure). Task fields steer special cases: ``fake_error``
raises inside the episode; ``fake_fatal`` raises ModelNotFoundError. FAKE_RUNNER_SLEEP (seconds) slows episodes.
"""
from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from typing import Literal

from compose.errors import ModelNotFoundError
from envs.kitchen.goals import plan_success, shortest_plan

MODES = ("saycan", "llm", "generative", "oracle-plan")


@dataclass(frozen=True)
class FakeConfig:
    flavour: Literal["plain", "salty"] = "plain"
    anything: object = None


CONFIG = FakeConfig  # the --set knobs of worlds run by this runner (replaces the world's own config class)


def run_episode(task: dict, config, seed: int, llm=None) -> dict:
    t0 = time.perf_counter()
    delay = float(os.environ.get("FAKE_RUNNER_SLEEP", "0"))
    if delay:
        time.sleep(delay)
    if task.get("fake_fatal"):
        raise ModelNotFoundError("no weights for model 'fake-missing' (set --model-path)")
    if task.get("fake_error"):
        raise RuntimeError("the fake episode broke")
    rng = random.Random(f"{task['id']}|{config.mode}|{seed}")
    plan = shortest_plan(task["init"], task["goal"]) or ["done"]
    if config.mode != "saycan" and len(plan) > 1 and rng.random() < 0.3:
        del plan[rng.randrange(len(plan) - 1)]
    plan_ok = plan_success(task, plan)
    exec_ok = plan_ok and rng.random() < 0.75
    return {"id": task["id"], "world": task["world"], "mode": config.mode, "seed": seed,
            "instruction": task["instruction"], "family": task.get("family"), "plan": plan,
            "steps": [{"skill": s, "score": round(rng.random(), 6)} for s in plan],
            "plan_success": plan_ok, "exec_success": exec_ok,
            "metrics": {"n_steps": len(plan)}, "timing": {"total_s": time.perf_counter() - t0},
            "llm_stats": {"calls": len(plan), "forward_passes": len(plan)}, "received_extra": [list(kv) for kv in config.extra]}
