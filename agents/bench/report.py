"""Turn episode records into results: per-mode and per-family success rates, intervals, tables.

Two overall numbers per mode: the pooled rate over all episodes and the mean of the per-family rates (the paper's
tables weigh families equally). Over seeds: the rate of each seed index, then mean +- sd across seeds.
"""
from __future__ import annotations

import datetime
import importlib.metadata
import json
import platform
import subprocess
from pathlib import Path

from agents.bench.stats import mean_sd, rate

PACKAGES = ("socratic-agents", "torch", "transformers", "numpy", "pybullet", "gymnasium", "networkx", "ray")
NO_FAMILY = "(none)"


def _rates(records: list[dict]) -> dict:
    n = len(records)
    out = {"n": n,
           "plan_success": rate(sum(r["plan_success"] for r in records), n),
           "exec_success": rate(sum(r["exec_success"] for r in records), n)}
    nav = [r["metrics"] for r in records if "spl" in r.get("metrics", {})]
    if nav:
        out["path_length_mean"] = mean_sd([m.get("path_length", 0.0) for m in nav])[0]
        out["spl_mean"] = mean_sd([m["spl"] for m in nav])[0]
    return out


def _mode_summary(records: list[dict]) -> dict:
    families: dict[str, list[dict]] = {}
    for r in records:
        families.setdefault(r.get("family") or NO_FAMILY, []).append(r)
    summary = _rates(records)
    summary["families"] = {f: _rates(rs) for f, rs in sorted(families.items())}
    worlds = sorted({r.get("world") for r in records})
    if len(worlds) > 1:  # several task files of different worlds in one run
        summary["worlds"] = {w: _rates([r for r in records if r.get("world") == w]) for w in worlds}
    for what in ("plan_success", "exec_success"):
        fam_rates = [v[what]["rate"] for v in summary["families"].values()]
        summary[f"{what}_family_mean"] = mean_sd(fam_rates)[0] if fam_rates else None
        seeds: dict[int, list[dict]] = {}
        for r in records:
            seeds.setdefault(r.get("seed_index", 0), []).append(r)
        per_seed = [sum(x[what] for x in rs) / len(rs) for _, rs in sorted(seeds.items())]
        m, sd = mean_sd(per_seed)
        summary[f"{what}_over_seeds"] = {"mean": m, "sd": sd, "per_seed": per_seed}
    summary["errors"] = sum(1 for r in records if r.get("error"))
    walls = [r.get("wall_s", 0.0) for r in records]
    summary["wall_s"] = {"total": sum(walls), "mean": sum(walls) / len(walls) if walls else None}
    calls = [r.get("llm_stats", {}).get("calls", 0) for r in records]
    summary["llm_calls"] = {"total": sum(calls), "mean": sum(calls) / len(calls) if calls else None}
    return summary


def summarize(records: list[dict], modes) -> dict:
    """Per-mode summaries of ``records`` (only those to report: the caller filters to the current run's keys)."""
    return {m: _mode_summary([r for r in records if r["mode"] == m]) for m in modes
            if any(r["mode"] == m for r in records)}


def versions() -> dict:
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> dict:
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    if head.returncode != 0:
        return {"commit": None, "dirty": None}
    return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def build_results(records: list[dict], config, n_tasks: int) -> dict:
    modes = summarize(records, config.modes)
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "config": config.as_dict(), "model": {"backend": config.llm.backend, "name": config.llm.model,
                                                  "path": config.llm.path},
            "versions": versions(), "git": git_commit(), "n_tasks": n_tasks, "n_episodes": len(records),
            "modes": modes}


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}"


def _rate_cell(r: dict) -> str:
    lo, hi = r["ci95"]
    return f"{_pct(r['rate'])} [{_pct(lo)}, {_pct(hi)}] ({r['k']}/{r['n']})"


def overall_table(results: dict) -> str:
    head = ("| mode | episodes | plan success % [95% CI] | exec success % [95% CI] | plan, family mean | "
            "exec, family mean | plan over seeds | exec over seeds | errors |")
    rows = [head, "|" + "---|" * 9]
    for mode, s in results["modes"].items():
        seeds = [f"{_pct(s[w]['mean'])} ± {_pct(s[w]['sd'])}" for w in ("plan_success_over_seeds",
                                                                           "exec_success_over_seeds")]
        rows.append(f"| {mode} | {s['n']} | {_rate_cell(s['plan_success'])} | {_rate_cell(s['exec_success'])} | "
                    f"{_pct(s['plan_success_family_mean'])} | {_pct(s['exec_success_family_mean'])} | "
                    f"{seeds[0]} | {seeds[1]} | {s['errors']} |")
    return "\n".join(rows)


def family_table(results: dict) -> str:
    modes = list(results["modes"])
    families = sorted({f for s in results["modes"].values() for f in s["families"]})
    head = "| family | " + " | ".join(f"{m} plan % | {m} exec %" for m in modes) + " |"
    rows = [head, "|" + "---|" * (1 + 2 * len(modes))]
    for f in families:
        cells = []
        for m in modes:
            r = results["modes"][m]["families"].get(f)
            cells += [_rate_cell(r["plan_success"]), _rate_cell(r["exec_success"])] if r else ["", ""]
        rows.append(f"| {f} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def markdown(results: dict) -> str:
    cfg = results["config"]
    lines = [f"# Benchmark results ({results['date']})", "",
             f"Tasks: {', '.join(cfg['tasks'])} ({results['n_tasks']} tasks, {results['n_episodes']} episodes); "
             f"modes: {', '.join(cfg['modes'])}; seeds: {cfg['seeds']}; model: {results['model']['name']} "
             f"({results['model']['backend']}); git: {results['git']['commit'] or 'unknown'}"
             + (" (uncommitted changes)" if results["git"].get("dirty") else ""), "",
             "## Overall", "", overall_table(results), "", "## Per family", "", family_table(results), ""]
    nav = {m: s for m, s in results["modes"].items() if "spl_mean" in s}
    if nav:
        lines += ["## Navigation", "", "| mode | mean path length (m) | SPL |", "|---|---|---|"]
        lines += [f"| {m} | {s['path_length_mean']:.2f} | {s['spl_mean']:.3f} |" for m, s in nav.items()]
        lines.append("")
    if results.get("failures"):
        from agents.bench.failures import markdown_table

        lines += ["## Why episodes failed", "", markdown_table(results["failures"]), "",
                  "One category per failed episode (goal not met), the first that applies in the order error, skill "
                  "failed physically, wrong object, wrong place, repeated step, step limit, stopped early "
                  "(agents/bench/failures.py); report.html lists the episodes of each.", ""]
    lines += ["## Cost", "", "| mode | wall time per episode (s) | LLM calls per episode |", "|---|---|---|"]
    for m, s in results["modes"].items():
        lines.append(f"| {m} | {s['wall_s']['mean']:.2f} | {s['llm_calls']['mean']:.1f} |")
    lines += ["", "Success rates in %, with Wilson 95% intervals and k/n; 'family mean' weighs families equally; "
              "'over seeds' is mean ± sd of the per-seed rates.", ""]
    return "\n".join(lines)


def write_results(out_dir: str | Path, results: dict) -> None:
    out = Path(out_dir)
    (out / "results.json").write_text(json.dumps(results, indent=1, sort_keys=False) + "\n", "utf-8")
    (out / "results.md").write_text(markdown(results), "utf-8")
