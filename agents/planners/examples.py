"""Retrieved few-shot examples: the k bank examples most similar to the request (bundled MiniLM, cosine).

The bank (``data/examples/kitchen_bank.jsonl``, built by ``scripts/build_example_bank.py`` from templates and the
symbolic planner) holds request -> (scene, goal sentence, goal, plan). ``prompt_for`` writes the goal-mode prompt
(Scene / Request / Goal blocks), ``dialog_for`` the step-wise one (SayCan's Human / Robot lines); the most similar
example comes last, next to the request.
"""
from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from compose.errors import InvalidInputError

BANKS = {"kitchen": "data/examples/kitchen_bank.jsonl"}
_LOCK = threading.Lock()


def bank_path(world: str) -> Path:
    if world not in BANKS:
        raise InvalidInputError(f"no example bank for world {world!r}; known: {', '.join(BANKS)}")
    from compose.paths import data_path

    return Path(data_path(*Path(BANKS[world]).parts[1:]))


def load_bank(world: str = "kitchen") -> list[dict]:
    path = bank_path(world)
    if not path.exists():
        raise InvalidInputError(f"{path} is missing: build it with python scripts/build_example_bank.py")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def retrieval_key(instruction: str, mask: bool) -> str:
    """The text a request is retrieved by: itself, or (``mask``) with the objects it names masked, so that the
    nearest examples are requests of the same kind ('find the item') rather than about the same object."""
    if not mask:
        return instruction
    from agents.planners.mentions import request_mentions

    return request_mentions(instruction).masked()


class ExampleBank:
    def __init__(self, rows: list[dict], embedder, k: int = 8, mask: bool = False):
        self.rows, self.embedder, self.k, self.mask = rows, embedder, k, mask
        self._emb: np.ndarray | None = None

    @property
    def embeddings(self) -> np.ndarray:
        with _LOCK:
            if self._emb is None:
                texts = [retrieval_key(r["instruction"], self.mask) for r in self.rows]
                self._emb = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        return self._emb

    def nearest(self, instruction: str, k: int | None = None) -> list[dict]:
        """The k most similar examples, least similar first."""
        q = np.asarray(self.embedder.embed([retrieval_key(instruction, self.mask)]), dtype=np.float32)[0]
        sims = self.embeddings @ q
        top = np.argsort(-sims, kind="stable")[: k or self.k]
        return [self.rows[i] for i in top[::-1]]

    def prompt_for(self, instruction: str, header: str) -> str:
        """The goal-mode prompt: the fixed prompt's first line, then the retrieved examples."""
        first = header.split("\n", 1)[0] + "\n\n"
        blocks = [f"Scene: {r['scene']}\nRequest: {r['instruction']}\nGoal: {r['goal_sentence']}\n\n"
                  for r in self.nearest(instruction)]
        return first + "".join(blocks)

    def dialog_for(self, instruction: str, header: str) -> str:
        """SayCan-style lines 'Human: ...' / 'Robot: 1. ..., 2. ...' after ``header``'s two introduction lines."""
        intro = "".join(header.splitlines(keepends=True)[:2])
        lines = []
        for r in self.nearest(instruction):
            steps = ", ".join(f"{i + 1}. {s}" for i, s in enumerate(r["plan"]))
            lines.append(f"Human: {r['instruction']}\nRobot: {steps}.\n")
        return intro + "".join(lines)


@lru_cache(maxsize=4)
def _bank(world: str) -> tuple[dict, ...]:
    return tuple(load_bank(world))


def example_bank(world: str = "kitchen", k: int = 8, embedder=None, mask: bool = False) -> ExampleBank:
    """The world's bank with the process's cached MiniLM (its embeddings are computed once per process)."""
    from agents.runtime import get_embedder

    key = (world, id(embedder), mask)
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is None:
        cached = ExampleBank(list(_bank(world)), embedder or get_embedder(), k, mask)
        with _LOCK:
            _CACHE[key] = cached
    if cached.k == k:
        return cached
    bank = ExampleBank(cached.rows, cached.embedder, k, mask)
    bank._emb = cached.embeddings
    return bank


_CACHE: dict = {}
