"""The kitchen's mention check for goal mode (``goal.MentionCheck``): goals about what the request names, all of it,
each named object sent where its clause says (``agents.planners.binding``), places visited in the order said."""
from __future__ import annotations

from agents.planners.binding import Binding
from agents.planners.goal_grammar import GoalAtom, atom_subject
from agents.planners.mentions import allowed, covers, request_mentions, required_places


class KitchenCheck:
    """The kitchen's ``MentionCheck`` (``agents.planners.mentions``): goals about what the request names, all of it;
    once all is named, only 'go to' and the drawer may follow. ``binding``: each named object goes where its clause
    sends it, and the robot's places are visited in the order said."""

    def __init__(self, instruction: str, holding: str | None = None, known: set[str] | None = None,
                 binding: bool = True):
        self.men = request_mentions(instruction).bind_held(holding)
        self.need = set(self.men.required()) | set(required_places(self.men))
        self.known = known
        self.binding = Binding(self.men) if binding else None

    def allowed(self, atom: GoalAtom) -> bool:
        return allowed(atom, self.men, self.known) and (self.binding is None or self.binding.allows(atom))

    def covers(self, atom: GoalAtom) -> set[str]:
        return covers(atom)

    def after_all(self, atom: GoalAtom) -> bool:
        return atom_subject(atom)[0] is None

    def in_order(self, chain: list[GoalAtom]) -> bool:
        """With binding on: the places the robot is sent to are visited in the order said ('go to A, then B')."""
        if self.binding is None:
            return True
        said = list(dict.fromkeys(p.place for p in self.men.places if p.robot))
        idx = [said.index(a.goal["robot_at"]) for a in chain if a.kind == "robot_at" and a.goal["robot_at"] in said]
        return idx == sorted(idx)

