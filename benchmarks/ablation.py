"""Issue 16's ablation table: every planning strategy alone and combined, per model and task file.

    python benchmarks/ablation.py run --model smollm2-135m --tasks data/tasks/saycan_101.jsonl [--only NAME ...]
    python benchmarks/ablation.py table [--root benchmarks/results/ablation] > table.md

``run`` calls ``python -m agents.benchmark ... --resume`` once per configuration into
``ROOT/<model>/<task file stem>/<configuration>/``: an interrupted table continues where it stopped (the runs can
span sessions); a finished configuration is skipped. ``table`` reads every ``results.json`` under ROOT and prints
one Markdown table per model and task file: plan and execution success with Wilson 95% intervals, per family.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path("benchmarks/results/ablation")

# name -> (mode, knobs, what it adds). Strategies of issue 16: the scene in the prompt with step feedback (grounded),
# retrieved examples, calibrated scores (mean, pmi), goal-directed planning, its mention check, clause binding; the
# default second to last.
CONFIGS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "saycan": ("saycan", (), "SayCan's rule: fixed prompt, sum of log-probs x affordance (reference)"),
    "scene": ("grounded", ("score_norm=sum", "examples=fixed"), "scene and step outcomes in the prompt"),
    "scene+mean": ("grounded", ("score_norm=mean", "examples=fixed"), "+ per-token mean scores"),
    "scene+pmi": ("grounded", ("score_norm=pmi", "examples=fixed"), "+ PMI-calibrated scores"),
    "scene+retrieved": ("grounded", ("score_norm=sum", "examples=retrieved"), "+ retrieved examples"),
    "scene+retrieved+mean": ("grounded", ("score_norm=mean", "examples=retrieved"), "+ retrieved, mean"),
    "goal": ("goal", ("score_norm=sum", "examples=fixed", "mentions=none", "retrieve=text"),
             "goal chosen by exact scoring, symbolic plan, closed loop (fixed prompt, sum)"),
    "goal+mean": ("goal", ("score_norm=mean", "examples=fixed", "mentions=none", "retrieve=text"), "+ mean"),
    "goal+retrieved": ("goal", ("score_norm=mean", "examples=retrieved", "mentions=none", "retrieve=masked"),
                       "+ retrieved examples (masked)"),
    "goal+check": ("goal", ("score_norm=mean", "examples=fixed", "mentions=constrain", "binding=none"),
                   "+ mention check (fixed prompt)"),
    "goal+retrieved+check": ("goal", ("score_norm=mean", "examples=retrieved", "mentions=constrain",
                                      "retrieve=masked", "binding=none"), "+ retrieved examples and the check"),
    "goal+retrieved+check+binding": ("goal", ("score_norm=mean", "examples=retrieved", "mentions=constrain",
                                              "retrieve=masked", "binding=constrain"),
                                     "+ clause binding and visit order: goal mode's defaults"),
    "goal+retrieved+check+binding+pmi": ("goal", ("score_norm=pmi", "examples=retrieved", "mentions=constrain",
                                                  "retrieve=masked", "binding=constrain"),
                                         "the defaults with PMI scores"),
}


def out_dir(root: Path, model: str, tasks: str, name: str) -> Path:
    return root / model / Path(tasks).stem / name


def finished(path: Path, n_tasks: int, seeds: int = 1) -> bool:
    res = path / "results.json"
    if not res.exists():
        return False
    d = json.loads(res.read_text())
    return d.get("n_episodes", 0) >= n_tasks * seeds


def run(model: str, tasks: str, only=(), root: Path = ROOT, workers: int = 2, seeds: int = 1) -> None:
    n_tasks = sum(1 for line in Path(tasks).read_text().splitlines() if line.strip())
    for name, (mode, knobs, _) in CONFIGS.items():
        if only and name not in only:
            continue
        out = out_dir(root, model, tasks, name if seeds == 1 else f"{name}_{seeds}seeds")
        if finished(out, n_tasks, seeds):
            print(f"[ablation] {out}: done", flush=True)
            continue
        cmd = [sys.executable, "-m", "agents.benchmark", "--tasks", tasks, "--mode", mode, "--model", model,
               "--out", str(out), "--executor", "process", "--workers", str(workers), "--no-pages", "--no-progress",
               "--seeds", str(seeds)]
        cmd += [a for k in knobs for a in ("--set", k)]
        if (out / "episodes.jsonl").exists() or (out / "episodes.jsonl.gz").exists():
            cmd.append("--resume")
        print("[ablation]", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)


def _pct(s: dict) -> str:
    return f"{100 * s['rate']:.1f}"


def table(root: Path = ROOT) -> str:
    lines = []
    for model_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for file_dir in sorted(p for p in model_dir.iterdir() if p.is_dir()):
            rows, fams = [], []
            for name in list(CONFIGS) + sorted(p.name for p in file_dir.iterdir() if p.name not in CONFIGS):
                res = file_dir / name / "results.json"
                if not res.exists():
                    continue
                d = json.loads(res.read_text())
                (m,) = d["modes"].values()
                fams = fams or sorted(m["families"])
                ps, es = m["plan_success"], m["exec_success"]
                lo, hi = ps["ci95"]
                rows.append(f"| {name} | {ps['k']}/{ps['n']} = {_pct(ps)} [{100 * lo:.1f}, {100 * hi:.1f}] | "
                            f"{_pct(es)} | " + " | ".join(_pct(m["families"][f]["plan_success"])
                                                           if f in m["families"] else "" for f in fams) + " |")
            if rows:
                short = [f.replace("nl_", "").replace("_", " ") for f in fams]
                lines += [f"**{model_dir.name}, {file_dir.name}** (plan % per family)", "",
                          "| configuration | plan [Wilson 95%] | exec | " + " | ".join(short) + " |",
                          "|---|---|---|" + "---|" * len(fams), *rows, ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/ablation.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--model", default="smollm2-135m")
    r.add_argument("--tasks", default="data/tasks/saycan_101.jsonl")
    r.add_argument("--only", action="append", default=[], choices=list(CONFIGS))
    r.add_argument("--root", type=Path, default=ROOT)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--seeds", type=int, default=1)
    t = sub.add_parser("table")
    t.add_argument("--root", type=Path, default=ROOT)
    a = ap.parse_args(argv)
    if a.cmd == "run":
        run(a.model, a.tasks, a.only, a.root, a.workers, a.seeds)
    else:
        print(table(a.root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
