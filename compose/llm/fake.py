"""A deterministic fake language model for planner-logic tests (backend name ``fake``).

Scores come from, in order: a user ``scorer(context, option) -> float``; a ``table`` mapping a context substring
to the preferred continuation(s) (a preferred option scores ``preferred_score``, the others fall through to the
default); the default: a hash of (seed, context, option) in [-1, 0) minus ``length_penalty`` per word, so longer
options score lower. ``generate`` returns scripted ``responses`` (a list consumed in order, a dict of prompt
substring -> answer, or a callable), else ``default_response``. Stop strings cut the output as in real backends.
"""
from __future__ import annotations

import hashlib
import time
from typing import Callable, Mapping, Sequence

from compose.errors import InvalidInputError
from compose.llm.base import LanguageModel, LLMConfig, check_options, check_text

Responses = Sequence[str] | Mapping[str, str] | Callable[[str], str] | None


class FakeLLM(LanguageModel):
    name = "fake"

    def __init__(self, scorer: Callable[[str, str], float] | None = None,
                 table: Mapping[str, str | Sequence[str]] | None = None, responses: Responses = None,
                 default_response: str = "", seed: int = 0, preferred_score: float = -0.1,
                 length_penalty: float = 0.5):
        super().__init__()
        self.scorer, self.seed = scorer, seed
        self.table = {k: ([v] if isinstance(v, str) else list(v)) for k, v in (table or {}).items()}
        self.responses, self.default_response = responses, default_response
        self.preferred_score, self.length_penalty = preferred_score, length_penalty
        self._next = 0  # position in a list of responses
        self.prompts: list[str] = []  # every prompt generate() saw, for assertions
        self.scored: list[tuple[str, tuple[str, ...]]] = []  # every (context, options) score_options() saw

    def score(self, context: str, option: str) -> float:
        """The fake log-probability of ``option`` after ``context`` (always <= 0 unless a scorer says otherwise)."""
        if self.scorer is not None:
            return float(self.scorer(context, option))
        for key, preferred in self.table.items():
            if key in context and option.strip() in (p.strip() for p in preferred):
                return self.preferred_score
        digest = hashlib.sha256(f"{self.seed}\x00{context}\x00{option}".encode("utf-8")).digest()
        unit = int.from_bytes(digest[:8], "big") / 2.0 ** 64
        return -1.0 - unit - self.length_penalty * len(option.split())

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        started = time.perf_counter()
        out = []
        for context, cont in requests:
            check_options(context, [cont])
            s = self.score(context, cont)
            out.append((s, s >= self.preferred_score))
        self._count(started, len(out))
        return out

    def score_options(self, context: str, options: Sequence[str]) -> list[float]:
        started = time.perf_counter()
        options = check_options(context, options)
        self.scored.append((context, tuple(options)))
        out = [self.score(context, o) for o in options]
        self._count(started, 1)
        return out

    def generate(self, prompts: Sequence[str], max_tokens: int = 64, stop: Sequence[str] | None = None,
                 temperature: float = 0.0, seed: int = 0) -> list[str]:
        started = time.perf_counter()
        if not isinstance(max_tokens, int) or max_tokens < 1:
            raise InvalidInputError(f"max_tokens must be a positive integer, got {max_tokens!r}")
        outs = []
        for i, prompt in enumerate(prompts):
            check_text(prompt, f"prompt {i}")
            self.prompts.append(prompt)
            text = self._answer(prompt)
            for s in stop or []:
                if s and s in text:
                    text = text[:text.index(s)]
            outs.append(text)
            self.stats.tokens_out += len(text.split())
        self._count(started, len(outs))
        return outs

    def _answer(self, prompt: str) -> str:
        r = self.responses
        if r is None:
            return self.default_response
        if callable(r):
            return str(r(prompt))
        if isinstance(r, Mapping):
            for key, answer in r.items():
                if key in prompt:
                    return answer
            return self.default_response
        if self._next < len(r):
            self._next += 1
            return r[self._next - 1]
        return self.default_response

    def _count(self, started: float, passes: int) -> None:
        self.stats.calls += 1
        self.stats.forward_passes += passes
        self.stats.seconds += time.perf_counter() - started


def build(config: LLMConfig) -> FakeLLM:
    """make_llm entry point: a default FakeLLM seeded from the config."""
    return FakeLLM(seed=config.seed)
