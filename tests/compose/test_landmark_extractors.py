"""Constrained landmark extraction: candidates from the instruction, route-word order, no landmarks, the LLM's
choice by exact scoring (scripted and real SmolLM2-135M), the LCS metric, prompts kept apart from the task files."""
import difflib
import json
import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from compose.errors import UnknownNameError  # noqa: E402
from compose.grounding.candidates import merged_candidates  # noqa: E402
from compose.grounding.landmarks import (CHECK_PROMPT_PATH, EXTRACTORS, ORDER_PROMPT_PATH, PROMPT_PATH,  # noqa: E402
                                         ConstrainedLandmarks, landmark_lcs, make_extractor, phrase_match)
from compose.llm.fake import FakeLLM  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NO_MODEL = ("spacy", "rules")

ORDERING = [  # (instruction, expected order) -- route words decide, not the sentence
    ("Go to the tree after you have visited the red car.", ["red car", "tree"]),
    ("Before heading to the bench, swing by the orange cone.", ["orange cone", "bench"]),
    ("Your destination is the picnic table, but go past the soccer ball first.", ["soccer ball", "picnic table"]),
    ("Drive to the fountain, but before that stop at the bench.", ["bench", "fountain"]),
    ("Stop at the church, but only after you have driven around the bakery.", ["bakery", "church"]),
    ("End at the cinema; first pass the museum and then the library.", ["museum", "library", "cinema"]),
    ("First the tree, then the bench, and finally the stop sign.", ["tree", "bench", "stop sign"]),
    ("Once you pass the kiosk, keep going to the gate.", ["kiosk", "gate"]),
    ("Stop at the big tree, but only after you have driven past the red car, and please hurry.", ["red car", "big tree"]),
    ("Drive to the red car and when you see the tree, turn right, then stop at the mailbox.",
     ["red car", "tree", "mailbox"]),
]


@pytest.mark.parametrize("name", NO_MODEL)
@pytest.mark.parametrize("instruction,expected", ORDERING)
def test_route_words_decide_the_order(name, instruction, expected):
    assert make_extractor(name)(instruction) == expected


@pytest.mark.parametrize("name", NO_MODEL)
@pytest.mark.parametrize("instruction", ["please hurry up, I am late", "go home", "Turn left and wait a minute.",
                                         "I think the weather is nice today."])
def test_no_landmarks_gives_an_empty_list(name, instruction):
    assert make_extractor(name)(instruction) == []


@pytest.mark.parametrize("name", NO_MODEL)
def test_negated_and_non_landmark_phrases_are_left_out(name):
    assert make_extractor(name)("Avoid the hydrant, my friend says, and go to the lamp post on the left.") == \
        ["lamp post"]


def test_spacy_keeps_descriptions_and_joins_of_phrases():
    found = make_extractor("spacy")("Keep going until the statue of a horse, then the big octagonal red sign.")
    assert found == ["statue of a horse", "big octagonal red sign"]


def test_registry_names_and_llm_requirement():
    assert set(EXTRACTORS.names()) == {"llm", "spacy", "rules", "generate"}
    with pytest.raises(UnknownNameError):
        make_extractor("magic")
    for name in ("llm", "generate"):
        with pytest.raises(Exception, match="language model"):
            make_extractor(name, None)


def _scorer(yes: dict, order_pref: str | None = None):
    """Fake log-probs: "<phrase>: yes" scores yes.get(phrase, 0), "...: no" 0; list options prefer ``order_pref``."""
    def score(context, option):
        m = re.fullmatch(r"(.+): (yes|no)", option)
        if m:
            return yes.get(m.group(1), 0.0) if m.group(2) == "yes" else 0.0
        return 0.0 if order_pref and option.strip() == order_pref else -5.0
    return score


def test_constrained_llm_only_chooses_phrases_of_the_instruction():
    llm = FakeLLM(scorer=_scorer({"red car": 1.0, "tree": 1.0, "unicorn": 50.0}))
    ext = ConstrainedLandmarks(llm)
    found = ext("Go to the tree after you have visited the red car.")
    assert found == ["red car", "tree"]  # route order; no invented phrase however likely
    assert ext.last["candidates"] == ["tree", "red car"] and ext.last["order"] == "route"
    assert len(llm.scored) == 2  # one call decides membership for every candidate, one the order


