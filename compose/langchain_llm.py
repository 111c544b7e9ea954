"""Use any of our LanguageModel backends in LangChain: as a chat model (questions, instructions) or a text LLM.

    from compose.llm import make_llm
    from compose.langchain_llm import as_langchain_chat_model, as_langchain_llm
    chat = as_langchain_chat_model(make_llm(), max_tokens=48)          # messages through the chat template
    chain = ChatPromptTemplate.from_messages([("human", "{scene}\\n{q}")]) | chat | StrOutputParser()
    llm = as_langchain_llm(make_llm(), max_tokens=32)                  # raw text completion (few-shot prompts)

The bundled default, SmolLM2-135M-Instruct, is a chat model: ask it questions through the chat model. Through the
text LLM a bare "Question: ...\\nAnswer:" prompt often gets an empty answer (the model ends its turn at once);
use the text LLM for completion-style prompts such as the few-shot planner prompts.

Generation is greedy unless ``temperature`` > 0, in which case it is seeded by ``seed``; a batch of prompts
(``llm.batch``/``generate``) becomes one ``LanguageModel.generate`` call.
"""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.llms import LLM
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult, Generation, LLMResult
from pydantic import BaseModel, ConfigDict, Field

from compose.errors import InvalidInputError
from compose.llm.base import LanguageModel

_SAMPLING_KEYS = ("max_tokens", "temperature", "seed")


class _SocraticFields(BaseModel):
    """What both adapters share: the wrapped LanguageModel, its sampling defaults, and call-time overrides."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: LanguageModel = Field(exclude=True)
    max_tokens: int = 64
    temperature: float = 0.0
    seed: int = 0

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"backend": self.model.name, "max_tokens": self.max_tokens, "temperature": self.temperature,
                "seed": self.seed}

    def _sampling(self, kwargs: dict) -> dict:
        unknown = set(kwargs) - set(_SAMPLING_KEYS)
        if unknown:
            raise InvalidInputError(f"unknown generation option(s) {sorted(unknown)}; known: {list(_SAMPLING_KEYS)}")
        return {key: kwargs.get(key, getattr(self, key)) for key in _SAMPLING_KEYS}


class SocraticLLM(_SocraticFields, LLM):
    """LangChain adapter over a ``compose.llm`` LanguageModel. Call-time kwargs override the sampling fields."""

    @property
    def _llm_type(self) -> str:
        return f"socratic-{self.model.name}"

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


# ------------------------------------------------------------------------------------------------ chat model
_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def chat_prompt(model: LanguageModel, messages: list[dict]) -> str:
    """``messages`` ([{"role", "content"}]) as the prompt text the model was trained on: its tokenizer's chat template
    when it has one (the bundled SmolLM2-135M-Instruct and the Qwen models do), else a plain transcript
    ("System: ...", "User: ...", "Assistant:")."""
    tok = getattr(model, "tokenizer", None)
    if tok is not None and getattr(tok, "chat_template", None):
        return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    lines = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
    return "\n".join(lines) + "\nAssistant:"


class SocraticChatModel(_SocraticFields, BaseChatModel):
    """LangChain chat model over a ``compose.llm`` LanguageModel: messages go through the model's chat template, so
    instruction-tuned models (the default SmolLM2-135M-Instruct) answer questions instead of continuing text."""

    @property
    def _llm_type(self) -> str:
        return f"socratic-chat-{self.model.name}"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        sampling = self._sampling(kwargs)
        turns = [{"role": _ROLES.get(m.type, m.type), "content": m.content if isinstance(m.content, str)
                  else str(m.content)} for m in messages]
        text = self.model.generate([chat_prompt(self.model, turns)], stop=stop, **sampling)[0]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text.strip()))],
                          llm_output={"backend": self.model.name})


def as_langchain_chat_model(model: LanguageModel, max_tokens: int = 64, temperature: float = 0.0,
                            seed: int = 0) -> BaseChatModel:
    """Wrap ``model`` (any backend) as a LangChain chat model (``ChatPromptTemplate | chat | StrOutputParser()``)."""
    if not isinstance(model, LanguageModel):
        raise InvalidInputError(f"as_langchain_chat_model needs a compose LanguageModel, got {type(model).__name__}")
    return SocraticChatModel(model=model, max_tokens=max_tokens, temperature=temperature, seed=seed)
