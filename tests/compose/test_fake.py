"""The deterministic fake LLM used by planner-logic tests."""
import pytest

from compose.errors import InvalidInputError
from compose.llm import LLMConfig, make_llm, normalize
from compose.llm.fake import FakeLLM

OPTIONS = ["find a sponge", "pick up the sponge", "bring it to you", "done"]


def test_default_scores_are_deterministic_and_seeded():
    a, b, c = FakeLLM(seed=1), FakeLLM(seed=1), FakeLLM(seed=2)
    s1 = a.score_options("Human: hi\nRobot: 1. ", OPTIONS)
    assert s1 == b.score_options("Human: hi\nRobot: 1. ", OPTIONS)
    assert s1 != c.score_options("Human: hi\nRobot: 1. ", OPTIONS)
    assert s1 != a.score_options("Human: other\nRobot: 1. ", OPTIONS)  # depends on the context too
    assert all(s < 0 for s in s1)


def test_longer_options_score_lower_by_default():
    lm = FakeLLM(length_penalty=5.0)
    short, long_ = lm.score_options("ctx", ["done", "pick up the grapefruit soda"])
    assert short > long_


def test_table_prefers_continuations_per_context_substring():
    lm = FakeLLM(table={"spilled": "find a sponge", "thirsty": ["find a coke can", "find a water bottle"]})
    probs = normalize(lm.score_options("Human: I spilled my coke\nRobot: 1. ", OPTIONS))
    assert max(range(len(OPTIONS)), key=probs.__getitem__) == 0
    scores = lm.score_options("Human: I am thirsty\nRobot: 1. ", ["done", "find a water bottle"])
    assert scores[1] == lm.preferred_score > scores[0]
    assert lm.scored[-1] == ("Human: I am thirsty\nRobot: 1. ", ("done", "find a water bottle"))


def test_scorer_callable_wins_and_loglikelihood_agrees():
    lm = FakeLLM(scorer=lambda ctx, opt: -float(len(opt)))
    assert lm.score_options("c", ["ab", "abcd"]) == [-2.0, -4.0]
    assert lm.loglikelihood([("c", "ab")]) == [(-2.0, False)]
    assert lm.stats.calls == 2


def test_generate_scripted_list_dict_callable_and_stop():
    lm = FakeLLM(responses=["first answer\nmore", "second"])
    assert lm.generate(["p1", "p2", "p3"], stop=["\n"]) == ["first answer", "second", ""]
    assert lm.prompts == ["p1", "p2", "p3"]
    lm = FakeLLM(responses={"kitchen": "a kitchen", "office": "an office"}, default_response="?")
    assert lm.generate(["a photo of a kitchen", "x"]) == ["a kitchen", "?"]
    lm = FakeLLM(responses=lambda p: p.upper())
    assert lm.generate(["abc"]) == ["ABC"]


def test_bad_input_raises_clear_errors():
    lm = FakeLLM()
    with pytest.raises(InvalidInputError, match="empty"):
        lm.score_options("ctx", [])
    with pytest.raises(InvalidInputError, match="context"):
        lm.score_options("", ["a"])
    with pytest.raises(InvalidInputError, match="UTF-8"):
        lm.score_options("ctx", ["bad \ud800"])
    with pytest.raises(InvalidInputError, match="max_tokens"):
        lm.generate(["p"], max_tokens=0)


def test_make_llm_builds_fake_from_config():
    lm = make_llm(LLMConfig(backend="fake", seed=3))
    assert isinstance(lm, FakeLLM) and lm.seed == 3
    assert lm.score_options("c", ["x"]) == FakeLLM(seed=3).score_options("c", ["x"])
