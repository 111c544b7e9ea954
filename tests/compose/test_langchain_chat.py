"""compose.langchain_llm.SocraticChatModel: messages through the model's chat template, in real LangChain chains.

The real-model test runs the chain documented in docs/backends.md with the bundled default (SmolLM2-135M-Instruct):
through the chat model it answers; a bare 'Question: ...\\nAnswer:' text prompt often ends at once with ''.
"""
from __future__ import annotations

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from compose.errors import InvalidInputError
from compose.langchain_llm import as_langchain_chat_model, chat_prompt
from compose.llm.fake import FakeLLM

SCENE = "The sponge is on the far counter. The apple and the chips are on the close counter."


def test_chat_chain_with_the_fake_backend_uses_a_plain_transcript():
    lm = FakeLLM(default_response="on the far counter")
    chat = as_langchain_chat_model(lm, max_tokens=12)
    assert isinstance(chat, BaseChatModel)
    prompt = ChatPromptTemplate.from_messages([("system", "Answer briefly."), ("human", "{scene}\n{q}")])
    chain = prompt | chat | StrOutputParser()
    assert chain.invoke({"scene": SCENE, "q": "Where is the sponge?"}) == "on the far counter"
    # no chat template on the fake backend: roles become a transcript that ends with the assistant's turn
    assert lm.prompts[-1] == f"System: Answer briefly.\nUser: {SCENE}\nWhere is the sponge?\nAssistant:"


def test_chat_model_rejects_bad_input():
    with pytest.raises(InvalidInputError, match="LanguageModel"):
        as_langchain_chat_model("not a model")
    with pytest.raises(InvalidInputError, match="top_k"):
        as_langchain_chat_model(FakeLLM()).invoke("hello", top_k=3)


@pytest.mark.slow
def test_documented_chains_answer_with_the_default_model(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from compose.llm import LLMConfig, make_llm

    lm = make_llm(LLMConfig(backend="transformers"))  # the default model
    assert "<|im_start|>assistant" in chat_prompt(lm, [{"role": "user", "content": "hi"}])
    chat = as_langchain_chat_model(lm, max_tokens=32)
    chain = ChatPromptTemplate.from_messages([("human", "{scene}\n{q}")]) | chat | StrOutputParser()
    answers = chain.batch([{"scene": SCENE, "q": "Where is the sponge?"},
                           {"scene": "", "q": "What is the capital of France?"}])
    assert "far counter" in answers[0].lower()
    assert "paris" in answers[1].lower()
