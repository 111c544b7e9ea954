"""Which object goes where: a request's clauses bind each named object to a destination.

"give me that apple, then throw out the banana" sends the apple to the user and the banana to the trash; the mention
check (``agents.planners.mentions``) knows both objects are named, not which verb goes with which. ``destinations``
reads it from each clause (split at commas, "and", "then"): an explicit destination said in the clause ("on the far
counter"), else the clause's verb ("throw / toss / get rid of" -> the trash can; "bring / give / hand / fetch ... me",
"for me", "i want" -> the user; "hold / pick up / grab" -> the hand). A clause of objects alone ("and an orange")
takes the previous clause's destination; a clause of a pronoun and a verb ("then put it on the counter") moves the
previous clause's objects. An object without a clear destination is left free.

A goal predicate about an object bound to a destination must send it there (``Binding.allows``); the goal chooser
applies it with the mention check (``--set binding=constrain``, the default; ``none`` switches it off).
"""
from __future__ import annotations

import re

from agents.planners.goal_grammar import GoalAtom, atom_subject
from agents.planners.mentions import CLAUSE_BREAKS, Mentions, atom_place

HAND = "hand"  # the destination of "hold / pick up": the robot's gripper
_TRASH = (r"\b(?:throw|toss|chuck|dump|ditch|get rid|dispose|discard)\b|^\s*(?:please )?(?:bin|trash)\b"
          r"|\btrash (?:it|them|this|that|those|the)\b")
_USER = (r"\b(?:bring|give|hand|pass|fetch)\b|\b(?:get|grab|find|pour)(?: \w+){0,4} (?:me|us)\b|\bfor me\b|\bto me\b"
         r"|\bi (?:want|need|would like|'d like)\b|\bcan i (?:have|get)\b")
_HOLD = r"\b(?:hold|grab|pick)\b"
_PRONOUN = r"\b(?:it|them|that|those|this|these|one)\b"
_VERB = _TRASH + "|" + _USER + "|" + _HOLD + r"|\b(?:put|place|set|leave|move|take|drop|bring|carry)\b"


def _clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of the normalised request ("but" starts one too: "... but leave my apple")."""
    cuts = sorted({m.start() for b in CLAUSE_BREAKS + (" but ",) for m in re.finditer(re.escape(b), text)})
    bounds, last = [], 0
    for c in cuts:
        bounds.append((last, c))
        last = c + 1
    bounds.append((last, len(text)))
    return [(a, b) for a, b in bounds if text[a:b].strip()]


def _verb_destination(clause: str) -> str | None:
    if re.search(_TRASH, clause):
        return "trash can"
    if re.search(_USER, clause):
        return "user"
    if re.search(_HOLD, clause):
        return HAND
    return None


def destinations(m: Mentions) -> dict[str, str]:
    """Object or class spec -> where the request sends it ("user", "trash can", a place, or ``HAND``)."""
    text = m.text
    out: dict[str, str] = {}
    prev_objs: list[str] = []
    prev_dest: str | None = None
    for a, b in _clauses(text):
        clause = text[a:b]
        objs = [x.spec for x in m.positive if a <= x.start < b and not x.incidental]
        places = [p.place for p in m.places if a <= p.start < b and p.source_of is None and not p.robot]
        dest = places[-1] if places else _verb_destination(clause)
        if objs:
            if dest is None and not re.search(_VERB, clause):  # "... and an orange": the previous clause's verb
                dest = prev_dest
            for o in objs:
                if dest is not None:
                    out[o] = dest
            prev_objs, prev_dest = objs, dest
        elif dest is not None and prev_objs and re.search(_PRONOUN, clause):  # "then put it on the counter"
            for o in prev_objs:
                out[o] = dest
            prev_dest = dest
    return out


def atom_destination(atom: GoalAtom) -> str | None:
    """Where a predicate sends its subject: a place, "user", ``HAND`` for 'hold'; None for 'find', 'put down here'
    and predicates without a subject."""
    if atom.kind == "holding":
        return HAND
    if atom.kind in ("at", "count", "except"):
        place = atom_place(atom) if atom.kind != "except" else "user"
        return place
    return None


class Binding:
    """The destinations a request binds its objects to, as a check on goal predicates."""

    def __init__(self, mentions: Mentions):
        self.dest = destinations(mentions)

    def allows(self, atom: GoalAtom) -> bool:
        subject = atom_subject(atom)[0]
        want = self.dest.get(subject) if subject is not None else None
        if want is None:
            return True
        if atom.kind == "find":  # asked to be somewhere: finding it is not enough
            return False
        got = atom_destination(atom)
        return got is None or got == want
