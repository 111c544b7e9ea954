"""Image captioners: one base class + a registry of backends. Built in:

- ``imagenet`` (the default; offline): names the most probable ImageNet-1k classes of EfficientNet-Lite0
  ("a photo of a military uniform or a bow tie") -- a closed vocabulary, for photos;
- ``transformers``: BLIP / GIT / VisionEncoderDecoder checkpoints through AutoModelForImageTextToText + ``generate``.
  Weights: a local save_pretrained directory (``path=`` or ``SOCRATIC_CAPTIONER_PATH``), the local Hugging Face cache,
  or a hub id when the hub is reachable (otherwise it fails at once, naming the local choices).

``caption(images) -> list[str]`` takes HxWx3 uint8 arrays; the tool ``image_caption`` takes image files.
Captions of the project's simulated worlds (what the simulator or the learned perception sees) live in agents/.
"""
from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from compose.errors import InvalidInputError, ModelNotFoundError
from compose.registry import Registry
from compose.tools.base import Tool, register_tool
from compose.tools.images import CLIP_MEAN, CLIP_STD, check_images, load_image, preprocess, read_preprocessor_config
from compose.tools.weights import WeightsSpec, resolve_weights

CAPTIONERS: Registry["Captioner"] = Registry("captioner")
LOCAL_CAPTION_CHOICES = "backend='imagenet' (EfficientNet-Lite0 class names, the default)"
CAPTIONER_WEIGHTS = WeightsSpec(name="captioner", env_var="SOCRATIC_CAPTIONER_PATH",
                                hub_id="Salesforce/blip-image-captioning-base", local_choices=LOCAL_CAPTION_CHOICES)
DEFAULT_CAPTIONER = "imagenet"


class Captioner(ABC):
    """Images -> one caption each. Deterministic (greedy or beam search)."""

    name: str = "?"

    @abstractmethod
    def caption(self, images: Sequence[np.ndarray], max_new_tokens: int = 30, num_beams: int = 1) -> list[str]:
        """One caption per image."""


def make_captioner(name: str = DEFAULT_CAPTIONER, **kwargs) -> Captioner:
    return CAPTIONERS.get(name)(**kwargs)


def _a(name: str) -> str:
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


@CAPTIONERS.register("imagenet")
class ClassifierCaptioner(Captioner):
    """"a photo of a X" (or "... a X or a Y" when the classifier hesitates) from a closed-vocabulary classifier."""

    name = "imagenet"

    def __init__(self, classifier=None, backend: str = "efficientnet-lite0", confident: float = 0.5, **kwargs):
        from compose.tools.imagenet import make_classifier

        self.classifier = classifier if classifier is not None else make_classifier(backend, **kwargs)
        self.confident = confident

    def caption(self, images: Sequence[np.ndarray], max_new_tokens: int = 30, num_beams: int = 1) -> list[str]:
        probs = self.classifier.probabilities(check_images(images))
        out = []
        for row in probs:
            a, b = np.argsort(-row, kind="stable")[:2]
            names = [self.classifier.labels[a]] + ([self.classifier.labels[b]] if row[a] < self.confident else [])
            out.append("a photo of " + " or ".join(_a(n) for n in names))
        return out


def _image_size(config) -> int:
    for sub in ("vision_config", "encoder"):
        c = getattr(config, sub, None)
        if c is not None and getattr(c, "image_size", None):
            size = c.image_size
            return size[0] if isinstance(size, (list, tuple)) else int(size)
    return 224


@CAPTIONERS.register("transformers")
class TransformersCaptioner(Captioner):
    """Any image-to-text checkpoint ``AutoModelForImageTextToText`` loads and ``generate`` can caption with."""

    name = "transformers"

    def __init__(self, path: str | os.PathLike | None = None, model: str | None = None, batch_size: int = 8,
                 device: str = "cpu"):
        self.path, self.model_id, self.batch_size, self.device = path, model, batch_size, device
        self._model = None
        self._lock = threading.Lock()

    def load(self) -> "TransformersCaptioner":
        with self._lock:
            if self._model is not None:
                return self
            spec = CAPTIONER_WEIGHTS if self.model_id is None else WeightsSpec(
                "captioner", CAPTIONER_WEIGHTS.env_var, hub_id=self.model_id, local_choices=LOCAL_CAPTION_CHOICES)
            where = resolve_weights(spec, self.path)  # first: fail at once, before the heavy imports
            import torch
            import transformers
            from transformers import AutoTokenizer

            auto = getattr(transformers, "AutoModelForImageTextToText", None) or transformers.AutoModelForVision2Seq
            try:
                model = auto.from_pretrained(where, dtype=torch.float32).to(self.device).eval()
                self._tok = AutoTokenizer.from_pretrained(where)
            except (OSError, ValueError) as exc:
                raise ModelNotFoundError(f"cannot load an image-captioning model from {where}: {exc}") from None
            pre = read_preprocessor_config(where) if Path(where).is_dir() else {}
            self._size = pre.get("size", _image_size(model.config))
            self._mean, self._std = pre.get("mean", CLIP_MEAN), pre.get("std", CLIP_STD)
            self._model = model
        return self

    def caption(self, images: Sequence[np.ndarray], max_new_tokens: int = 30, num_beams: int = 1) -> list[str]:
        images = check_images(images)
        if max_new_tokens < 1:
            raise InvalidInputError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        self.load()
        import torch
        out: list[str] = []
        with torch.inference_mode():
            for i in range(0, len(images), self.batch_size):
                x = torch.from_numpy(preprocess(images[i:i + self.batch_size], self._size, self._mean, self._std))
                ids = self._model.generate(pixel_values=x.to(self.device), max_new_tokens=max_new_tokens,
                                           num_beams=num_beams, do_sample=False)
                out += [t.strip() for t in self._tok.batch_decode(ids, skip_special_tokens=True)]
        return out


@dataclass(frozen=True)
class CaptionInput:
    image: str  # path to an image file
    max_new_tokens: int = 30

    def __post_init__(self):
        if not isinstance(self.image, str) or not self.image:
            raise InvalidInputError("image must be a path to an image file")
        if self.max_new_tokens < 1:
            raise InvalidInputError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")


@register_tool
class CaptionTool(Tool):
    """Caption image files; a batch of same-length requests runs as one generate call per ``batch_size``."""

    name = "image_caption"
    description = ("Describe an image file in one short English sentence (default backend: the ImageNet classes "
                   "EfficientNet-Lite0 sees). Input: image (path). Output: the caption.")
    input_type = CaptionInput
    output_doc = "str: the caption"

    def __init__(self, captioner: Captioner | None = None, backend: str = DEFAULT_CAPTIONER, **backend_kwargs):
        super().__init__()
        self.captioner = captioner if captioner is not None else make_captioner(backend, **backend_kwargs)

    def run(self, inp: CaptionInput) -> str:
        return self.run_batch([inp])[0]

    def run_batch(self, inputs: list[CaptionInput]) -> list[str]:
        out: list[str | None] = [None] * len(inputs)
        by_len: dict[int, list[int]] = {}
        for k, inp in enumerate(inputs):
            by_len.setdefault(inp.max_new_tokens, []).append(k)
        for n, idx in by_len.items():
            caps = self.captioner.caption([load_image(inputs[k].image) for k in idx], max_new_tokens=n)
            for k, c in zip(idx, caps):
                out[k] = c
        return out  # type: ignore[return-value]
