"""How often the goal planner's *choice of goal* is right, without the simulator (a fast tuning loop).

For each task of a kitchen task file: the goal chooser of ``--mode goal`` picks a goal sentence from the scene of the
task's start state; the symbolic planner (full knowledge of the start state) plans to it; the plan is judged by the
task's own goal (``envs.kitchen.goals.plan_success``), as the benchmark's plan success is. Closed-loop execution is
not simulated, so this is an upper bound on ``--mode goal``'s plan success for the same options.

    python benchmarks/goal_choice.py --tasks data/tasks/kitchen_dev.jsonl --model qwen2.5-coder-0.5b \
        --set score_norm=mean --set examples=retrieved [--limit N] [--out FILE.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqdm import tqdm  # noqa: E402

from agents.planners.goal import GoalPlanner  # noqa: E402
from agents.planners.goal_grammar import resolve_near  # noqa: E402
from agents.planners.scene import initial_perception  # noqa: E402
from agents.runtime import get_llm  # noqa: E402
from compose.llm import LLMConfig  # noqa: E402
from envs.kitchen.goals import plan_success, shortest_plan  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", required=True)
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--every", type=int, default=1, help="only every N-th task (a quick stratified subset)")
    ap.add_argument("--out", default="")
    a = ap.parse_args(argv)
    from agents.planners.options import CONSTRAINTS
    from compose.errors import InvalidInputError
    from compose.knobs import build, check

    pairs = [tuple(kv.split("=", 1)) for kv in a.set if "=" in kv]
    try:
        pairs = check(pairs, [(GoalPlanner.Options, CONSTRAINTS)])
        opts = build(GoalPlanner.Options, pairs, CONSTRAINTS)
    except InvalidInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    knobs = dict(pairs)
    with open(a.tasks, encoding="utf-8") as f:
        tasks = [json.loads(line) for line in f if line.strip()]
    tasks = tasks[:: a.every]
    if a.limit:
        tasks = tasks[: a.limit]
    llm = get_llm(LLMConfig(model=a.model, dtype=a.dtype))
    planner = GoalPlanner(llm=llm, options=opts)
    fam: dict[str, list[int]] = defaultdict(list)
    rows = []
    t0 = time.perf_counter()
    for t in tqdm(tasks, desc="goal choice", unit="task"):
        planner.choice = None
        planner.reset(t["instruction"], initial_perception(t["init"]))
        c = planner.choice
        init = t["init"]
        goal = resolve_near(c.goal, init.get("robot", "user"), init.get("holding"), init.get("objects", []))
        plan = shortest_plan(init, goal)
        ok = bool(plan is not None and plan_success(t, plan))
        fam[t.get("family", "-")].append(int(ok))
        rows.append({"id": t["id"], "instruction": t["instruction"], "goal_sentence": c.sentence, "ok": ok,
                     "alternatives": c.alternatives[:3]})
    secs = time.perf_counter() - t0
    n_ok = sum(r["ok"] for r in rows)
    summary = {"tasks": a.tasks, "model": a.model, "options": knobs, "n": len(rows), "ok": n_ok,
               "rate": round(n_ok / max(1, len(rows)), 4), "seconds_per_task": round(secs / max(1, len(rows)), 2),
               "families": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(fam.items())}}
    print(json.dumps(summary))
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps({"summary": summary, "tasks": rows}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
