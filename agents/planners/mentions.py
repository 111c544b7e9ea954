"""What a kitchen request names: objects, classes, counts and what it rules out (a small lexical specialist).

The goal chooser uses it to *check* candidate goals against the request (``--set mentions=constrain``): a goal must
be about the things the request names -- every one of them, each once -- and about nothing it rules out; a count
is used only when one was said. The lexicon is the world's vocabulary (``envs.kitchen.vocab``) with the plain words
people use for its objects and classes; it knows nothing of any task file.

    >>> m = request_mentions("bring me a coke and two apples, not the orange")
    >>> [x.spec for x in m.positive], m.negative, m.count
    (['coke can', 'apple'], ['orange'], 2)
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache

from agents.planners.goal_grammar import atom_subject
from envs.kitchen.vocab import CLASSES, OBJECTS

# words for the kitchen's objects beyond their names (singular; plurals are derived)
OBJECT_WORDS: dict[str, tuple[str, ...]] = {
    "coke can": ("coke", "coca cola", "coca-cola", "cola"),
    "pepsi can": ("pepsi",),
    "7up can": ("7up", "7 up", "seven up", "7-up"),
    "sprite can": ("sprite",),
    "redbull can": ("redbull", "red bull", "energy drink"),
    "lime soda": ("lime flavored soda", "lime-flavored soda", "lime drink"),
    "grapefruit soda": ("grapefruit drink", "grapefruit"),
    "tea": ("iced tea", "tea can", "tea bottle"),
    "water bottle": ("water", "bottle of water", "h2o", "bottled water", "water bottle"),
    "energy bar": ("protein bar", "granola bar", "snack bar", "energy bar"),
    "jalapeno chips": ("jalapeno", "spicy chips", "jalapeño chips", "jalapeno crisps"),
    "multigrain chips": ("multigrain", "whole grain chips", "wholegrain chips", "multi-grain chips",
                         "multi grain chips", "multigrain crisps"),
    "rice chips": ("rice crisps", "rice chip"),
    "sea salt chips": ("sea salt", "salted chips", "salty chips", "sea-salt chips", "sea salt crisps"),
    "sponge": ("sponge", "scrubber", "scrub sponge"),
}
CLASS_WORDS: dict[str, tuple[str, ...]] = {
    "soda": ("soda", "soft drink", "fizzy drink", "carbonated drink"),
    "caffeinated": ("caffeinated drink", "caffeinated", "caffeine", "something with caffeine"),
    "drink": ("drink", "beverage", "something to drink", "refreshment"),
    "fruit": ("fruit", "piece of fruit", "fruits"),
    "chips": ("chips", "bag of chips", "crisps", "chip"),
    "snack": ("snack", "something to eat", "food"),
    "cleaning": ("something to clean with", "something to wipe", "cleaning thing", "something to clean"),
    "can": ("can", "canned drink"),
}
# words for the places a request can send things or the robot to (the user and 'here' are said by verbs instead)
PLACE_WORDS: dict[str, tuple[str, ...]] = {
    "close counter": ("close counter", "closer counter", "near counter", "nearby counter", "closest counter"),
    "far counter": ("far counter", "farther counter", "further counter", "farthest counter", "far away counter"),
    "table": ("table", "kitchen table", "dining table"),
    "trash can": ("trash can", "trash", "trashcan", "bin", "garbage", "garbage can", "trash bin", "waste bin",
                  "rubbish bin", "wastebasket"),
    "drawer": ("drawer",),
}
# a place right after one of these is where something is taken from, not where it goes
SOURCE_WORDS = ("from", "off", "out of", "off of", "outta", "away from")
# a place right after one of these is where the robot is sent ('go to the table', 'visit the drawer')
ROBOT_GOING = r"(?:(?:go|goes|walk|head|move|come|run|drive|travel|navigate|get)(?: over| back| on)? to|visit|stop at)(?: the)?$"
# verbs that say where their object goes: a place right after the object is where it is ('throw away the cans on the
# counter', 'grab the orange on the table'), unless 'to' / 'into' / 'onto' sends it there
SELF_PLACING = ("bring me", "give me", "hand me", "get me", "fetch", "grab", "pick up", "throw away", "throw out",
                "toss", "get rid of", "bring it to me", "bring them to me")
# places a goal may use without the request naming them: said by the verb ('give', 'throw away', 'drop it here')
IMPLIED_PLACES = ("user", "trash can", "here")
# phrases for whatever the robot holds: bound to the held object when the goal is chosen (``Mentions.bind_held``)
HELD = "held"
HELD_PHRASES = ("what you're holding", "what you are holding", "what youre holding", "what you have in your hand",
                "what's in your hand", "whats in your hand", "the thing in your hand", "what you've got",
                "what you have", "what you got", "the thing you're holding", "the thing you are holding")
NUMBER_WORDS = {"two": 2, "2": 2, "both": 2, "couple": 2, "pair": 2, "three": 3, "3": 3}
# a mention right after one of these (within the clause) is ruled out, not asked for
NEGATORS = ("not", "no", "n't", "never", "except", "other than", "besides", "without", "allergic to", "hate",
            "instead of", "rather than", "but the", "but not", "avoid", "dislike", "don't like", "not a fan of",
            "anything but", "sick of", "tired of")
CLAUSE_BREAKS = (",", ";", ".", " and ", " then ", "?", "!")


@dataclass(frozen=True)
class Mention:
    spec: str  # an object name or class:NAME
    start: int
    end: int
    negated: bool = False
    count: int | None = None
    incidental: bool = False  # said in a statement ('i spilled water'), not in what is asked for


@dataclass(frozen=True)
class PlaceMention:
    place: str  # a kitchen location
    start: int
    source_of: str | None = None  # where something is taken from (that object or class; "" for the robot's place)
    robot: bool = False  # a destination of the robot itself ('go to the table'), not of an object


@dataclass
class Mentions:
    positive: list[Mention] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    count: int | None = None
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # every mention, in the normalised text
    text: str = ""
    places: list[PlaceMention] = field(default_factory=list)

    @property
    def destinations(self) -> list[str]:
        """Places the request sends something or the robot to, in the order said (each once)."""
        return list(dict.fromkeys(p.place for p in self.places if p.source_of is None))

    def sources(self, spec: str) -> set[str]:
        """Places the request says ``spec`` is taken from (or is in, said in a statement)."""
        return {p.place for p in self.places if p.source_of == spec}

    def masked(self, word: str = "the item") -> str:
        """The request with every named object replaced by ``word`` (classes kept): what it asks, not of what --
        the key for retrieving examples of the same kind of request."""
        out, last = [], 0
        for s, e, spec in self.spans:
            if spec.startswith("class:"):
                continue
            head = self.text[last:s]
            for det in ("the ", "a ", "an ", "some ", "that ", "this "):
                if head.endswith(det):
                    head = head[: -len(det)]
                    break
            out += [head, word]
            last = e
        return "".join(out) + self.text[last:]

    def bind_held(self, holding: str | None) -> "Mentions":
        """These mentions with 'what you're holding' made the held object (dropped when the hand is empty)."""
        if not any(s == HELD for _, _, s in self.spans):
            return self

        def bind(spec):
            return holding if spec == HELD else spec

        return Mentions(positive=[Mention(bind(m.spec), m.start, m.end, m.negated, m.count, m.incidental)
                                  for m in self.positive if holding or m.spec != HELD],
                        negative=[bind(x) for x in self.negative if holding or x != HELD], count=self.count,
                        spans=[(a, b, bind(x)) for a, b, x in self.spans if holding or x != HELD], text=self.text,
                        places=[dataclasses.replace(p, source_of=bind(p.source_of)) for p in self.places])

    @property
    def specs(self) -> list[str]:
        return [m.spec for m in self.positive]

    def required(self) -> list[str]:
        """What a goal must be about: every positive mention said in a request rather than a statement, less a
        class when an object of it is named too ('the wrong drink, i asked for water')."""
        asked = [m.spec for m in self.positive if not m.incidental]
        objs = [s for s in self.specs if not s.startswith("class:")]
        return [s for s in asked if not (s.startswith("class:") and any(o in CLASSES[s[6:]] for o in objs))]


