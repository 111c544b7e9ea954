"""One episode of the benchmark: a pure function of (task, mode, seed, config), safe to run in any process.

``run_spec`` never raises for a broken episode: a runner exception becomes a failed record with an ``error`` field.
Errors that make every episode fail (no model weights, a missing backend, an unknown name) come back as
``{"fatal": message, "exit_code": n}`` so the harness stops instead of recording a hundred identical failures. A model
server that fails (after the client's bounded retries) gives a failed record marked ``"retry": true``: the harness
saves it, stops with a clear error, and ``--resume`` runs that episode again -- no episode is lost.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import shutil
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from agents.bench.config import BenchConfig
from agents.config import EpisodeConfig, check_knobs, episode_runner
from agents.planners import PLANNERS
from compose.errors import (BackendUnavailableError, InvalidInputError, ModelNotFoundError, ServerError,
                            UnknownNameError)
from compose.registry import load_entry
from envs.tasks import Task

FATAL = (ModelNotFoundError, BackendUnavailableError, UnknownNameError)
# the model server went away: the episode is recorded as an error marked for a rerun (--resume), then the run stops
RETRY = (ServerError,)
REQUIRED_FIELDS = ("plan", "plan_success", "exec_success")


@dataclass(frozen=True)
class EpisodeSpec:
    """What to run: a task (as the dict runners receive), a mode and a seed."""

    task: dict
    mode: str
    seed_index: int

    @property
    def seed(self) -> int:
        return self.task["seed"] + self.seed_index

    @property
    def key(self) -> tuple[str, str, int]:
        return self.task["id"], self.mode, self.seed


def record_key(record: dict) -> tuple[str, str, int]:
    return record["id"], record["mode"], record["seed"]


def task_digest(task: dict) -> str:
    """A short hash of a task's content (where it came from aside), to notice a task edited between runs."""
    body = {k: v for k, v in task.items() if k != "task_file"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def make_specs(tasks: list[Task], config: BenchConfig) -> list[EpisodeSpec]:
    """Every (task, mode, seed) to run, in a fixed order: task, then mode, then seed."""
    chosen = [t for t in tasks if not config.families or t.family in config.families]
    if config.limit is not None:
        chosen = chosen[: config.limit]
    specs = []
    for t in chosen:
        d = t.to_dict()
        d["task_file"] = t.where
        modes = config.modes or (default_mode(t.world),)
        specs += [EpisodeSpec(d, mode, k) for mode in modes for k in range(config.seeds)]
    return specs


def default_mode(world: str) -> str:
    """The mode a task of ``world`` runs with when no --mode is given (``WorldSpec.default_mode``)."""
    from envs.worlds import WORLDS

    return WORLDS.get(world).default_mode


def resolve_runner(world: str, config: BenchConfig):
    """The ``run_episode`` function for ``world`` (a --runner override first)."""
    target = config.runner_for(world)
    if target is None:
        return episode_runner(world)
    try:
        return load_entry(target)
    except InvalidInputError as exc:
        raise InvalidInputError(f"--runner {world}={target}: cannot load it ({exc})") from None


def check_runners(worlds, config: BenchConfig) -> BenchConfig:
    """Fail early (before any episode) if a world has no importable runner, a mode is unknown or a ``--set`` knob
    is one no world or planner of the run reads or has a value it refuses (the knobs are the fields of each world's
    config class, ``WorldSpec.config``, or of a --runner module's ``CONFIG``, and of the planners' ``Options``).
    Returns ``config`` with the ``--set`` values converted to the knobs' types."""
    known = set(PLANNERS.names())
    config_classes = {}
    for world in sorted(set(worlds)):
        try:
            fn = resolve_runner(world, config)
        except ImportError as exc:
            raise InvalidInputError(f"no episode runner for world {world!r} is available ({exc})") from None
        module = importlib.import_module(fn.__module__)
        known |= set(getattr(module, "MODES", ()))
        if config.runner_for(world) is not None and hasattr(module, "CONFIG"):
            config_classes[world] = module.CONFIG
    for mode in config.modes:
        if mode not in known:  # bad input on the command line: exit code 2
            raise InvalidInputError(str(UnknownNameError("mode", mode, known)))
    return dataclasses.replace(config, extra=check_knobs(config.extra, worlds, config.modes, config_classes))


def episode_config(spec: EpisodeSpec, config: BenchConfig) -> EpisodeConfig:
    follows_plan = spec.mode in PLANNERS and PLANNERS.get(spec.mode).follows_given_plan
    plan = spec.task.get("oracle_plan") if follows_plan else None
    return EpisodeConfig(mode=spec.mode, llm=config.llm, max_steps=config.max_steps, render=config.render,
                         oracle_plan=tuple(plan) if plan else None, extra=config.extra,
                         record_dir=record_dir(spec, config))


def record_dir(spec: EpisodeSpec, config: BenchConfig) -> str | None:
    """OUT/episodes/<task>__<mode>__s<seed> with --record-episodes (the folder the episode pages read)."""
    if not getattr(config, "record_episodes", False):
        return None
    from agents.pages.report import EPISODES_DIR, episode_slug

    return str(Path(config.out) / EPISODES_DIR / episode_slug(spec.task["id"], spec.mode, spec.seed))


def _failed_record(spec: EpisodeSpec, error: str) -> dict:
    t = spec.task
    return {"id": t["id"], "world": t["world"], "mode": spec.mode, "seed": spec.seed, "instruction": t["instruction"],
            "family": t.get("family"), "plan": [], "steps": [], "plan_success": False, "exec_success": False,
            "metrics": {}, "timing": {}, "llm_stats": {}, "error": error}


def run_spec(spec: EpisodeSpec, config: BenchConfig) -> dict:
    """Run one episode; return its record (with ``seed_index``, ``task_file`` and ``wall_s`` added) or a fatal."""
    t0 = time.perf_counter()
    folder = record_dir(spec, config)
    if folder and Path(folder).exists():  # a rerun (after --resume) starts a clean folder: no stale frames
        shutil.rmtree(folder)
    try:
        runner = resolve_runner(spec.task["world"], config)
        record = runner(dict(spec.task), episode_config(spec, config), spec.seed, llm=None)
        missing = [f for f in REQUIRED_FIELDS if f not in record]
        if missing:
            record = _failed_record(spec, f"runner record lacks {', '.join(missing)}")
    except FATAL as exc:
        return {"fatal": str(exc), "exit_code": exc.exit_code}
    except RETRY as exc:
        record = _failed_record(spec, f"{type(exc).__name__}: {exc}")
        record["retry"] = True  # not a result: --resume runs this episode again
    except Exception as exc:  # one broken episode must not end the benchmark
        last = traceback.extract_tb(exc.__traceback__)[-1]
        record = _failed_record(spec, f"{type(exc).__name__}: {exc} ({last.filename}:{last.lineno})")
    record = dict(record)
    record.update(id=spec.task["id"], mode=spec.mode, seed=spec.seed)
    record.setdefault("world", spec.task["world"])
    record.setdefault("family", spec.task.get("family"))
    record.setdefault("instruction", spec.task["instruction"])
    record["plan_success"] = bool(record["plan_success"])
    record["exec_success"] = bool(record["exec_success"])
    record.setdefault("metrics", {})
    record.setdefault("timing", {})
    record.setdefault("llm_stats", {})
    record["extra"] = [list(kv) for kv in config.extra]  # the --set knobs this episode ran with
    record["seed_index"] = spec.seed_index
    record["task_file"] = spec.task.get("task_file")
    record["task_sha"] = task_digest(spec.task)
    record["wall_s"] = round(time.perf_counter() - t0, 4)
    record.setdefault("goal", spec.task.get("goal"))  # what the failure taxonomy compares with
    return record
