"""LLM backends behind one interface. ``make_llm(LLMConfig(...))`` builds one; unknown names list the known ones.

Backends are imported lazily, so ``import compose.llm`` never pulls vllm or a server client.
"""
from __future__ import annotations

import importlib

from compose.errors import UnknownNameError
from compose.llm.base import LanguageModel, LLMConfig, LLMStats, check_options, normalize

# backend name -> module that defines and registers it
BACKEND_MODULES = {
    "transformers": "compose.llm.transformers_backend",
    "vllm": "compose.llm.vllm_offline",
    "openai": "compose.llm.openai_server",
    "fake": "compose.llm.fake",
}


def make_llm(config: LLMConfig | None = None, **overrides) -> LanguageModel:
    """Build the language model a config describes (keyword overrides win)."""
    import dataclasses

    config = dataclasses.replace(config or LLMConfig(), **overrides)
    if config.backend not in BACKEND_MODULES:
        raise UnknownNameError("LLM backend", config.backend, BACKEND_MODULES)
    module = importlib.import_module(BACKEND_MODULES[config.backend])
    return module.build(config)


__all__ = ["LanguageModel", "LLMConfig", "LLMStats", "make_llm", "check_options", "normalize", "BACKEND_MODULES"]