def _plural(word: str) -> list[str]:
    if word.endswith(("s", "x", "h")):
        return [word, word + "es"]
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return [word, word[:-1] + "ies"]
    return [word, word + "s"]


@lru_cache(maxsize=1)
def _lexicon() -> list[tuple[str, str]]:
    """(phrase, spec), longest phrase first, so 'sea salt chips' wins over 'chips'."""
    pairs: dict[str, str] = {}
    for cls, words in CLASS_WORDS.items():
        for w in words:
            for p in _plural(w):
                pairs.setdefault(p, f"class:{cls}")
    for obj in OBJECTS:
        for w in (obj,) + OBJECT_WORDS.get(obj, ()):
            for p in _plural(w) + ([w[:-4]] if w.endswith(" can") else []):
                pairs[p] = obj  # an object word beats a class word of the same spelling
    for p in HELD_PHRASES:
        pairs[p] = HELD
    pairs.pop("can", None), pairs.pop("cans", None)  # 'can you ...': a can only as 'a can' / 'the cans'
    for det in ("a", "the", "some", "any", "one", "two", "three", "both", "those", "these", "empty", "all the"):
        pairs[f"{det} can"] = pairs[f"{det} cans"] = "class:can"
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'").replace("jalapeño", "jalapeno")
    return re.sub(r"\s+", " ", text)


