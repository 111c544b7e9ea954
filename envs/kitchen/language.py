"""SayCan's kitchen skill language: the sentences the LLM scores, generated from the world's vocabulary.

``find a X``, ``pick up the X``, ``put down the X`` for every object; ``go to the L`` for every place except the
user; ``bring it to you``; ``open the drawer``; ``close the drawer``; ``done``.
"""
from __future__ import annotations

import re

from compose.errors import InvalidInputError
from envs.kitchen.vocab import LOCATIONS, OBJECTS, article

DONE = "done"


def kitchen_skill_texts(objects=OBJECTS, locations=LOCATIONS) -> list[str]:
    texts: list[str] = []
    texts += [f"find {article(o)} {o}" for o in objects]
    texts += [f"pick up the {o}" for o in objects]
    texts += [f"go to the {loc}" for loc in locations if loc != "user"]
    texts += [f"put down the {o}" for o in objects]
    texts += ["bring it to you", "open the drawer", "close the drawer", DONE]
    return texts


_PATTERNS = [
    (re.compile(r"^find an? (?P<arg>.+)$"), "find"),
    (re.compile(r"^pick up the (?P<arg>.+)$"), "pick"),
    (re.compile(r"^go to the (?P<arg>.+)$"), "go"),
    (re.compile(r"^put down the (?P<arg>.+)$"), "put"),
    (re.compile(r"^bring it to you$"), "bring"),
    (re.compile(r"^open the drawer$"), "open"),
    (re.compile(r"^close the drawer$"), "close"),
    (re.compile(r"^done$"), "done"),
]


def parse_skill(text: str) -> tuple[str, str | None]:
    """'pick up the sponge' -> ('pick', 'sponge'). Unknown sentences or names raise InvalidInputError."""
    t = text.strip().lower().rstrip(".,")
    for pattern, verb in _PATTERNS:
        m = pattern.match(t)
        if m:
            arg = m.groupdict().get("arg")
            if verb == "go":
                if arg not in LOCATIONS or arg == "user":
                    raise InvalidInputError(f"unknown location in skill {text!r}")
            elif arg is not None and arg not in OBJECTS:
                raise InvalidInputError(f"unknown object in skill {text!r}")
            return verb, arg
    raise InvalidInputError(f"not a kitchen skill: {text!r}")
