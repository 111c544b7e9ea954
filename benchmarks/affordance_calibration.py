"""Measure how often each kitchen skill succeeds in the physical simulator, per affordance condition.

    python -m benchmarks.affordance_calibration [--episodes 40] [--steps 6] [--seed 0] [--workers 1]
                                                [--out runs/affordance_calibration.json]

Each episode builds a random kitchen (2-6 objects, random robot location, drawer state and held object), then runs
random skills: mostly ones whose affordance is above zero, sometimes any skill (to check that the zero ones really
fail). For every executed skill it records the condition the skill was in (``skills.kitchen``), the predicted
affordance and whether the simulator said it worked. It prints (1) the measured success rate per condition -- the
numbers ``skills.kitchen.AffordanceTable`` uses -- and (2) a reliability table per skill type: predicted-affordance
bin vs measured success. Query distribution for ``find``: half the targets are objects present in the scene, half are
drawn from the whole vocabulary (people mostly ask for things that exist). Runs niced; episodes are independent and
seeded, so any number of workers gives the same result.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass

import numpy as np

from agents.bench.stats import wilson
from compose.errors import InvalidInputError, run_cli
from envs.kitchen.vocab import LOCATIONS, OBJECTS
from skills.kitchen import MIN_SAMPLES

LOCATION_WEIGHTS = {"close counter": 3, "far counter": 3, "table": 3, "trash can": 1, "user": 1, "drawer": 1.5}
BINS = np.linspace(0.0, 1.0, 11)
VERB_WEIGHTS = {"pick": 3.0, "put": 3.0, "open": 1.5, "close": 1.5, "find": 1.5, "go": 1.0, "bring": 1.0}


@dataclass(frozen=True)
class CalibrationConfig:
    episodes: int = 80
    steps: int = 8
    seed: int = 0
    workers: int = 1
    out: str = "runs/affordance_calibration.json"
    explore: float = 0.1  # probability of running an arbitrary skill (affordance possibly 0)


def random_init(rng: np.random.Generator) -> dict:
    locs = list(LOCATION_WEIGHTS)
    w = np.array([LOCATION_WEIGHTS[L] for L in locs], float)
    n = int(rng.integers(2, 7))
    objects = [[OBJECTS[int(rng.integers(len(OBJECTS)))], locs[int(rng.choice(len(locs), p=w / w.sum()))]]
               for _ in range(n)]
    holding = OBJECTS[int(rng.integers(len(OBJECTS)))] if rng.random() < 0.2 else None
    return {"robot": LOCATIONS[int(rng.integers(len(LOCATIONS)))], "holding": holding,
            "drawer_open": bool(rng.random() < 0.35), "objects": objects}


def choose_skill(env, rng: np.random.Generator, explore: float, scene: list[str]) -> int:
    """A random skill: by type first (manipulation weighted up, so it gets samples), mostly among those that
    could work."""
    from envs.kitchen.language import parse_skill

    aff = env.affordances()
    texts = env.skill_texts
    anything = [i for i in range(len(texts)) if texts[i] != "done"]
    feasible = [i for i in anything if aff[i] > 0]
    pool = anything if (rng.random() < explore or not feasible) else feasible
    by_verb: dict[str, list[int]] = defaultdict(list)
    for i in pool:
        by_verb[parse_skill(texts[i])[0]].append(i)
    verbs = sorted(by_verb)
    w = np.array([VERB_WEIGHTS[v] for v in verbs], float)
    verb = verbs[int(rng.choice(len(verbs), p=w / w.sum()))]
    options = by_verb[verb]
    if verb == "find" and scene and rng.random() < 0.5:
        present = [i for i in options if parse_skill(texts[i])[1] in scene]
        options = present or options
    return options[int(rng.integers(len(options)))]


def run_episode(args: tuple[int, CalibrationConfig]) -> list[dict]:
    """One random episode; returns one record per executed skill."""
    from envs.kitchen.env import KitchenEnv
    from envs.kitchen.language import parse_skill

    index, cfg = args
    rng = np.random.default_rng([cfg.seed, index])
    init = random_init(rng)
    env = KitchenEnv(render=False, max_steps=cfg.steps + 1)
    records = []
    try:
        env.reset(seed=cfg.seed * 100_003 + index, options={"init": init})
        for _ in range(cfg.steps):
            scene = [name for name, _ in env.kitchen_state().objects]
            i = choose_skill(env, rng, cfg.explore, scene)
            perception = env.perceive()
            skill = env.library[i]
            predicted = float(skill.affordance(perception))
            _, _, _, _, info = env.step(i)
            records.append({"episode": index, "skill": skill.text, "type": parse_skill(skill.text)[0],
                            "condition": skill.condition(perception), "predicted": predicted,
                            "success": bool(info["success"]), "reason": info["reason"],
                            "object": parse_skill(skill.text)[1], "location": perception["location"]})
    finally:
        env.close()
    return records


def summarize(records: list[dict]) -> dict:
    cond: dict[str, list[bool]] = defaultdict(list)
    for r in records:
        cond[r["condition"]].append(r["success"])
    conditions = {}
    for c, xs in sorted(cond.items()):
        k, n = sum(xs), len(xs)
        conditions[c] = {"n": n, "successes": k, "rate": round(k / n, 3), "ci95": [round(v, 3) for v in wilson(k, n)]}
    reliability: dict[str, list[dict]] = {}
    for t in sorted({r["type"] for r in records}):
        rows = []
        rs = [r for r in records if r["type"] == t]
        for lo, hi in zip(BINS[:-1], BINS[1:]):
            sel = [r for r in rs if lo <= r["predicted"] < hi or (hi == 1.0 and r["predicted"] == 1.0)]
            if sel:
                rows.append({"bin": [round(float(lo), 1), round(float(hi), 1)], "n": len(sel),
                             "mean_predicted": round(float(np.mean([r["predicted"] for r in sel])), 3),
                             "measured": round(float(np.mean([r["success"] for r in sel])), 3)})
        reliability[t] = rows
    per_object: dict[str, list[bool]] = defaultdict(list)
    for r in records:
        if r["type"] == "pick" and r["predicted"] > 0.1:
            per_object[r["object"]].append(r["success"])
    reasons: dict[str, int] = defaultdict(int)
    for r in records:
        if not r["success"]:
            reasons[r["reason"]] += 1
    ece = sum(abs(row["mean_predicted"] - row["measured"]) * row["n"] for rows in reliability.values()
              for row in rows) / max(1, len(records))
    return {"n": len(records), "expected_calibration_error": round(ece, 4), "conditions": conditions,
            "reliability": reliability,
            "pick_by_object": {o: {"n": len(x), "rate": round(sum(x) / len(x), 3)}
                               for o, x in sorted(per_object.items())},
            "failure_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1]))}


def print_tables(summary: dict, file=sys.stdout) -> None:
    print(f"\nmeasured success per condition ({summary['n']} skill executions)", file=file)
    print(f"{'condition':24s} {'n':>5s} {'success':>8s} {'95% CI':>15s}", file=file)
    for c, v in summary["conditions"].items():
        print(f"{c:24s} {v['n']:5d} {v['rate']:8.2f}   [{v['ci95'][0]:.2f}, {v['ci95'][1]:.2f}]", file=file)
    print("\nreliability: predicted affordance bin vs measured success", file=file)
    print(f"{'skill':6s} {'bin':>11s} {'n':>5s} {'predicted':>10s} {'measured':>9s}", file=file)
    for t, rows in summary["reliability"].items():
        for row in rows:
            b = f"{row['bin'][0]:.1f}-{row['bin'][1]:.1f}"
            print(f"{t:6s} {b:>11s} {row['n']:5d} {row['mean_predicted']:10.2f} {row['measured']:9.2f}", file=file)
    print(f"\nexpected calibration error: {summary['expected_calibration_error']:.3f}", file=file)
    print(f"\nsuggested AffordanceTable values (conditions seen >= {MIN_SAMPLES} times; or load this file with "
          "skills.kitchen.kitchen_library(PATH)):", file=file)
    print("  " + ", ".join(f"({c!r}, {v['rate']:.2f})" for c, v in summary["conditions"].items()
                           if v["n"] >= MIN_SAMPLES and not c.endswith("!")), file=file)


def calibrate(cfg: CalibrationConfig) -> dict:
    from tqdm import tqdm

    jobs = [(i, cfg) for i in range(cfg.episodes)]
    records: list[dict] = []
    if cfg.workers > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(cfg.workers, initializer=_nice) as pool:
            for recs in tqdm(pool.imap(run_episode, jobs), total=len(jobs), desc="calibration episodes"):
                records += recs
    else:
        for job in tqdm(jobs, desc="calibration episodes"):
            records += run_episode(job)
    summary = summarize(records)
    return {"config": asdict(cfg), **summary, "records": records}


def _nice() -> None:
    try:
        os.nice(10)
    except OSError:  # pragma: no cover - not permitted on some systems
        pass


def parse_args(argv=None) -> CalibrationConfig:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.affordance_calibration",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=CalibrationConfig.episodes)
    ap.add_argument("--steps", type=int, default=CalibrationConfig.steps, help="skills per episode")
    ap.add_argument("--seed", type=int, default=CalibrationConfig.seed)
    ap.add_argument("--workers", type=int, default=CalibrationConfig.workers)
    ap.add_argument("--out", default=CalibrationConfig.out)
    a = ap.parse_args(argv)
    for name in ("episodes", "steps", "workers"):
        if getattr(a, name) < 1:
            raise InvalidInputError(f"--{name} must be at least 1, got {getattr(a, name)}")
    return CalibrationConfig(episodes=a.episodes, steps=a.steps, seed=a.seed, workers=a.workers, out=a.out)


def main(argv=None) -> int:
    cfg = parse_args(argv)
    _nice()
    result = calibrate(cfg)
    print_tables(result)
    os.makedirs(os.path.dirname(os.path.abspath(cfg.out)), exist_ok=True)
    with open(cfg.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {cfg.out}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
