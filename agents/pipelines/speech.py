"""Speech -> instruction -> SayCan plan.

Whisper (the ``whisper_asr`` tool) transcribes the spoken request; the transcript becomes the task's instruction;
the SayCan planner (``agents.saycan.run_episode``) plans and acts in the kitchen simulator. By default Whisper gets
the kitchen's object and place names as its initial prompt (a vocabulary hint, as one would give a deployed
robot's recogniser): tiny.en otherwise mishears fast synthetic speech ("bring me a sponge" -> "bring the advantage").
"""
from __future__ import annotations

import os
import re
import threading
from functools import lru_cache

import numpy as np

from compose.errors import InvalidInputError
from compose.pipelines.base import Pipeline
from compose.tools.asr import WhisperASR

_ASR_LOCK = threading.Lock()
_ASR: dict[str, WhisperASR] = {}
# The best bundled configuration of the speech benchmark (agents.speech_bench, docs/benchmarks.md): Whisper base with
# the vocabulary prompt. ``--audio`` uses it unless told otherwise.
DEFAULT_ASR_MODEL = "base"


def kitchen_vocabulary_hint() -> str:
    """Whisper initial prompt naming the kitchen's objects, the short names of its cans ("coke" for the coke can), the
    kinds people ask for (soda, drink, snack, ...) and its places: words a request may use without the full name."""
    from envs.kitchen.vocab import CLASSES, LOCATIONS, OBJECTS

    short = [o[: -len(" can")] for o in OBJECTS if o.endswith(" can")]
    kinds = [c for c in CLASSES if c != "can"]
    return (f"Kitchen objects: {', '.join(OBJECTS)}. Short names: {', '.join(short)}. Kinds: {', '.join(kinds)}. "
            f"Places: {', '.join(LOCATIONS)}.")


def known_names_note(text: str, n: int = 3) -> str | None:
    """None when the transcript names a known object or place; otherwise a note saying so, with the known names
    closest to its words (what a user should check: "heard 'bring meat on apple'... closest: apple, ...")."""
    import difflib
    import re

    from envs.kitchen.vocab import CLASSES, LOCATIONS, OBJECTS

    low = " " + re.sub(r"[^a-z0-9 ]+", " ", text.lower()) + " "
    names = list(OBJECTS) + list(LOCATIONS) + [c for c in CLASSES if c != "can"]  # "can" is mostly the verb
    if any(f" {name} " in low or f" {name}s " in low for name in names):
        return None
    scored = []
    tokens = low.split()
    for name in names:
        k = len(name.split())
        grams = [" ".join(tokens[i:i + k]) for i in range(max(1, len(tokens) - k + 1))] or [""]
        scored.append((max(difflib.SequenceMatcher(None, name, g).ratio() for g in grams), name))
    closest = [name for _, name in sorted(scored, key=lambda x: -x[0])[:n]]
    return f"the transcript {text!r} names no known object or place; closest known names: {', '.join(closest)}"


# Vocabulary biasing (contextual biasing by rescoring): Whisper proposes, the kitchen's vocabulary and a language
# model tip the balance. Candidates: Whisper's transcript, its beam's n-best list, and variants with one word replaced
# by a kitchen phrase or a command word that Whisper itself finds plausible there (its first token within BIAS_FLOOR
# nats at that position of the forced decoding). Each is scored exactly by Whisper, plus BIAS_WEIGHT nats per kitchen
# name it says, plus LM_WEIGHT x its log-probability under the planner's LLM as a request to the robot (n-best
# rescoring with shallow fusion: "Put the sponge out." -> "Put the sponge down.", "what you're folding" -> "holding").
# The best wins (BIAS_ROUNDS rounds of replacements). Weights were set on the speech benchmark's kitchen_dev clips
# (a misheard "coke" costs Whisper about 1 nat), never on SayCan-101; docs/benchmarks.md reports the whole set.
BIAS_WEIGHT = 1.5
BIAS_FLOOR = -6.0
BIAS_ROUNDS = 2
BIAS_CANDIDATES = 12
LM_WEIGHT = 0.6
LM_CONTEXT = "Someone asks the kitchen robot:"
NBEST = 4


