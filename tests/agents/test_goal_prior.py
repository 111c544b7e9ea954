"""The example votes on the goal's form (agents.planners.goal_prior) on a scripted LLM and a bag-of-words embedder."""
from __future__ import annotations

import numpy as np

from agents.planners.examples import ExampleBank
from agents.planners.goal import GoalChooser
from agents.planners.goal_grammar import atom_table, goal_atoms
from agents.planners.goal_prior import FormVotes, form, length_bonus
from compose.llm.fake import FakeLLM

WORDS = ["bin", "toss", "rid", "bring", "me", "hand", "and", "apple", "coke", "sponge", "drawer", "close"]


class BagOfWords:
    def embed(self, texts):
        out = np.array([[float(w in t.lower().split()) for w in WORDS] for t in texts]) + 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)


ROWS = [
    {"instruction": "toss the apple in the bin", "goal_sentence": "throw the apple in the trash can."},
    {"instruction": "get rid of the sponge bin", "goal_sentence": "throw the sponge in the trash can."},
    {"instruction": "bring me the coke", "goal_sentence": "give the coke can to the user."},
    {"instruction": "hand me the apple", "goal_sentence": "give the apple to the user."},
    {"instruction": "bring me the apple and the coke",
     "goal_sentence": "give the apple to the user and give the coke can to the user."},
]
ATOMS = goal_atoms(objects=("apple", "coke can", "sponge"), classes=("fruit",))
TABLE = atom_table(ATOMS)


def _votes(k=2):
    return FormVotes(ExampleBank(ROWS, BagOfWords(), k=k), TABLE, k=k)


def test_forms_name_kind_and_place():
    assert form(TABLE["give the apple to the user"]) == "at:user"
    assert form(TABLE["throw the apple in the trash can"]) == "at:trash can"
    assert form(TABLE["put the apple on the table"]) == "at:surface"
    assert form(TABLE["close the drawer"]) == "close"
    assert form(TABLE["hold a fruit"]) == "holding"


def test_nearest_examples_vote_on_form_and_length():
    forms, counts = _votes().vote("toss the coke in the bin")
    assert max(forms, key=forms.get) == "at:trash can"
    assert abs(sum(forms.values()) - 1) < 1e-6 and set(counts) == {1}
    forms, counts = _votes(k=1).vote("bring me the apple and the coke")
    assert set(counts) == {2} and length_bonus(counts, 1) > 0 > length_bonus({1: 1.0}, 1)


def _llm_preferring_give():
    """Knows the object (the coke) but always prefers giving, a little."""
    def scorer(ctx, option):
        tail = ctx.split("Goal:")[-1].strip() + option
        s = -1.0 if "coke" in tail else -6.0
        return s + (0.3 if tail.startswith("give") else 0.0) - (4.0 if " and " in option else 0.0)
    return FakeLLM(scorer=scorer)


def test_votes_turn_the_verb_but_not_the_object():
    plain = GoalChooser(_llm_preferring_give(), norm="sum", atoms=ATOMS)
    assert plain.choose("H.\n\n", "s", "toss the coke in the bin").sentence == "give the coke can to the user."
    voted = GoalChooser(_llm_preferring_give(), norm="sum", atoms=ATOMS, votes=_votes(), vote_weight=1.0)
    assert voted.choose("H.\n\n", "s", "toss the coke in the bin").sentence == "throw the coke can in the trash can."
    assert voted.choose("H.\n\n", "s", "hand me the coke").sentence == "give the coke can to the user."
