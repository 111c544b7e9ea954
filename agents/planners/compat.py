"""The planner protocol's names for the strategies of this package, until ``agents.planners.base`` lands.

``StepContext`` is what a strategy sees at each step (docs: the Planner protocol): the instruction, the skills
executed and their outcomes, the skill texts with their affordances, and the world's perception summary.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

try:  # the shared protocol, once it exists
    from agents.planners.base import StepContext  # type: ignore[attr-defined]  # noqa: F401
except ImportError:  # pragma: no cover - replaced by the shared base

    @dataclass(frozen=True)
    class StepContext:  # type: ignore[no-redef]
        instruction: str
        history: tuple[str, ...]
        outcomes: tuple[tuple[bool, str], ...]
        skill_texts: tuple[str, ...]
        affordances: np.ndarray | None
        scene: dict | None
        world: str = "kitchen"
