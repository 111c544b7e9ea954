"""Images in and out of vision models: validation, loading, and CLIP-style preprocessing with PIL + numpy only.

(torchvision is deliberately not used: it does not install beside the pinned torch.)
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from compose.errors import InvalidInputError

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def check_image(image, what: str = "image") -> np.ndarray:
    """An HxWx3 uint8 array (HxW grey and HxWx4 RGBA are converted); anything else is an InvalidInputError."""
    if not isinstance(image, np.ndarray):
        raise InvalidInputError(f"{what} must be a numpy array HxWx3 uint8, got {type(image).__name__}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise InvalidInputError(f"{what} must have shape HxWx3, got {image.shape}")
    if image.shape[2] == 4:
        image = image[:, :, :3]
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise InvalidInputError(f"{what} is empty (shape {image.shape})")
    if image.dtype != np.uint8:
        if np.issubdtype(image.dtype, np.floating) and image.size and 0.0 <= image.min() and image.max() <= 1.0:
            image = (image * 255.0).round()
        image = np.clip(image, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image)


def check_images(images, what: str = "images") -> list[np.ndarray]:
    """A sequence of images (a single HxWx3 array is NOT a sequence here: wrap it in a list)."""
    if isinstance(images, np.ndarray) and images.ndim == 4:
        images = list(images)
    if isinstance(images, np.ndarray) or not isinstance(images, (list, tuple)):
        raise InvalidInputError(f"{what} must be a list of HxWx3 uint8 arrays")
    if not images:
        raise InvalidInputError(f"{what} is empty")
    return [check_image(im, f"{what}[{i}]") for i, im in enumerate(images)]


def load_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as HxWx3 uint8; missing or unreadable files raise InvalidInputError."""
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"no image file at {p}")
    try:
        with Image.open(p) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInputError(f"cannot read image {p}: {exc}") from None


def preprocess(images: Sequence[np.ndarray], size: int, mean=CLIP_MEAN, std=CLIP_STD,
               crop: bool = True) -> np.ndarray:
    """Resize (shorter side to ``size``, bicubic) + centre crop (or plain resize) -> normalised (N, 3, size, size)."""
    from PIL import Image

    out = np.empty((len(images), 3, size, size), dtype=np.float32)
    m = np.asarray(mean, dtype=np.float32)[:, None, None]
    s = np.asarray(std, dtype=np.float32)[:, None, None]
    for k, arr in enumerate(images):
        im = Image.fromarray(check_image(arr))
        if crop:
            w, h = im.size
            scale = size / min(w, h)
            nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
            im = im.resize((nw, nh), Image.Resampling.BICUBIC)
            left, top = (nw - size) // 2, (nh - size) // 2
            im = im.crop((left, top, left + size, top + size))
        else:
            im = im.resize((size, size), Image.Resampling.BICUBIC)
        x = np.asarray(im, dtype=np.float32).transpose(2, 0, 1) / 255.0
        out[k] = (x - m) / s
    return out


def read_preprocessor_config(model_dir: str) -> dict:
    """size / mean / std from a saved ``preprocessor_config.json`` when there is one (else {})."""
    import json

    p = Path(model_dir) / "preprocessor_config.json"
    if not p.is_file():
        return {}
    cfg = json.loads(p.read_text())
    out = {}
    size = cfg.get("crop_size") or cfg.get("size")
    if isinstance(size, dict):
        size = size.get("height") or size.get("shortest_edge")
    if isinstance(size, int):
        out["size"] = size
    if cfg.get("image_mean"):
        out["mean"] = tuple(cfg["image_mean"])
    if cfg.get("image_std"):
        out["std"] = tuple(cfg["image_std"])
    return out
