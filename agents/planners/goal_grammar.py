"""The kitchen's goal sentences: a small grammar whose every sentence maps 1:1 to a goal of the task-file language.

The goal-directed planner never parses free text: it enumerates these sentences over the world's objects, classes
and places, lets the language model score them exactly, and reads the chosen sentence's goal from the table built
here. One predicate sentence per goal atom:

=====================================  ===============================================
sentence                               goal (docs/tasks.md)
=====================================  ===============================================
give S to the user                     {"at": [S, "user"]}
throw S in the trash can               {"at": [S, "trash can"]}
put S in the drawer                    {"at": [S, "drawer"]}
put S on the table / L                 {"at": [S, L]}
give two/three S to the user           {"at": [S, "user"], "count": n}
give S other than the X to the user    {"all": [{"at": [S, "user"]}, {"none_at": [X, "user"]}]}
hold S                                 {"holding": S}
put S down here                        {"at": [S, "here"]}: "here" is where the robot is when the goal is chosen
find S                                 {"near": S}: resolved to {"robot_at": L} where S is (``resolve_near``)
go to the L                            {"robot_at": L}
open the drawer / close the drawer     {"drawer_open": true / false}
=====================================  ===============================================

S is ``the X`` for an object or a class phrase (``a drink``, ``a fruit``, ``something to clean with`` ...).
Sentences are joined with `` and ``; a conjunction's goal is ``{"all": [...]}`` where the ``go to`` places but the
last become one ordered ``{"visited": [L1, L2, ...]}`` (the robot can only end at one place; 'then' keeps order).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from envs.kitchen.vocab import CLASSES, LOCATIONS, OBJECTS

CLASS_PHRASES: dict[str, str] = {
    "soda": "a soda", "caffeinated": "a caffeinated drink", "drink": "a drink", "fruit": "a fruit",
    "chips": "a bag of chips", "snack": "a snack", "cleaning": "something to clean with", "can": "a can",
}
CLASS_PLURALS: dict[str, str] = {
    "soda": "sodas", "caffeinated": "caffeinated drinks", "drink": "drinks", "fruit": "fruits",
    "chips": "bags of chips", "snack": "snacks", "cleaning": "things to clean with", "can": "cans",
}
NUMBERS = {2: "two", 3: "three"}
SURFACES = ("table", "close counter", "far counter")
HERE = "here"  # a place word of the grammar only: ``resolve_here`` makes it the robot's place
END = "."
AND = " and "


def object_plural(name: str) -> str:
    if name.endswith("chips"):
        return f"bags of {name}"
    return name + ("es" if name.endswith("h") else "s")


def spec_phrase(spec: str) -> str:
    return CLASS_PHRASES[spec[6:]] if spec.startswith("class:") else f"the {spec}"


def count_phrase(spec: str, n: int) -> str:
    word = NUMBERS[n]
    return f"{word} {CLASS_PLURALS[spec[6:]]}" if spec.startswith("class:") else f"{word} {object_plural(spec)}"


def place_phrase(location: str) -> str:
    if location == "user":
        return "to the user"
    if location == "trash can":
        return "in the trash can"
    if location == "drawer":
        return "in the drawer"
    return f"on the {location}"


def _at_sentence(subject: str, location: str) -> str:
    if location == "user":
        return f"give {subject} to the user"
    if location == "trash can":
        return f"throw {subject} in the trash can"
    return f"put {subject} {place_phrase(location)}"


@dataclass(frozen=True)
class GoalAtom:
    """One predicate sentence and its goal."""

    sentence: str
    goal: dict
    kind: str  # at | count | except | holding | robot_at | drawer


def atom_subject(atom: GoalAtom) -> tuple[str | None, str | None]:
    """(what the atom is about, what it rules out): ``('class:drink', 'class:soda')`` for 'give a drink other than
    a soda to the user'; ``(None, None)`` for 'go to' and the drawer."""
    g = atom.goal
    if atom.kind == "except":
        return g["all"][0]["at"][0], g["all"][1]["none_at"][0]
    if "at" in g:
        return g["at"][0], None
    if "holding" in g:
        return g["holding"], None
    if "near" in g:
        return g["near"], None
    return None, None


