"""Use any of our LanguageModel backends as a LangChain ``LLM`` (so it fits in ``prompt | llm | parser`` chains).

    from compose.llm import make_llm
    from compose.langchain_llm import as_langchain_llm
    llm = as_langchain_llm(make_llm(backend="transformers"), max_tokens=32)
    chain = PromptTemplate.from_template("Q: {q}\\nA:") | llm | StrOutputParser()

Generation is greedy unless ``temperature`` > 0, in which case it is seeded by ``seed``; a batch of prompts
(``llm.batch``/``generate``) becomes one ``LanguageModel.generate`` call.
"""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.llms import LLM
from langchain_core.outputs import Generation, LLMResult
from pydantic import ConfigDict, Field

from compose.errors import InvalidInputError
from compose.llm.base import LanguageModel

_SAMPLING_KEYS = ("max_tokens", "temperature", "seed")


class SocraticLLM(LLM):
    """LangChain adapter over a ``compose.llm`` LanguageModel. Call-time kwargs override the sampling fields."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: LanguageModel = Field(exclude=True)
    max_tokens: int = 64
    temperature: float = 0.0
    seed: int = 0

    @property
    def _llm_type(self) -> str:
        return f"socratic-{self.model.name}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"backend": self.model.name, "max_tokens": self.max_tokens, "temperature": self.temperature,
                "seed": self.seed}

    def _sampling(self, kwargs: dict) -> dict:
        unknown = set(kwargs) - set(_SAMPLING_KEYS)
        if unknown:
            raise InvalidInputError(f"unknown generation option(s) {sorted(unknown)}; known: {list(_SAMPLING_KEYS)}")
        return {key: kwargs.get(key, getattr(self, key)) for key in _SAMPLING_KEYS}

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return self.model.generate([prompt], stop=stop, **self._sampling(kwargs))[0]

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        texts = self.model.generate(list(prompts), stop=stop, **self._sampling(kwargs))
        return LLMResult(generations=[[Generation(text=t)] for t in texts], llm_output={"backend": self.model.name})


def as_langchain_llm(model: LanguageModel, max_tokens: int = 64, temperature: float = 0.0, seed: int = 0) -> LLM:
    """Wrap ``model`` (any backend) as a LangChain LLM."""
    if not isinstance(model, LanguageModel):
        raise InvalidInputError(f"as_langchain_llm needs a compose LanguageModel, got {type(model).__name__}")
    return SocraticLLM(model=model, max_tokens=max_tokens, temperature=temperature, seed=seed)
