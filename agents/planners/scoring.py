"""SayCan's scoring strategies: every skill text is scored by the LLM given the prompt, the instruction and the steps
so far (exact sums of token log-probs, ``LanguageModel.score_options``).

- ``saycan``: p_LLM(skill | context) x affordance(skill, state)
- ``llm``: p_LLM alone (the no-affordance ablation)
"""
from __future__ import annotations

import numpy as np

from agents.planners.base import Decision, Planner, StepContext, register_planner, saycan_context
from compose.errors import InvalidInputError
from compose.llm.base import normalize


class _Scoring(Planner):
    use_affordances = False

    def choose(self, ctx: StepContext) -> Decision:
        texts = list(ctx.skill_texts)
        logprobs = np.array(self.llm.score_options(saycan_context(self.prompt, ctx.instruction, ctx.history), texts),
                            dtype=float)
        probs = np.array(normalize(list(logprobs)))
        aff = None if ctx.affordances is None else np.asarray(ctx.affordances, dtype=float)
        if self.use_affordances:
            if aff is None:
                raise InvalidInputError(f"mode {self.name!r} needs affordances")
            combined = probs * aff
        else:
            combined = probs
        return self.decide(texts, logprobs, probs, aff, combined)


@register_planner
class SayCan(_Scoring):
    """p_LLM(skill | context) x affordance."""

    name = "saycan"
    needs = frozenset({"llm", "affordances"})
    use_affordances = True


@register_planner
class LLMOnly(_Scoring):
    """p_LLM alone (affordances are recorded, not used)."""

    name = "llm"
    needs = frozenset({"llm"})