@lru_cache(maxsize=1)
def kitchen_phrases() -> tuple[str, ...]:
    """Words and short phrases of the kitchen: object and class words (and plurals), places, count words."""
    from agents.planners.mentions import CLASS_WORDS, NUMBER_WORDS, OBJECT_WORDS
    from envs.kitchen.vocab import LOCATIONS, OBJECTS

    out: list[str] = []
    for name in list(OBJECTS) + list(LOCATIONS):
        out += [name, name.split()[0]] if name.endswith(" can") else [name]
    for words in list(OBJECT_WORDS.values()) + list(CLASS_WORDS.values()):
        out += [w for w in words if len(w.split()) <= 2]
    out += [w + "s" for w in list(out) if len(w.split()) == 1 and not w.endswith("s") and w.isalpha()]
    out += [w for w in NUMBER_WORDS if w.isalpha()]
    return _unique(out)


@lru_cache(maxsize=1)
def command_words() -> tuple[str, ...]:
    """The words the robot's requests are made of beside names: the skills' words ("pick", "up", "down", "put",
    "drawer"), the request verbs the planner reads ("give", "throw", "away", "grab") and "what you're holding"'s
    words. Candidates for replacement; unlike names they earn no bonus (the language model judges them)."""
    from agents.planners.mentions import HELD_PHRASES, SELF_PLACING
    from skills.kitchen import kitchen_library

    lib = kitchen_library()
    texts = [s.text for s in lib.skills] + list(SELF_PLACING) + list(HELD_PHRASES)
    words = [w for t in texts for w in t.split()]
    words += [w + suffix for w in ("hold", "put", "throw", "bring", "give") for suffix in ("", "ing")]
    names = set(kitchen_phrases())
    return _unique([w for w in words if w not in names])


def _unique(words) -> tuple[str, ...]:
    seen, keep = set(), []
    for w in words:
        if w not in seen and re.fullmatch(r"[a-z0-9' -]+", w):
            seen.add(w)
            keep.append(w)
    return tuple(keep)


def kitchen_names_in(text: str) -> int:
    """How many kitchen names (objects, classes, places) and counts a text says."""
    from agents.planners.mentions import request_mentions
    from envs.kitchen.vocab import LOCATIONS

    m = request_mentions(text)
    low = " " + re.sub(r"[^a-z0-9 ]+", " ", text.lower()) + " "
    return len(m.spans) + sum(f" {L} " in low for L in LOCATIONS if L != "user") + sum(
        1 for x in m.positive if x.count)


def bias_transcript(asr: WhisperASR, audio, text: str, hint: str | None = None, weight: float = BIAS_WEIGHT,
                    floor: float = BIAS_FLOOR, rounds: int = BIAS_ROUNDS, lm=None, lm_weight: float = LM_WEIGHT,
                    nbest: int = NBEST) -> str:
    """``text`` (Whisper's transcript of ``audio``, 16 kHz samples) or a better-scored alternative: one of Whisper's
    n-best, or up to ``rounds`` words replaced by kitchen phrases or command words, when Whisper's own log-probability
    plus ``weight`` per kitchen name plus ``lm_weight`` x the log-probability under ``lm`` (a
    ``compose.llm.LanguageModel``; none: no LM term) says so ("bring me a coat" -> "bring me a coke"; "bring me to
    sex" -> "bring me two snacks"). Unchanged when nothing beats it."""
    phrases = list(kitchen_phrases()) + list(command_words())
    cur = " ".join(text.split())
    if not cur:
        return text

    def totals(texts: list[str]) -> np.ndarray:
        out = np.array(asr.score(audio, texts, initial_prompt=hint)) + weight * np.array(
            [kitchen_names_in(t) for t in texts])
        if lm is not None and lm_weight:
            out += lm_weight * np.array(lm.score_options(LM_CONTEXT, [" " + t for t in texts]))
        return out

    starts = [cur]
    if nbest > 1:
        starts += [" ".join(t.split()) for t in asr.nbest(audio, nbest, initial_prompt=hint)]
        starts = list(dict.fromkeys(t for t in starts if t))
    scores = totals(starts)
    j = int(np.argmax(scores))
    cur, best = starts[j], float(scores[j])
    for _ in range(rounds):
        parts = cur.split()
        lp = asr.word_logprobs(audio, cur, phrases, initial_prompt=hint)
        options = []
        for i, word in enumerate(parts):
            core = re.sub(r"[^A-Za-z0-9']+$", "", word)
            tail = word[len(core):]
            for k in np.flatnonzero(lp[i] >= floor):
                ph = phrases[k]
                if ph != core.lower():
                    new = " ".join(parts[:i] + [(ph.capitalize() if i == 0 else ph) + tail] + parts[i + 1:])
                    options.append((float(lp[i, k]), new))
        if not options:
            break
        options = [t for _, t in sorted(options, key=lambda o: -o[0])[:BIAS_CANDIDATES]]
        scores = totals(options)
        j = int(np.argmax(scores))
        if scores[j] <= best + 1e-9:
            break
        cur, best = options[j], float(scores[j])
    return cur