def resolve_near(goal: dict, robot: str, holding: str | None, objects, unexplored=()) -> dict:
    """A goal with ``{"near": S}`` (a 'find' sentence) made a task-file goal: ``{"robot_at": L}`` for the place L
    where an object matching S is (the robot's own place first, then the search order), or the first place still
    to look at (``objects`` holds what is known: ``(object, place)`` pairs, the unexplored places' hypotheses
    left out -- then the robot goes and looks)."""
    from envs.kitchen.state import SEARCH_ORDER
    from envs.kitchen.vocab import matches

    if "all" in goal:
        return {"all": [resolve_near(g, robot, holding, objects, unexplored) for g in goal["all"]]}
    if "near" not in goal:
        return goal
    spec = goal["near"]
    if holding and matches(holding, spec):
        return {"robot_at": robot} if robot != "user" else {"holding": holding}
    places = [L for o, L in objects if matches(o, spec) and L not in ("user", "trash can")] or \
        [L for o, L in objects if matches(o, spec)]
    order = [robot] + [L for L in SEARCH_ORDER if L != robot]
    for L in order:
        if L in places:
            return {"robot_at": L}
    if places:
        return {"robot_at": places[0]}
    look = [L for L in SEARCH_ORDER if L in unexplored and L != robot]
    return {"robot_at": look[0] if look else robot}


def resolve_here(goal: dict, robot: str) -> dict:
    """A goal with the place "here" (a 'put S down here' sentence) made a task-file goal: "here" is ``robot``'s
    place, fixed when the goal is chosen (the robot moving later does not move it)."""
    if "all" in goal:
        return {**goal, "all": [resolve_here(g, robot) for g in goal["all"]]}
    if "at" in goal and goal["at"][1] == HERE:
        return {**goal, "at": [goal["at"][0], robot]}
    return goal


def all_specs(objects=OBJECTS, classes=tuple(CLASSES)) -> list[str]:
    return list(objects) + [f"class:{c}" for c in classes]


@lru_cache(maxsize=8)
def _atoms(objects: tuple[str, ...], classes: tuple[str, ...], counts: bool) -> tuple[GoalAtom, ...]:
    specs = all_specs(objects, classes)
    out: list[GoalAtom] = []
    for spec in specs:
        for loc in LOCATIONS:
            out.append(GoalAtom(_at_sentence(spec_phrase(spec), loc), {"at": [spec, loc]}, "at"))
        out.append(GoalAtom(f"hold {spec_phrase(spec)}", {"holding": spec}, "holding"))
        out.append(GoalAtom(f"find {spec_phrase(spec)}", {"near": spec}, "find"))
        out.append(GoalAtom(f"put {spec_phrase(spec)} down here", {"at": [spec, HERE]}, "down"))
    if counts:
        for spec in specs:
            for n in NUMBERS:
                for loc in LOCATIONS:
                    out.append(GoalAtom(_at_sentence(count_phrase(spec, n), loc),
                                        {"at": [spec, loc], "count": n}, "count"))
    for c in classes:
        for o in CLASSES[c]:
            if o in objects:
                out.append(GoalAtom(f"give {CLASS_PHRASES[c]} other than the {o} to the user",
                                    {"all": [{"at": [f"class:{c}", "user"]}, {"none_at": [o, "user"]}]}, "except"))
        for c2 in classes:  # a class short of a smaller one: 'a drink other than a soda'
            inner = set(CLASSES[c2])
            if c2 != c and inner < set(CLASSES[c]):
                out.append(GoalAtom(f"give {CLASS_PHRASES[c]} other than {CLASS_PHRASES[c2]} to the user",
                                    {"all": [{"at": [f"class:{c}", "user"]}, {"none_at": [f"class:{c2}", "user"]}]},
                                    "except"))
    for loc in LOCATIONS:
        if loc != "user":  # no skill takes an empty-handed robot back to the user
            out.append(GoalAtom(f"go to the {loc}", {"robot_at": loc}, "robot_at"))
    out.append(GoalAtom("open the drawer", {"drawer_open": True}, "drawer"))
    out.append(GoalAtom("close the drawer", {"drawer_open": False}, "drawer"))
    return tuple(out)


