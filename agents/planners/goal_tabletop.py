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
import re

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
    if 2 <= len(bowls) <= n:
        atoms.append(GoalAtom("put a block in each bowl", {"all": [{"on": ["class:block", b]} for b in bowls]},
                              "tt-each"))
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
_REGION_WORDS = (  # longest first; each phrase names one region or two
    ("top corners", "top left corner|top right corner"), ("bottom corners", "bottom left corner|bottom right corner"),
    ("left corners", "top left corner|bottom left corner"), ("right corners", "top right corner|bottom right corner"),
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
    """Colours, regions and counts a request names, read from its words (no model): a soft prior on goals
    (``bonus``) and the goal chooser's mention check (``need``, ``allowed``, ``covers``, ``after_all``): a goal
    must use every colour of the scene and every region the request names, uses no colour it rules out, and
    no region it does not name.

    A colour a few words after a negation ('not', 'except', "isn't", 'other than') rules out the objects of that
    colour -- of the kind named after it ('the yellow bowl'), else of the last kind named before ('a bowl that isn't
    green'), else both -- unless that object is also named plainly. 'The other block' is not one the goal already
    uses."""

    def __init__(self, request: str, names=()):
        text = request.lower().replace("n't", " n't")
        words = re.findall(r"[a-z0-9']+", text)
        self.colours: set[str] = set()
        plain: set[tuple[str, str | None]] = set()
        negated: set[tuple[str, str | None]] = set()
        for i, w in enumerate(words):
            c = _colour_of_word(w)
            if c is None:
                continue
            kind = _kind_word(words[i + 1]) if i + 1 < len(words) else None
            neg = [j for j in range(max(0, i - 5), i) if words[j] in _NEGATORS]
            if neg and any(_colour_of_word(x) for x in words[neg[-1] + 1: i]):
                neg = []  # a negation rules out the first colour after it only ('not red, in the blue bowl')
            if neg:
                if kind is None:
                    kind = next((_kind_word(x) for x in reversed(words[max(0, neg[-1] - 4): neg[-1]])
                                 if _kind_word(x)), None)
                negated.add((c, kind))
            else:
                self.colours.add(c)
                plain.add((c, kind))
        kinds = ("block", "bowl")
        self.excluded = {f"{c} {k}" for c, kind in negated for k in ([kind] if kind else kinds)
                         if (c, k) not in plain and (c, None) not in plain}
        self.ruled_out = {x.split()[0] for x in self.excluded}
        self.plain = plain
        self.other = bool(set(words) & {"other", "another", "rest"})
        rest = " ".join(words)
        self.regions: set[str] = set()
        order: list[tuple[int, str]] = []  # (character position, term) of each colour and region, in order
        for phrase, region in _REGION_WORDS:
            for m in re.finditer(rf"\b{phrase}\b", rest):
                for r in region.split("|"):
                    self.regions.add(r)
                    order.append((m.start(), f"region:{r}"))
            rest = re.sub(rf"\b{phrase}\b", lambda m: " " * len(m.group()), rest)
        found = list(re.finditer(r"[a-z0-9']+", rest))
        for i, m in enumerate(found):
            c = _colour_of_word(m.group())
            if c is not None and c in self.colours:
                kind = _kind_word(found[i + 1].group()) if i + 1 < len(found) else None
                order.append((m.start(), f"colour:{c}" + (f":{kind}" if kind else "")))
        self.order = [t for _, t in sorted(order)]
        self.pairs = _pairs(sorted(order), rest)  # 'the cyan block on the brown block': cyan -> its target
        self.number = next((_NUMBERS[w] for w in words if w in _NUMBERS), None)
        self.all = any(w in _ALL for w in words) or (self.number is None and "blocks" in words)
        self.stack = bool(re.search(r"\b(stack|stacked|stacking|tower|pile|on top of each other)\b", text))
        self.sort = bool(re.search(r"\b(sort|matching|match|own colou?r|its colou?r|same colou?r)", text))
        present = {n.split()[0] for n in names}
        # what a goal must use: an object where the request says its kind ('the blue bowl'), else its colour
        self.need = {f"obj:{c} {k}" if f"{c} {k}" in names else f"colour:{c}" for c, k in plain if k and c in present}
        self.need |= {f"colour:{c}" for c, k in plain if not k and c in present}
        self.need |= {f"region:{r}" for r in self.regions}
        blocks = [n for n in names if kind_of(n) == "block"]
        self.n_wanted = len([b for b in blocks if b not in self.excluded])  # what 'all' counts

    # -- the mention check
    def covers(self, atom: GoalAtom) -> set[str]:
        out = {f"obj:{x}" for x in _objects(atom)} | {f"colour:{x.split()[0]}" for x in _objects(atom)}
        return out | {f"{k}:{v}" for k, v in _atom_terms(atom) if k == "region"}

    def allowed(self, atom: GoalAtom) -> bool:
        if self.excluded and atom.kind in ("tt-count", "tt-stack") and _count(atom) > self.n_wanted:
            return False  # 'all' but one: not every block
        if self.excluded & set(_objects(atom)):
            return False
        if atom.kind == "tt-on" and atom.goal["on"][0] not in REGIONS:  # a block goes where the request puts it
            x, t = atom.goal["on"]
            want = self.pairs.get(x.split()[0])
            if want is not None and not _says(want, t):
                return False
        terms = self.covers(atom)
        regions = {t for t in terms if t.startswith("region:")}
        return regions <= self.need

    def after_all(self, atom: GoalAtom) -> bool:
        return not self.need  # a request that names nothing: extensions left to the model (and the prior)

    def in_order(self, chain) -> bool:
        return True  # order is a soft matter here (``bonus``)

    def avoid(self, skills) -> set[str]:
        """Skills that move a block the request rules out ('every block except the yellow one')."""
        from envs.tabletop.vocab import parse_skill

        out = set()
        for s in skills:
            parsed = parse_skill(s)
            if parsed and self.excluded & set(parsed):
                out.add(s)
        return out

    def bonus(self, atom: GoalAtom, chain=()) -> float:
        """Units of agreement: +1 per named colour or region the atom uses that the chain has not used yet, -1 per
        colour not named (when some are), -2 per object ruled out, -1 per region not named (-0.5 when none is), -2
        for moving a block the chain already moves when the request says 'the other'."""
        used = {x for a in chain for x in _atom_terms(a)}
        score = -2.0 * len(self.excluded & set(_objects(atom)))
        moved = {a.goal["on"][0] for a in chain if a.kind == "tt-on"}
        if self.other and atom.kind == "tt-on" and atom.goal["on"][0] in moved:
            score -= 2.0
        used_objects = {x for a in chain for x in _objects(a)}
        for obj in dict.fromkeys(_objects(atom)):  # named: its colour said with its kind, or with no kind
            c, k = obj.split()
            if (c, k) in self.plain or (c, None) in self.plain:
                score += 0.0 if obj in used_objects else 1.0
            elif self.colours and not (self.other and atom.kind == "tt-on" and obj == atom.goal["on"][0]
                                       and obj not in moved):  # 'the other block'
                score -= 1.0
        for kind, value in _atom_terms(atom):
            if kind == "region":
                if value in self.regions:
                    score += 0.0 if (kind, value) in used else 1.0
                else:
                    score -= 1.0 if self.regions else 0.5
            elif kind == "count":
                if value == self.number or (self.all and value == self.n_wanted and value >= 2):
                    score += 1.0
        if atom.kind == "tt-stack":
            score += 1.0 if self.stack else -1.0
        if self.all and atom.kind == "tt-each":
            score += 1.0
        if self.sort and atom.kind == "tt-sort":
            score += 2.0
        elif self.sort and atom.kind == "tt-on" and len(set(_colours(atom))) == 1:
            score += 1.0
        if atom.kind == "tt-on" and self._in_order(atom):
            score += 1.0
        return score

    def _in_order(self, atom: GoalAtom) -> bool:
        """Does the request name the atom's target right after its block ('the green block to the top left')?"""
        x, t = atom.goal["on"]
        return any(_says(a, x) and _says(b, t) for a, b in zip(self.order, self.order[1:]))


def _says(term: str, name: str) -> bool:
    """Does a request's term ('colour:red', 'colour:red:bowl', 'region:left side') name this object or region?"""
    if name in REGIONS:
        return term == f"region:{name}"
    c, k = name.split()
    return term in (f"colour:{c}", f"colour:{c}:{k}")


_PLACING = r"\b(?:on|onto|in|into|inside|to|at|atop)\b"
_BREAK = (r",|;|\b(?:and|then|but|or|wait)\b"  # another clause; a target said by reference or relation is no pair
          r"|\b(?:colou?r|same|match\w*|like|left|right|next|beside|behind|front|near|between)\b")


def _pairs(order: list[tuple[int, str]], text: str) -> dict[str, str]:
    """Colour of a block -> the term it is put on: a block's colour followed, in the same clause, by a placing word
    and the next colour or region ('the cyan block on the brown block', 'red one into the blue bowl')."""
    out: dict[str, str] = {}
    for (i, a), (j, b) in zip(order, order[1:]):
        if not a.startswith("colour:") or a.endswith(":bowl"):
            continue
        between = text[i:j]
        if re.search(_BREAK, between) or not re.search(_PLACING, between):
            continue
        out.setdefault(a.split(":")[1], b)
    return out


def _kind_word(word: str) -> str | None:
    return {"block": "block", "blocks": "block", "bowl": "bowl", "bowls": "bowl"}.get(word)


def _objects(atom: GoalAtom) -> list[str]:
    """The named objects of a predicate ('red block', 'blue bowl'), no classes or regions."""
    if atom.kind == "tt-sort":
        return [x for part in atom.goal["all"] for x in part["on"]]
    return [x for x in atom.goal.get("on", []) if x not in REGIONS and not x.startswith("class:")]


def _count(atom: GoalAtom) -> int:
    return atom.goal.get("stack_height") or atom.goal.get("count", 1)


def _colours(atom: GoalAtom) -> list[str]:
    return [x.split()[0] for x in atom.goal.get("on", []) if x not in REGIONS and not x.startswith("class:")]


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
