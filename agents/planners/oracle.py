"""``oracle-plan``: follow a given plan, then ``done`` (tests, hooks, and the benchmark's given plans)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.planners.base import DONE, Decision, Planner, StepContext, register_planner
from compose.errors import InvalidInputError


@register_planner
class OraclePlan(Planner):
    name = "oracle-plan"
    needs = frozenset()
    follows_given_plan = True

    @dataclass(frozen=True)
    class Options:
        plan: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.options.plan:
            raise InvalidInputError("planner mode 'oracle-plan' needs a plan")

    @classmethod
    def options_from(cls, config):
        return cls.Options(plan=tuple(config.oracle_plan or ()))

    def choose(self, ctx: StepContext) -> Decision:
        texts = list(ctx.skill_texts)
        step = len(ctx.history)
        plan = self.options.plan
        skill = plan[step] if step < len(plan) else DONE
        if skill not in texts:
            raise InvalidInputError(f"oracle plan step {step + 1} {skill!r} is not a skill of this world")
        idx = texts.index(skill)
        combined = np.zeros(len(texts))
        combined[idx] = 1.0
        a = None if ctx.affordances is None else np.asarray(ctx.affordances, dtype=float)
        return self.decide(texts, None, None, a, combined, pick=idx)
