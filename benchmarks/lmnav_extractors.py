"""Landmark extractors x task files: route success and landmark-list LCS (LM-Nav's ablation metric), plus the
extraction time per instruction once the model is loaded.

    python benchmarks/lmnav_extractors.py [--extractor llm --extractor spacy ...] [--tasks FILE ...]
        [--limit N] [--threads 1] [--write-docs] [--out benchmarks/results/lmnav_extractors.json]

For every task: the extractor's landmark list is scored against the task's reference list (``landmark_names``) with
``compose.grounding.landmarks.landmark_lcs``; then, exactly as ``agents.lmnav.run_episode`` does it, the trained
grounding (lit-minilm, the default options) scores the nodes, the ordered search plans a route, the route is driven
in NavGraphEnv and the task's goal is checked. No landmarks: no driving, a failure. Routes are cached per
(graph, start, landmark list), since the plan depends on nothing else. ``--write-docs`` replaces the table between
the markers in docs/lmnav.md.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
DEFAULT_TASKS = ["data/navgraph/tasks_town.jsonl", "data/navgraph/tasks_campus.jsonl",
                 "data/navgraph/tasks_freestyle.jsonl"]
EXTRACTORS = ["llm", "spacy", "rules", "generate"]
BEGIN, END = "<!-- lmnav-extractors:begin -->", "<!-- lmnav-extractors:end -->"


def drive_and_check(task: dict, landmarks: list[str], cache: dict) -> bool:
    from agents.lmnav import LMNav, LMNavOptions, drive
    from envs.navgraph.goals import check_goal

    init = task["init"]
    key = (init["graph"], int(init["start"]), tuple(landmarks), json.dumps(task["goal"], sort_keys=True))
    if key not in cache:
        plan = LMNav(LMNavOptions(extractor="rules")).plan(init["graph"], int(init["start"]), landmarks=landmarks)
        state, _ = drive(init["graph"], int(init["start"]), plan.route, int(task.get("seed", 0)))
        cache[key] = bool(check_goal(task["goal"], state))
    return cache[key]


def evaluate(extractor: str, tasks: list[dict], llm, cache: dict, progress: bool) -> dict:
    from tqdm import tqdm

    from agents.lmnav import LMNav, LMNavOptions, NoLandmarksError
    from compose.grounding.landmarks import landmark_lcs

    nav = LMNav(LMNavOptions(extractor=extractor), llm)
    ok, lcs, exact, times, rows = 0, [], 0, [], []
    for t in tqdm(tasks, desc=extractor, disable=not progress, leave=False):
        t0 = time.perf_counter()
        try:
            found, _ = nav.landmarks(t["instruction"])
        except NoLandmarksError:
            found = []
        times.append(time.perf_counter() - t0)
        score = landmark_lcs(found, t["landmark_names"])
        success = bool(found) and drive_and_check(t, found, cache)
        ok += success
        lcs.append(score)
        exact += score == 1.0
        rows.append({"id": t["id"], "landmarks": found, "reference": t["landmark_names"], "lcs": round(score, 3),
                     "success": success})
    n = len(tasks)
    return {"n": n, "success": ok / n, "successes": ok, "lcs": sum(lcs) / n, "exact": exact,
            "median_s": statistics.median(times), "max_s": max(times), "episodes": rows}


def table(results: dict) -> str:
    files = list(next(iter(results.values())))
    head = "| extractor | " + " | ".join(f"{Path(f).stem}: success / LCS" for f in files) + " | median / max s |"
    lines = [head, "|---" * (len(files) + 2) + "|"]
    for ex, per in results.items():
        cells = [f"{100 * r['success']:.1f}% ({r['successes']}/{r['n']}) / {r['lcs']:.3f}" for r in per.values()]
        times = [r["median_s"] for r in per.values()]
        lines.append(f"| {ex} | " + " | ".join(cells) +
                     f" | {statistics.median(times):.2f} / {max(r['max_s'] for r in per.values()):.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    from agents.runtime import get_llm
    from compose.errors import InvalidInputError
    from compose.llm import LLMConfig

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--extractor", action="append", choices=EXTRACTORS, help="default: all four")
    ap.add_argument("--tasks", action="append", help="task files (default: town, campus, freestyle)")
    ap.add_argument("--limit", type=int, default=None, help="first N tasks of each file")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a shared machine)")
    ap.add_argument("--model", default=LLMConfig.model)
    ap.add_argument("--out", default="benchmarks/results/lmnav_extractors.json")
    ap.add_argument("--write-docs", action="store_true", help="put the table into docs/lmnav.md")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    files = args.tasks or DEFAULT_TASKS
    tasks = {}
    for f in files:
        path = ROOT / f if not Path(f).is_absolute() else Path(f)
        if not path.exists():
            raise InvalidInputError(f"{f}: no such task file")
        tasks[f] = [json.loads(line) for line in path.read_text().splitlines() if line.strip()][:args.limit]
    extractors = args.extractor or EXTRACTORS
    llm = get_llm(LLMConfig(model=args.model)) if {"llm", "generate"} & set(extractors) else None
    cache, results = {}, {}
    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    for ex in extractors:  # results are written after each extractor, so a stopped run keeps what it finished
        results[ex] = {f: evaluate(ex, tasks[f], llm if ex in ("llm", "generate") else None, cache,
                                   sys.stderr.isatty()) for f in files}
        print(f"{ex}: " + "; ".join(f"{Path(f).stem} {100 * r['success']:.1f}% LCS {r['lcs']:.3f} "
                                    f"(median {r['median_s']:.2f} s)" for f, r in results[ex].items()), flush=True)
        out.write_text(json.dumps({"model": args.model, "threads": args.threads, "limit": args.limit,
                                   "results": results}, indent=1) + "\n")
        if args.write_docs:
            write_docs(table(results))
    print(table(results))
    return 0


def write_docs(md: str) -> None:
    from compose.errors import InvalidInputError

    doc = ROOT / "docs" / "lmnav.md"
    text = doc.read_text()
    if BEGIN not in text:
        raise InvalidInputError(f"{doc}: no {BEGIN} marker")
    head, rest = text.split(BEGIN, 1)
    doc.write_text(head + BEGIN + "\n" + md + "\n" + END + rest.split(END, 1)[1])


if __name__ == "__main__":
    from compose.errors import run_cli

    sys.exit(run_cli(main))
