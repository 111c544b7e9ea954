"""The "lit-efficientnet" dual encoder: LiT proper -- a locked, ImageNet-pretrained EfficientNet-Lite0 image tower
with a trained head, and the locked all-MiniLM-L6-v2 text tower with a trained projection.

``LitEfficientNet(path)`` loads ``lit_head.safetensors`` + ``config.json`` from ``path`` (default: data/grounding_lit,
or ``$SOCRATIC_LIT_DIR``), lazily on the first encode call. Trained by ``python -m agents.grounding.lit_report`` on
renders of the kitchen, tabletop and navigation worlds (docs/tools.md).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from compose.errors import InvalidInputError, ModelNotFoundError
from compose.paths import data_path
from compose.grounding.encoder import checked_texts, file_hash
from compose.tools.dual_encoder import DUAL_ENCODERS, DualEncoder, l2_normalize

LIT_DIR = Path(os.environ.get("SOCRATIC_LIT_DIR", data_path("grounding_lit")))
HEAD_FILE = "lit_head.safetensors"
CONFIG_FILE = "config.json"


def image_backbone(image_size: int, batch_size: int = 64):
    """The locked image tower: EfficientNet-Lite0 pooled features, plain resize to ``image_size`` (no crop)."""
    from compose.tools.imagenet import EfficientNetLite0

    return EfficientNetLite0(image_size=image_size, crop=False, batch_size=batch_size)


def save_head(head, out: str | os.PathLike, doc: dict) -> Path:
    """Write a trained ``LitHead`` and its config (``doc`` is stored alongside ``model``) to directory ``out``."""
    from safetensors.torch import save_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().contiguous() for k, v in head.state_dict().items()}, str(out / HEAD_FILE))
    doc = {"model": head.cfg.as_dict(), **doc, "weights_sha256_16": file_hash(out / HEAD_FILE)}
    (out / CONFIG_FILE).write_text(json.dumps(doc, indent=1) + "\n")
    return out


@DUAL_ENCODERS.register("lit-efficientnet")
class LitEfficientNet(DualEncoder):
    name = "lit-efficientnet"

    def __init__(self, path: str | os.PathLike | None = None, backbone=None):
        """``backbone``: anything with ``features(images) -> (N, feature_dim)`` (default: EfficientNet-Lite0)."""
        self.path = Path(path) if path else LIT_DIR
        self._backbone = backbone
        self._head = None
        self._text = None
        self.cfg = None
        self.doc: dict = {}

    def load(self) -> "LitEfficientNet":
        if self._head is not None:
            return self
        weights, config = self.path / HEAD_FILE, self.path / CONFIG_FILE
        if not weights.is_file() or not config.is_file():
            raise ModelNotFoundError(f"no trained LiT head in {self.path} (needs {HEAD_FILE} and {CONFIG_FILE}): "
                                     "run `python -m agents.grounding.lit_report`")
        from safetensors.torch import load_file

        from compose.grounding.lit_head import LitConfig, LitHead
        from compose.grounding.model import MiniLM

        try:
            self.doc = json.loads(config.read_text())
            self.cfg = LitConfig.from_dict(self.doc["model"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelNotFoundError(f"unreadable LiT config {config}: {exc}") from None
        head = LitHead(self.cfg)
        try:
            head.load_state_dict(load_file(str(weights)))
        except RuntimeError as exc:
            raise ModelNotFoundError(f"LiT weights {weights} do not match its config: {exc}") from None
        self._head = head.eval()
        self._logit_scale = float(head.logit_scale.exp().item())
        if self._backbone is None:
            self._backbone = image_backbone(self.cfg.image_size)
        self._text = MiniLM()
        return self

    @property
    def logit_scale(self) -> float:
        self.load()
        return self._logit_scale

    @property
    def prompt(self) -> str:
        self.load()
        return self.cfg.prompt

    def encode_features(self, feats: np.ndarray) -> np.ndarray:
        """Embeddings of precomputed backbone features (N, feature_dim)."""
        import torch

        self.load()
        feats = np.asarray(feats, dtype=np.float32)
        if feats.ndim != 2 or feats.shape[1] != self.cfg.feature_dim:
            raise InvalidInputError(f"features must be (N, {self.cfg.feature_dim}), got shape {feats.shape}")
        with torch.no_grad():
            return l2_normalize(self._head.embed_images(torch.from_numpy(feats)).numpy())

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        self.load()
        images = list(images)
        if not images:
            return np.zeros((0, self.cfg.embed_dim), dtype=np.float32)
        return self.encode_features(self._backbone.features(images))

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        self.load()
        texts = checked_texts(texts)
        if not texts:
            return np.zeros((0, self.cfg.embed_dim), dtype=np.float32)
        with torch.no_grad():
            return l2_normalize(self._head.embed_texts(self._text(texts)).numpy())