def test_constrained_llm_decides_membership_within_the_instruction():
    text = "Drive past the silver truck, say hello to the professor and stop at the green kiosk."
    cands = [c.text for c in merged_candidates(text)]
    assert cands == ["silver truck", "professor", "green kiosk"]
    # the model finds the professor far less landmark-like (2.5 nats) than the best phrase: dropped
    llm = FakeLLM(scorer=_scorer({"professor": -3.5, "silver truck": -1.0, "green kiosk": -1.5}))
    assert ConstrainedLandmarks(llm)(text) == ["silver truck", "green kiosk"]
    # within 2 nats of the best: kept (margins are compared within the instruction, not with a fixed threshold)
    llm = FakeLLM(scorer=_scorer({"professor": -2.5, "silver truck": -1.0, "green kiosk": -1.5}))
    assert ConstrainedLandmarks(llm)(text) == ["silver truck", "professor", "green kiosk"]
    # a phrase the rules call no landmark ("left") needs to beat the best landmark-like one by more than 1 nat
    llm = FakeLLM(scorer=_scorer({"left": 0.5}))
    assert ConstrainedLandmarks(llm)("Turn to the left at the gate.") == ["gate"]
    llm = FakeLLM(scorer=_scorer({"left": 1.5}))
    assert ConstrainedLandmarks(llm)("Turn to the left at the gate.") == ["left", "gate"]


def test_constrained_llm_can_overrule_the_route_order_only_by_more_than_the_prior():
    text = "Go to the tree after you have visited the red car."
    sure = FakeLLM(scorer=lambda c, o: _scorer({})(c, o) if ": " in o else (0.0 if o.strip() == "tree; red car"
                                                                          else -10.0))
    ext = ConstrainedLandmarks(sure)
    assert ext(text) == ["tree", "red car"] and ext.last["order"] == "sentence"
    unsure = FakeLLM(scorer=lambda c, o: _scorer({})(c, o) if ": " in o else (0.0 if o.strip() == "tree; red car"
                                                                            else -1.0))
    assert ConstrainedLandmarks(unsure)(text) == ["red car", "tree"]


def test_lcs_metric():
    assert landmark_lcs(["red car", "tree"], ["shiny red car", "tree"]) == 1.0
    assert landmark_lcs(["tree", "red car"], ["red car", "tree"]) == 0.5
    assert landmark_lcs(["red car"], ["red car", "tree"]) == 0.5
    assert landmark_lcs(["red car", "hurry", "tree"], ["red car", "tree"]) == pytest.approx(2 / 3)
    assert landmark_lcs([], ["tree"]) == 0.0 and landmark_lcs([], []) == 1.0
    assert phrase_match("yellow duck", "statue of a yellow duck") and not phrase_match("car", "car park")


def _prompt_instructions(path: Path) -> list[str]:
    return [ln.split(":", 1)[1].strip() for ln in path.read_text().splitlines()
            if ln.startswith("Instruction:") and "{instruction}" not in ln]


def test_few_shot_examples_differ_from_every_task_file_instruction():
    """Generalise, don't tune: no prompt example is (close to) an instruction of a shipped task file, and none
    names a landmark kind of the navigation worlds."""
    from envs.navgraph.kinds import KINDS

    examples = [e for p in (PROMPT_PATH, CHECK_PROMPT_PATH, ORDER_PROMPT_PATH) for e in _prompt_instructions(p)]
    assert len(examples) >= 12
    tasks = [json.loads(ln).get("instruction", "") for f in sorted((ROOT / "data").rglob("*.jsonl"))
             for ln in f.read_text().splitlines() if ln.strip().startswith("{")]
    tasks = [t for t in tasks if t]
    assert len(tasks) >= 150
    for ex in examples:
        for t in tasks:
            assert difflib.SequenceMatcher(None, ex.lower(), t.lower()).ratio() < 0.75, (ex, t)
    names = {n for k in KINDS for n in (k.name, *k.task_names)}
    prompts = " ".join(p.read_text().lower() for p in (PROMPT_PATH, CHECK_PROMPT_PATH, ORDER_PROMPT_PATH))
    assert not [n for n in names if re.search(rf"\b{re.escape(n)}\b", prompts)]


@pytest.mark.slow
def test_real_small_model_constrained_extraction():
    """SmolLM2-135M through the real backend on instructions of our own (none from a task file)."""
    from compose.llm import LLMConfig, make_llm

    ext = ConstrainedLandmarks(make_llm(LLMConfig()))
    assert ext("Head down past the silver pickup truck, my cousin lives there, and wait at the green kiosk.") == \
        ["silver pickup truck", "green kiosk"]
    assert ext("Go to the pharmacy after the gas station.") == ["gas station", "pharmacy"]
    assert ext("Before you get to the yellow water tower, pass the bus shelter.") == ["bus shelter",
                                                                                     "yellow water tower"]
    assert ext("please hurry up, I am late") == []
