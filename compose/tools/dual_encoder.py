"""Vision-language dual encoders (CLIP and friends): one small base class + a registry of backends by name.

A backend implements two methods, both returning L2-normalised float32 rows in one shared space::

    encode_images(images: Sequence[np.ndarray HxWx3 uint8]) -> np.ndarray (N, D)
    encode_texts(texts: Sequence[str]) -> np.ndarray (N, D)

and may set ``logit_scale`` (CLIP learns one; 100 by default). Everything else -- similarity, prompt-template
ensembling and zero-shot classification -- is written once here. Backends load their weights lazily, on the first
encode call. Register a backend with ``@DUAL_ENCODERS.register("name")``; ``make_dual_encoder(name, **kwargs)``
builds one. Built in: ``clip`` (transformers CLIPModel, a local dir or hub id) and ``open-clip`` (open_clip).
"""
from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from compose.errors import InvalidInputError, UnknownNameError
from compose.registry import Registry
from compose.tools.base import Tool, check_texts, register_tool
from compose.tools.images import check_image, load_image
from compose.tools.templating import format_label

DUAL_ENCODERS: Registry["DualEncoder"] = Registry("dual encoder")

# backends defined outside this module: name -> module that registers it when imported
DUAL_ENCODER_MODULES = {
    "clip": "compose.tools.clip",
    "open-clip": "compose.tools.clip",
    "lit-minilm": "compose.grounding",
    "lit-random": "compose.grounding",
    "lit-efficientnet": "compose.grounding",
}

# CLIP-style prompt ensemble (a few generic photo templates; average of the normalised text embeddings)
DEFAULT_TEMPLATES: tuple[str, ...] = (
    "a photo of a {label}.",
    "a photo of the {label}.",
    "a picture of a {label}.",
    "an image showing a {label}.",
)


def l2_normalize(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=axis, keepdims=True)
    return x / np.maximum(n, 1e-12)


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    z = logits - logits.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


class DualEncoder(ABC):
    """Two towers into one space. Subclasses implement ``encode_images`` and ``encode_texts``."""

    name: str = "?"
    logit_scale: float = 100.0  # multiplies cosine similarities before a softmax

    @abstractmethod
    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """(N, D) float32, each row L2-normalised."""

    @abstractmethod
    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """(N, D) float32, each row L2-normalised."""

    # -- written once for every backend ----------------------------------------------------------------------------
    def similarity(self, images: Sequence[np.ndarray], texts: Sequence[str]) -> np.ndarray:
        """(N_images, N_texts) cosine similarities."""
        return self.encode_images(images) @ self.encode_texts(texts).T

    def text_classifier(self, labels: Sequence[str], templates: Sequence[str] = DEFAULT_TEMPLATES) -> np.ndarray:
        """(L, D) label embeddings: per label, the normalised mean of its normalised template embeddings."""
        labels = check_texts(labels, "labels")
        if len(set(labels)) != len(labels):
            dup = sorted({x for x in labels if labels.count(x) > 1})
            raise InvalidInputError(f"labels contain duplicates: {', '.join(dup)}")
        templates = list(templates)
        if not templates:
            raise InvalidInputError("templates is empty: give at least one, e.g. 'a photo of a {label}.'")
        key = (tuple(labels), tuple(templates))
        cache = self.__dict__.setdefault("_classifier_cache", {})
        if key not in cache:
            prompts = [format_label(t, lab) for lab in labels for t in templates]
            emb = self.encode_texts(prompts).reshape(len(labels), len(templates), -1)
            cache[key] = l2_normalize(l2_normalize(emb).mean(axis=1))
            if len(cache) > 64:
                cache.pop(next(iter(cache)))
        return cache[key]

    def zero_shot(self, images, labels: Sequence[str], templates: Sequence[str] = DEFAULT_TEMPLATES) -> np.ndarray:
        """Probabilities over ``labels``: (L,) for one HxWx3 image, (N, L) for a list of images."""
        single = isinstance(images, np.ndarray) and images.ndim in (2, 3)
        batch = [check_image(images)] if single else images
        cls = self.text_classifier(labels, templates)
        probs = softmax(self.logit_scale * (self.encode_images(batch) @ cls.T))
        return probs[0] if single else probs

    def rank_texts(self, image: np.ndarray, texts: Sequence[str]) -> list[tuple[int, float]]:
        """(index, similarity) of ``texts`` for one image, best first (used to re-rank captions)."""
        texts = check_texts(texts, "texts")
        sims = self.similarity([check_image(image)], texts)[0]
        order = np.argsort(-sims, kind="stable")
        return [(int(i), float(sims[i])) for i in order]


