"""Landmark extraction: the rule-based noun-phrase baseline, the LLM prompt/parser, and the real small LLM."""
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from compose.errors import InvalidInputError  # noqa: E402
from compose.grounding.landmarks import LLMLandmarks, load_prompt, parse_landmarks, rule_landmarks  # noqa: E402
from tests.conftest import ScriptedLM as _ScriptedLM  # noqa: E402


def ScriptedLM(answers):
    """Answers generate() from a table keyed by a substring of the prompt's last line."""
    return _ScriptedLM(lambda p: next((a for k, a in answers.items() if k in p.rstrip().split("\n")[-2]), ""),
                       scorer=lambda context, option: -float(len(option)))


def test_rules_extract_ordered_noun_phrases():
    assert rule_landmarks("Go past the red car, turn at the mailbox, stop at the picnic table") == \
        ["red car", "mailbox", "picnic table"]
    assert rule_landmarks("Visit the lamp post, the leafy tree and the traffic cone, in that order.") == \
        ["lamp post", "leafy tree", "traffic cone"]
    assert rule_landmarks("Take a left at the stop sign and park next to the park bench.") == \
        ["stop sign", "park bench"]
    assert rule_landmarks("go home") == []
    with pytest.raises(InvalidInputError):
        rule_landmarks(None)


def test_parse_model_output():
    assert parse_landmarks(" red car; the blue mailbox ; bench\nInstruction: ...") == ["red car", "blue mailbox",
                                                                                      "bench"]
    assert parse_landmarks("1. tree, 2. stop sign") == ["tree", "stop sign"]
    assert parse_landmarks("\n") == []


def test_prompt_has_own_examples_and_the_instruction():
    template = load_prompt()
    assert template.count("Instruction:") >= 4 and template.rstrip().endswith("Landmarks:")
    ext = LLMLandmarks(ScriptedLM({}))
    p = ext.prompt("Go to the  duck statue\nthen the tree")
    assert p.rstrip().endswith("Instruction: Go to the duck statue then the tree\nLandmarks:")


def test_llm_extractor_uses_the_model_answer():
    lm = ScriptedLM({"soccer ball": " giant soccer ball; yellow duck"})
    ext = LLMLandmarks(lm)
    assert ext("Kick off at the giant soccer ball and end at the yellow duck.") == ["giant soccer ball",
                                                                                    "yellow duck"]
    assert len(lm.prompts) == 1


@pytest.mark.slow
def test_real_small_llm_extracts_landmarks():
    from compose.llm import LLMConfig, make_llm

    llm = make_llm(LLMConfig())
    found = LLMLandmarks(llm)("Go past the red car, then turn at the blue mailbox and stop at the picnic table.")
    assert found and all(isinstance(x, str) and x for x in found)
    assert any("car" in x or "mailbox" in x or "picnic" in x for x in found)
