"""Socratic pipelines: templates, speech -> plan, scene -> generative plan, captioning; simulator perception."""
from __future__ import annotations

import io
import os
import shutil
import subprocess

import numpy as np
import pytest

from compose.errors import InvalidInputError, UnknownNameError
from compose.pipelines.base import Pipeline, load_template, load_vocabulary, template_names
from compose.tools.templating import TemplateError
from tests.conftest import ScriptedLM

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SPONGE_INIT = {"robot": "user", "holding": None, "drawer_open": False,
               "objects": [["sponge", "far counter"], ["water bottle", "far counter"], ["apple", "table"]]}


def speak(path, text: str, speed: int = 175) -> str:
    assert shutil.which("espeak-ng"), "espeak-ng is required (apt-get install espeak-ng)"
    subprocess.run(["espeak-ng", "-s", str(speed), "-w", str(path), text], check=True, capture_output=True)
    return str(path)


# -- templates and traces ----------------------------------------------------------------------------------------------
def test_shipped_templates_load_and_name_their_variables():
    names = template_names()
    for name in ("socratic_kitchen_plan", "socratic_caption", "socratic_episode_qa", "socratic_episode_summary"):
        assert name in names
    plan = load_template("socratic_kitchen_plan")
    assert set(plan.variables) == {"objects", "instruction"}
    with pytest.raises(TemplateError, match="instruction"):
        plan.render(objects="[]")
    assert "objects = ['sponge']" in plan.render(objects="['sponge']", instruction="x")


def test_missing_template_and_vocabulary_list_known_names():
    with pytest.raises(UnknownNameError, match="socratic_caption"):
        load_template("no_such_prompt")
    with pytest.raises(UnknownNameError, match="places"):
        load_vocabulary("no_such_vocab")
    assert "kitchen" in load_vocabulary("places") and "sponge" in load_vocabulary("objects")
    assert not any(w.startswith("#") for w in load_vocabulary("objects"))


def test_pipeline_trace_and_verbose_output():
    out = io.StringIO()
    p = Pipeline(verbose=True, stream=out)
    p.log("prompt", "line one\nline two")
    p.log("answer", "42")
    assert [e.stage for e in p.trace] == ["prompt", "answer"]
    assert "[answer] 42" in out.getvalue() and "    line two" in out.getvalue()
    assert p.trace_text().endswith("[answer] 42")


# -- scene -> generative plan ------------------------------------------------------------------------------------------
class FixedEmbedder:
    """Nearest skill by word overlap (deterministic stand-in for MiniLM in logic tests)."""

    def nearest(self, texts, candidates):
        out = []
        for t in texts:
            words = set(t.lower().split())
            scores = [len(words & set(c.split())) / len(set(c.split()) | words) for c in candidates]
            best = int(np.argmax(scores))
            out.append((best, float(scores[best])))
        return out


def test_scene_plan_snaps_each_generated_step_to_a_skill_and_feeds_it_back():
    from agents.pipelines.scene_plan import SceneToPlan

    lm = ScriptedLM(script=["find the sponge", "pick up sponge", "bring it over to you", "put the sponge down",
                            "", "never reached"])
    p = SceneToPlan(lm, embedder=FixedEmbedder())
    res = p.plan("Bring me the sponge.", ["sponge", "water bottle"])
    assert res.plan == ["find a sponge", "pick up the sponge", "bring it to you", "put down the sponge", "done"]
    assert [s.generated for s in res.steps][:2] == ["find the sponge", "pick up sponge"]
    assert "objects = ['sponge', 'water bottle']" in lm.prompts[0] and lm.prompts[0].endswith("1. ")
    # the snapped skill, not the raw text, goes back into the prompt
    assert lm.prompts[2].endswith("1. find a sponge\n2. pick up the sponge\n3. ")
    assert [e.stage for e in p.trace][:2] == ["scene", "prompt"] and p.trace[-1].stage == "plan"
    with pytest.raises(InvalidInputError, match="instruction is empty"):
        p.plan("  ", ["sponge"])


