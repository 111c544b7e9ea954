"""The planner contract: what a strategy sees at each step (``StepContext``), what it returns (``Decision``), the
``Planner`` base class and the ``PLANNERS`` registry. Strategies live next to this file, one module each.

A strategy is a ``Planner`` subclass with a registry ``name``, the inputs it ``needs`` (a subset of ``NEEDS``),
its own ``Options`` (a frozen dataclass), ``reset(instruction, scene)`` (once per episode) and ``choose(ctx)``.
Register it with ``@register_planner``; ``--mode`` choices of the command lines come from ``PLANNERS``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Sequence

import numpy as np

from compose.errors import InvalidInputError
from compose.registry import Registry

NEEDS = frozenset({"llm", "embedder", "affordances", "scene"})
DONE = "done"


@dataclass(frozen=True)
class StepContext:
    """Everything a planner may use to choose the next skill."""

    instruction: str
    history: tuple[str, ...]  # skills executed so far
    outcomes: tuple[tuple[bool, str], ...]  # (success, reason) of each executed step
    skill_texts: tuple[str, ...]
    affordances: np.ndarray | None  # one per skill text, from what the robot perceives now
    scene: dict | None  # the world's perception summary
    world: str

    def __post_init__(self):
        if not isinstance(self.instruction, str) or not self.instruction.strip():
            raise InvalidInputError("the instruction is empty")


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
    extras: dict = field(default_factory=dict)  # anything else to record with the step (e.g. a chosen goal)

    def as_dict(self) -> dict:
        """The scores recorded with a step (``extras`` is recorded separately, and only when non-empty)."""
        d = {k: v for k, v in self.__dict__.items() if k != "extras"}
        d["top"] = [c.__dict__ for c in self.top]
        return d


@dataclass(frozen=True)
class NoOptions:
    """A strategy without options of its own."""


class Planner(ABC):
    """Chooses one skill per step. ``llm``/``embedder`` are given when ``needs`` names them; ``prompt`` is the
    world's few-shot prompt prefix; ``top_k`` candidates are kept in each decision."""

    name: ClassVar[str] = ""
    needs: ClassVar[frozenset[str]] = frozenset()
    Options: ClassVar[type] = NoOptions
    writes_steps: ClassVar[bool] = False  # the LLM writes each step (worlds may give such planners another prompt)
    follows_given_plan: ClassVar[bool] = False  # runs a plan given with the task (benchmark: the task's oracle_plan)

    def __init__(self, llm=None, prompt: str = "", embedder=None, options: Any = None, top_k: int = 5):
        if "llm" in self.needs and llm is None:
            raise InvalidInputError(f"planner mode {self.name!r} needs a language model")
        self.llm, self.prompt, self.top_k = llm, prompt, top_k
        self._embedder = embedder
        self.options = self.Options() if options is None else options
        if not isinstance(self.options, self.Options):
            raise InvalidInputError(f"planner {self.name!r} takes {self.Options.__name__} options, "
                                    f"got {type(self.options).__name__}")

    @classmethod
    def options_from(cls, config) -> Any:
        """This strategy's options from an episode config (``agents.config.EpisodeConfig``): its ``Options`` fields
        read from the ``--set`` knobs, converted to their types (``agents.planners.options``)."""
        from agents.planners.options import options_from_knobs

        return options_from_knobs(cls.Options, config)

    def reset(self, instruction: str, scene: dict | None) -> None:
        """Called once per episode, before the first ``choose``."""

    @abstractmethod
    def choose(self, ctx: StepContext) -> Decision:
        """The next skill."""

    def decide(self, texts: Sequence[str], logprobs, probs, aff, combined, generated=None, pick=None) -> Decision:
        """A Decision for the best (or the ``pick``ed) option, with the ``top_k`` candidates by ``combined``."""
        order = np.argsort(-combined, kind="stable")
        best = int(order[0]) if pick is None else pick

        def cand(i):
            return Candidate(texts[i], None if logprobs is None else float(logprobs[i]),
                             None if probs is None else float(probs[i]),
                             None if aff is None else float(aff[i]), float(combined[i]))

        c = cand(best)
        return Decision(c.skill, best, c.llm_logprob, c.llm_prob, c.affordance, c.combined,
                        top=[cand(int(i)) for i in order[: self.top_k]], generated=generated)


PLANNERS: Registry[Planner] = Registry("planner mode")


def register_planner(cls: type[Planner]) -> type[Planner]:
    """Class decorator: register a strategy under its ``name`` after checking its declaration."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    if not cls.needs <= NEEDS:
        raise ValueError(f"{cls.__name__}.needs {sorted(cls.needs - NEEDS)} not in {sorted(NEEDS)}")
    return PLANNERS.register(cls.name)(cls)


def saycan_context(prompt: str, instruction: str, history: Sequence[str]) -> str:
    """SayCan's dialog: the few-shot prompt, 'Human: ...', then 'Robot: 1. a, 2. b, 3. ' (trailing space)."""
    steps = "".join(f"{i + 1}. {s}, " for i, s in enumerate(history))
    return f"{prompt}Human: {instruction}\nRobot: {steps}{len(history) + 1}. "
