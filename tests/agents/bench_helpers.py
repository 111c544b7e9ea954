"""Shared helpers for the benchmark tests: run the CLI in-process or as a subprocess with the fake runner."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agents.benchmark import main
from agents.cli import run_main

ROOT = Path(__file__).resolve().parents[2]
SMOKE = str(ROOT / "data" / "tasks" / "kitchen_smoke.jsonl")
FAKE = "kitchen=tests.agents.fake_runner:run_episode"
TIMING = ("wall_s", "timing")


def bench_args(out, *extra, tasks=SMOKE, fake=True) -> list[str]:
    args = ["--tasks", str(tasks), "--out", str(out), "--no-progress", *extra]
    return args + (["--runner", FAKE] if fake else [])


def run_cli(args) -> int:
    return run_main(main, args)


def run_subprocess(args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "agents.benchmark", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, **kw)


def episodes(out) -> list[dict]:
    return [json.loads(ln) for ln in (Path(out) / "episodes.jsonl").read_text("utf-8").splitlines() if ln.strip()]


def stable(record: dict) -> dict:
    """A record without its wall-clock fields (which differ from run to run)."""
    r = {k: v for k, v in record.items() if k not in TIMING}
    r["llm_stats"] = {k: v for k, v in r.get("llm_stats", {}).items() if k != "seconds"}
    return r


def stable_episodes(out) -> dict:
    return {(r["id"], r["mode"], r["seed"]): stable(r) for r in episodes(out)}


def stable_results(out) -> dict:
    res = json.loads((Path(out) / "results.json").read_text("utf-8"))
    modes = res["modes"]
    for s in modes.values():
        s.pop("wall_s")
    return modes