def _negated(text: str, start: int) -> bool:
    head = text[:start]
    cut = max(head.rfind(b) for b in CLAUSE_BREAKS)
    clause = " " + head[cut + 1:] if cut >= 0 else " " + head
    return any(re.search(_word(n), clause) for n in NEGATORS)


def _word(w: str) -> str:
    """A regex for ``w`` as a whole word ('n't' may follow a letter)."""
    left = "" if not w[0].isalnum() or w == "n't" else r"(?<![a-z0-9'])"
    return rf"{left}{re.escape(w)}(?![a-z0-9])"


def _count_before(text: str, start: int, end: int) -> int | None:
    """The number said in the (up to) three words before a mention, in its clause: 'two apples', 'both of the
    sodas', 'a couple of waters'."""
    head = text[:start] + " ".join(text[start:end].split()[:-1])  # 'two cans' is one phrase of the lexicon
    cut = max(head.rfind(b) for b in CLAUSE_BREAKS)
    words = re.findall(r"[a-z0-9']+", head[cut + 1:] if cut >= 0 else head)[-4:]
    for w in reversed(words):
        if w in NUMBER_WORDS:
            return NUMBER_WORDS[w]
    return None


STATEMENT_STARTS = ("i", "i'm", "im", "i've", "ive", "my", "you", "you've", "you're", "youre", "we", "it's",
                    "its", "there's", "theres", "oops", "ugh", "the")


def _incidental(text: str, start: int) -> bool:
    head = text[:start]
    cut = max(head.rfind(b) for b in CLAUSE_BREAKS)
    words = re.findall(r"[a-z0-9']+", head[cut + 1:] if cut >= 0 else head)
    return bool(words) and words[0] in STATEMENT_STARTS and not any(
        w in ("want", "need", "like", "love", "asked", "wanted", "'d") for w in words)


@lru_cache(maxsize=4096)
def request_mentions(instruction: str) -> Mentions:
    """Objects and classes the request names (in order, each once), those it rules out, and the count it says."""
    text = _norm(instruction)
    taken = [False] * len(text)
    found: list[Mention] = []
    for phrase, spec in _lexicon():
        for m in re.finditer(_word(phrase), text):
            s, e = m.span()
            if any(taken[s:e]):
                continue
            taken[s:e] = [True] * (e - s)
            found.append(Mention(spec, s, e, _negated(text, s), _count_before(text, s, e), _incidental(text, s)))
    found.sort(key=lambda m: m.start)
    out = Mentions(spans=[(m.start, m.end, m.spec) for m in found], text=text)
    for m in found:
        if m.negated:
            if m.spec not in out.negative:
                out.negative.append(m.spec)
        elif m.spec not in out.specs:
            out.positive.append(m)
    counts = [m.count for m in out.positive if m.count]
    out.count = counts[0] if counts else None
    out.places = _places(text, taken, found)
    return out


@lru_cache(maxsize=1)
def _place_lexicon() -> list[tuple[str, str]]:
    pairs = {w: place for place, words in PLACE_WORDS.items() for w in words}
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))


