"""float32 vs bfloat16 option scoring: speed ratio and score differences, both measured in one run.

    python -m benchmarks.dtype [--models smollm2-135m,qwen2.5-coder-0.5b] [--contexts 8] [--threads 1]

For each model, the same contexts (a short few-shot kitchen dialog + one instruction of data/tasks/kitchen_dev.jsonl)
are scored over the same options (the 63 kitchen skill texts) by a float32 and a bfloat16 copy of the model. Calls
alternate between the two copies, each with an empty prompt cache (a planner's first step), so both see the same
machine load; the time of a context is the best of ``--repeats``. Reported per model: total seconds per dtype, the
speed ratio fp32 / bf16 (> 1: bf16 is faster), the largest absolute log-prob difference over all (context, option)
pairs, and on how many contexts both dtypes rank the same option first.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from compose.errors import InvalidInputError, SocraticError

DEFAULT_MODELS = ("smollm2-135m", "qwen2.5-coder-0.5b")
DEV_TASKS = Path(__file__).resolve().parents[1] / "data" / "tasks" / "kitchen_dev.jsonl"


def contexts(n: int, seed: int = 0) -> list[str]:
    """``n`` SayCan-style dialog contexts: two generic demonstrations, then a dev-set instruction."""
    from envs.tasks import load_tasks

    head = ("Robot: Hi there, I'm a robot operating in an office kitchen.\n"
            "Human: put the orange on the table\n"
            "Robot: 1. find an orange, 2. pick up the orange, 3. go to the table, 4. put down the orange, 5. done.\n"
            "Human: hand me the rice chips\n"
            "Robot: 1. find a rice chips, 2. pick up the rice chips, 3. bring it to you, "
            "4. put down the rice chips, 5. done.\n")
    tasks = load_tasks(DEV_TASKS)
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(tasks), size=min(n, len(tasks)), replace=False)
    return [f"{head}Human: {tasks[int(i)].instruction}\nRobot: 1. " for i in sorted(picked)]


def compare(lm32, lm16, ctxs: list[str], options: list[str], repeats: int) -> dict:
    """Time and compare the two copies on every context (alternating calls, cold prompt cache)."""
    from tqdm import tqdm

    t32 = t16 = 0.0
    worst, same_top, per_context = 0.0, 0, []
    for ctx in tqdm(ctxs, desc="contexts", file=sys.stderr):
        best32 = best16 = float("inf")
        for _ in range(repeats):
            for lm in (lm32, lm16):
                lm.cache.clear()
                t = time.perf_counter()
                scores = np.asarray(lm.score_options(ctx, options), dtype=np.float64)
                dt = time.perf_counter() - t
                if lm is lm32:
                    best32, s32 = min(best32, dt), scores
                else:
                    best16, s16 = min(best16, dt), scores
        t32, t16 = t32 + best32, t16 + best16
        diff = float(np.max(np.abs(s32 - s16)))
        worst = max(worst, diff)
        same_top += int(np.argmax(s32) == np.argmax(s16))
        per_context.append({"fp32_s": best32, "bf16_s": best16, "max_abs_diff": diff,
                            "top_fp32": options[int(np.argmax(s32))], "top_bf16": options[int(np.argmax(s16))]})
    return {"fp32_s": t32, "bf16_s": t16, "speed_ratio": t32 / t16, "max_abs_diff": worst,
            "same_top": same_top, "contexts": len(ctxs), "per_context": per_context}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.dtype", description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated model names")
    p.add_argument("--contexts", type=int, default=8, help="number of dev-set instructions scored")
    p.add_argument("--repeats", type=int, default=2, help="timed repeats per context and dtype (best kept)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's own choice)")
    p.add_argument("--out", default="benchmarks/results/dtype.json")
    args = p.parse_args(argv)
    try:
        if args.contexts < 1 or args.repeats < 1 or (args.threads or 1) < 1:
            raise InvalidInputError("--contexts, --repeats and --threads must be >= 1")
        return _run(args)
    except SocraticError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, InvalidInputError) else exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def _run(args) -> int:
    import torch

    from compose.llm import LLMConfig, make_llm
    from envs.kitchen.language import kitchen_skill_texts

    if args.threads:
        torch.set_num_threads(args.threads)
    options = kitchen_skill_texts()
    ctxs = contexts(args.contexts)
    result = {"command": "python -m benchmarks.dtype " + " ".join(sys.argv[1:]), "options": len(options),
              "contexts": ctxs, "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
              "cpu_capability": torch.backends.cpu.get_cpu_capability(), "platform": platform.platform(),
              "torch": torch.__version__, "loadavg_before": os.getloadavg(), "rows": []}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        lm32 = make_llm(LLMConfig(model=name, dtype="float32"))
        lm16 = make_llm(LLMConfig(model=name, dtype="bfloat16"))
        row = {"model": name, **compare(lm32, lm16, ctxs, options, args.repeats)}
        result["rows"].append(row)
        print(f"{name:22s} fp32 {row['fp32_s']:7.2f} s  bf16 {row['bf16_s']:7.2f} s  fp32/bf16 "
              f"{row['speed_ratio']:5.2f}x  max |dlogp| {row['max_abs_diff']:.3f} nats  same top option "
              f"{row['same_top']}/{row['contexts']}", flush=True)
        del lm32, lm16
        result["loadavg_after"] = os.getloadavg()
        out.write_text(json.dumps(result, indent=1))  # after every model: a long run can be stopped early
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
