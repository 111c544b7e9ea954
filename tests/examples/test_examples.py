"""Run every example the way a user would (a subprocess, offline, bundled models only) and check what it prints."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run_example(name: str, *args: str, timeout: int = 900) -> str:
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"{name} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_every_example_has_a_test():
    tested = {"speech_to_plan.py", "scene_to_plan.py", "socratic_caption.py", "episode_qa.py", "tools_langchain.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


@pytest.mark.slow
def test_speech_to_plan_example_brings_the_sponge():
    """Acceptance: espeak-ng says "bring me a sponge"; the transcript names the sponge; SayCan (SmolLM2) plans and
    the simulator's final state has the sponge handed to the user."""
    out = run_example("speech_to_plan.py")
    transcript = re.search(r"^transcript: (.*)$", out, re.M).group(1)
    assert "sponge" in transcript.lower()
    plan = re.search(r"^plan: (.*)$", out, re.M).group(1).split(", ")
    assert "pick up the sponge" in plan and plan[-1] == "done"
    assert re.search(r"^goal met: True$", out, re.M), out


@pytest.mark.slow
def test_scene_to_plan_example_plans_from_perceived_objects():
    from envs.kitchen.language import kitchen_skill_texts

    out = run_example("scene_to_plan.py")
    assert "scene: objects = ['sponge', 'water bottle']" in out  # what the camera sees at the far counter
    steps = re.findall(r"^step \d+: LLM wrote '(.*)' -> skill '(.*)' \((ok|failed.*)\)$", out, re.M)
    assert steps, out
    assert all(skill in kitchen_skill_texts() for _, skill, _ in steps)
    assert steps[0][1] in ("find a sponge", "pick up the sponge")  # the model starts on the requested object
    # greedy SmolLM2 is deterministic: it finds and picks up the sponge, then says done without bringing it, so the
    # simulator's goal check (sponge handed to the user) must report False -- and True exactly when it brings it
    skills = [skill for _, skill, _ in steps]
    brought = "bring it to you" in skills
    assert re.search(rf"^goal met: {brought}$", out, re.M), out
    assert skills == ["find a sponge", "pick up the sponge", "done"] and not brought
    assert "[prompt]" in out and "[llm]" in out  # the intermediate language is shown


@pytest.mark.slow
def test_socratic_caption_example_recognises_the_landmark():
    out = run_example("socratic_caption.py", "--n-captions", "3")
    truth = re.search(r"showing a (.*)$", out, re.M).group(1)
    objects = re.search(r"^objects: (.*)$", out, re.M).group(1).split(", ")
    assert truth in objects[:3] or truth.split()[-1] in objects[:3]  # the LiT model ranks the landmark near the top
    ranked = re.findall(r"^  ([+-]\d\.\d{3})  (.*)$", out, re.M)
    assert ranked and [float(s) for s, _ in ranked] == sorted((float(s) for s, _ in ranked), reverse=True)
    assert re.search(r"^caption: (.+)$", out, re.M).group(1) == ranked[0][1]


@pytest.mark.slow
def test_episode_qa_example_records_and_answers():
    out = run_example("episode_qa.py", "--no-summary", "-q", "What did the robot throw away?")
    assert "recorded the demo episode" in out and "(goal met: True)" in out
    assert "I threw the coke can away into the trash can." in out
    assert re.search(r"^A: the coke can$", out, re.M), out


@pytest.mark.slow
def test_tools_langchain_example():
    out = run_example("tools_langchain.py")
    assert "whisper_asr" in out and "text_nearest" in out
    assert "invoke -> [('pick up the sponge'" in out
