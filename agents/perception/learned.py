"""Learned object recognition for the kitchen: a trained linear head (softmax over the kitchen's 18 objects) on the
features of a region crop -- locked EfficientNet-Lite0 features (projected on their first ``PCA_DIMS`` principal
components, fitted on the training crops) and the crop centre's colour statistics (a 4x4x4 colour histogram, mean and
median colour). ImageNet features alone are too colour-invariant for same-shape objects that differ by colour (coke vs
pepsi can: 80% held-out accuracy); with the colour statistics the head reaches 98% (docs/benchmarks.md).

    python -m agents.perception.learned train [--layouts 60] [--out data/perception]   # render, cache, train
    python -m agents.perception.learned eval  [--layouts 20]                           # held-out accuracy

Region proposals come from the simulator's segmentation (which pixels belong together) -- never its names; the name
and its confidence come from the model. ``LearnedNamer`` is what ``envs.kitchen.perception.Perception.namer``
calls; ``use_learned_perception(env)`` switches a kitchen env over.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from compose.errors import InvalidInputError, ModelNotFoundError, run_cli
from compose.paths import data_path
from envs.kitchen.vocab import OBJECTS

HEAD_DIR = data_path("perception")
HEAD_FILE, HEAD_CONFIG = "kitchen_head.safetensors", "kitchen_head.json"
FEATURE_SIZE = 128  # EfficientNet input side for crops
PCA_DIMS = 8


def colour_features(crops) -> np.ndarray:
    """(N, 70): 4x4x4 colour histogram, mean and median RGB of each crop's centre half."""
    c = np.asarray(crops, dtype=np.float32) / 255.0
    h, w = c.shape[1:3]
    m = c[:, h // 4: 3 * h // 4, w // 4: 3 * w // 4].reshape(len(c), -1, 3)
    q = np.minimum((m * 4).astype(int), 3)
    idx = q[..., 0] * 16 + q[..., 1] * 4 + q[..., 2]
    hist = np.stack([np.bincount(i, minlength=64) for i in idx]).astype(np.float32)
    hist /= hist.sum(1, keepdims=True)
    return np.concatenate([hist, m.mean(1), np.median(m, 1)], 1).astype(np.float32)


def fit_pca(feats: np.ndarray, k: int = PCA_DIMS) -> tuple[np.ndarray, np.ndarray]:
    mean = feats.mean(0)
    _, _, vt = np.linalg.svd(feats - mean, full_matrices=False)
    return mean.astype(np.float32), vt[:k].astype(np.float32)


def head_inputs(feats: np.ndarray, crops, pca_mean: np.ndarray, pca_basis: np.ndarray) -> np.ndarray:
    return np.concatenate([(feats - pca_mean) @ pca_basis.T, colour_features(crops)], 1).astype(np.float32)


def _backbone():
    from compose.tools.imagenet import EfficientNetLite0

    return EfficientNetLite0(image_size=FEATURE_SIZE, crop=False, batch_size=64)


def crop_features(crops, backbone=None) -> np.ndarray:
    return (backbone or _backbone()).features(list(crops))


def _cached_features(n_layouts: int, held_out: bool, seed: int, progress: bool):
    """Rendered crops + their features, memoised in the user cache (keyed by the renderer's and this code's source)."""
    import hashlib
    import inspect

    from agents.perception import kitchen_data
    from compose.grounding.scores import cache_dir
    from envs.kitchen import layout, world

    key = hashlib.sha256(repr((n_layouts, held_out, seed, FEATURE_SIZE)).encode())
    for mod in (kitchen_data, layout, world):
        key.update(inspect.getsource(mod).encode())
    path = cache_dir().parent / "kitchen-crops" / f"{key.hexdigest()[:16]}.npz"
    if path.exists():
        with np.load(path) as z:
            return z["crops"], z["labels"], z["feats"]
    data = kitchen_data.render_crops(n_layouts, held_out=held_out, seed=seed, progress=progress)
    feats = crop_features(data.crops)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, crops=data.crops, labels=data.labels, feats=feats)
    return data.crops, data.labels, feats


def train_head(feats: np.ndarray, labels: np.ndarray, seed: int = 0, epochs: int = 300, lr: float = 0.01,
               weight_decay: float = 1e-3) -> dict:
    """Multinomial logistic regression on standardised features (full batch, Adam). Returns the tensors."""
    import torch

    torch.manual_seed(seed)
    x = torch.from_numpy(feats).float()
    mean, std = x.mean(0), x.std(0) + 1e-6
    x = (x - mean) / std
    y = torch.from_numpy(labels).long()
    head = torch.nn.Linear(x.shape[1], len(OBJECTS))
    opt = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(x), y)
        loss.backward()
        opt.step()
    return {"weight": head.weight.detach().contiguous(), "bias": head.bias.detach().contiguous(),
            "mean": mean.contiguous(), "std": std.contiguous(), "final_loss": float(loss.detach())}