def goal_atoms(objects=OBJECTS, classes=tuple(CLASSES), counts: bool = True) -> list[GoalAtom]:
    """Every predicate sentence over ``objects`` and ``classes`` (all the kitchen's by default)."""
    return list(_atoms(tuple(objects), tuple(classes), counts))


def atom_table(atoms) -> dict[str, GoalAtom]:
    table = {}
    for a in atoms:
        if a.sentence in table:
            raise AssertionError(f"two goals share the sentence {a.sentence!r}")
        table[a.sentence] = a
    return table


def combine(atoms: list[GoalAtom]) -> dict:
    """The goal of a conjunction of atoms (in the order they were said)."""
    if len(atoms) == 1:
        return atoms[0].goal
    # 'find X and put it on the table': finding is part of the rest; of finds alone, the last one stands
    atoms = [a for a in atoms if a.kind != "find"] or atoms[-1:]
    if len(atoms) == 1:
        return atoms[0].goal
    parts: list[dict] = []
    goes = [i for i, a in enumerate(atoms) if a.kind == "robot_at"]
    visits = {"visited": [atoms[i].goal["robot_at"] for i in goes[:-1]]}  # in the order said: 'then'
    for i, a in enumerate(atoms):
        if a.kind == "robot_at" and i != goes[-1]:
            if i == goes[0]:
                parts.append(visits)
        elif "all" in a.goal:
            parts.extend(a.goal["all"])
        else:
            parts.append(a.goal)
    return {"all": parts}


def sentence_of(atoms: list[GoalAtom]) -> str:
    return AND.join(a.sentence for a in atoms)


def goal_of_sentence(sentence: str, table: dict[str, GoalAtom] | None = None) -> dict:
    """The goal of a sentence made by this grammar (atoms joined with `` and ``, an optional final period)."""
    from compose.errors import InvalidInputError

    table = table or atom_table(goal_atoms())
    text = sentence.strip().rstrip(END)
    atoms, rest = [], text
    while rest:  # greedy longest match: atom sentences may themselves contain " and "? (they do not; checked)
        for cut in [len(rest)] + [i for i in range(len(rest), 0, -1) if rest.startswith(AND, i)]:
            head = rest[:cut]
            if head in table:
                atoms.append(table[head])
                rest = rest[cut + len(AND):] if cut < len(rest) else ""
                break
        else:
            raise InvalidInputError(f"not a goal sentence of the kitchen grammar: {sentence!r}")
    return combine(atoms)


def goal_sentence(goal: dict, table: dict[str, GoalAtom] | None = None) -> str | None:
    """The grammar's sentence for a goal, when the goal is one the grammar can say (the example bank's inverse)."""
    table = table or atom_table(goal_atoms())
    by_goal = {repr(a.goal): a.sentence for a in table.values()}
    if repr(goal) in by_goal:
        return by_goal[repr(goal)]
    if "all" in goal:
        parts = []
        for g in goal["all"]:
            if "visited" in g:  # one 'go to' sentence per place, in order
                found = [by_goal.get(repr({"robot_at": L})) for L in g["visited"]]
                if None in found:
                    return None
                parts.extend(found)
                continue
            s = by_goal.get(repr(g))
            if s is None:
                return None
            parts.append(s)
        return AND.join(parts)
    return None
