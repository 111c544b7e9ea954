"""Speech recognition with Whisper: the bundled tiny.en (CTranslate2, faster-whisper) by default, openai-whisper as
a second backend for users who have its checkpoints (``pip install 'socratic-agents[whisper]'``).

``WhisperASR().transcribe("cmd.wav") -> Transcript``. Audio is decoded once here (any format ffmpeg/PyAV reads,
resampled to 16 kHz mono) and checked: a missing file, an unreadable/corrupt file, empty or silent audio and audio
in which no speech is recognised each raise AudioError (an InvalidInputError) naming the file and the problem.
"""
from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from compose.errors import InvalidInputError, ModelNotFoundError, optional_import
from compose.registry import Registry
from compose.tools.base import Tool, register_tool
from compose.tools.weights import resolve_weights
from compose.tools.whisper_models import TINY_EN, WHISPER_MODELS, whisper_model_dir  # noqa: F401 (TINY_EN re-exported)

SAMPLE_RATE = 16_000
SILENCE_PEAK = 1e-3  # peak |amplitude| (full scale 1.0) below which audio counts as silent
MAX_SECONDS = 600.0


class AudioError(InvalidInputError):
    """The audio input is unusable: missing, corrupt, empty, silent, too long, or without recognisable speech."""


def load_audio(path: str | os.PathLike) -> np.ndarray:
    """Decode ``path`` to float32 mono 16 kHz samples in [-1, 1], validating it on the way."""
    p = Path(path)
    if not p.exists():
        raise AudioError(f"no audio file at {p}")
    if not p.is_file():
        raise AudioError(f"{p} is not a file")
    if p.stat().st_size == 0:
        raise AudioError(f"audio file {p} is empty (0 bytes)")
    from faster_whisper.audio import decode_audio

    try:
        audio = decode_audio(str(p), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # PyAV raises many error types for bad files; all mean "cannot decode"
        raise AudioError(f"cannot decode audio file {p}: it is corrupt or not an audio format ({type(exc).__name__}: "
                         f"{exc})") from None
    return check_audio(np.asarray(audio, dtype=np.float32), str(p))


def check_audio(audio: np.ndarray, what: str = "audio") -> np.ndarray:
    if audio.ndim != 1:
        raise AudioError(f"{what}: expected mono samples, got shape {audio.shape}")
    if audio.size == 0:
        raise AudioError(f"{what} contains no audio samples")
    seconds = audio.size / SAMPLE_RATE
    if seconds > MAX_SECONDS:
        raise AudioError(f"{what} is {seconds:.0f} s long; the limit is {MAX_SECONDS:.0f} s")
    peak = float(np.max(np.abs(audio)))
    if not np.isfinite(peak):
        raise AudioError(f"{what} contains non-finite samples")
    if peak < SILENCE_PEAK:
        raise AudioError(f"{what} is silent (peak amplitude {peak:.1e} over {seconds:.2f} s): nothing to transcribe")
    return audio


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    duration_s: float
    segments: tuple[tuple[float, float, str], ...] = field(default=())  # (start s, end s, text)


@dataclass(frozen=True)
class WhisperOptions:
    backend: str = "faster-whisper"  # faster-whisper | openai-whisper
    model: str | None = None  # a bundled model name (tiny.en, base: compose.tools.whisper_models), a local dir, or
    # (openai-whisper) a checkpoint/model name; default: the bundled tiny.en
    language: str | None = "en"
    beam_size: int = 5
    initial_prompt: str | None = None  # vocabulary hint, e.g. the world's object names
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0: the backend's default
    device: str = "cpu"


ASR_BACKENDS: Registry["ASRBackend"] = Registry("speech recognition backend")


class ASRBackend(ABC):
    @abstractmethod
    def transcribe(self, audio: np.ndarray, options: WhisperOptions) -> tuple[str, str, list]:
        """(text, language, segments) for 16 kHz mono float32 samples."""

    def score(self, audio: np.ndarray, texts: list[str], options: WhisperOptions) -> list[float]:
        """Exact log-probability of each text as the transcript of ``audio`` (forced decoding)."""
        raise InvalidInputError(f"the {type(self).__name__} backend cannot score transcripts; use faster-whisper")

    def word_logprobs(self, audio: np.ndarray, text: str, words: list[str], options: WhisperOptions) -> np.ndarray:
        """[word position of ``text``, word of ``words``]: log-probability that the word starts there instead."""
        raise InvalidInputError(f"the {type(self).__name__} backend cannot score words; use faster-whisper")

    def nbest(self, audio: np.ndarray, n: int, options: WhisperOptions) -> list[str]:
        """The ``n`` best transcripts of a beam search over the first 30 s (best first)."""
        raise InvalidInputError(f"the {type(self).__name__} backend gives no n-best list; use faster-whisper")


@ASR_BACKENDS.register("faster-whisper")
class FasterWhisperBackend(ASRBackend):
    def __init__(self, options: WhisperOptions):
        if options.model in WHISPER_MODELS:  # a bundled model by name
            where = whisper_model_dir(options.model)
        else:  # first: fail at once, before the heavy import
            where = resolve_weights(TINY_EN, options.model)
        from faster_whisper import WhisperModel

        try:
            self.model = WhisperModel(where, device=options.device, compute_type=options.compute_type,
                                      cpu_threads=options.cpu_threads)
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelNotFoundError(f"cannot load a CTranslate2 Whisper model from {where}: {exc}") from None

    def transcribe(self, audio, options):
        segments, info = self.model.transcribe(audio, language=options.language, beam_size=options.beam_size,
                                               temperature=0.0, initial_prompt=options.initial_prompt,
                                               condition_on_previous_text=False)
        segs = [(round(s.start, 2), round(s.end, 2), s.text.strip()) for s in segments]
        return " ".join(t for _, _, t in segs).strip(), info.language, segs

    # -- forced decoding: the decoder's distribution along a given transcript (one batched pass per call)
    def _tokenizer(self, options):
        from faster_whisper.tokenizer import Tokenizer

        return Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual, task="transcribe",
                         language=options.language or "en")

    def nbest(self, audio, n, options):
        import ctranslate2

        tok = self._tokenizer(options)
        head = self._head(tok, options)
        out = self.model.model.generate(ctranslate2.StorageView.from_array(self._encode(audio)), [head],
                                        beam_size=max(n, options.beam_size), num_hypotheses=n, max_length=448)
        texts = [tok.decode([t for t in ids if t < tok.eot]).strip() for ids in out[0].sequences_ids]
        return list(dict.fromkeys(t for t in texts if t))

    def _encode(self, audio):
        import ctranslate2

        feats = self.model.feature_extractor(audio)
        n = self.model.feature_extractor.nb_max_frames
        feats = np.pad(feats, ((0, 0), (0, max(0, n - feats.shape[-1]))))[:, :n][None].astype(np.float32)
        return np.array(self.model.model.encode(ctranslate2.StorageView.from_array(feats), to_cpu=True))

    def _head(self, tok, options):
        head = []
        if options.initial_prompt:
            head = [tok.sot_prev] + tok.encode(" " + options.initial_prompt.strip())[-(self.model.max_length // 2 - 1):]
        return head + list(tok.sot_sequence) + [tok.no_timestamps]

    def _forced(self, audio, token_lists, options):
        """Per text: log-softmax rows, row j the distribution of token j given tokens < j (the last predicts EOT)."""
        import ctranslate2

        tok = self._tokenizer(options)
        enc = self._encode(audio)
        head = self._head(tok, options)
        prompts = [head + ids for ids in token_lists]
        out = self.model.model.generate(ctranslate2.StorageView.from_array(np.repeat(enc, len(prompts), axis=0)),
                                        prompts, beam_size=1, max_length=min(448, 2 * max(map(len, prompts)) + 2),
                                        return_logits_vocab=True, suppress_blank=False)
        rows = []
        for ids, r in zip(token_lists, out):  # CTranslate2's max_length also counts the prompt: leave room
            if len(r.logits[0]) < len(ids) + 1:
                raise InvalidInputError(f"a transcript of {len(ids)} tokens is too long to score")
            x = np.asarray([np.asarray(v, dtype=np.float64) for v in r.logits[0][: len(ids) + 1]])
            m = x.max(axis=1, keepdims=True)
            rows.append(x - (m + np.log(np.exp(x - m).sum(axis=1, keepdims=True))))
        return rows, tok

    def score(self, audio, texts, options):
        tok = self._tokenizer(options)
        ids = [tok.encode(" " + t.strip()) for t in texts]
        rows, tok = self._forced(audio, ids, options)
        return [float(sum(r[j, t] for j, t in enumerate(i)) + r[len(i), tok.eot]) for i, r in zip(ids, rows)]

    def word_logprobs(self, audio, text, words, options):
        tok = self._tokenizer(options)
        parts = text.split()
        ids = tok.encode(" " + " ".join(parts))
        (rows,), _ = self._forced(audio, [ids], options)
        firsts = [tok.encode(" " + w)[0] for w in words]
        out = np.empty((len(parts), len(words)))
        for i in range(len(parts)):
            j = len(tok.encode(" " + " ".join(parts[:i]))) if i else 0  # where word i starts
            out[i] = rows[min(j, len(rows) - 1), firsts]
        return out


@ASR_BACKENDS.register("openai-whisper")
class OpenAIWhisperBackend(ASRBackend):
    """openai-whisper: ``model`` is a checkpoint path or a name its cache holds (``tiny.en``, ``base``...)."""

    def __init__(self, options: WhisperOptions):
        whisper = optional_import("whisper", "whisper", "openai-whisper")
        name = options.model or os.environ.get("SOCRATIC_OPENAI_WHISPER", "tiny.en")
        if options.model and (Path(options.model) / "model.bin").is_file():
            raise InvalidInputError(f"{options.model} holds CTranslate2 weights: use backend 'faster-whisper'")
        try:
            self.model = whisper.load_model(name, device=options.device)
        except (RuntimeError, OSError) as exc:
            raise ModelNotFoundError(f"openai-whisper cannot load {name!r}: {exc} (pass a .pt checkpoint path; "
                                     "downloads are not attempted offline)") from None

    def transcribe(self, audio, options):
        out = self.model.transcribe(audio, language=options.language, temperature=0.0, fp16=False,
                                    beam_size=options.beam_size, initial_prompt=options.initial_prompt,
                                    condition_on_previous_text=False)
        segs = [(round(float(s["start"]), 2), round(float(s["end"]), 2), s["text"].strip()) for s in out["segments"]]
        return out["text"].strip(), out.get("language") or options.language or "", segs


class WhisperASR:
    """Transcribe audio files. The model loads on the first call and is reused."""

    def __init__(self, options: WhisperOptions | None = None, **overrides):
        import dataclasses

        self.options = dataclasses.replace(options or WhisperOptions(), **overrides)
        ASR_BACKENDS.get(self.options.backend)  # unknown backend -> error now, listing the known ones
        self._backend: ASRBackend | None = None
        self._lock = threading.Lock()

    def load(self) -> "WhisperASR":
        with self._lock:
            if self._backend is None:
                self._backend = ASR_BACKENDS.get(self.options.backend)(self.options)
        return self

    def transcribe(self, path: str | os.PathLike, initial_prompt: str | None = None) -> Transcript:
        audio = load_audio(path)
        return self.transcribe_array(audio, str(path), initial_prompt)

    def transcribe_array(self, audio: np.ndarray, what: str = "audio", initial_prompt: str | None = None) -> Transcript:
        import dataclasses

        audio = check_audio(np.asarray(audio, dtype=np.float32), what)
        self.load()
        opts = self.options if initial_prompt is None else dataclasses.replace(self.options, initial_prompt=initial_prompt)
        text, language, segs = self._backend.transcribe(audio, opts)
        if not text:
            raise AudioError(f"no speech recognised in {what} ({audio.size / SAMPLE_RATE:.2f} s of audio)")
        return Transcript(text=text, language=language, duration_s=round(audio.size / SAMPLE_RATE, 3),
                          segments=tuple(segs))

    def _call(self, name: str, audio: np.ndarray, initial_prompt: str | None, *args):
        import dataclasses

        self.load()
        opts = self.options if initial_prompt is None else dataclasses.replace(self.options, initial_prompt=initial_prompt)
        return getattr(self._backend, name)(check_audio(np.asarray(audio, dtype=np.float32)), *args, opts)

    def score(self, audio: np.ndarray, texts: list[str], initial_prompt: str | None = None) -> list[float]:
        """Exact log-probability of each text as the transcript of ``audio`` (16 kHz samples; forced decoding)."""
        return self._call("score", audio, initial_prompt, list(texts))

    def nbest(self, audio: np.ndarray, n: int = 4, initial_prompt: str | None = None) -> list[str]:
        """Up to ``n`` distinct transcripts of the audio's first 30 s from one beam search, best first."""
        return self._call("nbest", audio, initial_prompt, int(n))

    def word_logprobs(self, audio: np.ndarray, text: str, words: list[str],
                      initial_prompt: str | None = None) -> np.ndarray:
        """[position in ``text.split()``, word]: log-probability (first token) that each word starts there."""
        return self._call("word_logprobs", audio, initial_prompt, text, list(words))


@dataclass(frozen=True)
class TranscribeInput:
    audio: str  # path to an audio file (wav, mp3, flac, ogg...)
    initial_prompt: str | None = None

    def __post_init__(self):
        if not isinstance(self.audio, str) or not self.audio:
            raise AudioError("audio must be the path of an audio file")


@register_tool
class TranscribeTool(Tool):
    name = "whisper_asr"
    description = ("Transcribe English speech in an audio file with Whisper. Input: audio (file path), optional "
                   "initial_prompt (words likely to be said). Output: the transcript text and timed segments.")
    input_type = TranscribeInput
    output_doc = "Transcript(text: str, language: str, duration_s: float, segments: ((start, end, text), ...))"

    def __init__(self, asr: WhisperASR | None = None, **options):
        super().__init__()
        self.asr = asr if asr is not None else WhisperASR(**options)

    def load(self) -> None:
        self.asr.load()

    def run(self, inp: TranscribeInput) -> Transcript:
        return self.asr.transcribe(inp.audio, inp.initial_prompt)
