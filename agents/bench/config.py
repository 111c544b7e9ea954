"""The benchmark's options: parsed from the command line, in one place, into a frozen dataclass."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
from dataclasses import dataclass, field

from agents.cli import add_llm_args, llm_config
from compose.errors import InvalidInputError
from compose.knobs import split_assignments
from compose.llm import LLMConfig

@dataclass(frozen=True)
class BenchConfig:
    tasks: tuple[str, ...]
    out: str
    modes: tuple[str, ...] = ("saycan",)  # () : each task's world's default mode (WorldSpec.default_mode)
    seeds: int = 1
    llm: LLMConfig = field(default_factory=LLMConfig)
    executor: str = "serial"
    workers: int = 2
    resume: bool = False
    limit: int | None = None
    families: tuple[str, ...] = ()
    max_steps: int = 20
    render: bool = False
    ray_address: str | None = None
    runners: tuple[tuple[str, str], ...] = ()  # (world, "module:function") overrides of the WorldSpec.episode_runner (envs.worlds)
    progress: bool = True
    extra: tuple[tuple[str, object], ...] = ()  # --set KEY=VALUE: world knobs passed to EpisodeConfig.extra
    server_concurrency: int | None = None  # --backend openai: model-server requests in flight at most (all workers)
    record_episodes: bool = False  # keep a record folder with frames per episode (OUT/episodes/) for the pages
    pages: bool = True  # write OUT/pages/: one HTML page per episode, linked from report.html

    def runner_for(self, world: str) -> str | None:
        return dict(self.runners).get(world)

    def episode_fields(self) -> dict:
        """What changes an episode's outcome: a run can only be resumed with the same values."""
        return {"llm": dataclasses.asdict(self.llm), "max_steps": self.max_steps, "render": self.render,
                "runners": [list(r) for r in self.runners], "extra": [list(kv) for kv in self.extra]}

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["runners"] = [list(r) for r in self.runners]
        d["extra"] = [list(kv) for kv in self.extra]
        return d


def build_parser() -> argparse.ArgumentParser:
    from agents.bench.executors import EXECUTORS  # (executors import this module)
    from agents.planners import planner_names

    p = argparse.ArgumentParser(
        prog="python -m agents.benchmark",
        description="Run task files (docs/tasks.md) with one or more planner modes and seeds; write per-episode "
                    "records, success rates with Wilson intervals, tables and plots.")
    p.add_argument("--tasks", action="append", required=True, metavar="FILE", help="task file (repeatable)")
    p.add_argument("--mode", action="append", dest="modes", metavar="MODE",
                   help=f"planner mode: {', '.join(planner_names())}, or a world's own (e.g. navgraph's lmnav) "
                        "(repeatable; default: each world's own, goal for the kitchen, saycan elsewhere)")
    p.add_argument("--score-norm", choices=("sum", "mean", "pmi"), default=None,
                   help="LLM score normalisation of the goal/grounded modes (same as --set score_norm=...)")
    p.add_argument("--seeds", type=int, default=1, help="seeds per task and mode: task seed + 0 .. N-1 (default 1)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (episodes.jsonl, results.*, plots)")
    p.add_argument("--executor", default="serial", choices=EXECUTORS.names())
    p.add_argument("--workers", type=int, default=2, help="worker processes / Ray actors (default 2)")
    p.add_argument("--ray-address", default=None, help="Ray cluster address (default: a local Ray)")
    p.add_argument("--resume", action="store_true", help="continue DIR/episodes.jsonl, skipping finished episodes")
    p.add_argument("--limit", type=int, default=None, help="only the first N tasks (after --family)")
    p.add_argument("--family", action="append", dest="families", metavar="F",
                   help="only tasks of family F (repeatable)")
    p.add_argument("--max-steps", type=int, default=20, help="skills per episode at most (default 20)")
    p.add_argument("--render", action="store_true", help="render frames at decision points (slower)")
    p.add_argument("--record-episodes", action="store_true",
                   help="keep each episode's record folder with frames in OUT/episodes/ (replayable; the episode "
                        "pages of report.html then show the frames). Without it the pages are built from "
                        "episodes.jsonl: steps, scores and states, no frames")
    p.add_argument("--runner", action="append", default=[], metavar="WORLD=MODULE:FUNC",
                   help="use another episode runner for a world (tests, plug-ins)")
    p.add_argument("--set", action="append", default=[], dest="extra", metavar="KEY=VALUE",
                   help="a world's or planner's knob (repeatable), e.g. options=all for the tabletop; VALUE is "
                        "converted to the knob's type (envs/<world>/config.py, the planners' Options); an unknown "
                        "key or a bad value stops the run before any episode")
    p.add_argument("--server-concurrency", type=int, default=None, metavar="N",
                   help="with --backend openai: at most N requests in flight to the model server, over all workers "
                        "(default: one per worker)")
    p.add_argument("--no-pages", action="store_true", help="report.html without the per-episode pages")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_llm_args(p)
    return p


def parse_args(argv=None) -> BenchConfig:
    """Command line -> BenchConfig; bad values raise InvalidInputError."""
    a = build_parser().parse_args(argv)
    if a.seeds < 1:
        raise InvalidInputError(f"--seeds must be >= 1, got {a.seeds}")
    if a.workers < 1:
        raise InvalidInputError(f"--workers must be >= 1, got {a.workers}")
    if a.limit is not None and a.limit < 1:
        raise InvalidInputError(f"--limit must be >= 1, got {a.limit}")
    if a.max_steps < 1:
        raise InvalidInputError(f"--max-steps must be >= 1, got {a.max_steps}")
    if a.server_concurrency is not None and a.server_concurrency < 1:
        raise InvalidInputError(f"--server-concurrency must be >= 1, got {a.server_concurrency}")
    if a.server_concurrency is not None and a.backend != "openai":
        raise InvalidInputError("--server-concurrency applies to --backend openai only")
    if a.backend == "openai":
        from compose.llm.openai_server import normalize_base_url

        url = a.base_url or os.environ.get("OPENAI_BASE_URL")
        if not url:
            raise InvalidInputError("--backend openai needs --base-url (e.g. http://127.0.0.1:8000/v1)")
        normalize_base_url(url)
    if not a.tasks or any(not t.strip() for t in a.tasks):
        raise InvalidInputError("--tasks: the file name is empty")
    runners = []
    for item in a.runner:
        world, sep, target = item.partition("=")
        if not sep or ":" not in target:
            raise InvalidInputError(f"--runner must look like WORLD=MODULE:FUNCTION, got {item!r}")
        runners.append((world, target))
    extra = {}  # typed against the worlds' and planners' knob classes once the tasks are known (check_runners)
    for key, text in split_assignments(a.extra):
        try:
            extra[key] = json.loads(text)
        except json.JSONDecodeError:
            extra[key] = text
    if a.score_norm:
        extra["score_norm"] = a.score_norm
    modes = tuple(dict.fromkeys(a.modes or []))  # none given: each world's default (make_specs)
    return BenchConfig(tasks=tuple(a.tasks), out=a.out, modes=modes, seeds=a.seeds, llm=llm_config(a),
                       executor=a.executor, workers=a.workers, resume=a.resume, limit=a.limit,
                       families=tuple(a.families or ()), max_steps=a.max_steps, render=a.render,
                       ray_address=a.ray_address, runners=tuple(runners), progress=not a.no_progress,
                       extra=tuple(sorted(extra.items())), record_episodes=a.record_episodes,
                       pages=not a.no_pages, server_concurrency=a.server_concurrency)