class LearnedNamer:
    """(rgb, [masks]) -> [(name, confidence)]: crop each region, embed with EfficientNet-Lite0, apply the head."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else HEAD_DIR
        self._w = None

    def load(self) -> "LearnedNamer":
        if self._w is None:
            from safetensors.numpy import load_file

            f = self.path / HEAD_FILE
            if not f.is_file():
                raise ModelNotFoundError(f"no trained kitchen recognition head at {f}: run "
                                         "`python -m agents.perception.learned train`")
            self._w = load_file(str(f))
            self._backbone = _backbone()
        return self

    def probabilities(self, crops) -> np.ndarray:
        self.load()
        crops = list(crops)
        x = head_inputs(crop_features(crops, self._backbone), crops, self._w["pca_mean"], self._w["pca_basis"])
        x = (x - self._w["mean"]) / self._w["std"]
        z = x @ self._w["weight"].T + self._w["bias"]
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def __call__(self, rgb: np.ndarray, masks) -> list[tuple[str, float]]:
        from agents.perception.kitchen_data import crop_segment

        masks = list(masks)
        if not masks:
            return []
        probs = self.probabilities([crop_segment(rgb, m) for m in masks])
        best = probs.argmax(axis=1)
        return [(OBJECTS[int(b)], float(probs[k, b])) for k, b in enumerate(best)]


def use_learned_perception(env, namer: LearnedNamer | None = None):
    """Make a kitchen env (or world) perceive through the learned namer; returns the namer."""
    world = getattr(env, "unwrapped", env)
    world = getattr(world, "world", world)
    namer = namer or LearnedNamer().load()
    world.perception.namer = namer
    world.perception.last = None
    return namer


def _main(argv) -> int:
    ap = argparse.ArgumentParser(prog="python -m agents.perception.learned", description=__doc__.splitlines()[0])
    ap.add_argument("cmd", choices=("train", "eval"))
    ap.add_argument("--layouts", type=int, default=None, help="layouts to render (train: 60, eval: 20)")
    ap.add_argument("--out", default=str(HEAD_DIR))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    n = args.layouts or (60 if args.cmd == "train" else 20)
    if n < 1:
        raise InvalidInputError("--layouts must be >= 1")
    out = Path(args.out)
    if args.cmd == "train":
        from safetensors.numpy import save_file

        t0 = time.time()
        crops, labels, feats = _cached_features(n, False, args.seed, True)
        pca_mean, pca_basis = fit_pca(feats)
        x = head_inputs(feats, crops, pca_mean, pca_basis)
        w = train_head(x, labels, seed=args.seed)
        tensors = {k: v.numpy() for k, v in w.items() if k != "final_loss"}
        tensors.update(pca_mean=pca_mean, pca_basis=pca_basis)
        out.mkdir(parents=True, exist_ok=True)
        save_file(tensors, str(out / HEAD_FILE))
        train_acc = float((((x - tensors["mean"]) / tensors["std"]) @ tensors["weight"].T
                           + tensors["bias"]).argmax(1).__eq__(labels).mean())
        doc = {"labels": list(OBJECTS), "backbone": "EfficientNet-Lite0 (ImageNet, locked), input "
               f"{FEATURE_SIZE}px, first {PCA_DIMS} principal components + crop colour statistics (70)",
               "head": "linear (logistic regression)", "layouts": n, "n_crops": int(len(labels)),
               "train_accuracy": round(train_acc, 4), "final_loss": round(w["final_loss"], 4),
               "seconds": round(time.time() - t0, 1)}
        (out / HEAD_CONFIG).write_text(json.dumps(doc, indent=1) + "\n")
        print(json.dumps(doc))
        return 0
    crops, labels, feats = _cached_features(n, True, args.seed, True)
    namer = LearnedNamer(out).load()
    x = head_inputs(feats, crops, namer._w["pca_mean"], namer._w["pca_basis"])
    x = (x - namer._w["mean"]) / namer._w["std"]
    pred = (x @ namer._w["weight"].T + namer._w["bias"]).argmax(1)
    acc = float((pred == labels).mean())
    wrong = {}
    for t, p_ in zip(labels, pred):
        if t != p_:
            key = f"{OBJECTS[t]} -> {OBJECTS[p_]}"
            wrong[key] = wrong.get(key, 0) + 1
    print(json.dumps({"held_out_accuracy": round(acc, 4), "n_crops": int(len(labels)), "layouts": n,
                      "confusions": wrong}))
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
