"""Goal-directed planning on the tabletop: the goal grammar over what the camera sees, and a shortest plan to it.

The same idea as the kitchen's goal mode (``agents.planners.goal``): the LLM chooses *what should be true* by exact
scoring of grammar sentences -- "put the red block in the blue bowl", "put two blocks in the top left corner",
"stack three blocks", "put each block in the bowl of its colour" -- joined with " and "; a breadth-first search over
the tabletop's symbolic model (``envs.tabletop.symbolic``) then sequences pick-and-place skills from the *perceived*
layout, again at every step, so a block that slipped is simply planned for again.

Negations are not sentences of the grammar: the shortest plan to the positive goal moves nothing else, which is
what "put any block but the red one in the bowl" asks for once the model names a block that is not red.
"""
from __future__ import annotations

import math

from agents.planners.goal_grammar import GoalAtom
from envs.tabletop.layout import BLOCK_SIZE, BOWL_RADIUS
from envs.tabletop.state import TABLE
from envs.tabletop.vocab import COLOURS, REGIONS, kind_of, region_of

NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five"}
MAX_PLAN = 8  # skills in one plan
MAX_STATES = 50_000


def target_phrase(target: str) -> str:
    """'in the blue bowl', 'on the green block', 'in the top left corner', 'on the left side', 'in the middle'."""
    if target in REGIONS:
        return f"on the {target}" if target.endswith(" side") else f"in the {target}"
    return f"in the {target}" if kind_of(target) == "bowl" else f"on the {target}"


def tabletop_atoms(names) -> list[GoalAtom]:
    """Every single predicate over the perceived objects ``names`` (e.g. ``['red block', 'blue bowl']``)."""
    blocks = [n for n in names if kind_of(n) == "block"]
    bowls = [n for n in names if kind_of(n) == "bowl"]
    n = len(blocks)
    atoms: list[GoalAtom] = []
    for b in blocks:
        for t in [x for x in blocks if x != b] + bowls + list(REGIONS):
            atoms.append(GoalAtom(f"put the {b} {target_phrase(t)}", {"on": [b, t]}, "tt-on"))
    for t in bowls + list(REGIONS):
        atoms.append(GoalAtom(f"put a block {target_phrase(t)}", {"on": ["class:block", t]}, "tt-count"))
        for k in range(2, n + 1):
            many = "all the" if k == n else NUMBERS.get(k, str(k))
            atoms.append(GoalAtom(f"put {many} blocks {target_phrase(t)}",
                                  {"on": ["class:block", t], "count": k}, "tt-count"))
    if bowls and n >= 2:
        atoms.append(GoalAtom("put every block in a bowl", {"on": ["class:block", "class:bowl"], "count": n},
                              "tt-count"))
    for k in range(2, n + 1):
        many = "all the" if k == n else NUMBERS.get(k, str(k))
        atoms.append(GoalAtom(f"stack {many} blocks", {"stack_height": k}, "tt-stack"))
    pairs = [c for c in COLOURS if f"{c} block" in blocks and f"{c} bowl" in bowls]
    if len(pairs) >= 2:
        atoms.append(GoalAtom("put each block in the bowl of its colour",
                              {"all": [{"on": [f"{c} block", f"{c} bowl"]} for c in pairs]}, "tt-sort"))
    return atoms


def tabletop_clash(chain: list[GoalAtom], q: GoalAtom) -> bool:
    """Would ``q`` contradict or repeat something of ``chain``? (the same block put in two places of one kind, two
    counts into the same place, two towers, sorting twice)"""
    for a in chain:
        if a.goal == q.goal or (a.kind == q.kind and q.kind in ("tt-stack", "tt-sort")):
            return True
        if a.kind == q.kind == "tt-on":
            (x, s), (y, t) = a.goal["on"], q.goal["on"]
            if x == y and (s in REGIONS) == (t in REGIONS):
                return True
        if a.kind == q.kind == "tt-count" and a.goal["on"][1] == q.goal["on"][1]:
            return True
    return False


def scene_text(names) -> str:
    return "objects = [" + ", ".join(names) + "]"


def belief_from_detections(detections: list[dict]) -> dict:
    """A symbolic state (``envs.tabletop.symbolic``'s form) from the camera's detections: what rests on what is read
    from where the objects are (a block over a block, one block higher; a block within a bowl's rim)."""
    objects = {}
    for d in detections:
        objects.setdefault(d["name"], d)
    state = {}
    for name, d in objects.items():
        support = TABLE
        if kind_of(name) == "block":
            below = [(o["top"], other) for other, o in objects.items() if other != name
                     and kind_of(other) == "block" and math.dist((o["x"], o["y"]), (d["x"], d["y"])) < BLOCK_SIZE * 0.75
                     and abs(d["top"] - o["top"] - BLOCK_SIZE) < BLOCK_SIZE * 0.5]
            bowls = [other for other, o in objects.items() if kind_of(other) == "bowl"
                     and math.dist((o["x"], o["y"]), (d["x"], d["y"])) < BOWL_RADIUS]
            if below:
                support = max(below)[1]
            elif bowls:
                support = bowls[0]
        state[name] = {"kind": kind_of(name), "pos": [d["x"], d["y"], d["top"]], "support": support,
                       "region": region_of(d["x"], d["y"])}
    return {"objects": dict(sorted(state.items())), "holding": None}


