"""compose.langchain_llm: our backends inside real LangChain chains (PromptTemplate | llm | StrOutputParser)."""
from __future__ import annotations

import pytest
from langchain_core.language_models.llms import LLM
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import PromptTemplate

from compose.errors import InvalidInputError
from compose.langchain_llm import SocraticLLM, as_langchain_llm
from compose.llm.base import LanguageModel


class RecordingLM(LanguageModel):
    """Deterministic backend: answers with the prompt's last word reversed, and records every generate call."""

    name = "recording"

    def __init__(self):
        super().__init__()
        self.calls: list[dict] = []

    def loglikelihood(self, requests):
        return [(-float(len(c)), False) for _, c in requests]

    def generate(self, prompts, max_tokens=64, stop=None, temperature=0.0, seed=0):
        self.calls.append(dict(prompts=list(prompts), max_tokens=max_tokens, stop=stop, temperature=temperature,
                               seed=seed))
        out = [" " + p.split()[-1][::-1] + " END tail" for p in prompts]
        return [o[: o.index(stop[0])] if stop and stop[0] in o else o for o in out]


def test_chain_with_a_deterministic_backend():
    lm = RecordingLM()
    llm = as_langchain_llm(lm, max_tokens=8, seed=5)
    assert isinstance(llm, LLM) and llm._llm_type == "socratic-recording"
    chain = PromptTemplate.from_template("Robot, please {task}") | llm | StrOutputParser()
    assert chain.invoke({"task": "fetch the sponge"}) == " egnops END tail"
    assert lm.calls[-1] == dict(prompts=["Robot, please fetch the sponge"], max_tokens=8, stop=None, temperature=0.0,
                                seed=5)
    # stop words and call-time overrides reach the backend
    assert llm.invoke("say apple", stop=["END"], max_tokens=3, temperature=0.5) == " elppa "
    assert lm.calls[-1]["stop"] == ["END"] and lm.calls[-1]["max_tokens"] == 3 and lm.calls[-1]["temperature"] == 0.5
    # a batch is one backend call
    n = len(lm.calls)
    assert chain.batch([{"task": "go left"}, {"task": "go right"}]) == [" tfel END tail", " thgir END tail"]
    assert len(lm.calls) == n + 1 and len(lm.calls[-1]["prompts"]) == 2


def test_chain_with_the_fake_backend():
    from compose.llm import LLMConfig, make_llm
    from compose.llm.fake import FakeLLM

    assert make_llm(LLMConfig(backend="fake")).name == "fake"
    lm = FakeLLM(responses={"sponge": " find a sponge. then pick it up", "apple": " find an apple"})
    llm = as_langchain_llm(lm, max_tokens=16)
    chain = PromptTemplate.from_template("Human: {q}\nRobot:") | llm | StrOutputParser()
    assert chain.invoke({"q": "I need the sponge"}) == " find a sponge. then pick it up"
    assert (chain | StrOutputParser()).invoke({"q": "an apple please"}) == " find an apple"
    assert llm.invoke("the sponge", stop=["."]) == " find a sponge"
    assert lm.prompts[:2] == ["Human: I need the sponge\nRobot:", "Human: an apple please\nRobot:"]


def test_rejects_bad_input():
    with pytest.raises(InvalidInputError, match="LanguageModel"):
        as_langchain_llm("not a model")
    llm = SocraticLLM(model=RecordingLM())
    with pytest.raises(InvalidInputError, match="top_k"):
        llm.invoke("hello", top_k=3)


@pytest.mark.slow
def test_chain_with_real_transformers_backend(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from compose.llm import LLMConfig, make_llm

    lm = make_llm(LLMConfig(backend="transformers", model="smollm2-135m"))
    llm = as_langchain_llm(lm, max_tokens=8)
    prompt = PromptTemplate.from_template("Question: What is the capital of {country}?\nAnswer: The capital is")
    chain = prompt | llm | StrOutputParser()
    text = chain.invoke({"country": "France"})
    assert "Paris" in text
    # greedy and nothing added by the chain: the same text as calling the backend directly
    assert text == lm.generate([prompt.format(country="France")], max_tokens=8)[0]
    assert "." not in llm.invoke(prompt.format(country="France"), stop=["."])
