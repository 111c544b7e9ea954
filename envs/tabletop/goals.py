"""Tabletop world semantics for task files (docs/tasks.md): validate ``init``/``goal``, check goals, score plans.

Validation errors are ``InvalidInputError`` whose message starts with the field path (``goal.all[1].on[0]: ...``).
Goals are checked on the structured state of ``envs.tabletop.state`` (a dict, or anything with ``.state()``).

Meaning of ``{"on": [A, B]}`` -- A *rests on or in* B:
- B a block: A sits directly on B;
- B a bowl: A is in the bowl, directly or on top of something in it;
- B a region: A (wherever it sits, even on a stack) is over that cell of the workspace.
A and B may be classes (``class:block``, ``class:bowl``, ``class:<colour>``); with ``"count": N`` at least N
objects matching A must rest on something matching B. ``{"stack": [A1, ..., An]}``: each next one directly on the
previous. ``{"stack_height": N}``: some column of N blocks, each directly on the one below.
"""
from __future__ import annotations

from typing import Any, Mapping

from compose.errors import InvalidInputError
from envs.goal_logic import COMBINATORS, holds, validate_combinator
from envs.tabletop.layout import sample_layout
from envs.tabletop.vocab import CLASSES, COLOURS, OBJECTS, REGIONS, kind_of, matches

INIT_FIELDS = ("blocks", "bowls")
PREDICATES = ("on", "stack", "stack_height") + COMBINATORS
MAX_CHAIN = 64


def _fail(where: str, problem: str):
    raise InvalidInputError(f"{where}: {problem}")


# ----------------------------------------------------------------------------------------------- validation
def validate_init(init: Any, where: str = "init") -> None:
    """``{"blocks": [colours], "bowls": [colours]}``; colours known and not repeated; the layout must fit."""
    if not isinstance(init, dict):
        _fail(where, f"must be an object, got {type(init).__name__}")
    for key in init:
        if key not in INIT_FIELDS:
            _fail(f"{where}.{key}", f"unknown field; known: {', '.join(INIT_FIELDS)}")
    for key in INIT_FIELDS:
        colours = init.get(key, [])
        if not isinstance(colours, list):
            _fail(f"{where}.{key}", f"must be a list of colours, got {type(colours).__name__}")
        seen = set()
        for i, c in enumerate(colours):
            if not isinstance(c, str) or c not in COLOURS:
                _fail(f"{where}.{key}[{i}]", f"unknown colour {c!r}; known: {', '.join(COLOURS)}")
            if c in seen:
                _fail(f"{where}.{key}[{i}]", f"colour {c!r} repeated: each colour names one {key[:-1]}")
            seen.add(c)
    if not init.get("blocks"):
        _fail(f"{where}.blocks", "at least one block is needed (only blocks can be picked)")
    try:
        sample_layout(init.get("blocks", []), init.get("bowls", []), 0)
    except InvalidInputError as exc:
        _fail(where, str(exc))


def _object_spec(value: Any, where: str, regions: bool = False) -> str:
    if isinstance(value, str) and value.startswith("class:"):
        if value[6:] not in CLASSES:
            _fail(where, f"unknown class {value!r}; known: {', '.join('class:' + c for c in CLASSES)}")
        return value
    if not isinstance(value, str):
        _fail(where, f"must be an object name{', a region' if regions else ''} or class:NAME, got {value!r}")
    if value in OBJECTS or (regions and value in REGIONS):
        return value
    known = OBJECTS + (REGIONS if regions else ())
    _fail(where, f"unknown {'object or region' if regions else 'object'} {value!r}; known: {', '.join(known)}")


def _count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        _fail(where, f"must be a positive integer, got {value!r}")
    return value


