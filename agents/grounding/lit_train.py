"""Train and evaluate the two dual encoders of the LiT comparison on renders of all three worlds.

- **LiT** (``compose.grounding.lit_head``): EfficientNet-Lite0 (ImageNet, locked; features computed once per render
  set and cached) + a trained image head; locked all-MiniLM-L6-v2 + a trained text projection.
- **from scratch** (``compose.grounding.model.DualTowers``, the lit-minilm architecture): the small CNN image tower
  trained from random weights on the 64 px renders (with shift / flip / brightness augmentation); the same locked
  MiniLM + trained projection.

Both use the same loss (symmetric InfoNCE, agents.grounding.train.contrastive_loss: one sampled training caption per
label, other labels visible in a view masked out of its negatives), the same data and a seed; runs are deterministic.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from agents.grounding.lit_names import vocabulary


@dataclass(frozen=True)
class FitConfig:
    seed: int = 0
    epochs: int = 40
    batch_size: int = 256
    lr: float = 2e-3
    weight_decay: float = 1e-3
    threads: int = 2


LIT_FIT = FitConfig()
SCRATCH_FIT = FitConfig(epochs=15, batch_size=128, lr=2e-3, weight_decay=1e-4)


def cached_features(images: np.ndarray, image_size: int = 128, backbone=None) -> np.ndarray:
    """EfficientNet-Lite0 pooled features of ``images``, memoised on disk by the images' bytes and the input size."""
    from compose.grounding.lit import image_backbone
    from compose.models import cache_dir

    images = np.ascontiguousarray(images, dtype=np.uint8)
    key = hashlib.sha256(images.tobytes() + repr((images.shape, image_size, "efficientnet-lite0")).encode())
    path = cache_dir() / "lit-features" / f"{key.hexdigest()[:20]}.npy"
    if backbone is None and path.exists():
        return np.load(path)
    feats = (backbone or image_backbone(image_size)).features(list(images)).astype(np.float32)
    if backbone is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, feats)
    return feats


class Texts:
    """Locked text tower with a per-text memo (MiniLM sentence embeddings, 384-d)."""

    def __init__(self, embed=None):
        self._embed = embed
        self._memo: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            if self._embed is None:
                from compose.grounding.model import MiniLM

                self._embed = MiniLM()
            for t, row in zip(missing, np.asarray(self._embed(missing), dtype=np.float32)):
                self._memo[t] = row
        return np.stack([self._memo[t] for t in texts])


@dataclass
class Joint:
    """The training sets of several worlds with labels offset into one global label space."""

    worlds: tuple[str, ...]
    offsets: dict[str, int]
    labels: np.ndarray  # (N,) global
    visible: np.ndarray  # (N, L_total)
    captions: list[list[str]]  # per global label, its training captions

    @classmethod
    def of(cls, sets) -> "Joint":
        offsets, total, captions = {}, 0, []
        for rs in sets:
            offsets[rs.world] = total
            caps = vocabulary(rs.world).train_captions()
            captions += caps
            total += len(caps)
        labels = np.concatenate([rs.labels + offsets[rs.world] for rs in sets])
        visible = np.zeros((len(labels), total), dtype=bool)
        row = 0
        for rs in sets:
            o = offsets[rs.world]
            visible[row: row + len(rs), o: o + rs.visible.shape[1]] = rs.visible
            row += len(rs)
        return cls(tuple(rs.world for rs in sets), offsets, labels, visible, captions)


def fit(model, inputs: np.ndarray, joint: Joint, texts: Texts, cfg: FitConfig, augment=None,
        progress: bool = False) -> list[dict]:
    """Contrastive training of ``model`` (embed_images / embed_texts / logit_scale) on ``inputs`` (features or
    images in [0, 1], NCHW). Returns the per-epoch history (mean loss, training top-1 over all labels)."""
    import torch
    from tqdm import tqdm

    from agents.grounding.train import contrastive_loss

    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    flat = [c for group in joint.captions for c in group]
    starts = np.cumsum([0] + [len(g) for g in joint.captions])
    caption_emb = torch.from_numpy(texts(flat))
    x_all = torch.from_numpy(np.ascontiguousarray(inputs))
    y_all = torch.from_numpy(joint.labels).long()
    v_all = torch.from_numpy(joint.visible)
    n = len(y_all)
    steps = (n + cfg.batch_size - 1) // cfg.batch_size
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.epochs * steps)
    history = []
    for epoch in tqdm(range(cfg.epochs), desc="train", disable=not progress):
        model.train()
        perm = torch.randperm(n, generator=gen)
        tot, correct = 0.0, 0
        for s in range(steps):
            idx = perm[s * cfg.batch_size: (s + 1) * cfg.batch_size]
            x = x_all[idx]
            if augment is not None:
                x = augment(x, gen)
            cap = torch.from_numpy(np.array([rng.integers(starts[k], starts[k + 1]) for k in range(len(starts) - 1)]))
            loss, logits = contrastive_loss(model, x, y_all[idx], v_all[idx], caption_emb, cap)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == y_all[idx]).sum())
        history.append({"epoch": epoch, "loss": tot / n, "train_top1": correct / n})
    model.eval()
    return history


