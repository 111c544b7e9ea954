"""Perception of the table from one rendered camera frame: *where* from the segmentation mask and depth, *what* from
the pixels.

Each segment of the simulator's segmentation mask that is not the robot, the table or the floor is one blob. Its
pixels are lifted to 3-D with the depth buffer, which gives the object's footprint, height and (for blocks) yaw;
a blob wider than ``BOWL_MIN_SPAN`` is a bowl, otherwise a block. The blob's *identity* -- which colour -- comes from
a classifier over the pixels (registry ``CLASSIFIERS``):

- ``colour``: a shading-invariant nearest-colour rule over the blob's median pixel (the documented fallback);
- ``dual-encoder``: zero-shot classification of the blob's crop against "a red block", "a blue bowl", ... with a
  dual encoder from ``compose.tools.dual_encoder`` (default backend ``lit-minilm``);
- ``auto``: the dual encoder when its weights are installed, else ``colour``.

The simulator's object ids are used only to group pixels, never to name objects.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from compose.registry import Registry
from envs.tabletop.camera import Frame
from envs.tabletop.vocab import COLOURS, KINDS, RGB

BOWL_MIN_SPAN = 0.085  # metres: blobs wider than this are bowls (blocks span <= 0.057 even diagonally)
MIN_PIXELS = 6
SHADE_RANGE = (0.45, 1.05)  # how much the renderer's shading may darken or brighten a surface colour


@dataclass(frozen=True)
class Blob:
    """One segment of the frame, with its geometry in table coordinates."""

    uid: int
    pixels: int
    bbox: tuple[int, int, int, int]  # row0, col0, row1, col1 (exclusive)
    rgb_median: tuple[float, float, float]  # in [0, 1]
    x: float
    y: float
    top: float
    span: float
    yaw: float
    kind: str
    mask: np.ndarray | None = field(default=None, compare=False, repr=False)  # (H, W) bool over the frame


@dataclass(frozen=True)
class Detection:
    """One perceived object: what it is (with the classifier's confidence) and where."""

    name: str
    confidence: float
    x: float
    y: float
    top: float
    yaw: float
    kind: str
    colour: str
    pixels: int

    def as_dict(self) -> dict:
        return {"name": self.name, "confidence": round(self.confidence, 4), "x": round(self.x, 4),
                "y": round(self.y, 4), "top": round(self.top, 4), "yaw": round(self.yaw, 4)}


@dataclass
class Perception:
    detections: list[Detection]
    image: np.ndarray | None = field(default=None, repr=False)
    cache: dict = field(default_factory=dict, repr=False)  # facts derived once per frame (skills' affordances)

    def find(self, name: str) -> Detection | None:
        """The most confident detection named ``name``."""
        best = [d for d in self.detections if d.name == name]
        return max(best, key=lambda d: d.confidence) if best else None

    def names(self) -> list[str]:
        """Distinct perceived object names, blocks first then bowls, each in colour order."""
        seen = {d.name for d in self.detections}
        return [f"{c} {k}" for k in KINDS for c in COLOURS if f"{c} {k}" in seen]

    def summary(self) -> list[dict]:
        return [d.as_dict() for d in sorted(self.detections, key=lambda d: d.name)]


# ------------------------------------------------------------------------------------------------ geometry
def _block_yaw(xy: np.ndarray) -> float:
    """Yaw in [-pi/4, pi/4) of a square's top face from its points: the rotation with the smallest bounding box."""
    xy = xy - xy.mean(axis=0)
    best, best_area = 0.0, math.inf
    for deg in range(-45, 45, 3):
        a = math.radians(deg)
        c, s = math.cos(a), math.sin(a)
        u = xy @ np.array([[c, -s], [s, c]])
        area = float(np.ptp(u[:, 0]) * np.ptp(u[:, 1]))
        if area < best_area:
            best, best_area = a, area
    return best


def segment(frame: Frame, ignore: Sequence[int]) -> list[Blob]:
    """Blobs of the frame's segmentation mask, except the bodies in ``ignore`` (robot, table, floor)."""
    blobs = []
    ids = np.unique(frame.seg)
    for uid in ids:
        uid = int(uid)
        if uid < 0 or uid in ignore:
            continue
        mask = frame.seg == uid
        n = int(mask.sum())
        if n < MIN_PIXELS:
            continue
        rows, cols = np.nonzero(mask)
        pts = frame.points[mask]
        top = float(np.percentile(pts[:, 2], 98))
        lo, hi = np.percentile(pts[:, :2], 2, axis=0), np.percentile(pts[:, :2], 98, axis=0)
        span = float(np.max(hi - lo))
        kind = "bowl" if span > BOWL_MIN_SPAN else "block"
        if kind == "bowl":
            x, y = (lo + hi) / 2
            yaw = 0.0
        else:
            face = pts[pts[:, 2] > top - 0.006][:, :2]
            x, y = face.mean(axis=0)
            yaw = _block_yaw(face) if len(face) >= 8 else 0.0
        med = np.median(frame.rgb[mask].astype(np.float64) / 255.0, axis=0)
        blobs.append(Blob(uid, n, (int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1),
                          tuple(float(v) for v in med), float(x), float(y), top, span, yaw, kind, mask))
    return blobs


def crop(image: np.ndarray, blob: Blob, pad: int = 3, background: int = 255) -> np.ndarray:
    """The blob's bounding box from ``image``, with pixels of other things painted ``background`` (white)."""
    r0, c0, r1, c1 = blob.bbox
    h, w = image.shape[:2]
    rows, cols = slice(max(r0 - pad, 0), min(r1 + pad, h)), slice(max(c0 - pad, 0), min(c1 + pad, w))
    out = image[rows, cols].copy()
    if blob.mask is not None:
        out[~blob.mask[rows, cols]] = background
    return out


# ------------------------------------------------------------------------------------------------ classifiers
class Classifier(ABC):
    """Names blobs: returns, per blob, a probability for each colour (the kind comes from the blob's geometry)."""

    name = "?"

    @abstractmethod
    def colour_probs(self, image: np.ndarray, blobs: Sequence[Blob]) -> np.ndarray:  # (N, len(COLOURS))
        """Per blob, a probability for each colour."""


CLASSIFIERS: Registry[Classifier] = Registry("tabletop classifier")


@CLASSIFIERS.register("colour")
class ColourClassifier(Classifier):
    """Nearest palette colour up to shading: distance from the median pixel to the segment {s * rgb : s in range}."""

    name = "colour"

    def __init__(self, temperature: float = 0.03):
        self.temperature = temperature
        self.palette = np.array([RGB[c] for c in COLOURS])

    def distances(self, rgb: np.ndarray) -> np.ndarray:
        ref = self.palette
        s = np.clip((ref @ rgb) / np.maximum((ref * ref).sum(axis=1), 1e-9), *SHADE_RANGE)
        return np.linalg.norm(rgb[None, :] - s[:, None] * ref, axis=1)

    def colour_probs(self, image, blobs):
        out = np.zeros((len(blobs), len(COLOURS)))
        for i, b in enumerate(blobs):
            logits = -self.distances(np.array(b.rgb_median)) / self.temperature
            e = np.exp(logits - logits.max())
            out[i] = e / e.sum()
        return out


@CLASSIFIERS.register("dual-encoder")
class DualEncoderClassifier(Classifier):
    """Zero-shot over crops with a dual encoder: labels '<colour> <kind>' for the blob's (geometric) kind."""

    name = "dual-encoder"

    def __init__(self, backend: str = "lit-minilm", encoder=None):
        from compose.tools.dual_encoder import make_dual_encoder

        self.backend = backend
        self.encoder = encoder if encoder is not None else make_dual_encoder(backend)

    def colour_probs(self, image, blobs):
        out = np.zeros((len(blobs), len(COLOURS)))
        for kind in KINDS:
            idx = [i for i, b in enumerate(blobs) if b.kind == kind]
            if idx:
                crops = [crop(image, blobs[i]) for i in idx]
                out[idx] = self.encoder.zero_shot(crops, [f"{c} {kind}" for c in COLOURS])
        return out


@CLASSIFIERS.register("auto")
def auto_classifier(**kwargs) -> Classifier:
    """The dual encoder when it can be built and loaded offline, else the colour rule."""
    try:
        clf = DualEncoderClassifier(**kwargs)
        clf.encoder.encode_texts(["a red block"])  # forces the weights to load
        return clf
    except Exception:  # noqa: BLE001 - any failure to load means: fall back, as documented
        return ColourClassifier()


def make_classifier(name: str = "colour", **kwargs) -> Classifier:
    """``colour``, ``auto``, ``dual-encoder`` or ``dual-encoder:<backend>`` (e.g. ``dual-encoder:clip``)."""
    name, _, backend = name.partition(":")
    if backend:
        kwargs["backend"] = backend
    return CLASSIFIERS.get(name)(**kwargs)


def perceive(frame: Frame, ignore: Sequence[int], classifier: Classifier) -> Perception:
    """Detections in ``frame``: one per blob, named by its kind and most probable colour."""
    blobs = segment(frame, ignore)
    probs = classifier.colour_probs(frame.rgb, blobs) if blobs else np.zeros((0, len(COLOURS)))
    dets = []
    for b, pr in zip(blobs, probs):
        k = int(np.argmax(pr))
        dets.append(Detection(f"{COLOURS[k]} {b.kind}", float(pr[k]), b.x, b.y, b.top, b.yaw, b.kind, COLOURS[k],
                              b.pixels))
    return Perception(dets, frame.rgb)
