"""The goal combinators the worlds' goals modules share (docs/tasks.md): ``{"all": [goal, ...]}``,
``{"any": [goal, ...]}`` and ``{"not": goal}`` over a world's own leaf predicates."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from compose.errors import InvalidInputError

COMBINATORS = ("all", "any", "not")


def validate_combinator(key: str, value: Any, where: str, validate_sub: Callable[[Any, str], None]) -> None:
    """Check the argument ``value`` of combinator ``key`` found at path ``where``; each sub-goal is checked with
    ``validate_sub(sub_goal, its_path)`` (the world's own ``validate_goal``)."""
    if key == "not":
        validate_sub(value, where)
        return
    if not (isinstance(value, list) and value):
        raise InvalidInputError(f"{where}: {key} takes a non-empty list of goals, got {value!r}")
    for i, sub in enumerate(value):
        validate_sub(sub, f"{where}[{i}]")


def holds(goal: Mapping, leaf: Callable[[Mapping], bool]) -> bool:
    """Is the (validated) ``goal`` true, with ``leaf(predicate)`` deciding the world's own predicates?"""
    if "all" in goal:
        return all(holds(g, leaf) for g in goal["all"])
    if "any" in goal:
        return any(holds(g, leaf) for g in goal["any"])
    if "not" in goal:
        return not holds(goal["not"], leaf)
    return leaf(goal)


def sub_goals(goal: Mapping) -> list:
    """The goals a combinator combines (empty for a leaf predicate)."""
    if "all" in goal or "any" in goal:
        return list(goal.get("all") or goal.get("any") or [])
    return [goal["not"]] if "not" in goal else []