def test_scene_plan_stops_at_max_steps():
    from agents.pipelines.scene_plan import SceneToPlan

    lm = ScriptedLM(script=["go to the table"] * 10)
    res = SceneToPlan(lm, embedder=FixedEmbedder(), max_steps=3).plan("Drive around.", [])
    assert res.plan == ["go to the table"] * 3


# -- simulator perception ----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_simulator_perception_tool_reads_the_kitchen():
    from compose.tools import get_tool, to_langchain
    from agents.tools.sim_perception import Perception, scene_objects_line

    tool = get_tool("simulator_perception", init=dict(SPONGE_INIT, robot="far counter"), seed=0)
    try:
        p = tool()
        assert isinstance(p, Perception) and p.location == "far counter"
        assert sorted(p.visible) == ["sponge", "water bottle"] and p.holding is None
        assert scene_objects_line(p.objects()) in ("objects = ['sponge', 'water bottle']",
                                                   "objects = ['water bottle', 'sponge']")
        assert to_langchain(tool).invoke({})["location"] == "far counter"
        tool.env.step("pick up the sponge")
        after = tool()  # a pick can slip (physics); either way perception reports what is true
        assert after.holding in (None, "sponge")
        assert ("sponge" in after.visible) == (after.holding is None)
    finally:
        tool.close()
    with pytest.raises(InvalidInputError, match="init.objects"):
        get_tool("simulator_perception", init={"objects": [["unicorn", "table"]]})()


# -- speech -> plan ----------------------------------------------------------------------------------------------------
def test_kitchen_vocabulary_hint_names_objects_short_names_kinds_and_places():
    """The Whisper prompt carries the words requests use: full names, the cans' short names ("coke"), the classes
    ("snack", "drink") and the places -- and stays well inside Whisper's 224-token prompt window."""
    from agents.pipelines.speech import kitchen_vocabulary_hint
    from envs.kitchen.vocab import CLASSES, LOCATIONS, OBJECTS

    hint = kitchen_vocabulary_hint()
    words = set(hint.replace(",", " ").replace(".", " ").replace(":", " ").split())
    assert all(name in hint for name in OBJECTS + LOCATIONS)
    assert {"coke", "pepsi", "snack", "drink", "soda", "chips", "fruit"} <= words
    assert set(CLASSES) - {"can"} <= words
    assert len(hint.split()) < 120


@pytest.mark.slow
def test_transcribe_instruction_with_the_kitchen_vocabulary_hint(tmp_path):
    from agents.pipelines.speech import transcribe_instruction

    text = transcribe_instruction(speak(tmp_path / "s.wav", "bring me a sponge"))  # espeak's default (fast) rate
    assert "sponge" in text.lower()
    with pytest.raises(InvalidInputError, match="no audio file"):
        transcribe_instruction(tmp_path / "missing.wav")


@pytest.mark.slow
def test_speech_to_plan_pipeline_mechanics_with_an_oracle_planner(tmp_path):
    """Transcript -> task -> the SayCan episode runner (oracle planner here; the real LLM runs in the example test)."""
    from agents.config import EpisodeConfig
    from agents.pipelines.speech import SpeechToPlan

    plan = ("find a sponge", "pick up the sponge", "bring it to you", "put down the sponge", "done")
    pipe = SpeechToPlan(EpisodeConfig(mode="oracle-plan", oracle_plan=plan, render=False))
    out = pipe.run(speak(tmp_path / "s.wav", "bring me a sponge", 120), init=SPONGE_INIT,
                   goal={"at": ["sponge", "user"]}, seed=0)
    assert "sponge" in out["transcript"].lower()
    assert out["record"]["instruction"] == out["transcript"] and out["record"]["plan"] == list(plan)
    stages = [e.stage for e in pipe.trace]
    assert stages[:2] == ["asr-prompt", "transcript"] and "plan" in stages


