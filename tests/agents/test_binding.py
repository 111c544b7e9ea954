"""Clause binding: which destination a request gives each object it names, and the goal check built on it."""
from __future__ import annotations

import pytest

from agents.planners.binding import HAND, Binding, destinations
from agents.planners.goal_grammar import goal_atoms
from agents.planners.mentions import request_mentions


def dest(text: str) -> dict:
    return destinations(request_mentions(text))


@pytest.mark.parametrize("text, want", [
    ("hand me the tea, then toss the sponge", {"tea": "user", "sponge": "trash can"}),
    ("chuck the banana and fetch me the water bottle", {"banana": "trash can", "water bottle": "user"}),
    ("set the orange on the table and the apple on the close counter", {"orange": "table", "apple": "close counter"}),
    ("bring me the tea and a sponge and then throw out the coke", {"tea": "user", "sponge": "user",
                                                                  "coke can": "trash can"}),
    ("grab the energy bar", {"energy bar": HAND}),
    ("grab me the energy bar", {"energy bar": "user"}),
    ("lift the tea, then set it on the far counter", {"tea": "far counter"}),  # the pronoun clause moves it
    ("take the pepsi out of the trash and put the orange in it", {}),  # "the trash" is a source, not a verb
    ("carry the sponge from the table to the drawer", {"sponge": "drawer"}),
    ("the table is sticky, wipe it but leave the tea", {}),  # no destination said: nothing bound
])
def test_each_object_gets_the_destination_of_its_clause(text, want):
    assert dest(text) == want


def _atom(sentence: str):
    (a,) = [a for a in goal_atoms() if a.sentence == sentence]
    return a


def test_binding_allows_only_predicates_that_send_objects_where_their_clause_says():
    b = Binding(request_mentions("hand me the tea, then toss the sponge"))
    assert b.allows(_atom("give the tea to the user")) and b.allows(_atom("throw the sponge in the trash can"))
    assert not b.allows(_atom("throw the tea in the trash can"))
    assert not b.allows(_atom("give the sponge to the user"))
    assert not b.allows(_atom("hold the tea")) and not b.allows(_atom("find the tea"))
    assert b.allows(_atom("go to the table")) and b.allows(_atom("open the drawer"))  # no subject: free
    assert b.allows(_atom("give the apple to the user"))  # not named: the mention check decides, not this


def test_the_goal_chooser_checks_binding_only_when_asked():
    from agents.planners.goal import KitchenCheck

    text = "hand me the tea, then toss the sponge"
    wrong = _atom("give the sponge to the user")
    assert not KitchenCheck(text).allowed(wrong)
    assert KitchenCheck(text, binding=False).allowed(wrong)


def test_places_the_robot_is_sent_to_are_kept_in_the_order_said():
    from agents.planners.goal import KitchenCheck

    check = KitchenCheck("head to the drawer, next the table, then the far counter")
    chain = [_atom("go to the drawer"), _atom("go to the table"), _atom("go to the far counter")]
    assert check.in_order(chain)
    assert not check.in_order([chain[1], chain[0], chain[2]])
    assert KitchenCheck("head to the drawer, next the table", binding=False).in_order(chain[::-1])


def test_the_beam_extends_a_goal_only_with_places_in_the_order_said():
    from agents.planners.goal import KitchenCheck, _extensions

    check = KitchenCheck("first visit the far counter, then the close counter, then the table")
    far, close, table = (_atom(f"go to the {p}") for p in ("far counter", "close counter", "table"))
    pool = [table, close, far]
    assert _extensions([far], pool, pool, check, set()) == [table, close]  # either later place may follow
    assert _extensions([close], pool, pool, check, set()) == [table]
    assert _extensions([table], pool, pool, check, set()) == []  # the last place said: nothing may follow it
    assert _extensions([table], pool, pool, KitchenCheck("visit the far counter and the table", binding=False),
                       set()) == [close, far]
