"""CLIP backends of the dual-encoder registry: ``clip`` (transformers CLIPModel) and ``open-clip`` (open_clip).

No CLIP weights ship offline: pass a local directory (``path=``, or ``SOCRATIC_CLIP_PATH``); a hub id is used only
when online. Images are preprocessed with PIL + numpy (compose.tools.images), never torchvision.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from compose.errors import ModelNotFoundError, optional_import
from compose.tools.base import check_texts
from compose.tools.dual_encoder import DUAL_ENCODERS, DualEncoder, l2_normalize
from compose.tools.images import CLIP_MEAN, CLIP_STD, check_images, preprocess, read_preprocessor_config
from compose.tools.weights import WeightsSpec, downloads_possible, resolve_weights

LOCAL_VISION_CHOICES = ("backend='lit-minilm' (the project's LiT dual encoder, zero-shot on its rendered worlds) or "
                        "'efficientnet-lite0' (ImageNet-1k classes, for photos)")
CLIP_WEIGHTS = WeightsSpec(name="clip", env_var="SOCRATIC_CLIP_PATH", hub_id="openai/clip-vit-base-patch32",
                           local_choices=LOCAL_VISION_CHOICES)


def _features(out):
    """transformers 5 returns a model output whose pooler_output is the projected feature; older ones a tensor."""
    return getattr(out, "pooler_output", out)


class _BatchedCLIP(DualEncoder):
    """The batching, no-grad and normalisation both CLIP backends share; each supplies its two model calls."""

    def _batched(self, items, embed) -> np.ndarray:
        self.load()  # first: a missing model fails at once, before torch is imported
        import torch

        rows = []
        with torch.inference_mode():
            for i in range(0, len(items), self.batch_size):
                rows.append(embed(items[i:i + self.batch_size]).float().cpu().numpy())
        return l2_normalize(np.concatenate(rows))

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        def embed(batch):
            import torch

            pixels = torch.from_numpy(preprocess(batch, self._size, self._mean, self._std)).to(self.device)
            return self._embed_pixels(pixels)

        return self._batched(check_images(images), embed)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        return self._batched(check_texts(list(texts) if isinstance(texts, tuple) else texts, "texts"),
                             self._embed_text_batch)


@DUAL_ENCODERS.register("clip")
class TransformersCLIP(_BatchedCLIP):
    """CLIPModel + its tokenizer from a local directory (save_pretrained layout) or, online, a hub id."""

    name = "clip"

    def __init__(self, path: str | os.PathLike | None = None, model: str | None = None, batch_size: int = 32,
                 device: str = "cpu"):
        self.path, self.model_id, self.batch_size, self.device = path, model, batch_size, device
        self._model = None
        self._lock = threading.Lock()

    def load(self) -> "TransformersCLIP":
        with self._lock:
            if self._model is not None:
                return self
            spec = CLIP_WEIGHTS if self.model_id is None else WeightsSpec(
                "clip", CLIP_WEIGHTS.env_var, hub_id=self.model_id, local_choices=LOCAL_VISION_CHOICES)
            where = resolve_weights(spec, self.path)  # first: fail at once, before the heavy imports
            import torch
            from transformers import AutoTokenizer, CLIPModel

            try:
                model = CLIPModel.from_pretrained(where, dtype=torch.float32).to(self.device).eval()
                self._tok = AutoTokenizer.from_pretrained(where)
            except OSError as exc:
                raise ModelNotFoundError(f"cannot load a CLIP model from {where}: {exc}") from None
            pre = read_preprocessor_config(where) if Path(where).is_dir() else {}
            self._size = pre.get("size", model.config.vision_config.image_size)
            self._mean, self._std = pre.get("mean", CLIP_MEAN), pre.get("std", CLIP_STD)
            self._max_len = min(int(getattr(self._tok, "model_max_length", 77) or 77),
                                model.config.text_config.max_position_embeddings)
            self.logit_scale = float(model.logit_scale.detach().exp())
            self._model = model
        return self

    def _embed_pixels(self, pixels):
        return _features(self._model.get_image_features(pixel_values=pixels))

    def _embed_text_batch(self, texts):
        enc = self._tok(texts, padding=True, truncation=True, max_length=self._max_len, return_tensors="pt")
        return _features(self._model.get_text_features(input_ids=enc["input_ids"].to(self.device),
                                                       attention_mask=enc["attention_mask"].to(self.device)))


@DUAL_ENCODERS.register("open-clip")
class OpenCLIP(_BatchedCLIP):
    """open_clip models: ``OpenCLIP("ViT-B-32", pretrained="/path/to/open_clip_pytorch_model.bin")``.

    ``pretrained`` may be a local checkpoint path or, online only, an open_clip tag such as ``laion2b_s34b_b79k``.
    Needs ``pip install 'socratic-agents[clip]'`` (open_clip_torch; note it pulls torchvision).
    """

    name = "open-clip"

    def __init__(self, model_name: str = "ViT-B-32", pretrained: str | None = None, batch_size: int = 32,
                 device: str = "cpu"):
        self.model_name, self.pretrained, self.batch_size, self.device = model_name, pretrained, batch_size, device
        self._model = None
        self._lock = threading.Lock()

    def load(self) -> "OpenCLIP":
        with self._lock:
            if self._model is not None:
                return self
            open_clip = optional_import("open_clip", "clip", "open_clip_torch")
            pretrained = self.pretrained or os.environ.get("SOCRATIC_OPEN_CLIP_PATH")
            if pretrained is None:
                raise ModelNotFoundError("open-clip needs weights: pass pretrained=<checkpoint path or open_clip tag> "
                                         f"or set SOCRATIC_OPEN_CLIP_PATH. Local choices: {LOCAL_VISION_CHOICES}")
            if not Path(pretrained).exists() and not downloads_possible():
                raise ModelNotFoundError(f"open-clip: {pretrained!r} is not a local file and the model hub cannot be "
                                         f"reached (or offline mode is on); pass a checkpoint path. Local choices: "
                                         f"{LOCAL_VISION_CHOICES}")
            model, _, _ = open_clip.create_model_and_transforms(self.model_name, pretrained=pretrained)
            self._tokenize = open_clip.get_tokenizer(self.model_name)
            visual = model.visual
            size = getattr(visual, "image_size", 224)
            self._size = size[0] if isinstance(size, (tuple, list)) else int(size)
            cfg = getattr(visual, "preprocess_cfg", None) or {}
            self._mean, self._std = tuple(cfg.get("mean", CLIP_MEAN)), tuple(cfg.get("std", CLIP_STD))
            self.logit_scale = float(model.logit_scale.detach().exp()) if hasattr(model, "logit_scale") else 100.0
            self._model = model.to(self.device).eval()
        return self

    def _embed_pixels(self, pixels):
        return self._model.encode_image(pixels)

    def _embed_text_batch(self, texts):
        return self._model.encode_text(self._tokenize(texts).to(self.device))
