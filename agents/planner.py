"""SayCan's planning rule, world-agnostic.

At each step every skill text is scored by the LLM given the few-shot prompt, the instruction and the steps so far
(exact sums of token log-probs, ``LanguageModel.score_options``), multiplied by the skill's affordance in the current
state, and the best one is executed. Modes:

- ``saycan``: p_LLM(skill | context) x affordance(skill, state)
- ``llm``: p_LLM alone (the no-affordance ablation)
- ``generative``: the LLM writes the next step freely; it is mapped to the nearest skill by sentence-embedding
  similarity (Socratic Models / SayCan's generative baseline)
- ``oracle-plan``: follow a given plan (tests and hooks)
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Sequence

import numpy as np

from compose.errors import InvalidInputError, UnknownNameError
from compose.llm.base import LanguageModel, normalize

PLANNER_MODES = ("saycan", "llm", "generative", "oracle-plan")
DONE = "done"


def load_prompt(name: str) -> str:
    """A prompt template shipped in compose/prompts/NAME.txt."""
    try:
        return resources.files("compose").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        known = [p.name[:-4] for p in resources.files("compose").joinpath("prompts").iterdir() if p.name.endswith(".txt")]
        raise UnknownNameError("prompt", name, known) from None


@dataclass
class Candidate:
    skill: str
    llm_logprob: float | None  # exact log p(skill | context), nats
    llm_prob: float | None  # normalised over the options
    affordance: float | None
    combined: float


@dataclass
class Decision:
    skill: str
    index: int
    llm_logprob: float | None
    llm_prob: float | None
    affordance: float | None
    combined: float
    top: list[Candidate] = field(default_factory=list)
    generated: str | None = None  # generative mode: the LLM's free text
    extras: dict = field(default_factory=dict)  # what a strategy wants recorded (e.g. the chosen goal)

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["top"] = [c.__dict__ for c in self.top]
        return d


class SayCanPlanner:
    """Chooses one skill per call. Holds no episode state: the caller passes the history."""

    def __init__(self, llm: LanguageModel | None, prompt_prefix: str, mode: str = "saycan", embedder=None,
                 oracle_plan: Sequence[str] | None = None, top_k: int = 5):
        if mode not in PLANNER_MODES:
            raise UnknownNameError("planner mode", mode, PLANNER_MODES)
        if mode != "oracle-plan" and llm is None:
            raise InvalidInputError(f"planner mode {mode!r} needs a language model")
        if mode == "oracle-plan" and not oracle_plan:
            raise InvalidInputError("planner mode 'oracle-plan' needs a plan")
        self.llm, self.prompt, self.mode, self.top_k = llm, prompt_prefix, mode, top_k
        self._embedder = embedder
        self.oracle_plan = list(oracle_plan or [])

    @staticmethod
    def context(prompt: str, instruction: str, history: Sequence[str]) -> str:
        """SayCan's dialog: the few-shot prompt, 'Human: ...', then 'Robot: 1. a, 2. b, 3. ' (trailing space)."""
        steps = "".join(f"{i + 1}. {s}, " for i, s in enumerate(history))
        return f"{prompt}Human: {instruction}\nRobot: {steps}{len(history) + 1}. "

    def choose(self, instruction: str, history: Sequence[str], skill_texts: Sequence[str],
               affordances: np.ndarray | None) -> Decision:
        if not instruction.strip():
            raise InvalidInputError("the instruction is empty")
        skill_texts = list(skill_texts)
        if self.mode == "oracle-plan":
            return self._oracle(history, skill_texts, affordances)
        if self.mode == "generative":
            return self._generative(instruction, history, skill_texts, affordances)
        ctx = self.context(self.prompt, instruction, history)
        logprobs = np.array(self.llm.score_options(ctx, skill_texts), dtype=float)
        probs = np.array(normalize(list(logprobs)))
        aff = None if affordances is None else np.asarray(affordances, dtype=float)
        if self.mode == "saycan":
            if aff is None:
                raise InvalidInputError("mode 'saycan' needs affordances")
            combined = probs * aff
        else:
            combined = probs
        return self._decide(skill_texts, logprobs, probs, aff, combined)

    def _decide(self, texts, logprobs, probs, aff, combined, generated=None, pick=None) -> Decision:
        order = np.argsort(-combined, kind="stable")
        best = int(order[0]) if pick is None else pick

        def cand(i):
            return Candidate(texts[i], None if logprobs is None else float(logprobs[i]),
                             None if probs is None else float(probs[i]),
                             None if aff is None else float(aff[i]), float(combined[i]))

        c = cand(best)
        return Decision(c.skill, best, c.llm_logprob, c.llm_prob, c.affordance, c.combined,
                        top=[cand(int(i)) for i in order[: self.top_k]], generated=generated)

    def _oracle(self, history, texts, aff) -> Decision:
        step = len(history)
        skill = self.oracle_plan[step] if step < len(self.oracle_plan) else DONE
        if skill not in texts:
            raise InvalidInputError(f"oracle plan step {step + 1} {skill!r} is not a skill of this world")
        idx = texts.index(skill)
        combined = np.zeros(len(texts))
        combined[idx] = 1.0
        a = None if aff is None else np.asarray(aff, dtype=float)
        return self._decide(texts, None, None, a, combined, pick=idx)

    @property
    def embedder(self):
        if self._embedder is None:
            from compose.tools.embedder import TextEmbedder

            self._embedder = TextEmbedder()
        return self._embedder

    def _skill_embeddings(self, texts) -> np.ndarray:
        key = tuple(texts)
        if getattr(self, "_emb_key", None) != key:
            self._emb_key, self._emb = key, np.asarray(self.embedder.embed(list(texts)), dtype=float)
        return self._emb

    def _generative(self, instruction, history, texts, aff) -> Decision:
        # no trailing space: after "3. " a model tends to restart the numbering, which the stop at "." cuts to "3"
        ctx = self.context(self.prompt, instruction, history).rstrip()
        text = self.llm.generate([ctx], max_tokens=16, stop=[",", ".", "\n"], temperature=0.0)[0].strip()
        if not text:
            text = DONE
        sims = self._skill_embeddings(texts) @ np.asarray(self.embedder.embed([text]), dtype=float)[0]
        a = None if aff is None else np.asarray(aff, dtype=float)
        return self._decide(texts, None, None, a, sims, generated=text)


