"""Speech -> instruction -> SayCan plan.

Whisper (the ``whisper_asr`` tool) transcribes the spoken request; the transcript becomes the task's instruction;
the SayCan planner (``agents.saycan.run_episode``) plans and acts in the kitchen simulator. By default Whisper gets
the kitchen's object and place names as its initial prompt (a vocabulary hint, as one would give a deployed
robot's recogniser): tiny.en otherwise mishears fast synthetic speech ("bring me a sponge" -> "bring the advantage").
"""
from __future__ import annotations

import os
import threading

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


def default_asr(model: str | None = None) -> WhisperASR:
    """The process-wide bundled Whisper model (``DEFAULT_ASR_MODEL`` unless named; each loaded once)."""
    model = model or DEFAULT_ASR_MODEL
    with _ASR_LOCK:
        if model not in _ASR:
            _ASR[model] = WhisperASR(model=model)
        return _ASR[model]


def transcribe_instruction(path: str | os.PathLike, asr: WhisperASR | None = None, vocabulary_hint: bool = True,
                           model: str | None = None) -> str:
    """The instruction spoken in an audio file, as text (what ``python -m agents.saycan --audio`` calls)."""
    asr = asr or default_asr(model)
    text = asr.transcribe(path, initial_prompt=kitchen_vocabulary_hint() if vocabulary_hint else None).text
    return " ".join(text.split())


class SpeechToPlan(Pipeline):
    """``SpeechToPlan().run("cmd.wav", init=...)`` -> {"transcript", "record"} (record: run_episode's dict)."""

    def __init__(self, config=None, llm=None, asr: WhisperASR | None = None, vocabulary_hint: bool = True,
                 verbose: bool = False, stream=None):
        super().__init__(verbose, stream)
        from agents.config import EpisodeConfig

        self.config = config or EpisodeConfig(render=False)
        self.llm, self.asr, self.vocabulary_hint = llm, asr, vocabulary_hint

    def run(self, audio: str | os.PathLike, init: dict | None = None, goal: dict | None = None, seed: int = 0,
            task_id: str = "speech") -> dict:
        from agents.saycan import run_episode

        hint = kitchen_vocabulary_hint() if self.vocabulary_hint else None
        if hint:
            self.log("asr-prompt", hint)
        text = transcribe_instruction(audio, self.asr, self.vocabulary_hint)
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
