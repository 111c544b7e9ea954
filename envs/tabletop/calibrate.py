"""python -m envs.tabletop.calibrate --trials 30: measure the pick-and-place controller's success rate per placement
kind (region, bowl, block, tall stack) under the default noise -- the numbers behind skills.tabletop.AffordanceRates.

Each trial builds a random scene (seeded), prepares the condition (for ``tall_stack`` it first stacks two blocks
with the noiseless controller) and runs one noisy pick-and-place, judged by the simulator's state.
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from compose.errors import InvalidInputError, run_cli
from envs.tabletop.controller import Noise
from envs.tabletop.vocab import COLOURS, REGIONS, skill_text

CONDITIONS = ("region", "bowl", "block", "tall_stack")


def _trial(world, condition: str, seed: int) -> bool:
    rng = np.random.default_rng([seed, 99])
    colours = list(rng.permutation(COLOURS))
    blocks, bowls = colours[:3], colours[3:5]
    world.reset(seed, {"blocks": blocks, "bowls": bowls})
    b = [f"{c} block" for c in blocks]
    if condition == "region":
        text = skill_text(b[0], REGIONS[int(rng.integers(len(REGIONS)))])
    elif condition == "bowl":
        text = skill_text(b[0], f"{bowls[0]} bowl")
    elif condition == "block":
        text = skill_text(b[0], b[1])
    else:
        noise, world.noise = world.noise, Noise.none()
        world.execute(skill_text(b[1], b[2]), rng)
        world.noise = noise
        text = skill_text(b[0], b[1])
    return world.execute(text, rng).success


def calibrate(trials: int = 30, seed: int = 0, progress: bool = True) -> dict:
    """Success rate per condition: {condition: {"n", "successes", "rate", "smoothed"}} (smoothed = Laplace)."""
    from tqdm import tqdm

    from envs.tabletop.world import TabletopWorld

    world = TabletopWorld(noise=Noise())
    out = {}
    try:
        with tqdm(total=trials * len(CONDITIONS), disable=not progress, desc="trials") as bar:
            for condition in CONDITIONS:
                wins = 0
                for k in range(trials):
                    wins += _trial(world, condition, seed * 100_000 + k)
                    bar.update()
                out[condition] = {"n": trials, "successes": wins, "rate": round(wins / trials, 3),
                                  "smoothed": round((wins + 1) / (trials + 2), 3)}
    finally:
        world.close()
    return out


def _main(argv) -> int:
    ap = argparse.ArgumentParser(prog="python -m envs.tabletop.calibrate", description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=30, help="trials per condition")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="write the rates as JSON here")
    args = ap.parse_args(argv)
    if args.trials < 1:
        raise InvalidInputError("--trials must be at least 1")
    rates = calibrate(args.trials, args.seed)
    text = json.dumps({"conditions": rates}, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
