"""Benchmark of exact option scoring on the default CPU model: five ways to get log p(option | context).

    python -m benchmarks.scoring [--quick] [--out benchmarks/results/scoring.json]

Methods (all exact, checked against each other):
  naive       one forward per option over the full sequence (SayCan's notebook: one request per option)
  batched     full sequences in padded batches (lm-evaluation-harness style; ``TransformersLM.loglikelihood``)
  replicated  context KV computed once, then each option run separately on a copy of it
  ours        ``TransformersLM.score_options``: prompt KV cache + every option-trie node in one forward pass
  lower       the same single forward (new context tokens + trie nodes), inputs prepared in advance
``replicated``, ``ours`` and ``lower`` start from the previous step's context in the prompt cache (a planner's
situation: the few-shot prompt and earlier steps were scored before); ``ours_cold`` starts from an empty cache.
``naive`` and ``batched`` are timed on at most ``--naive-max`` options and scaled linearly to K (marked in the
JSON), since their cost is a sum of independent per-option costs.
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

GRID_K, GRID_L = (6, 20, 64, 200), (100, 400, 1000)
QUICK_K, QUICK_L = (6, 64), (100, 400)


def option_texts(k: int) -> list[str]:
    """K kitchen-like skill texts: SayCan's kitchen skills, then object x location pairs from the same vocabulary."""
    from envs.kitchen.vocab import LOCATIONS, OBJECTS
    from envs.kitchen.language import kitchen_skill_texts

    texts = kitchen_skill_texts()
    texts += [f"put the {o} on the {loc}" for loc in LOCATIONS if loc != "user" for o in OBJECTS]
    texts += [f"bring the {o} to the {loc}" for loc in LOCATIONS for o in OBJECTS]
    if k > len(texts):
        raise InvalidInputError(f"at most {len(texts)} options can be generated, asked for {k}")
    rng = np.random.default_rng(0)
    return [texts[i] for i in sorted(rng.permutation(len(texts))[:k])]


def contexts(lm, n_tokens: int) -> tuple[str, str]:
    """(previous context, context) in SayCan's dialog form; the context is ~n_tokens long and extends the
    previous one by one planning step."""
    from envs.kitchen.vocab import OBJECTS

    rng = np.random.default_rng(1)
    head = ""
    while True:
        o = OBJECTS[int(rng.integers(len(OBJECTS)))]
        shot = (f"Human: bring me the {o}\nRobot: 1. find the {o}, 2. pick up the {o}, 3. bring it to you, "
                f"4. done.\n")
        tail = "Human: throw away the sponge\nRobot: 1. find a sponge, 2. "
        head += shot
        if len(lm.encode([head + tail])[0]) >= n_tokens:
            break
    prev = head + "Human: throw away the sponge\nRobot: 1. "
    return prev, prev + "find a sponge, 2. "


def timed(fn, repeats: int = 1, setup=None):
    """(best wall time over repeats, last result); ``setup`` runs untimed before each repeat."""
    best, out = float("inf"), None
    for _ in range(repeats):
        if setup:
            setup()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def naive_scores(lm, context: str, options: list[str]) -> list[float]:
    import torch

    out = []
    with torch.inference_mode():
        for opt in options:
            ctx_ids, (whole,) = lm._joint(context, [opt], fast=False)
            prefix, scored = lm._plan(ctx_ids, whole, "option")
            seq = prefix + scored
            logits = lm.model(torch.tensor([seq])).logits[0]  # logits at every position, as a naive loop gets
            logp = logits[len(prefix) - 1:-1].double().log_softmax(-1)  # float64: the reference must be precise
            out.append(float(sum(logp[j, t] for j, t in enumerate(scored))))
    return out


