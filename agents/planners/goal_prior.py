"""A second opinion on the goal's *form*, from the retrieved examples (a product of experts with the LLM).

A small LLM reads the request's objects well but is easily pulled to the prompt's most frequent verb ("give ... to
the user"). MiniLM's nearest examples of the bank vote on the form of the goal -- the first predicate's kind
(give / throw away / put in the drawer / put on a surface / hold / go / open / close / count / other-than) and how
many predicates the goal has -- with weights softmax(cosine / ``temperature``). The goal chooser adds
``weight * log p_vote(form)`` to the LLM's calibrated score of each first predicate, and
``weight * log(p(more than d predicates) / p(exactly d))`` to each extension's margin. Objects are never voted on:
they come from the LLM and the scene.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from agents.planners.goal_grammar import AND, END, GoalAtom

SMOOTH = 0.02  # probability mass spread over forms no neighbour has (a vote is advice, never a veto)


def form(atom: GoalAtom) -> str:
    """The goal form of one predicate: its kind, and for placements where it goes."""
    if atom.kind in ("at", "count"):
        loc = atom.goal["at"][1]
        where = loc if loc in ("user", "trash can", "drawer") else "surface"
        return f"{atom.kind}:{where}"
    if atom.kind == "drawer":
        return "open" if atom.goal["drawer_open"] else "close"
    return atom.kind


class FormVotes:
    """Votes of the ``k`` nearest bank examples on the first predicate's form and the number of predicates."""

    def __init__(self, bank, table: dict[str, GoalAtom], k: int = 16, temperature: float = 0.05):
        self.bank, self.table, self.k, self.temperature = bank, table, k, temperature

    def _parse(self, sentence: str) -> list[GoalAtom]:
        return [self.table[s] for s in sentence.strip().rstrip(END).split(AND) if s in self.table]

    def vote(self, instruction: str) -> tuple[dict[str, float], dict[int, float]]:
        q = np.asarray(self.bank.embedder.embed([instruction]), dtype=np.float32)[0]
        sims = self.bank.embeddings @ q
        top = np.argsort(-sims, kind="stable")[: self.k]
        w = np.exp((sims[top] - sims[top].max()) / self.temperature)
        w = w / w.sum()
        forms: dict[str, float] = defaultdict(float)
        counts: dict[int, float] = defaultdict(float)
        for i, wi in zip(top, w):
            atoms = self._parse(self.bank.rows[i]["goal_sentence"])
            if atoms:
                forms[form(atoms[0])] += float(wi)
                counts[len(atoms)] += float(wi)
        return dict(forms), dict(counts)


def form_bonus(forms: dict[str, float], atom: GoalAtom) -> float:
    return float(np.log(forms.get(form(atom), 0.0) + SMOOTH))


def length_bonus(counts: dict[int, float], d: int) -> float:
    """log p(more than ``d`` predicates) - log p(exactly ``d``): how much the neighbours favour going on."""
    more = sum(v for n, v in counts.items() if n > d)
    return float(np.log(more + SMOOTH) - np.log(counts.get(d, 0.0) + SMOOTH))
