"""Per-process caches of loaded models, so a worker loads each model once however many episodes it runs.

These caches are the only state kept between episodes; they hold models, never episode data.
"""
from __future__ import annotations

import threading

from compose.llm import LanguageModel, LLMConfig, make_llm

_LOCK = threading.Lock()
_LLMS: dict[LLMConfig, LanguageModel] = {}
_EMBEDDER = None


def get_llm(config: LLMConfig) -> LanguageModel:
    with _LOCK:
        if config not in _LLMS:
            _LLMS[config] = make_llm(config)
        return _LLMS[config]


def get_embedder():
    global _EMBEDDER
    with _LOCK:
        if _EMBEDDER is None:
            from compose.tools.embedder import TextEmbedder

            _EMBEDDER = TextEmbedder()
        return _EMBEDDER
