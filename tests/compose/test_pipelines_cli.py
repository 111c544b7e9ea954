"""python -m agents.socratic: subcommands, clear errors (exit 2, no traceback)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.compose.test_pipelines_episode import handmade_record

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, timeout=600):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "agents.socratic", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("args, message", [
    (["transcribe", "/nonexistent/cmd.wav"], "no audio file at /nonexistent/cmd.wav"),
    (["caption", "/nonexistent/im.png"], "no image file at /nonexistent/im.png"),
    (["episode-qa", "/nonexistent/rec", "--log-only"], "no episode record at /nonexistent/rec"),
    (["plan-from-scene", "--task", "   "], "the task is empty"),
    (["plan-from-scene", "--task", "x", "--init", "{bad json"], "--init is not valid JSON"),
])
def test_bad_input_is_a_clear_error_with_exit_code_2(args, message):
    r = cli(*args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: ") and message in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_subcommand_and_dual_encoder(tmp_path):
    r = cli("fly")
    assert r.returncode == 2 and "invalid choice" in r.stderr
    from PIL import Image

    Image.new("RGB", (8, 8)).save(tmp_path / "im.png")
    r = cli("caption", str(tmp_path / "im.png"), "--dual-encoder", "nope")
    assert r.returncode != 0 and "unknown dual encoder 'nope'" in r.stderr and "lit-minilm" in r.stderr
    assert "Traceback" not in r.stderr


def test_episode_qa_log_only(tmp_path):
    (tmp_path / "episode.json").write_text(json.dumps(handmade_record()))
    r = cli("episode-qa", str(tmp_path), "--log-only")
    assert r.returncode == 0, r.stderr
    assert "I threw the coke can away into the trash can." in r.stdout
    r = cli("episode-qa", str(tmp_path), "--log-only", "--json")
    assert json.loads(r.stdout)["log"][0].startswith("0.0 s: the user asked me")
    r = cli("episode-qa", str(tmp_path), "--no-summary")
    assert r.returncode == 2 and "nothing to do" in r.stderr


@pytest.mark.slow
def test_transcribe_command(tmp_path):
    wav = tmp_path / "s.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "bring me a sponge"], check=True)
    r = cli("transcribe", str(wav), "--json")
    assert r.returncode == 0, r.stderr
    assert "sponge" in json.loads(r.stdout)["text"].lower()