def validate_goal(goal: Any, where: str = "goal") -> None:
    """Check a goal predicate recursively; the error names the path of the first bad field."""
    if not isinstance(goal, dict):
        _fail(where, f"must be an object with one predicate, got {type(goal).__name__}")
    keys = [k for k in goal if k in PREDICATES]
    unknown = [k for k in goal if k not in PREDICATES and k != "count"]
    if unknown:
        _fail(f"{where}.{unknown[0]}", f"unknown predicate; known: {', '.join(PREDICATES)}")
    if len(keys) != 1:
        _fail(where, f"must have exactly one predicate (one of {', '.join(PREDICATES)}), got {len(keys)}")
    key = keys[0]
    arg = goal[key]
    path = f"{where}.{key}"
    if "count" in goal:
        if key != "on":
            _fail(f"{where}.count", f"'count' only goes with 'on', not {key!r}")
        _count(goal["count"], f"{where}.count")
    if key == "on":
        if not isinstance(arg, list) or len(arg) != 2:
            _fail(path, f"must be [A, B] (what, on what), got {arg!r}")
        _object_spec(arg[0], f"{path}[0]")
        _object_spec(arg[1], f"{path}[1]", regions=True)
        if arg[0] == arg[1] and not arg[0].startswith("class:"):
            _fail(path, f"an object cannot rest on itself ({arg[0]!r})")
    elif key == "stack":
        if not isinstance(arg, list) or len(arg) < 2:
            _fail(path, f"must list at least two objects, bottom first, got {arg!r}")
        for i, name in enumerate(arg):
            if not isinstance(name, str) or name not in OBJECTS:
                _fail(f"{path}[{i}]", f"unknown object {name!r}; known: {', '.join(OBJECTS)}")
            if name in arg[:i]:
                _fail(f"{path}[{i}]", f"{name!r} appears twice in the stack")
            if i > 0 and kind_of(name) != "block":
                _fail(f"{path}[{i}]", f"only blocks can be stacked on something, not {name!r}")
    elif key == "stack_height":
        _count(arg, path)
    else:  # all, any, not
        validate_combinator(key, arg, path, validate_goal)


# ----------------------------------------------------------------------------------------------- semantics
def _objects(state: Any) -> dict:
    if hasattr(state, "state") and callable(state.state):
        state = state.state()
    if not isinstance(state, Mapping) or "objects" not in state:
        raise InvalidInputError("a tabletop state must be a dict with 'objects' (see envs.tabletop.state)")
    return state["objects"]


def rests_on(objects: Mapping, a: str, b: str) -> bool:
    """Does object ``a`` rest on or in ``b`` (an object or a region name)?"""
    if a not in objects or a == b:
        return False
    if b in REGIONS:
        return objects[a].get("region") == b
    if kind_of(b) == "block":
        return objects[a]["support"] == b
    s, seen = objects[a]["support"], 0
    while s in objects and seen < MAX_CHAIN:  # a bowl holds what is in it and what is stacked on that
        if s == b:
            return True
        s, seen = objects[s]["support"], seen + 1
    return False


def _names(objects: Mapping, spec: str) -> list[str]:
    if spec in REGIONS:
        return [spec]
    return [n for n in objects if matches(n, spec)]


def stack_height(objects: Mapping) -> int:
    """Height of the tallest column of blocks, each directly on a block."""
    best = 0
    for name, o in objects.items():
        if o["kind"] != "block":
            continue
        h, s = 1, o["support"]
        while s in objects and objects[s]["kind"] == "block" and h < MAX_CHAIN:
            h, s = h + 1, objects[s]["support"]
        best = max(best, h)
    return best


def _holds(goal: Mapping, objects: Mapping) -> bool:
    """One leaf predicate (the combinators are envs.goal_logic's)."""
    if "on" in goal:
        x, b = goal["on"]
        targets = _names(objects, b)
        n = sum(1 for a in _names(objects, x) if any(rests_on(objects, a, t) for t in targets))
        return n >= goal.get("count", 1)
    if "stack" in goal:
        names = goal["stack"]
        return all(n in objects for n in names) and all(
            objects[upper]["support"] == lower for lower, upper in zip(names, names[1:]))
    if "stack_height" in goal:
        return stack_height(objects) >= goal["stack_height"]
    raise InvalidInputError(f"not a tabletop goal: {goal!r}")


def check_goal(goal: Mapping, state: Any) -> bool:
    """Is ``goal`` true in ``state`` (a structured state dict, or a world/env with ``.state()``)?"""
    objects = _objects(state)
    return bool(holds(goal, lambda leaf: _holds(leaf, objects)))


def task_fields(task: Any) -> tuple[dict, dict, int]:
    """(init, goal, seed) of a task given as a dict or an ``envs.tasks.Task``; the seed defaults to the id's."""
    get = task.get if isinstance(task, Mapping) else (lambda k, d=None: getattr(task, k, d))
    seed = get("seed")
    if seed is None:
        from envs.tasks import default_seed

        seed = default_seed(str(get("id", "")))
    return get("init"), get("goal"), int(seed)


def plan_success(task: Any, plan) -> bool:
    """Does ``plan`` reach the task's goal when every skill works perfectly (``envs.tabletop.symbolic``)?"""
    from envs.tabletop.symbolic import run_plan

    init, goal, seed = task_fields(task)
    final, _ = run_plan(init, seed, list(plan))
    return check_goal(goal, final)
