"""Skill base class and skill library: the one extension point every world's skills implement.

A skill is a sentence the LLM scores (``text``), an affordance -- the probability in [0, 1] that the skill would
succeed from what the robot currently perceives -- and a controller that carries it out in a world. Affordances
never look at the goal.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from compose.errors import UnknownNameError


@dataclass
class SkillOutcome:
    success: bool
    reason: str = ""  # why it failed, in words ("the sponge slipped")
    sim_seconds: float = 0.0  # simulated time the skill took
    details: dict = field(default_factory=dict)


class Skill(ABC):
    """One skill. ``perception`` is whatever the world's perception returns (a dict for the kitchen)."""

    text: str

    @abstractmethod
    def affordance(self, perception: Any) -> float:
        """Probability in [0, 1] that running this skill now succeeds, from perception only."""

    @abstractmethod
    def run(self, world: Any, rng: np.random.Generator) -> SkillOutcome:
        """Carry the skill out in ``world``; seeded noise comes from ``rng``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r})"


class SkillLibrary:
    """An ordered set of skills with unique texts."""

    def __init__(self, skills: Sequence[Skill]):
        self.skills = list(skills)
        self.texts = [s.text for s in self.skills]
        self._index = {t: i for i, t in enumerate(self.texts)}
        if len(self._index) != len(self.texts):
            raise ValueError("skill texts must be unique")

    def __len__(self) -> int:
        return len(self.skills)

    def __getitem__(self, i: int) -> Skill:
        return self.skills[i]

    def index(self, text: str) -> int:
        try:
            return self._index[text]
        except KeyError:
            raise UnknownNameError("skill", text, self.texts) from None

    def affordances(self, perception: Any) -> np.ndarray:
        return np.array([float(np.clip(s.affordance(perception), 0.0, 1.0)) for s in self.skills])