def replicated_scores(lm, context: str, options: list[str]) -> list[float]:
    import torch

    ctx_ids, wholes = lm._joint(context, options, fast=True)
    out = []
    with torch.inference_mode():
        last = lm._run_context(ctx_ids)[0][:1]  # context KV once (on top of the cached previous step)
        n, (_, kv) = len(ctx_ids), lm.cache.lookup(ctx_ids)
        for whole in wholes:
            prefix, scored = lm._plan(ctx_ids, whole, "option")
            if len(prefix) != n:
                out.append(lm._score_one(prefix, scored))
                continue
            hidden = lm._forward(scored[:-1], np.arange(n, n + len(scored) - 1), None, lm._kv_cache(kv, n)) \
                if len(scored) > 1 else last[:0]
            rows = torch.cat([last, hidden])
            lp, _ = lm._logprobs(rows, np.arange(len(scored)), scored)
            out.append(float(lp.sum()))
    return out


def lower_bound(lm, prev: str, context: str, options: list[str]):
    """Prepare the single forward of ``ours`` (untimed); return a function that runs just that forward."""
    import torch

    from compose.llm.trie import additive_masks, build_trie, tree_layout

    ctx_ids, wholes = lm._joint(context, options, fast=True)
    seqs = [lm._plan(ctx_ids, w, "option")[1] for w in wholes]
    trie = build_trie(seqs)
    lm.cache.clear()
    lm._run_context(lm.encode([prev.rstrip()])[0])
    m, kv = lm.cache.lookup(ctx_ids)
    past = min(m, len(ctx_ids) - 1)
    new = ctx_ids[past:]
    q_pos, kv_pos, allowed = tree_layout(trie, past, len(new))
    mask = additive_masks(allowed, q_pos, kv_pos, lm.dtype, lm.device, lm.sliding_window)
    inner, row_of = trie.scoring_rows()
    keep = torch.as_tensor(np.concatenate([[len(new) - 1], inner + len(new)]))

    def run():
        with torch.inference_mode():
            hidden = lm._forward(new + trie.tokens, q_pos, mask, lm._kv_cache(kv, past))
            lp, _ = lm._logprobs(hidden[keep], row_of, trie.tokens)
        return [float(lp[p].sum()) for p in trie.paths]

    return run, {"new_tokens": len(new), "trie_nodes": len(trie), "context_tokens": len(ctx_ids),
                 "option_tokens": int(sum(map(len, seqs)))}


def run_cell(lm, k: int, n_tokens: int, naive_max: int, repeats: int) -> dict:
    options = option_texts(k)
    prev, context = contexts(lm, n_tokens)
    prev_ids = lm.encode([prev.rstrip()])[0]

    def warm():
        lm.cache.clear()
        lm._run_context(prev_ids)

    lower_fn, shape = lower_bound(lm, prev, context, options)
    t_lower, s_lower = timed(lower_fn, repeats)
    t_ours, s_ours = timed(lambda: lm.score_options(context, options), repeats, setup=warm)
    t_cold, _ = timed(lambda: lm.score_options(context, options), 1, setup=lm.cache.clear)
    t_rep, s_rep = timed(lambda: replicated_scores(lm, context, options), 1, setup=warm)
    sub = options[:naive_max]
    t_naive, s_naive = timed(lambda: naive_scores(lm, context, sub))
    t_batch, s_batch = timed(lambda: [s for s, _ in lm.loglikelihood([(context, o) for o in sub])])
    scale = k / len(sub)
    ref = np.array(s_naive)
    diffs = {
        "ours_vs_naive": float(np.abs(np.array(s_ours[:len(sub)]) - ref).max()),
        "batched_vs_naive": float(np.abs(np.array(s_batch) - ref).max()),
        "replicated_vs_ours": float(np.abs(np.array(s_rep) - s_ours).max()),
        "lower_vs_ours": float(np.abs(np.array(s_lower) - s_ours).max()),
    }
    times = {"naive": t_naive * scale, "batched": t_batch * scale, "replicated": t_rep, "ours": t_ours,
             "ours_cold": t_cold, "lower": t_lower}
    same_ranking = bool(np.argmax(s_ours[:len(sub)]) == np.argmax(ref))
    return {"K": k, "L": n_tokens, **shape, "naive_measured_on": len(sub), "seconds": times,
            "naive_over_ours": times["naive"] / t_ours, "ours_over_lower": t_ours / t_lower,
            "max_abs_diff": diffs, "same_top_option": same_ranking}


