"""Vocabulary of SayCan's office kitchen, as fixed by the task-file contract (docs/tasks.md)."""
from __future__ import annotations

from compose.errors import InvalidInputError

LOCATIONS: tuple[str, ...] = ("close counter", "far counter", "table", "trash can", "user", "drawer")

OBJECTS: tuple[str, ...] = (
    "coke can", "pepsi can", "7up can", "sprite can", "redbull can", "lime soda", "grapefruit soda", "tea",
    "water bottle", "apple", "orange", "banana", "energy bar", "jalapeno chips", "multigrain chips", "rice chips",
    "sea salt chips", "sponge",
)

_SODA = ("coke can", "pepsi can", "7up can", "sprite can", "lime soda", "grapefruit soda")
_FRUIT = ("apple", "orange", "banana")
_CHIPS = ("jalapeno chips", "multigrain chips", "rice chips", "sea salt chips")
CLASSES: dict[str, tuple[str, ...]] = {
    "soda": _SODA,
    "caffeinated": ("coke can", "pepsi can", "redbull can", "tea"),
    "drink": _SODA + ("redbull can", "tea", "water bottle"),
    "fruit": _FRUIT,
    "chips": _CHIPS,
    "snack": _CHIPS + _FRUIT + ("energy bar",),
    "cleaning": ("sponge",),
    "can": ("coke can", "pepsi can", "7up can", "sprite can", "redbull can"),
}


def check_location(name: str, where: str = "location") -> str:
    if name not in LOCATIONS:
        raise InvalidInputError(f"unknown {where} {name!r}; known: {', '.join(LOCATIONS)}")
    return name


def check_object(name: str, where: str = "object") -> str:
    if name not in OBJECTS:
        raise InvalidInputError(f"unknown {where} {name!r}; known: {', '.join(OBJECTS)}")
    return name


def check_object_spec(spec: str, where: str = "object") -> str:
    """An object name or ``class:NAME``."""
    if isinstance(spec, str) and spec.startswith("class:"):
        if spec[6:] not in CLASSES:
            raise InvalidInputError(f"unknown class {spec!r} in {where}; known: {', '.join(CLASSES)}")
        return spec
    if not isinstance(spec, str):
        raise InvalidInputError(f"{where} must be an object name or class:NAME, got {spec!r}")
    return check_object(spec, where)


def matches(obj: str, spec: str) -> bool:
    """Does object ``obj`` match ``spec`` (a name or ``class:NAME``)?"""
    if spec.startswith("class:"):
        return obj in CLASSES[spec[6:]]
    return obj == spec


def article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"
