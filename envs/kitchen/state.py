"""The kitchen's state in words, and what each skill does to it when it works perfectly.

``KitchenState`` is the common currency: the physical simulator reports where things actually rest in this form
(goal predicates are checked on it), and ``apply_skill`` is the symbolic model used for *plan* success (a plan
executed with perfect skills) and for the planner's tests. The physical controllers in ``skills.kitchen`` implement
the same semantics, with physics and noise.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from compose.errors import InvalidInputError
from envs.kitchen.vocab import LOCATIONS, check_location, check_object
from envs.kitchen.language import parse_skill

# the scene used when a task gives no init (KitchenEnv.reset, `python -m agents.saycan --task ...`): a sponge on the far
# counter, drinks, snacks and fruit elsewhere, so that most everyday requests make sense
DEFAULT_INIT = {
    "robot": "user", "holding": None, "drawer_open": False,
    "objects": [
        ["sponge", "far counter"], ["water bottle", "far counter"],
        ["coke can", "table"], ["energy bar", "table"],
        ["apple", "close counter"], ["jalapeno chips", "close counter"],
    ],
}

# where `find` looks, in this order, when the object is not in view: the places things are kept. Objects handed to
# the user or thrown into the trash can are out of play and never a search target (docs/kitchen.md).
SEARCH_ORDER: tuple[str, ...] = ("close counter", "far counter", "table", "drawer")
DELIVERED: tuple[str, ...] = ("user", "trash can")


@dataclass
class KitchenState:
    robot: str = "user"
    holding: str | None = None
    drawer_open: bool = False
    objects: list[tuple[str, str]] = field(default_factory=list)  # (object name, location it rests at)
    visited: list[str] = field(default_factory=list)

    @classmethod
    def from_init(cls, init: dict) -> "KitchenState":
        """Build from a task file's ``init`` object, validating every name."""
        if not isinstance(init, dict):
            raise InvalidInputError(f"init must be an object, got {type(init).__name__}")
        robot = check_location(init.get("robot", "user"), "init.robot")
        holding = init.get("holding")
        if holding is not None:
            check_object(holding, "init.holding")
        objects = []
        for i, pair in enumerate(init.get("objects", [])):
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                raise InvalidInputError(f"init.objects[{i}] must be [object, location], got {pair!r}")
            objects.append((check_object(pair[0], f"init.objects[{i}][0]"), check_location(pair[1], f"init.objects[{i}][1]")))
        drawer_open = init.get("drawer_open", False)
        if not isinstance(drawer_open, bool):
            raise InvalidInputError(f"init.drawer_open must be true or false, got {drawer_open!r}")
        return cls(robot=robot, holding=holding, drawer_open=drawer_open, objects=objects, visited=[robot])

    def to_dict(self) -> dict:
        return {"robot": self.robot, "holding": self.holding, "drawer_open": self.drawer_open,
                "objects": [list(p) for p in self.objects], "visited": list(self.visited)}

    @classmethod
    def from_dict(cls, d: dict) -> "KitchenState":
        return cls(robot=d["robot"], holding=d["holding"], drawer_open=d["drawer_open"],
                   objects=[tuple(p) for p in d["objects"]], visited=list(d.get("visited", [])))

    def copy(self) -> "KitchenState":
        return copy.deepcopy(self)

    def objects_at(self, location: str) -> list[str]:
        """Objects resting at ``location`` (those in a closed drawer are there but not reachable)."""
        return [o for o, loc in self.objects if loc == location]

    def reachable_at(self, location: str) -> list[str]:
        if location == "drawer" and not self.drawer_open:
            return []
        return self.objects_at(location)

    def move_robot(self, location: str) -> None:
        self.robot = location
        self.visited.append(location)


def apply_skill(state: KitchenState, text: str) -> tuple[KitchenState, bool, str]:
    """Execute one skill with perfect success where its preconditions hold.

    Returns (new state, succeeded, reason). A failed skill leaves the state unchanged.
    """
    verb, arg = parse_skill(text)
    s = state.copy()
    if verb == "done":
        return s, True, ""
    if verb == "go":
        if arg == s.robot:
            return s, True, "already there"
        s.move_robot(arg)
        return s, True, ""
    if verb == "find":
        if s.holding == arg:
            return s, True, "already in hand"
        if s.robot in SEARCH_ORDER and arg in s.reachable_at(s.robot):
            return s, True, "already in view"
        for loc in SEARCH_ORDER:
            if arg in s.reachable_at(loc):
                s.move_robot(loc)
                return s, True, ""
        return state, False, f"no {arg} anywhere the robot can see"
    if verb == "pick":
        if s.holding is not None:
            return state, False, f"the gripper already holds the {s.holding}"
        if s.robot == "user" and arg in s.objects_at("user"):
            return state, False, f"the {arg} was handed to the user"
        if arg not in s.reachable_at(s.robot):
            return state, False, f"no {arg} within reach at the {s.robot}"
        s.objects.remove((arg, s.robot))
        s.holding = arg
        return s, True, ""
    if verb == "put":
        if s.holding != arg:
            return state, False, f"the robot is not holding the {arg}"
        if s.robot == "drawer" and not s.drawer_open:
            return state, False, "the drawer is closed"
        s.objects.append((arg, s.robot))
        s.holding = None
        return s, True, ""
    if verb == "bring":
        if s.holding is None:
            return state, False, "nothing in the gripper to bring"
        s.move_robot("user")
        return s, True, ""
    if verb in ("open", "close"):
        want_open = verb == "open"
        if s.robot != "drawer":
            return state, False, "the robot is not at the drawer"
        if s.holding is not None:
            return state, False, "the gripper is not free"
        if s.drawer_open == want_open:
            return state, False, f"the drawer is already {'open' if want_open else 'closed'}"
        s.drawer_open = want_open
        return s, True, ""
    raise AssertionError(verb)  # parse_skill only returns the verbs above


__all__ = ["KitchenState", "apply_skill", "SEARCH_ORDER", "DELIVERED", "LOCATIONS"]
