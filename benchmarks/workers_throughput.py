"""Benchmark throughput with 1 vs N process workers, measured in one run on the same episodes.

    python benchmarks/workers_throughput.py [--tasks data/tasks/saycan_101.jsonl] [--mode saycan] [--limit 30]
                                            [--workers 1 --workers 2] [--json benchmarks/results/workers_throughput.json]

For each worker count the whole ``python -m agents.benchmark`` pipeline (process executor, worker start-up and
model loading included) runs the same task x mode list into a fresh temporary folder. Prints wall time,
episodes per minute and the speed-up over the first worker count, and checks that every run produced the same
plans and outcomes (the executors must not change results).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def outcome(record: dict) -> tuple:
    return (record["id"], record["mode"], record["seed"], tuple(record["plan"]), record["plan_success"],
            record["exec_success"])


def main(argv=None) -> int:
    from agents.bench.config import BenchConfig
    from agents.benchmark import run_benchmark
    from agents.bench.store import EpisodeStore

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", action="append", default=None)
    p.add_argument("--mode", action="append", dest="modes", default=None)
    p.add_argument("--limit", type=int, default=30)
    p.add_argument("--workers", action="append", type=int, default=None)
    p.add_argument("--json", default=None, help="also write the measurements here")
    a = p.parse_args(argv)
    tasks = tuple(a.tasks or ["data/tasks/saycan_101.jsonl"])
    modes = tuple(a.modes or ["saycan"])
    counts = a.workers or [1, 2]
    rows, outcomes = [], []
    for n in counts:
        with tempfile.TemporaryDirectory(prefix=f"throughput-w{n}-") as out:
            config = BenchConfig(tasks=tasks, out=out, modes=modes, executor="process", workers=n, limit=a.limit,
                                 progress=False)
            t0 = time.perf_counter()
            run_benchmark(config)
            wall = time.perf_counter() - t0
            store = EpisodeStore(out).open(True, config.episode_fields())
            records = list(store.records.values())
            store.close()
        outcomes.append(sorted(outcome(r) for r in records))
        rows.append({"workers": n, "episodes": len(records), "wall_s": round(wall, 1),
                     "episodes_per_min": round(60 * len(records) / wall, 2)})
        print(f"workers={n}: {len(records)} episodes in {wall:.1f} s = {rows[-1]['episodes_per_min']:.2f} ep/min",
              flush=True)
    base = rows[0]["wall_s"]
    for r in rows:
        r["speedup"] = round(base / r["wall_s"], 2)
    same = all(o == outcomes[0] for o in outcomes)
    print("\n| workers | episodes | wall s | episodes / min | speed-up |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['workers']} | {r['episodes']} | {r['wall_s']} | {r['episodes_per_min']} | {r['speedup']}x |")
    print(f"\nidentical plans and outcomes across worker counts: {same}")
    if a.json:
        meta = {"tasks": list(tasks), "modes": list(modes), "limit": a.limit, "cpus": os.cpu_count(),
                "machine": platform.machine(), "load_avg_before": os.getloadavg()[0], "identical": same}
        Path(a.json).write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
