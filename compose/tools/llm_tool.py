"""The language model as two tools over compose.llm: ``llm_generate`` (free text) and ``llm_score`` (exact
log-likelihood of each option given a prompt, the SayCan / Socratic way of choosing among candidates).

Both share one model: build with ``llm=`` (an existing LanguageModel) or ``config=LLMConfig(...)`` (built lazily
with ``make_llm`` on the first call).
"""
from __future__ import annotations

from dataclasses import dataclass

from compose.errors import InvalidInputError
from compose.llm import LanguageModel, LLMConfig, make_llm, normalize
from compose.tools.base import Tool, check_texts, register_tool


@dataclass(frozen=True)
class GenerateInput:
    prompt: str
    max_tokens: int = 64
    stop: tuple[str, ...] = ()
    temperature: float = 0.0
    seed: int = 0

    def __post_init__(self):
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            raise InvalidInputError("prompt is empty")
        if self.max_tokens < 1:
            raise InvalidInputError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if self.temperature < 0:
            raise InvalidInputError(f"temperature must be >= 0, got {self.temperature}")
        object.__setattr__(self, "stop", tuple(self.stop or ()))


@dataclass(frozen=True)
class ScoreInput:
    prompt: str
    options: tuple[str, ...]

    def __post_init__(self):
        if not isinstance(self.prompt, str) or not self.prompt:
            raise InvalidInputError("prompt is empty: scoring needs something to condition on")
        object.__setattr__(self, "options", tuple(check_texts(
            list(self.options) if isinstance(self.options, (list, tuple)) else self.options, "options")))


@dataclass(frozen=True)
class OptionScores:
    options: tuple[str, ...]
    logprobs: tuple[float, ...]  # exact sum of token log-probs, nats
    probabilities: tuple[float, ...]  # softmax over the options
    best: str


class _LLMTool(Tool):
    def __init__(self, llm: LanguageModel | None = None, config: LLMConfig | None = None, **config_overrides):
        super().__init__()
        if llm is not None and (config is not None or config_overrides):
            raise InvalidInputError("give either llm= or an LLM config, not both")
        self.llm = llm
        self.config = config or (LLMConfig(**config_overrides) if config_overrides else LLMConfig())

    def load(self) -> None:
        if self.llm is None:
            self.llm = make_llm(self.config)


@register_tool
class GenerateTool(_LLMTool):
    name = "llm_generate"
    description = ("Continue a text prompt with the language model. Input: prompt, max_tokens, stop strings, "
                   "temperature (0 = greedy), seed. Output: the generated text.")
    input_type = GenerateInput
    output_doc = "str: the continuation (cut at the first stop string)"

    def run(self, inp: GenerateInput) -> str:
        return self.llm.generate([inp.prompt], max_tokens=inp.max_tokens, stop=list(inp.stop) or None,
                                 temperature=inp.temperature, seed=inp.seed)[0]

    def run_batch(self, inputs: list[GenerateInput]) -> list[str]:
        out: list[str | None] = [None] * len(inputs)
        groups: dict[tuple, list[int]] = {}
        for k, inp in enumerate(inputs):
            groups.setdefault((inp.max_tokens, inp.stop, inp.temperature, inp.seed), []).append(k)
        for (n, stop, temp, seed), idx in groups.items():
            texts = self.llm.generate([inputs[k].prompt for k in idx], max_tokens=n, stop=list(stop) or None,
                                      temperature=temp, seed=seed)
            for k, t in zip(idx, texts):
                out[k] = t
        return out  # type: ignore[return-value]


@register_tool
class ScoreTool(_LLMTool):
    name = "llm_score"
    description = ("Score candidate continuations of a prompt with the language model (exact log-likelihood). "
                   "Input: prompt, options (list). Output: each option's log-probability and probability, and the "
                   "best option.")
    input_type = ScoreInput
    output_doc = "OptionScores(options, logprobs, probabilities, best)"

    def run(self, inp: ScoreInput) -> OptionScores:
        lps = [float(x) for x in self.llm.score_options(inp.prompt, list(inp.options))]
        best = max(range(len(lps)), key=lambda i: lps[i])
        return OptionScores(inp.options, tuple(lps), tuple(normalize(lps)), inp.options[best])
