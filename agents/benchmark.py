"""python -m agents.benchmark --tasks FILE.jsonl --mode saycan --mode llm --seeds 3 --out runs/x

Runs every task x mode x seed (seed k of a task = task seed + k) with the world's episode runner, appends each
record to DIR/episodes.jsonl as it finishes (``--resume`` continues a stopped run), then writes results.json,
results.md, per-family plots and report.html (tables, plots, why episodes failed, a page per episode; see
agents.pages.report), and prints the summary table. Every task line is validated before anything runs.
"""
from __future__ import annotations

import dataclasses

import signal
import sys

from agents.bench.config import BenchConfig, parse_args
from agents.bench.executors import make_executor
from agents.bench.lock import OutputLock
from agents.bench.failures import taxonomy
from agents.bench.plots import plot_results
from agents.bench.report import build_results, overall_table, write_results
from agents.bench.signals import stop_on_signals, stop_signal
from agents.bench.runner import EpisodeSpec, check_runners, make_specs, task_digest
from agents.bench.store import EpisodeStore
from agents.cli import run_main
from agents.preflight import output_dir
from agents.pages.report import write_report
from compose.errors import InvalidInputError, SocraticError
from envs.tasks import load_task_files


class BenchmarkAborted(SocraticError):
    """An episode hit an error that every episode would hit (missing weights, backend, server)."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def _postfix(store: EpisodeStore, keys: set) -> str:
    done = [r for k, r in store.records.items() if k in keys]
    if not done:
        return ""
    plan = sum(r["plan_success"] for r in done) / len(done)
    exe = sum(r["exec_success"] for r in done) / len(done)
    return f"plan {100 * plan:.0f}% exec {100 * exe:.0f}%"


def run_benchmark(config: BenchConfig) -> dict:
    """Run (or resume) a benchmark; returns the results dict also written to ``config.out``."""
    tasks = load_task_files(config.tasks)
    if not tasks:
        raise InvalidInputError(f"no tasks in {', '.join(config.tasks)}: the task file is empty (or holds only blank "
                                f"lines); docs/tasks.md describes its lines")
    specs: list[EpisodeSpec] = make_specs(tasks, config)
    if not specs:
        raise InvalidInputError(f"no task matches --family {', '.join(config.families)}; "
                                f"families: {', '.join(sorted({t.family or '(none)' for t in tasks}))}")
    if not config.modes:  # no --mode: each world's default, as make_specs chose them
        config = dataclasses.replace(config, modes=tuple(dict.fromkeys(s.mode for s in specs)))
    config = check_runners({s.task["world"] for s in specs}, config)
    output_dir(config.out, "--out")
    with OutputLock(config.out):
        return _run_locked(config, specs)


def _run_locked(config: BenchConfig, specs: list[EpisodeSpec]) -> dict:
    from tqdm import tqdm

    store = EpisodeStore(config.out).open(config.resume, config.episode_fields())
    keys = {s.key for s in specs}
    changed = sorted({s.task["id"] for s in specs if s.key in store
                      and store.records[s.key].get("task_sha") != task_digest(s.task)})
    if changed:
        store.close()
        raise InvalidInputError(f"cannot resume {config.out}: {len(changed)} task(s) changed since their episodes "
                                f"ran ({', '.join(changed[:5])}{', ...' if len(changed) > 5 else ''}); "
                                f"use another --out")
    todo = [s for s in specs if s.key not in store]
    bar = tqdm(total=len(specs), initial=len(specs) - len(todo), desc="episodes", unit="ep",
               disable=not config.progress, dynamic_ncols=True)
    bar.set_postfix_str(_postfix(store, keys))
    executor = make_executor(config)
    try:
        for record in executor.run(todo):
            if "fatal" in record:
                raise BenchmarkAborted(f"stopping the benchmark: {record['fatal']}", record.get("exit_code", 1))
            store.append(record)
            if record.get("retry"):
                executor.close()
                saved = sum(k in store for k in keys)
                raise BenchmarkAborted(
                    f"the model server failed during the run ({record['error']}); stopping: {saved} of {len(specs)} "
                    f"episodes are saved in {store.path}, episode {record['id']} (mode {record['mode']}, seed "
                    f"{record['seed']}) is recorded as an error; restart the server and run the same command with "
                    f"--resume to run the rest", 1)
            bar.update(1)
            bar.set_postfix_str(_postfix(store, keys))
    except KeyboardInterrupt:
        executor.close()
        saved = sum(k in store for k in keys)
        print(f"\ninterrupted: {saved} of {len(specs)} episodes are saved in {store.path}; "
              f"run the same command with --resume to finish", file=sys.stderr)
        raise
    finally:
        executor.close()
        store.close()
        bar.close()
    records = [store.records[s.key] for s in specs]
    goals = {s.task["id"]: s.task.get("goal") for s in specs}
    results = build_results(records, config, n_tasks=len({s.task["id"] for s in specs}))
    results["failures"] = taxonomy(records, goals, modes=config.modes)
    write_results(config.out, results)
    plot_results(results, config.out)
    write_report(config.out, results, records, goals, pages=config.pages)
    return results


def main(argv=None) -> int:
    config = parse_args(argv)
    try:
        with stop_on_signals():
            results = run_benchmark(config)
    except KeyboardInterrupt as exc:  # SIGTERM/SIGHUP: workers are stopped and finished episodes saved by now
        signum = stop_signal(exc)
        if signum is None:
            raise  # Ctrl-C: run_cli says "interrupted" (exit 130)
        print(f"error: stopped by {signal.Signals(signum).name}", file=sys.stderr)
        return 128 + signum
    print(overall_table(results))
    print(f"\nwrote {config.out}/episodes.jsonl, results.json, results.md, plan_success.png, exec_success.png, "
          f"report.html" + (" and pages/ (one page per episode)" if config.pages else ""))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
