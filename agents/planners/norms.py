"""Calibrated option scores for exact LLM scoring: ``sum`` (SayCan's), ``mean`` (per word) and ``pmi``.

- ``sum``: log p(option | context), the exact sum over the option's tokens;
- ``mean``: that sum divided by the option's number of words (long options are not punished for their length);
- ``pmi``: log p(option | context) - log p(option | null context), where the null context is the same prompt
  without the instruction: how much the instruction itself raises the option (Holtzman et al.'s domain-conditional
  PMI). Null scores are cached per null context, so each is computed once per episode.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from compose.errors import UnknownNameError

SCORE_NORMS = ("sum", "mean", "pmi")


def n_words(text: str) -> int:
    return max(1, len(text.replace(".", " .").split()))


class OptionScorer:
    """Scores options with one normalisation; keeps the null-context scores for ``pmi``."""

    def __init__(self, llm, norm: str = "sum"):
        if norm not in SCORE_NORMS:
            raise UnknownNameError("score normalisation", norm, SCORE_NORMS)
        self.llm, self.norm = llm, norm
        self._null: dict[tuple[str, str], float] = {}

    def raw(self, context: str, options: Sequence[str]) -> np.ndarray:
        return np.asarray(self.llm.score_options(context, list(options)), dtype=float)

    def null(self, null_context: str, options: Sequence[str]) -> np.ndarray:
        todo = [o for o in dict.fromkeys(options) if (null_context, o) not in self._null]
        if todo:
            for o, lp in zip(todo, self.raw(null_context, todo)):
                self._null[(null_context, o)] = float(lp)
        return np.array([self._null[(null_context, o)] for o in options])

    def normalise(self, logprobs: np.ndarray, options: Sequence[str], null_context: str | None = None) -> np.ndarray:
        if self.norm == "sum":
            return np.asarray(logprobs, dtype=float)
        if self.norm == "mean":
            return np.asarray(logprobs, dtype=float) / np.array([n_words(o) for o in options])
        if null_context is None:
            raise ValueError("pmi needs the null context")
        return np.asarray(logprobs, dtype=float) - self.null(null_context, options)

    def score(self, context: str, options: Sequence[str], null_context: str | None = None) -> tuple[np.ndarray,
                                                                                                  np.ndarray]:
        """(raw log-probs, normalised scores) of ``options`` after ``context``."""
        lp = self.raw(context, options)
        return lp, self.normalise(lp, options, null_context)
