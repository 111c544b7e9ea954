"""The one language-model interface every planner and pipeline talks to.

Shape follows lm-evaluation-harness: ``loglikelihood(requests)`` takes (context, continuation) pairs and returns,
for each, the exact sum of the continuation tokens' log-probabilities and whether the continuation is the greedy
one. ``score_options`` is the planner's entry point (one context, many options); backends override it when they
can share work between options.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Sequence

from compose.errors import InvalidInputError

MAX_INPUT_CHARS = 200_000  # refuse absurdly long inputs with a clear error instead of exhausting memory


@dataclass(frozen=True)
class LLMConfig:
    """How to build a language model. Parsed once from command lines (see ``agents.cli``)."""

    backend: str = "transformers"  # transformers | vllm | openai | fake
    model: str = "smollm2-135m"  # a name known to compose.models, or a hub id / path
    path: str | None = None  # explicit weights path (overrides every other resolution step)
    base_url: str | None = None  # openai-compatible server, e.g. http://127.0.0.1:8000/v1
    dtype: str = "float32"
    timeout_s: float = 60.0
    max_retries: int = 2
    seed: int = 0


@dataclass
class LLMStats:
    """Counters a benchmark records per episode."""

    calls: int = 0  # score_options / loglikelihood / generate calls
    forward_passes: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def check_text(text, what: str) -> str:
    """Validate one input string: type, UTF-8 encodability, length."""
    if not isinstance(text, str):
        raise InvalidInputError(f"{what} must be a string, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(f"{what} is not valid UTF-8 text ({exc.reason} at {exc.start})") from None
    if len(text) > MAX_INPUT_CHARS:
        raise InvalidInputError(f"{what} is {len(text)} characters long; the limit is {MAX_INPUT_CHARS}")
    return text


def check_generate_args(prompts: Sequence[str], max_tokens, temperature, allow_empty: bool = False) -> list[str]:
    """Validate ``generate``'s arguments the same way for every backend; returns the prompts as a list."""
    if isinstance(prompts, str):
        raise InvalidInputError("prompts must be a list of strings, not one string")
    prompts = list(prompts)
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise InvalidInputError(f"max_tokens must be a positive integer, got {max_tokens!r}")
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature >= 0):
        raise InvalidInputError(f"temperature must be a finite number >= 0, got {temperature!r}")
    for i, p in enumerate(prompts):
        check_text(p, f"prompt {i}")
        if not p and not allow_empty:
            raise InvalidInputError(f"prompt {i} is empty")
    return prompts


def check_options(context: str, options: Sequence[str]) -> list[str]:
    check_text(context, "context")
    if not context:
        raise InvalidInputError("context is empty: scoring needs something to condition on")
    options = list(options)
    if not options:
        raise InvalidInputError("option list is empty: nothing to score")
    for i, opt in enumerate(options):
        check_text(opt, f"option {i}")
        if not opt.strip():
            raise InvalidInputError(f"option {i} is empty or whitespace: it has no tokens to score")
    return options


class LanguageModel(ABC):
    """Base class of every backend. Subclasses implement ``loglikelihood`` and ``generate``."""

    name: str = "?"

    def __init__(self) -> None:
        self.stats = LLMStats()

    @abstractmethod
    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        """For each (context, continuation): (sum of continuation-token log-probs in nats, is_greedy)."""

    @abstractmethod
    def generate(
        self,
        prompts: Sequence[str],
        max_tokens: int = 64,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
        seed: int = 0,
    ) -> list[str]:
        """Continue each prompt. temperature 0 is greedy; otherwise sampling is seeded by ``seed``."""

    def score_options(self, context: str, options: Sequence[str]) -> list[float]:
        """Exact log p(option | context) for every option. Backends override this to share work."""
        options = check_options(context, options)
        return [lp for lp, _ in self.loglikelihood([(context, o) for o in options])]

    def close(self) -> None:
        """Release resources (servers, processes). Safe to call twice."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def logsumexp(values: Sequence[float]) -> float:
    m = max(values)
    if m == -math.inf:
        return m
    return m + math.log(sum(math.exp(v - m) for v in values))


def normalize(scores: Sequence[float]) -> list[float]:
    """Softmax over option log-probs: the planner's p_LLM(option | context) restricted to the options."""
    z = logsumexp(scores)
    return [math.exp(s - z) for s in scores]


@dataclass
class ScoredOption:
    text: str
    logprob: float
    extras: dict = field(default_factory=dict)
