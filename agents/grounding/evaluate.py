"""Held-out evaluation of the grounding model, against the same architecture with random weights.

    python -m agents.grounding.evaluate [--weights data/grounding] [--layouts 20] [--json FILE]

1. image -> text retrieval on renders of NEW layouts (evaluation seed range) from NEW camera poses (other heights,
   pitches, fields of view), among the 12 landmark kinds + background, named with paraphrases that no training
   caption used ("automobile painted red"); top-1 / top-5 accuracy, averaged over the paraphrase sets;
2. the same with the training names (in-vocabulary reference);
3. node retrieval on the shipped graphs (never used in training): for each landmark and paraphrase, do the best
   (top-1) / any of the best 5 nodes lie within the task goal radius of the landmark's anchor node?
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from compose.errors import InvalidInputError, run_cli


def _retrieval(img_emb: np.ndarray, labels: np.ndarray, text_emb: np.ndarray) -> tuple[float, float]:
    sims = img_emb @ text_emb.T
    order = np.argsort(-sims, axis=1)
    top1 = float(np.mean(order[:, 0] == labels))
    top5 = float(np.mean([lab in row[:5] for lab, row in zip(labels, order)]))
    return top1, top5


def image_text_accuracy(encoder, data, names_per_label: list[list[str]], prompt: str) -> dict:
    img = encoder.encode_images(list(data.images))
    n_sets = max(len(n) for n in names_per_label)
    res = []
    for p in range(n_sets):
        texts = [prompt.format(names[min(p, len(names) - 1)]) for names in names_per_label]
        res.append(_retrieval(img, data.labels, encoder.encode_texts(texts)))
    return {"top1": float(np.mean([r[0] for r in res])), "top5": float(np.mean([r[1] for r in res])),
            "n_images": int(len(data.labels))}


def node_retrieval(encoder, graphs: list[str], names_of, prompt: str, radius: float) -> dict:
    from compose.grounding.scores import NodeScorer
    from envs.navgraph.storage import load_graph

    hits1, hits5 = [], []
    for name in graphs:
        world = load_graph(name)
        scorer = NodeScorer(encoder, world, use_cache=False)
        for lm in world.landmarks:
            phrases = names_of(lm["kind"])
            sims = scorer.similarities(phrases, prompt)
            anchor = world.pos(lm["anchor"])
            for row in sims:
                top = np.argsort(-row)[:5]
                ok = [np.linalg.norm(world.pos(int(n)) - anchor) <= radius for n in top]
                hits1.append(ok[0])
                hits5.append(any(ok))
    return {"top1": float(np.mean(hits1)), "top5": float(np.mean(hits5)), "n_queries": len(hits1)}


def evaluate(weights: Path, n_layouts: int = 20, seed: int = 0, progress: bool = True) -> dict:
    from agents.grounding.captions import eval_names, train_names
    from agents.grounding.data import RenderSpec, cached_dataset
    from compose.grounding.encoder import LitMiniLM
    from envs.navgraph.build import SHIPPED
    from envs.navgraph.kinds import kind
    from envs.navgraph.tasks import GOAL_RADIUS

    data = cached_dataset(RenderSpec(n_layouts=n_layouts, held_out=True, seed=seed), progress=progress)
    out = {"held_out_images": int(len(data.labels)), "layouts": n_layouts, "radius_m": GOAL_RADIUS, "models": {}}
    for label, enc in (("trained", LitMiniLM(weights)), ("random", LitMiniLM(random_init=True, seed=seed))):
        prompt = enc.prompt
        out["models"][label] = {
            "paraphrase": image_text_accuracy(enc, data, eval_names(), prompt),
            "train_names": image_text_accuracy(enc, data, train_names(), prompt),
            "nodes_paraphrase": node_retrieval(enc, sorted(SHIPPED), lambda k: list(kind(k).eval_names), prompt,
                                               GOAL_RADIUS),
        }
    out["chance"] = {"top1": 1 / 13, "top5": 5 / 13}
    return out


def to_markdown(res: dict) -> str:
    rows = ["| model | held-out renders, paraphrases: top-1 | top-5 | held-out renders, training names: top-1 | "
            "top-5 | shipped graphs, node retrieval (paraphrases): top-1 | top-5 |",
            "|---|---|---|---|---|---|---|"]
    for label, m in res["models"].items():
        a, b, c = m["paraphrase"], m["train_names"], m["nodes_paraphrase"]
        rows.append(f"| {label} | {a['top1']:.3f} | {a['top5']:.3f} | {b['top1']:.3f} | {b['top5']:.3f} | "
                    f"{c['top1']:.3f} | {c['top5']:.3f} |")
    rows.append(f"| chance (13 labels) | {res['chance']['top1']:.3f} | {res['chance']['top5']:.3f} | | | | |")
    return "\n".join(rows)


def _main(argv) -> int:
    ap = argparse.ArgumentParser(prog="python -m agents.grounding.evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("--weights", default=None, help="weights directory (default: data/grounding)")
    ap.add_argument("--layouts", type=int, default=20, help="held-out layouts to render")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="also write the results as JSON")
    args = ap.parse_args(argv)
    if args.layouts < 1:
        raise InvalidInputError("--layouts must be >= 1")
    from compose.grounding.encoder import WEIGHTS_DIR

    res = evaluate(Path(args.weights) if args.weights else WEIGHTS_DIR, args.layouts, args.seed)
    print(f"held-out images: {res['held_out_images']} from {res['layouts']} new layouts; "
          f"node hits within {res['radius_m']} m of the anchor")
    print(to_markdown(res))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