def plan_on_table(belief: dict, goal: dict, skills, banned=frozenset()) -> list[str] | None:
    """A shortest list of pick-and-place skills from ``belief`` to ``goal`` (without ``done``), skills in
    ``banned`` left out; None when there is none within ``MAX_PLAN`` skills."""
    from envs.search import breadth_first_plan
    from envs.tabletop.goals import check_goal
    from envs.tabletop.symbolic import apply_skill

    def key(s):
        return tuple((n, o["support"], o["region"]) for n, o in sorted(s["objects"].items()))

    usable = [s for s in skills if s != "done" and s not in banned
              and all(w in belief["objects"] for w in _skill_objects(s))]
    return breadth_first_plan(belief, usable, apply_skill, lambda s: check_goal(goal, s), key, MAX_STATES,
                              MAX_PLAN)


def _skill_objects(text: str) -> list[str]:
    from envs.tabletop.vocab import parse_skill

    parsed = parse_skill(text)
    return [] if parsed is None else [x for x in parsed if x not in REGIONS]


# ----------------------------------------------------------------------------------------------- what the request names
_REGION_WORDS = (  # longest first; each phrase names one region
    ("top left", "top left corner"), ("top right", "top right corner"), ("bottom left", "bottom left corner"),
    ("bottom right", "bottom right corner"), ("top side", "top side"), ("top edge", "top side"),
    ("bottom side", "bottom side"), ("bottom edge", "bottom side"), ("left side", "left side"),
    ("right side", "right side"), ("middle", "middle"), ("centre", "middle"), ("center", "middle"),
    ("left", "left side"), ("right", "right side"),
)
_NUMBERS = {"two": 2, "2": 2, "pair": 2, "couple": 2, "three": 3, "3": 3, "four": 4, "4": 4}
_ALL = {"all", "every", "each", "everything"}
_NEGATORS = {"not", "n't", "except", "without", "other", "don't", "isnt", "isn't", "dont", "but"}


def _colour_of_word(word: str) -> str | None:
    if word == "grey":
        return "gray"
    if word in COLOURS:
        return word
    if len(word) >= 4:  # one typo: 'gren', 'yelow'
        for c in COLOURS:
            if abs(len(c) - len(word)) <= 1 and _edit1(c, word):
                return c
    return None


def _edit1(a: str, b: str) -> bool:
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


class TableMentions:
    """Colours, regions and counts a request names, read from its words (no model): a soft prior on goals.

    A colour right after a negation ('not', 'except', "isn't", 'other than') counts as ruled out unless it is also
    named plainly."""

    def __init__(self, request: str):
        import re

        text = request.lower().replace("n't", " n't")
        words = re.findall(r"[a-z0-9']+", text)
        self.colours: set[str] = set()
        ruled_out: set[str] = set()
        for i, w in enumerate(words):
            c = _colour_of_word(w)
            if c is None:
                continue
            if any(x in _NEGATORS for x in words[max(0, i - 3): i]):
                ruled_out.add(c)
            else:
                self.colours.add(c)
        self.ruled_out = ruled_out - self.colours
        rest = " ".join(words)
        self.regions: set[str] = set()
        for phrase, region in _REGION_WORDS:
            if re.search(rf"\b{phrase}\b", rest):
                self.regions.add(region)
                rest = re.sub(rf"\b{phrase}\b", " ", rest)
        self.number = next((_NUMBERS[w] for w in words if w in _NUMBERS), None)
        self.all = any(w in _ALL for w in words)

    def bonus(self, atom: GoalAtom, chain=(), n_blocks: int = 0) -> float:
        """Units of agreement: +1 per named colour or region the atom uses that the chain has not used yet, -1 per
        colour not named (when some are), -2 per colour ruled out, -1 per region not named (-0.5 when none is)."""
        used = {x for a in chain for x in _atom_terms(a)}
        score = 0.0
        for kind, value in _atom_terms(atom):
            if kind == "colour":
                if value in self.colours:
                    score += 0.0 if (kind, value) in used else 1.0
                elif value in self.ruled_out:
                    score -= 2.0
                elif self.colours:
                    score -= 1.0
            elif kind == "region":
                if value in self.regions:
                    score += 0.0 if (kind, value) in used else 1.0
                else:
                    score -= 1.0 if self.regions else 0.5
            elif kind == "count":
                if value == self.number or (self.all and value == n_blocks and n_blocks >= 2):
                    score += 1.0
        return score


def _atom_terms(atom: GoalAtom) -> list[tuple[str, object]]:
    g = atom.goal
    terms: list[tuple[str, object]] = []
    if "on" in g:
        for x in g["on"]:
            if x in REGIONS:
                terms.append(("region", x))
            elif not x.startswith("class:"):
                terms.append(("colour", x.split()[0]))
        terms.append(("count", g.get("count", 1)))
    elif "stack_height" in g:
        terms.append(("count", g["stack_height"]))
    return terms