def _places(text: str, taken: list[bool], found: list[Mention]) -> list[PlaceMention]:
    """The places said outside object names, each a destination unless it is where something is taken from
    ('from the table', 'off the counter', 'out of the drawer') or said in a statement ('the sponge ended up in the
    trash', "you're at the table"): then it is the source of the nearest object named before it in its clause (or
    of the robot, "")."""
    out = []
    taken = list(taken)
    for phrase, place in _place_lexicon():
        for m in re.finditer(_word(phrase), text):
            s, e = m.span()
            if any(taken[s:e]):
                continue
            taken[s:e] = [True] * (e - s)
            head = text[:s]
            cut = max(head.rfind(b) for b in CLAUSE_BREAKS)
            clause_start = cut + 1 if cut >= 0 else 0
            before = re.findall(r"[a-z0-9']+", head[clause_start:])
            tail = " ".join(before[-3:])
            clause = head[clause_start:]
            near = [x for x in found if clause_start <= x.start < s and not x.negated]
            source = any(re.search(_word(w) + r"(?: the| a| my| your)?$", tail) for w in SOURCE_WORDS) or \
                _incidental(text, s)
            if not source and near and place != "trash can" and not re.search(r"\b(?:to|into|onto)(?: the)?$", tail):
                between = text[near[-1].end:s].split()  # 'the cans on the close counter'
                source = len(between) <= 3 and any(re.search(_word(v), clause) for v in SELF_PLACING)
            of = (near[-1].spec if near else "") if source else None
            out.append(PlaceMention(place, s, of, bool(not source and re.search(ROBOT_GOING, tail))))
    out.sort(key=lambda p: p.start)
    for i, p in enumerate(out):  # 'go to the table, then the far counter': a tour goes on without a verb
        if i and not p.robot and p.source_of is None and out[i - 1].robot:
            head = text[out[i - 1].start:p.start]
            if not any(x.start > out[i - 1].start and x.start < p.start for x in found) and not re.search(
                    r"\b(?:put|place|set|leave|bring|take|give|throw|drop)\b", head):
                out[i] = dataclasses.replace(p, robot=True)
    return out


# ------------------------------------------------------------------ checking candidate goals against a request
def _about_user(atom) -> bool:
    g = atom.goal
    return atom.kind == "holding" or ("at" in g and g["at"][1] == "user") or atom.kind == "except"


def allowed(atom, m: Mentions, known: set[str] | None) -> bool:
    """May a goal of the request contain this predicate? Its subject must be one the request names (or, when it
    names none, a class or an object the robot has seen or holds); a ruled-out object is never brought or held;
    a count only where one was said, for what it was said of; 'other than X' only where X was ruled out."""
    if not place_allowed(atom, m):
        return False
    subject, excluded = atom_subject(atom)
    if subject is None:
        return True
    if atom.kind == "except":
        return excluded in m.negative and (not m.positive or subject in m.specs)
    if subject in m.negative:
        return not _about_user(atom)
    said = {x.spec: x for x in m.positive}
    if said:
        if subject not in said:
            return False
        n = said[subject].count
        return (atom.goal.get("count") == n) if n else atom.kind != "count"
    if atom.kind == "count":
        return False
    return subject.startswith("class:") or known is None or subject in known


def atom_place(atom) -> str | None:
    """Where a predicate sends its subject or the robot: a location, "here", or None."""
    g = atom.goal
    if atom.kind in ("at", "count", "down"):
        return g["at"][1]
    if atom.kind == "robot_at":
        return g["robot_at"]
    return None


def place_allowed(atom, m: Mentions) -> bool:
    """Nothing goes back where the request says it is taken from; when the request names where things go, a
    placement on a surface or in the drawer and a 'go to' go only there."""
    place = atom_place(atom)
    if place is None:
        return True
    subject = atom_subject(atom)[0]
    if subject is not None and place in m.sources(subject) and place not in m.destinations:
        return False
    dest = m.destinations
    return not dest or place in IMPLIED_PLACES or place in dest


def required_places(m: Mentions) -> list[str]:
    """Places a goal must use: every destination the request names -- where the robot is sent as ``go:L`` (a 'go
    to' predicate must say it), where objects are sent as ``place:L``."""
    out = []
    for p in m.places:
        if p.source_of is None:
            key = f"{'go' if p.robot else 'place'}:{p.place}"
            if key not in out:
                out.append(key)
    return out


def covers(atom) -> set[str]:
    """What a predicate accounts for of a request: its subject, and its place (as ``place:L``)."""
    out = set()
    subject = atom_subject(atom)[0]
    if subject is not None:
        out.add(subject)
    place = atom_place(atom)
    if atom.kind == "robot_at":
        out |= {f"go:{place}", f"place:{place}"}
    elif place is not None:
        out.add(f"place:{place}")
    if atom.kind == "drawer":  # 'open the drawer' says the drawer
        out |= {"go:drawer", "place:drawer"}
    return out


def covered(chain, m: Mentions) -> set[str]:
    got = set().union(*(covers(a) for a in chain)) if chain else set()
    return got & (set(m.required()) | set(required_places(m)))
