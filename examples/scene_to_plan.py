"""Scene description -> generative plan (Socratic Models' robot variant) in the PyBullet kitchen, offline.

Simulator perception lists what the robot's camera sees; that becomes ``objects = [...]`` in the prompt; SmolLM2
writes the steps; MiniLM snaps each to the nearest skill; the plan runs open-loop and the goal is checked.

    python examples/scene_to_plan.py
    python examples/scene_to_plan.py --task "Throw away the coke can." --survey
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from agents.cli import run_main  # noqa: E402

SCENE = {"robot": "far counter", "holding": None, "drawer_open": False,
         "objects": [["sponge", "far counter"], ["water bottle", "far counter"], ["coke can", "table"],
                     ["apple", "table"]]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="Bring me the sponge.")
    ap.add_argument("--goal", default='{"at": ["sponge", "user"]}', help="goal checked at the end (JSON)")
    ap.add_argument("--survey", action="store_true", help="visit every place before describing the scene")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    import json

    from agents.runtime import get_llm
    from compose.llm import LLMConfig
    from agents.pipelines.scene_plan import SceneToPlan

    task = {"id": "example", "world": "kitchen", "instruction": args.task, "init": SCENE,
            "goal": json.loads(args.goal)}
    pipe = SceneToPlan(get_llm(LLMConfig()), max_steps=8, verbose=True, stream=sys.stdout)
    out = pipe.run_in_sim(task, seed=args.seed, survey=args.survey)
    print(f"scene: objects = {out['objects']}")
    for i, (gen, e) in enumerate(zip(out["generated"], out["executed"])):
        status = "ok" if e["success"] else f"failed: {e['reason']}"
        print(f"step {i + 1}: LLM wrote {gen!r} -> skill {e['skill']!r} ({status})")
    print(f"goal met: {out['goal_met']}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
