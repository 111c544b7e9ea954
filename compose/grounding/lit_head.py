"""The trainable part of the LiT model over a locked EfficientNet-Lite0: an image head on the pooled ImageNet
features, a projection of the locked MiniLM sentence embeddings, and the contrastive temperature. Torch is imported
here; import this module only when a model is really needed."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class LitConfig:
    feature_dim: int = 1280  # EfficientNet-Lite0 pooled features
    image_size: int = 128  # EfficientNet input side (renders are resized to it)
    hidden: int = 512  # 0: linear image head; > 0: one hidden layer (GELU) of this width
    embed_dim: int = 256
    text_dim: int = 384  # all-MiniLM-L6-v2 sentence embedding size
    dropout: float = 0.1  # on the standardised features, training only
    prompt: str = "a photo of the {}"

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "LitConfig":
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


class LitHead(nn.Module):
    """(locked image features, locked sentence embeddings) -> normalised embeddings in one space."""

    def __init__(self, cfg: LitConfig):
        super().__init__()
        self.cfg = cfg
        self.register_buffer("feat_mean", torch.zeros(cfg.feature_dim))
        self.register_buffer("feat_std", torch.ones(cfg.feature_dim))
        if cfg.hidden > 0:
            self.image = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(cfg.feature_dim, cfg.hidden), nn.GELU(),
                                       nn.Linear(cfg.hidden, cfg.embed_dim))
        else:
            self.image = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(cfg.feature_dim, cfg.embed_dim))
        self.text_proj = nn.Linear(cfg.text_dim, cfg.embed_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(10.0)))

    def set_feature_stats(self, feats: torch.Tensor) -> None:
        """Standardise features with the training set's per-dimension mean and std."""
        self.feat_mean.copy_(feats.mean(0))
        self.feat_std.copy_(feats.std(0).clamp(min=1e-4))

    def embed_images(self, feats: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.image((feats - self.feat_mean) / self.feat_std), dim=-1)

    def embed_texts(self, sentence_emb: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.text_proj(sentence_emb), dim=-1)
