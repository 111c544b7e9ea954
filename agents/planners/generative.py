"""``generative``: the LLM writes the next step freely; it is mapped to the nearest skill by sentence-embedding
similarity (Socratic Models / SayCan's generative baseline)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.planners.base import DONE, Decision, Planner, StepContext, register_planner, saycan_context


@register_planner
class Generative(Planner):
    name = "generative"
    needs = frozenset({"llm", "embedder"})
    writes_steps = True

    @dataclass(frozen=True)
    class Options:
        max_tokens: int = 16

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

    def choose(self, ctx: StepContext) -> Decision:
        texts = list(ctx.skill_texts)
        # no trailing space: after "3. " a model tends to restart the numbering, which the stop at "." cuts to "3"
        prompt = saycan_context(self.prompt, ctx.instruction, ctx.history).rstrip()
        text = self.llm.generate([prompt], max_tokens=self.options.max_tokens, stop=[",", ".", "\n"],
                                 temperature=0.0)[0].strip()
        if not text:
            text = DONE
        sims = self._skill_embeddings(texts) @ np.asarray(self.embedder.embed([text]), dtype=float)[0]
        a = None if ctx.affordances is None else np.asarray(ctx.affordances, dtype=float)
        return self.decide(texts, None, None, a, sims, generated=text)
