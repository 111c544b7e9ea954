"""Socratic grounding for SayCan's step-wise rule (``--mode grounded``).

SayCan's rule -- p_LLM(skill | context) x affordance -- with a richer context: the robot's perception as a scene
line, and after each executed step its outcome (Inner Monologue: ``2. pick up the sponge (failed: the sponge
slipped)``). The few-shot dialog is SayCan's prompt or the k most similar examples of the example bank. A
repetition guard: a skill that failed twice, or that would change nothing (``go to`` where the robot already is,
``find`` what it sees), gets a score factor of ``GUARD`` so the loop does not spin to the step limit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.planners.base import Candidate, Decision, Planner, StepContext, register_planner
from agents.planners.scene import kitchen_scene_text
from agents.planners.norms import OptionScorer
from compose.llm.base import normalize

GUARD = 1e-3


def step_text(skill: str, outcome: tuple[bool, str] | None) -> str:
    if outcome is None or outcome[0]:
        return skill
    reason = outcome[1].strip() or "it did not work"
    return f"{skill} (failed: {reason})"


@register_planner
class GroundedPlanner(Planner):
    name = "grounded"
    needs = frozenset({"llm", "embedder", "affordances", "scene"})

    @dataclass(frozen=True)
    class Options:
        score_norm: str = "sum"
        examples: str = "fixed"  # fixed: the world's SayCan prompt; retrieved: the example bank's k nearest
        k: int = 8

    @classmethod
    def options_from(cls, config):
        from agents.planners.options import options_from_knobs

        return options_from_knobs(cls.Options, config)

    def __init__(self, llm=None, prompt: str = "", embedder=None, options=None, top_k: int = 5):
        super().__init__(llm=llm, prompt=prompt, embedder=embedder, options=options, top_k=top_k)
        from agents.planners.options import example_bank_for

        if self._embedder is None and self.options.examples == "retrieved":
            from agents.runtime import get_embedder

            self._embedder = get_embedder()
        self.base_prompt = prompt
        self.examples = example_bank_for(self.options.examples, self.options.k, self._embedder)
        self.scorer = OptionScorer(llm, self.options.score_norm)

    def reset(self, instruction: str, scene: dict | None) -> None:
        self.prompt = self.base_prompt if self.examples is None else self.examples.dialog_for(instruction,
                                                                                            self.base_prompt)

    def context(self, instruction: str, history, outcomes, scene: dict | None) -> str:
        steps = "".join(f"{i + 1}. {step_text(s, o)}, " for i, (s, o) in enumerate(zip(history, outcomes)))
        seen = f"Scene: {kitchen_scene_text(scene)}\n" if scene else ""
        return f"{self.prompt}{seen}Human: {instruction}\nRobot: {steps}{len(history) + 1}. "

    def choose(self, ctx: StepContext) -> Decision:
        texts = list(ctx.skill_texts)
        context = self.context(ctx.instruction, ctx.history, ctx.outcomes, ctx.scene)
        null = self.context("", (), (), ctx.scene) if self.scorer.norm == "pmi" else None
        lp, sc = self.scorer.score(context, texts, null)
        probs = np.array(normalize(list(sc)))
        aff = np.ones(len(texts)) if ctx.affordances is None else np.asarray(ctx.affordances, dtype=float)
        guard = np.ones(len(texts))
        fails: dict[str, int] = {}
        for s, (ok, _) in zip(ctx.history, ctx.outcomes):
            if not ok:
                fails[s] = fails.get(s, 0) + 1
        for i, t in enumerate(texts):
            if fails.get(t, 0) >= 2 or _no_op(t, ctx.scene):
                guard[i] = GUARD
        combined = probs * aff * guard
        order = np.argsort(-combined, kind="stable")

        def cand(i):
            return Candidate(texts[i], float(lp[i]), float(probs[i]), float(aff[i]), float(combined[i]))

        best = int(order[0])
        c = cand(best)
        return Decision(c.skill, best, c.llm_logprob, c.llm_prob, c.affordance, c.combined,
                        top=[cand(int(i)) for i in order[: self.top_k]],
                        extras={"guarded": [texts[i] for i in np.flatnonzero(guard < 1)][:10]})


def _no_op(text: str, scene: dict | None) -> bool:
    if not scene:
        return False
    if text == f"go to the {scene.get('location')}":
        return True
    if text.startswith("find ") and text.split(" ", 2)[-1] in scene.get("visible", []):
        return True
    return False
