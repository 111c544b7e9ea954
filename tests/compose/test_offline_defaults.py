"""Offline first: with every socket blocked, each tool's default backend runs on installed weights, and a hub backend
that is asked for fails at once (well under 2 s, no retries) with a message naming the local choices."""
from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

import agents.tools  # noqa: F401  (registers simulator_perception)
from compose.errors import SocraticError
from compose.tools import get_tool, tool_names
from compose.tools import weights
from tests.compose.test_tools_asr import speak

GRACE_HOPPER = Path(__import__("matplotlib").get_data_path()) / "sample_data" / "grace_hopper.jpg"


@pytest.fixture
def no_network(monkeypatch):
    """Every socket connection raises; the offline environment variables are unset (the code must notice alone)."""
    attempts = []

    def refuse(self, *args, **kwargs):
        attempts.append(args)
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    for var in ("HF_HUB_OFFLINE", "SOCRATIC_OFFLINE", "SOCRATIC_CLIP_PATH", "SOCRATIC_CAPTIONER_PATH",
                "SOCRATIC_OPEN_CLIP_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(weights, "_probe_result", None)
    return attempts


def _hub_cases():
    from compose.llm import LLMConfig

    return {
        "clip": lambda: get_tool("image_classify", backend="clip")(image=str(GRACE_HOPPER), labels=["a", "b"]),
        "clip hub id": lambda: get_tool("image_classify", backend="clip", model="openai/clip-vit-large-patch14")(
            image=str(GRACE_HOPPER), labels=["a", "b"]),
        "blip": lambda: get_tool("image_caption", backend="transformers")(image=str(GRACE_HOPPER)),
        "whisper hub id": lambda: get_tool("whisper_asr", model="Systran/faster-whisper-base.en").load(),
        "llm hub id": lambda: get_tool("llm_generate", config=LLMConfig(model="HuggingFaceTB/SmolLM2-360M"))(
            prompt="hi", max_tokens=1),
    }


@pytest.mark.parametrize("case", sorted(_hub_cases()))
def test_hub_backends_fail_at_once_naming_local_choices(no_network, case):
    t0 = time.perf_counter()
    with pytest.raises(SocraticError) as err:
        _hub_cases()[case]()
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.0, f"{case}: failed after {elapsed:.1f} s (must fail at once)"
    msg = str(err.value)
    assert "not reachable" in msg or "pass a" in msg or "not installed" in msg
    if case.startswith(("clip", "blip")):
        assert "efficientnet-lite0" in msg or "imagenet" in msg  # names what works offline


def test_offline_env_var_fails_without_probing(monkeypatch, no_network):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(SocraticError, match="offline mode"):
        get_tool("image_caption", backend="transformers")(image=str(GRACE_HOPPER))
    assert not no_network  # offline mode: not even the probe touched the network


def _default_calls(tmp_path):
    """A minimal valid call of every built-in tool's DEFAULT backend."""
    return {
        "whisper_asr": lambda t: t(audio=speak(tmp_path / "a.wav", "bring me a sponge")).text,
        "llm_generate": lambda t: t(prompt="The kitchen has a", max_tokens=3),
        "llm_score": lambda t: t(prompt="The robot picked up the", options=[" sponge", " moon"]).best,
        "text_embed": lambda t: t(texts=["a sponge"]).shape,
        "text_nearest": lambda t: t(text="sponge", candidates=["pick up the sponge", "go to the table"])[0].text,
        "image_classify": lambda t: t(image=str(GRACE_HOPPER), top_k=3)[0].label,
        "image_caption": lambda t: t(image=str(GRACE_HOPPER)),
        "simulator_perception": lambda t: t().location,
    }


@pytest.mark.slow
def test_every_default_backend_runs_without_network(no_network, tmp_path, capsys):
    calls = _default_calls(tmp_path)
    missing = set(tool_names()) - set(calls)
    assert not missing, f"add an offline check for the new tool(s) {sorted(missing)}"
    times = {}
    for name in tool_names():
        t0 = time.perf_counter()
        tool = get_tool(name)
        out = calls[name](tool)
        times[name] = time.perf_counter() - t0
        assert out, f"{name} returned nothing"
        if hasattr(tool, "close"):
            tool.close()
    assert not no_network, f"a default backend tried the network: {no_network}"
    with capsys.disabled():
        print("\nload + first call without network:", {k: round(v, 2) for k, v in times.items()})