def print_table(rows: list[dict]) -> None:
    head = (f"{'K':>4} {'L':>5} {'new':>4} {'nodes':>5} | {'naive':>8} {'batched':>8} {'replic.':>8} {'ours':>7} "
            f"{'cold':>7} {'lower':>7} | {'naive/ours':>10} {'ours/lower':>10} {'max diff':>9}")
    print(head)
    print("-" * len(head))
    for r in rows:
        s = r["seconds"]
        est = "*" if r["naive_measured_on"] < r["K"] else " "
        print(f"{r['K']:>4} {r['context_tokens']:>5} {r['new_tokens']:>4} {r['trie_nodes']:>5} | "
              f"{s['naive']:>7.2f}{est} {s['batched']:>7.2f}{est} {s['replicated']:>8.3f} {s['ours']:>7.3f} "
              f"{s['ours_cold']:>7.3f} {s['lower']:>7.3f} | {r['naive_over_ours']:>9.1f}x "
              f"{r['ours_over_lower']:>9.2f}x {max(r['max_abs_diff'].values()):>9.1e}")
    print("seconds per call; * = scaled from the first --naive-max options; L = context tokens")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.scoring", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help=f"K in {QUICK_K}, L in {QUICK_L}")
    p.add_argument("--ks", default=None, help="comma-separated option counts (default 6,20,64,200)")
    p.add_argument("--lengths", default=None, help="comma-separated context lengths in tokens (default 100,400,1000)")
    p.add_argument("--naive-max", type=int, default=64, help="time naive/batched on at most this many options")
    p.add_argument("--repeats", type=int, default=3, help="repeats of the fast methods (best time kept)")
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's own choice)")
    p.add_argument("--out", default="benchmarks/results/scoring.json")
    args = p.parse_args(argv)
    try:
        ks = _ints(args.ks, "--ks") if args.ks else list(QUICK_K if args.quick else GRID_K)
        ls = _ints(args.lengths, "--lengths") if args.lengths else list(QUICK_L if args.quick else GRID_L)
        if args.naive_max < 1 or args.repeats < 1 or min(ks) < 1 or min(ls) < 40 or (args.threads or 1) < 1:
            raise InvalidInputError("--naive-max, --repeats, --threads and K must be >= 1, lengths >= 40 tokens")
        return _run(args, ks, ls)
    except SocraticError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, InvalidInputError) else exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def _ints(text: str, flag: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",")]
    except ValueError:
        raise InvalidInputError(f"{flag} takes comma-separated integers, got {text!r}") from None


def _run(args, ks, ls) -> int:
    import torch
    from tqdm import tqdm

    from compose.llm import LLMConfig, make_llm

    if args.threads:
        torch.set_num_threads(args.threads)
    lm = make_llm(LLMConfig(backend="transformers", model=args.model))
    load_before = os.getloadavg()
    rows = []
    for n_tokens in ls:
        for k in tqdm(ks, desc=f"L={n_tokens}", file=sys.stderr):
            rows.append(run_cell(lm, k, n_tokens, args.naive_max, args.repeats))
    print_table(rows)
    result = {"model": args.model, "command": "python -m benchmarks.scoring " + " ".join(sys.argv[1:]),
              "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
              "platform": platform.platform(), "torch": torch.__version__,
              "loadavg_before": load_before, "loadavg_after": os.getloadavg(), "rows": rows}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"wrote {out}")
    worst = max(max(r["max_abs_diff"].values()) for r in rows)
    if worst > 1e-3:
        print(f"error: methods disagree by {worst:.2e} nats", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
