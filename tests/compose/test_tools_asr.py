"""Speech recognition: the bundled Whisper tiny.en on speech synthesised with espeak-ng, and every bad-input path."""
from __future__ import annotations

import shutil
import subprocess
import sys
import types
import wave

import numpy as np
import pytest

from compose.errors import BackendUnavailableError, InvalidInputError, UnknownNameError
from compose.tools import get_tool
from compose.tools.asr import AudioError, WhisperASR, WhisperOptions, load_audio


def speak(path, text: str, speed: int = 120) -> str:
    """espeak-ng at a moderate rate (its default 175 wpm is hard for tiny.en without a vocabulary hint)."""
    assert shutil.which("espeak-ng"), "espeak-ng is required (apt-get install espeak-ng)"
    subprocess.run(["espeak-ng", "-s", str(speed), "-w", str(path), text], check=True, capture_output=True)
    return str(path)


def write_wav(path, samples: np.ndarray, rate: int = 16000) -> str:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return str(path)


@pytest.fixture(scope="module")
def asr():
    return get_tool("whisper_asr")


@pytest.mark.slow
def test_transcribes_synthesised_speech(asr, tmp_path):
    out = asr(audio=speak(tmp_path / "a.wav", "bring me a sponge"))
    assert "sponge" in out.text.lower() and "bring" in out.text.lower()
    assert out.language == "en" and 0.5 < out.duration_s < 5 and out.segments
    # batch gives the same as one at a time
    b = asr.batch([{"audio": speak(tmp_path / "b.wav", "go to the table")}, {"audio": str(tmp_path / "a.wav")}])
    assert "table" in b[0].text.lower() and b[1] == out
    assert asr.to_json(out)["text"] == out.text


@pytest.mark.slow
def test_vocabulary_hint_fixes_fast_speech(asr, tmp_path):
    fast = speak(tmp_path / "fast.wav", "bring me a sponge", speed=175)
    hinted = asr(audio=fast, initial_prompt="Kitchen objects: sponge, coke can, apple.")
    assert "sponge" in hinted.text.lower()


def test_missing_file(asr, tmp_path):
    with pytest.raises(AudioError, match="no audio file"):
        asr(audio=str(tmp_path / "nope.wav"))


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError, match="empty"):
        load_audio(tmp_path / "empty.wav")


def test_corrupt_file(tmp_path):
    p = tmp_path / "bad.wav"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(AudioError, match="corrupt"):
        load_audio(p)


def test_silent_audio(asr, tmp_path):
    p = write_wav(tmp_path / "silent.wav", np.zeros(16000))
    with pytest.raises(AudioError, match="silent"):
        asr(audio=p)
    assert issubclass(AudioError, InvalidInputError)


def test_directory_is_not_audio(tmp_path):
    with pytest.raises(AudioError, match="not a file"):
        load_audio(tmp_path)


def test_unknown_backend_lists_known_ones():
    with pytest.raises(UnknownNameError, match="faster-whisper"):
        WhisperASR(backend="nope")


def test_openai_whisper_missing_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "whisper", None)  # import whisper -> ImportError
    asr = WhisperASR(backend="openai-whisper")
    with pytest.raises(BackendUnavailableError, match=r"socratic-agents\[whisper\]"):
        asr.load()


def test_openai_whisper_backend_drives_the_library(monkeypatch, tmp_path):
    """The openai-whisper adapter, against a stand-in module with whisper's API (no checkpoints offline)."""
    calls = {}

    class Model:
        def transcribe(self, audio, **kw):
            calls["transcribe"] = (audio.dtype, audio.shape, kw)
            return {"text": " Pick up the apple.", "language": "en",
                    "segments": [{"start": 0.0, "end": 1.5, "text": " Pick up the apple."}]}

    def load_model(name, device="cpu"):
        calls["load"] = (name, device)
        return Model()

    monkeypatch.setitem(sys.modules, "whisper", types.SimpleNamespace(load_model=load_model))
    t = 2 * np.pi * 220 * np.arange(16000) / 16000
    wav = write_wav(tmp_path / "tone.wav", 0.3 * np.sin(t))
    out = WhisperASR(WhisperOptions(backend="openai-whisper", model="/ckpt/tiny.pt")).transcribe(wav)
    assert out.text == "Pick up the apple." and out.segments == ((0.0, 1.5, "Pick up the apple."),)
    assert calls["load"] == ("/ckpt/tiny.pt", "cpu")
    dtype, shape, kw = calls["transcribe"]
    assert dtype == np.float32 and shape == (16000,) and kw["fp16"] is False and kw["temperature"] == 0.0


def test_no_speech_recognised_is_an_error(monkeypatch, tmp_path):
    class Empty:
        def transcribe(self, audio, options):
            return "", "en", []

    asr = WhisperASR()
    asr._backend = Empty()
    wav = write_wav(tmp_path / "noise.wav", 0.2 * np.random.default_rng(0).standard_normal(8000))
    with pytest.raises(AudioError, match="no speech recognised"):
        asr.transcribe(wav)