def images_01(images: np.ndarray) -> np.ndarray:
    """(N, H, W, 3) uint8 -> (N, 3, H, W) float32 in [0, 1]."""
    return np.ascontiguousarray(np.asarray(images).transpose(0, 3, 1, 2), dtype=np.float32) / 255.0


def train_lit(feats: np.ndarray, joint: Joint, texts: Texts, cfg: FitConfig = LIT_FIT, lit_cfg=None,
              progress: bool = False):
    """A ``LitHead`` trained on locked features; returns (head, history)."""
    import torch

    from compose.grounding.lit_head import LitConfig, LitHead

    torch.manual_seed(cfg.seed)
    head = LitHead(lit_cfg or LitConfig())
    head.set_feature_stats(torch.from_numpy(feats))
    return head, fit(head, feats.astype(np.float32), joint, texts, cfg, progress=progress)


def train_scratch(images: np.ndarray, joint: Joint, texts: Texts, cfg: FitConfig = SCRATCH_FIT,
                  progress: bool = False):
    """The from-scratch baseline (``DualTowers``: CNN image tower from random weights); returns (towers, history)."""
    import torch

    from agents.grounding.train import _augment
    from compose.grounding.model import DualTowers, ModelConfig

    torch.manual_seed(cfg.seed)
    towers = DualTowers(ModelConfig(image_size=images.shape[1]))
    return towers, fit(towers, images_01(images), joint, texts, cfg, augment=_augment, progress=progress)


def embed_images(model, inputs: np.ndarray, batch: int = 512) -> np.ndarray:
    import torch

    with torch.no_grad():
        return np.concatenate([model.embed_images(torch.from_numpy(np.ascontiguousarray(inputs[i: i + batch])))
                               .numpy() for i in range(0, len(inputs), batch)])


def embed_texts(model, texts: Texts, captions: list[str]) -> np.ndarray:
    import torch

    with torch.no_grad():
        return model.embed_texts(torch.from_numpy(texts(captions))).numpy()


def retrieval(img: np.ndarray, labels: np.ndarray, text_sets: list[np.ndarray], galleries: int = 50,
              seed: int = 0) -> dict:
    """Recall@1/@5 both ways, averaged over the caption sets (one caption per label each).

    image -> text: each image ranks every label's caption. text -> image: galleries of one random image per label
    present; each caption ranks its gallery's images (one positive). Chance: k / (number of candidates)."""
    labels = np.asarray(labels)
    present = np.unique(labels)
    rng = np.random.default_rng(seed)
    picks = np.stack([[rng.choice(np.flatnonzero(labels == c)) for c in present] for _ in range(galleries)])
    i2t, t2i = [], []
    for txt in text_sets:
        sims = img @ txt.T  # (N, L)
        rank = (sims > sims[np.arange(len(labels)), labels][:, None]).sum(1)
        i2t.append([np.mean(rank < 1), np.mean(rank < 5)])
        g = np.einsum("pd,gpd->gp", txt[present], img[picks])  # each caption vs its own gallery image
        allv = np.einsum("pd,gqd->gpq", txt[present], img[picks])  # (G, P, P): caption p vs gallery image q
        r = (allv > g[:, :, None]).sum(2)
        t2i.append([np.mean(r < 1), np.mean(r < 5)])
    i2t, t2i = np.mean(i2t, 0), np.mean(t2i, 0)
    n_text = text_sets[0].shape[0]
    return {"i2t_r1": float(i2t[0]), "i2t_r5": float(i2t[1]), "t2i_r1": float(t2i[0]), "t2i_r5": float(t2i[1]),
            "n_images": int(len(labels)), "n_labels": int(n_text), "n_labels_present": int(len(present)),
            "chance_i2t_r1": 1 / n_text, "chance_i2t_r5": min(1.0, 5 / n_text),
            "chance_t2i_r1": 1 / len(present), "chance_t2i_r5": min(1.0, 5 / len(present))}


def evaluate(model, inputs: np.ndarray, rs, texts: Texts, paraphrase: bool, seed: int = 0) -> dict:
    """Retrieval on one held-out render set with the in-vocabulary or the paraphrased caption sets."""
    img = embed_images(model, inputs)
    sets = [embed_texts(model, texts, s) for s in vocabulary(rs.world).caption_sets(paraphrase)]
    return retrieval(img, rs.labels, sets, seed=seed)