def make_dual_encoder(name: str, **kwargs) -> DualEncoder:
    """Build the dual-encoder backend registered as ``name`` (kwargs go to its constructor; nothing loads yet)."""
    if name not in DUAL_ENCODERS and name in DUAL_ENCODER_MODULES:
        try:
            importlib.import_module(DUAL_ENCODER_MODULES[name])
        except ImportError as exc:
            raise UnknownNameError("dual encoder", f"{name} (its module failed to import: {exc})",
                                   dual_encoder_names()) from None
    if name not in DUAL_ENCODERS:
        raise UnknownNameError("dual encoder", name, dual_encoder_names())
    return DUAL_ENCODERS.get(name)(**kwargs)


def dual_encoder_names() -> list[str]:
    return sorted(set(DUAL_ENCODERS.names()) | set(DUAL_ENCODER_MODULES))


# -- the tool --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ZeroShotInput:
    image: str  # path to an image file
    labels: tuple[str, ...] = ()  # empty: a closed-vocabulary backend's own classes (dual encoders need labels)
    templates: tuple[str, ...] = DEFAULT_TEMPLATES
    top_k: int = 5

    def __post_init__(self):
        labels = self.labels
        if isinstance(labels, (list, tuple)) and len(labels) == 0:
            object.__setattr__(self, "labels", ())
        else:
            object.__setattr__(self, "labels", tuple(check_texts(list(labels) if isinstance(labels, (list, tuple))
                                                                 else labels, "labels")))
        object.__setattr__(self, "templates", tuple(self.templates))
        if self.top_k < 1:
            raise InvalidInputError(f"top_k must be >= 1, got {self.top_k}")


@dataclass(frozen=True)
class LabelScore:
    label: str
    probability: float


DEFAULT_CLASSIFY_BACKEND = "efficientnet-lite0"


def classify_backend_names() -> list[str]:
    from compose.tools.imagenet import classifier_names

    return sorted(set(classifier_names()) | set(dual_encoder_names()))


@register_tool
class ZeroShotImageTool(Tool):
    """Image classification: a closed-vocabulary classifier (default: EfficientNet-Lite0 over the 1000 ImageNet
    classes, offline) or zero-shot with a dual encoder among the given labels (prompt ensembling over templates)."""

    name = "image_classify"
    description = ("Classify an image file. Default backend: EfficientNet-Lite0 over the 1000 ImageNet classes "
                   "(labels optional: restrict to some of them). With a dual-encoder backend (lit-minilm, clip): "
                   "zero-shot among candidate labels. Input: image (path), labels (list of short noun phrases), "
                   "top_k. Output: the top labels with probabilities, best first.")
    input_type = ZeroShotInput
    output_doc = "list[LabelScore(label: str, probability: float)], best first, at most top_k"

    def __init__(self, encoder: DualEncoder | None = None, backend: str = DEFAULT_CLASSIFY_BACKEND,
                 classifier=None, **backend_kwargs):
        super().__init__()
        from compose.tools.imagenet import CLASSIFIERS

        self.encoder, self.classifier = encoder, classifier
        if encoder is None and classifier is None:
            if backend in CLASSIFIERS:
                self.classifier = CLASSIFIERS.get(backend)(**backend_kwargs)
            elif backend in DUAL_ENCODERS or backend in DUAL_ENCODER_MODULES:
                self.encoder = make_dual_encoder(backend, **backend_kwargs)
            else:
                raise UnknownNameError("image_classify backend", backend, classify_backend_names())

    def run(self, inp: ZeroShotInput) -> list[LabelScore]:
        return self.run_batch([inp])[0]

    def run_batch(self, inputs: list[ZeroShotInput]) -> list[list[LabelScore]]:
        out = []
        for inp in inputs:  # images differ in labels; encode each image with its own label set
            if self.classifier is not None:
                top = self.classifier.top_k(load_image(inp.image), inp.top_k, list(inp.labels) or None)
                out.append([LabelScore(lab, p) for lab, p in top])
                continue
            if not inp.labels:
                raise InvalidInputError(f"labels is empty: the dual encoder {getattr(self.encoder, 'name', '?')!r} "
                                        "classifies among given labels (pass labels=[...])")
            probs = self.encoder.zero_shot(load_image(inp.image), inp.labels, inp.templates)
            order = np.argsort(-probs, kind="stable")[: inp.top_k]
            out.append([LabelScore(inp.labels[i], float(probs[i])) for i in order])
        return out
