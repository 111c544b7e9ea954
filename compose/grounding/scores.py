"""Node-landmark scores for LM-Nav: max over a node's views of the dual encoder's cosine similarity.

Image embeddings of a graph are computed once and cached on disk (``$SOCRATIC_CACHE/lmnav`` or the user cache dir;
the old $SOCRATIC_CACHE_DIR is deprecated) under a key of graph name + graph file hash + encoder name + model hash,
so a second instruction only encodes its texts.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from compose.errors import InvalidInputError


def cache_dir() -> Path:
    """``lmnav/`` under the project's one cache root (``compose.models.cache_dir``: ``$SOCRATIC_CACHE`` or the user
    cache dir). ``$SOCRATIC_CACHE_DIR`` is still read for this cache but deprecated: use ``SOCRATIC_CACHE``."""
    if os.environ.get("SOCRATIC_CACHE_DIR"):
        import warnings

        warnings.warn("SOCRATIC_CACHE_DIR is deprecated; set SOCRATIC_CACHE (the one cache root)", DeprecationWarning,
                      stacklevel=2)
        return Path(os.environ["SOCRATIC_CACHE_DIR"]) / "lmnav"
    from compose.models import cache_dir as cache_root

    return cache_root() / "lmnav"


def encoder_key(encoder) -> str:
    """A stable identifier of the encoder's weights (``model_hash`` when it has one)."""
    h = getattr(encoder, "model_hash", None)
    if h:
        return f"{getattr(encoder, 'name', type(encoder).__name__)}-{h}"
    ident = repr((type(encoder).__name__, getattr(encoder, "path", None), getattr(encoder, "model", None),
                  getattr(encoder, "model_name", None), getattr(encoder, "pretrained", None)))
    return f"{getattr(encoder, 'name', 'enc')}-{hashlib.sha256(ident.encode()).hexdigest()[:16]}"


def _graph_hash(world) -> str:
    h = hashlib.sha256(world.offsets.tobytes())
    h.update(world.png[:: max(1, len(world.png) // 65536)].tobytes())
    return h.hexdigest()[:12]


class NodeScorer:
    """Scores landmark phrases against every node of one graph world for one encoder."""

    def __init__(self, encoder, world, use_cache: bool = True, progress: bool = False):
        self.encoder, self.world = encoder, world
        self.use_cache, self.progress = use_cache, progress
        self._emb: np.ndarray | None = None  # (N, V, D)
        self.cache_hit = False

    @property
    def cache_path(self) -> Path:
        return cache_dir() / f"{self.world.name}-{_graph_hash(self.world)}-{encoder_key(self.encoder)}.npy"

    def image_embeddings(self) -> np.ndarray:
        if self._emb is not None:
            return self._emb
        path = self.cache_path
        if self.use_cache and path.exists():
            try:
                self._emb = np.load(path)
                self.cache_hit = True
                return self._emb
            except (OSError, ValueError):
                path.unlink(missing_ok=True)  # a corrupt cache entry is recomputed
        from tqdm import tqdm

        n, v = len(self.world.nodes), self.world.n_views
        rows = []
        for node in tqdm(self.world.nodes, desc=f"embed {self.world.name}", disable=not self.progress):
            rows.append(self.encoder.encode_images(list(self.world.views(node))))
        self._emb = np.stack(rows).astype(np.float32).reshape(n, v, -1)
        if self.use_cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, self._emb)
            os.replace(tmp, path)
        return self._emb

    def view_similarities(self, phrases, prompt: str = "a photo of the {}") -> np.ndarray:
        """(L, N, V): cosine similarity of each phrase with each view of each node."""
        phrases = list(phrases)
        if not phrases:
            raise InvalidInputError("no landmarks to score")
        texts = [prompt.format(p) if "{}" in prompt else f"{prompt} {p}" for p in phrases]
        t = self.encoder.encode_texts(texts)  # (L, D)
        return np.einsum("nvd,ld->lnv", self.image_embeddings(), t)

    def similarities(self, phrases, prompt: str = "a photo of the {}") -> np.ndarray:
        """(L, N): for each phrase, the best cosine similarity over each node's views."""
        return self.view_similarities(phrases, prompt).max(axis=2)

    def best_views(self, phrases, prompt: str = "a photo of the {}") -> np.ndarray:
        """(L, N) index of the best-matching view per node."""
        t = self.encoder.encode_texts([prompt.format(p) for p in phrases])
        return np.einsum("nvd,ld->lnv", self.image_embeddings(), t).argmax(axis=2)


BACKGROUND_PROMPTS = ("an empty street", "a road with houses")


def text_contrast_log_probs(scorer: NodeScorer, phrases, scale: float, prompt: str = "a photo of the {}"):
    """(L, N): log of max over views of P(phrase | view), a softmax over the instruction's phrases plus background
    prompts -- calibrated per view, so a view that matches nothing in particular scores low for every landmark."""
    phrases = list(phrases)
    sims = scorer.view_similarities(phrases + list(BACKGROUND_PROMPTS), prompt)  # (L+B, N, V)
    z = scale * sims
    z = z - z.max(axis=0, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=0, keepdims=True))
    return logp[: len(phrases)].max(axis=2)


def log_probs(sims: np.ndarray, scale: float) -> np.ndarray:
    """Per landmark, log-softmax over nodes of ``scale`` x similarity: log P(node | landmark)."""
    z = scale * np.asarray(sims, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