def log_or_none(x: float | None) -> float | None:
    return None if x is None or x <= 0 else math.log(x)


def closed_loop(planner: SayCanPlanner, instruction: str, max_steps: int, observe, act, sim_time, frame=None,
                recorder=None, on_step=None) -> tuple[list[dict], str, float]:
    """SayCan's closed loop over any world: observe -> choose -> act, until ``done`` or the step limit.

    ``observe() -> (perception summary, skill texts, affordances)``; ``act(decision) -> (info, truncated)`` with
    info holding "success", "reason" and "state"; ``sim_time()`` is the world's clock; ``frame()`` renders for the
    recorder. Returns (steps, "done" | "max_steps", seconds spent choosing).
    """
    from envs.record import to_jsonable

    history: list[str] = []
    outcomes: list[tuple[bool, str]] = []
    steps: list[dict] = []
    llm_s, terminated_by = 0.0, "max_steps"
    for k in range(max_steps):
        if recorder:
            recorder.add_frame(frame())
        perception, texts, affordances = observe()
        t_plan = time.perf_counter()
        if hasattr(planner, "choose_step"):  # strategies of agents.planners see outcomes and perception too
            decision = planner.choose_step(instruction, history, outcomes, texts, affordances, perception)
        else:
            decision = planner.choose(instruction, history, texts, affordances)
        llm_s += time.perf_counter() - t_plan
        t_start = sim_time()
        info, truncated = act(decision)
        history.append(decision.skill)
        outcomes.append((bool(info["success"]), str(info.get("reason", ""))))
        scores = decision.as_dict()
        scores["skill_index"] = scores.pop("index")
        steps.append(to_jsonable({**scores, "index": k, "t": round(t_start, 3), "t_end": round(sim_time(), 3),
                                  "success": bool(info["success"]), "reason": info.get("reason", ""),
                                  "perception": perception, "state": info["state"]}))
        if on_step:
            on_step(steps[-1])
        if decision.skill == DONE:
            terminated_by = "done"
            break
        if truncated:
            break
    if recorder:
        recorder.add_frame(frame())
    return steps, terminated_by, llm_s
