"""Compare per-episode plans of two benchmark runs (behaviour check of refactors).

    python scripts/compare_plans.py benchmarks/results/saycan101 /tmp/arch-check-run [--seed-index 0]

Each argument is a run directory with ``episodes.jsonl`` or ``episodes.jsonl.gz`` (or such a file itself). Episodes
of one planner mode (``--mode``, default saycan: a stored run may hold several) are matched by (task id, seed index);
prints how many plans are identical and lists the ones that differ. Exit status 0 when every matched plan is
identical and both runs hold the same episodes, 1 otherwise.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path


def load_plans(path: str | Path, seed_index: int | None = 0, mode: str | None = "saycan") -> dict:
    p = Path(path)
    if p.is_dir():
        cands = [p / "episodes.jsonl", p / "episodes.jsonl.gz"]
        found = [c for c in cands if c.exists()]
        if not found:
            raise SystemExit(f"error: no episodes.jsonl(.gz) in {p}")
        p = found[0]
    opener = gzip.open if p.suffix == ".gz" else open
    plans: dict[tuple[str, int], list[str]] = {}
    with opener(p, "rt", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            key = (rec["id"], int(rec.get("seed_index", 0)))
            if (seed_index is not None and key[1] != seed_index) or (mode is not None and rec.get("mode") != mode):
                continue
            plans[key] = list(rec.get("plan") or [])
    return plans


def compare(before: dict, after: dict) -> tuple[int, list, list]:
    common = sorted(set(before) & set(after))
    same = sum(before[k] == after[k] for k in common)
    differ = [(k, before[k], after[k]) for k in common if before[k] != after[k]]
    missing = sorted(set(before) ^ set(after))
    return same, differ, missing


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--seed-index", type=int, default=0, help="compare only this seed index (-1: all)")
    ap.add_argument("--mode", default="saycan", help="compare only episodes of this planner mode ('' : all)")
    args = ap.parse_args(argv)
    si = None if args.seed_index < 0 else args.seed_index
    mode = args.mode or None
    before, after = load_plans(args.before, si, mode), load_plans(args.after, si, mode)
    same, differ, missing = compare(before, after)
    print(f"identical plans: {same} / {len(before)} (before) ; after has {len(after)} episodes")
    for (tid, s), b, a in differ:
        print(f"DIFF {tid} seed_index={s}\n  before: {b}\n  after:  {a}")
    for k in missing:
        print(f"MISSING in {'after' if k in before else 'before'}: {k}")
    return 0 if not differ and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