# -- Socratic captioning -------------------------------------------------------------------------------------------------
def test_socratic_captioner_with_a_tiny_clip(tmp_path):
    from compose.pipelines.caption import SocraticCaptioner
    from compose.tools.dual_encoder import make_dual_encoder
    from agents.tools.tiny import make_tiny_clip

    enc = make_dual_encoder("clip", path=str(make_tiny_clip(tmp_path / "clip")))
    lm = ScriptedLM(script=["A robot in a kitchen.", "A sponge on a counter.", "A robot in a kitchen.", "", "  "])
    cap = SocraticCaptioner(enc, lm, n_captions=5, n_places=2, n_objects=3, seed=7)
    image = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    res = cap(image)
    assert res.image_type in load_vocabulary("image_types")
    assert len(res.places) == 2 and len(res.objects) == 3
    assert res.candidates == ["A robot in a kitchen.", "A sponge on a counter."]  # empty + duplicate dropped
    assert sorted(c for c, _ in res.ranked) == sorted(res.candidates)
    sims = [s for _, s in res.ranked]
    assert sims == sorted(sims, reverse=True) and res.caption == res.ranked[0][0]
    # the ranking is the dual encoder's: recompute it directly
    direct = enc.similarity([image], res.candidates)[0]
    assert res.caption == res.candidates[int(np.argmax(direct))]
    assert res.places[0][0] in res.prompt and res.objects[0][0] in res.prompt
    assert "In it I see" in lm.prompts[0]
    with pytest.raises(InvalidInputError, match="no caption"):
        SocraticCaptioner(enc, ScriptedLM(script=[""] * 5), n_captions=2).__call__(image)


@pytest.mark.slow
def test_vocabulary_biasing_prefers_kitchen_words_whisper_finds_plausible(tmp_path):
    """A misheard object name is replaced by the kitchen's word when Whisper itself scores it close; a transcript
    that already says kitchen words is left alone; the phrase list holds objects, classes, places and counts."""
    from agents.pipelines.speech import bias_transcript, default_asr, kitchen_phrases, kitchen_vocabulary_hint
    from compose.tools.asr import load_audio

    assert shutil.which("espeak-ng")
    assert {"coke", "snacks", "far counter", "two", "sponge"} <= set(kitchen_phrases())
    wav = tmp_path / "coke.wav"
    subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "175", "-w", str(wav), "bring me a coke"], check=True)
    asr, hint = default_asr("base"), kitchen_vocabulary_hint()
    audio = load_audio(wav)
    assert bias_transcript(asr, audio, "Bring me a coat.", hint) == "Bring me a coke."
    assert bias_transcript(asr, audio, "Bring me a coke.", hint) == "Bring me a coke."
    assert bias_transcript(asr, audio, "Bring me a coat.", hint, weight=0.0, nbest=1) == "Bring me a coat."


class _PreferringLM:
    """A language model that likes one word: +5 nats for every text that says it (scripted, for the fusion logic)."""

    def __init__(self, word):
        self.word, self.calls = word, []

    def score_options(self, context, options):
        self.calls.append((context, list(options)))
        return [5.0 if f" {self.word}" in o.lower() else 0.0 for o in options]


@pytest.mark.slow
def test_vocabulary_biasing_lets_a_language_model_judge_command_words(tmp_path):
    """Words beside names ("down", "holding") are candidates too; no name bonus decides between them, the LLM does:
    the real SmolLM2 turns Whisper's "Put the sponge out." into "put ... down", and a scripted LM that prefers "on"
    gets Whisper's n-best "on" -- the choice follows the LM; Whisper's own score alone keeps "out"."""
    from agents.pipelines.speech import (LM_CONTEXT, bias_transcript, command_words, default_asr, default_lm,
                                         kitchen_vocabulary_hint)
    from compose.tools.asr import load_audio

    assert {"down", "up", "pick", "holding", "throw", "away"} <= set(command_words())
    wav = tmp_path / "sponge.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "130", "-w", str(wav), "put the sponge down"], check=True)
    asr, hint = default_asr("base"), kitchen_vocabulary_hint()
    audio = load_audio(wav)
    heard = "Put the sponge out."
    assert bias_transcript(asr, audio, heard, hint, nbest=1) == heard  # no LM: Whisper's choice stands
    assert bias_transcript(asr, audio, heard, hint, lm=default_lm()) == "Put the sponge down."
    fake = _PreferringLM("on")
    assert bias_transcript(asr, audio, heard, hint, lm=fake) == "Put the sponge on."  # Whisper's 2nd best
    assert all(ctx == LM_CONTEXT for ctx, _ in fake.calls)