def default_asr(model: str | None = None) -> WhisperASR:
    """The process-wide bundled Whisper model (``DEFAULT_ASR_MODEL`` unless named; each loaded once)."""
    model = model or DEFAULT_ASR_MODEL
    with _ASR_LOCK:
        if model not in _ASR:
            _ASR[model] = WhisperASR(model=model)
        return _ASR[model]


def default_lm():
    """The bundled default LLM (the planner's), loaded once per process: the biasing's judge of requests."""
    from agents.runtime import get_llm
    from compose.llm import LLMConfig

    return get_llm(LLMConfig())


def transcribe_instruction(path: str | os.PathLike, asr: WhisperASR | None = None, vocabulary_hint: bool = True,
                           model: str | None = None, bias: bool = True, lm=None) -> str:
    """The instruction spoken in an audio file, as text (what ``python -m agents.saycan --audio`` calls): Whisper
    with the kitchen's vocabulary as its prompt, then (``bias``) rescored towards the kitchen's words with ``lm``
    (default: the bundled LLM) judging the candidates as requests."""
    from compose.tools.asr import load_audio

    asr = asr or default_asr(model)
    hint = kitchen_vocabulary_hint() if vocabulary_hint else None
    audio = load_audio(path)
    text = " ".join(asr.transcribe_array(audio, str(path), initial_prompt=hint).text.split())
    if bias and asr.options.backend == "faster-whisper":
        text = bias_transcript(asr, audio, text, hint, lm=lm if lm is not None else default_lm())
    return text


class SpeechToPlan(Pipeline):
    """``SpeechToPlan().run("cmd.wav", init=...)`` -> {"transcript", "record"} (record: run_episode's dict)."""

    def __init__(self, config=None, llm=None, asr: WhisperASR | None = None, vocabulary_hint: bool = True,
                 verbose: bool = False, stream=None, bias: bool = True):
        super().__init__(verbose, stream)
        from agents.config import EpisodeConfig

        from envs.worlds import WORLDS

        self.config = config or EpisodeConfig(mode=WORLDS.get("kitchen").default_mode, render=False)
        self.llm, self.asr, self.vocabulary_hint, self.bias = llm, asr, vocabulary_hint, bias

    def run(self, audio: str | os.PathLike, init: dict | None = None, goal: dict | None = None, seed: int = 0,
            task_id: str = "speech") -> dict:
        from agents.saycan import run_episode

        hint = kitchen_vocabulary_hint() if self.vocabulary_hint else None
        if hint:
            self.log("asr-prompt", hint)
        text = transcribe_instruction(audio, self.asr, self.vocabulary_hint, bias=self.bias, lm=self.llm)
        self.log("transcript", text)
        note = known_names_note(text)
        if note:
            self.log("warning", note)
        if not text:
            raise InvalidInputError(f"nothing was recognised in {audio}")
        task = {"id": task_id, "world": "kitchen", "instruction": text}
        if init is not None:
            task["init"] = init
        if goal is not None:
            task["goal"] = goal
        record = run_episode(task, self.config, seed, llm=self.llm)
        for step in record["steps"]:
            self.log("step", f"{step['index'] + 1}. {step['skill']} -> {'ok' if step['success'] else 'failed'}"
                             + (f" ({step['reason']})" if step.get("reason") else ""))
        self.log("plan", ", ".join(record["plan"]))
        if goal is not None:
            self.log("goal", f"met: {record['exec_success']}")
        return {"transcript": text, "record": record}
