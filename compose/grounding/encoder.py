"""The offline "lit-minilm" dual encoder: trained CNN image tower + locked all-MiniLM-L6-v2 text tower.

``LitMiniLM()`` loads the weights shipped in data/grounding; ``LitMiniLM(random_init=True, seed=s)`` is the same
architecture with seeded random weights (the baseline). Both load lazily, on the first encode call.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from compose.errors import InvalidInputError, ModelNotFoundError
from compose.paths import data_path
from compose.tools.dual_encoder import DUAL_ENCODERS, DualEncoder, l2_normalize

WEIGHTS_DIR = Path(os.environ.get("SOCRATIC_GROUNDING_DIR", data_path("grounding")))
WEIGHTS_FILE = "lit_minilm.safetensors"
CONFIG_FILE = "config.json"


def checked_texts(texts: Sequence[str]) -> list[str]:
    """``texts`` as a list; an empty or non-string text is an InvalidInputError naming its index."""
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str) or not t.strip():
            raise InvalidInputError(f"text {i} must be a non-empty string, got {t!r}")
    return texts


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


@DUAL_ENCODERS.register("lit-minilm")
class LitMiniLM(DualEncoder):
    name = "lit-minilm"

    def __init__(self, path: str | os.PathLike | None = None, random_init: bool = False, seed: int = 0,
                 batch_size: int = 256):
        self.path = Path(path) if path else WEIGHTS_DIR
        self.random_init, self.seed, self.batch_size = random_init, seed, batch_size
        self._towers = None
        self._text = None
        self.cfg = None
        self._hash: str | None = None

    # ------------------------------------------------------------------ loading
    def load(self) -> "LitMiniLM":
        if self._towers is not None:
            return self
        import torch

        from compose.grounding.model import DualTowers, MiniLM, ModelConfig

        if self.random_init:
            self.cfg = ModelConfig()
            torch.manual_seed(self.seed)
            towers = DualTowers(self.cfg)
            self._hash = f"random-{self.seed}"
        else:
            weights, config = self.path / WEIGHTS_FILE, self.path / CONFIG_FILE
            if not weights.exists() or not config.exists():
                raise ModelNotFoundError(f"no trained grounding weights in {self.path}: run "
                                         "`python -m agents.grounding.train --out data/grounding --seed 0`")
            from safetensors.torch import load_file

            doc = json.loads(config.read_text())
            self.cfg = ModelConfig.from_dict(doc["model"])
            towers = DualTowers(self.cfg)
            towers.load_state_dict(load_file(str(weights)))
            self._hash = file_hash(weights)
        self._towers = towers.eval()
        self._logit_scale = float(towers.logit_scale.exp().item())
        self._text = MiniLM()
        return self

    @property
    def logit_scale(self) -> float:  # the learned temperature, so loading first
        self.load()
        return self._logit_scale

    @property
    def model_hash(self) -> str:
        """Identifies the weights (for embedding caches): a hash of the weights file, or random-<seed>."""
        if self._hash is None:
            if self.random_init:
                self._hash = f"random-{self.seed}"
            else:
                weights = self.path / WEIGHTS_FILE
                if not weights.exists():
                    raise ModelNotFoundError(f"no trained grounding weights at {weights}")
                self._hash = file_hash(weights)
        return self._hash

    @property
    def prompt(self) -> str:
        self.load()
        return self.cfg.prompt

    # ------------------------------------------------------------------ encoding
    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        import torch

        from compose.grounding.model import images_to_tensor

        self.load()
        images = list(images)
        if not images:
            return np.zeros((0, self.cfg.embed_dim), dtype=np.float32)
        for i, im in enumerate(images):
            a = np.asarray(im)
            if a.ndim != 3 or a.shape[2] != 3:
                raise InvalidInputError(f"image {i} must be HxWx3, got shape {a.shape}")
        out = []
        with torch.no_grad():
            for i in range(0, len(images), self.batch_size):
                x = images_to_tensor(images[i: i + self.batch_size], self.cfg.image_size)
                out.append(self._towers.embed_images(x).numpy())
        return l2_normalize(np.concatenate(out))

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        self.load()
        texts = checked_texts(texts)
        if not texts:
            return np.zeros((0, self.cfg.embed_dim), dtype=np.float32)
        with torch.no_grad():
            emb = self._towers.embed_texts(self._text(texts)).numpy()
        return l2_normalize(emb)


@DUAL_ENCODERS.register("lit-random")
def lit_random(seed: int = 0, **kwargs) -> LitMiniLM:
    """The same architecture with seeded random weights: the grounding baseline."""
    return LitMiniLM(random_init=True, seed=seed, **kwargs)
