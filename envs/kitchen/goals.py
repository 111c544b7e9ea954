"""Kitchen world semantics for task files: validate ``init``/``goal``, check goals, score plans (docs/tasks.md).

Every validation error is an ``InvalidInputError`` whose message starts with the field path, e.g.
``goal.all[1].at[0]: unknown object 'cokee'; known: ...``; ``envs.tasks`` prefixes it with ``FILE:LINE: ``.
Goals are checked on an ``envs.kitchen.state.KitchenState`` (or its ``to_dict()`` form).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from compose.errors import InvalidInputError
from envs.goal_logic import COMBINATORS, holds, sub_goals, validate_combinator
from envs.kitchen.state import KitchenState, apply_skill
from envs.kitchen.vocab import CLASSES, LOCATIONS, OBJECTS, matches
from envs.kitchen.language import DONE, parse_skill

INIT_FIELDS = ("robot", "holding", "drawer_open", "objects")
PREDICATES = ("at", "none_at", "holding", "robot_at", "visited", "drawer_open") + COMBINATORS
_AT_MODIFIERS = ("count", "distinct")


def _fail(where: str, problem: str):
    raise InvalidInputError(f"{where}: {problem}")


def _known(names: Iterable[str]) -> str:
    return ", ".join(names)


def _location(value: Any, where: str) -> str:
    if not isinstance(value, str):
        _fail(where, f"must be a location name (a string), got {value!r}")
    if value not in LOCATIONS:
        _fail(where, f"unknown location {value!r}; known: {_known(LOCATIONS)}")
    return value


def _object(value: Any, where: str) -> str:
    if not isinstance(value, str):
        _fail(where, f"must be an object name (a string), got {value!r}")
    if value not in OBJECTS:
        _fail(where, f"unknown object {value!r}; known: {_known(OBJECTS)}")
    return value


def _object_spec(value: Any, where: str) -> str:
    """An object name or ``class:NAME``."""
    if isinstance(value, str) and value.startswith("class:"):
        if value[6:] not in CLASSES:
            _fail(where, f"unknown class {value!r}; known: {_known('class:' + c for c in CLASSES)}")
        return value
    return _object(value, where)


# ----------------------------------------------------------------------------------------------- validation
def validate_init(init: Any, where: str = "init") -> None:
    """Check a kitchen ``init`` object; raise InvalidInputError naming the first bad field."""
    if not isinstance(init, dict):
        _fail(where, f"must be an object, got {type(init).__name__}")
    for key in init:
        if key not in INIT_FIELDS:
            _fail(f"{where}.{key}", f"unknown field; known: {_known(INIT_FIELDS)}")
    if "robot" in init:
        _location(init["robot"], f"{where}.robot")
    if init.get("holding") is not None:
        _object(init["holding"], f"{where}.holding")
    if "drawer_open" in init and not isinstance(init["drawer_open"], bool):
        _fail(f"{where}.drawer_open", f"must be true or false, got {init['drawer_open']!r}")
    objects = init.get("objects", [])
    if not isinstance(objects, list):
        _fail(f"{where}.objects", f"must be a list of [object, location] pairs, got {type(objects).__name__}")
    for i, pair in enumerate(objects):
        here = f"{where}.objects[{i}]"
        if not (isinstance(pair, list) and len(pair) == 2):
            _fail(here, f"must be an [object, location] pair, got {pair!r}")
        _object(pair[0], f"{here}[0]")
        _location(pair[1], f"{here}[1]")


def _pair(value: Any, where: str, name: str) -> None:
    if not (isinstance(value, list) and len(value) == 2):
        _fail(where, f"{name} takes [object or class:NAME, location], got {value!r}")
    _object_spec(value[0], f"{where}[0]")
    _location(value[1], f"{where}[1]")


def validate_goal(goal: Any, where: str = "goal") -> None:
    """Check a kitchen goal predicate (recursively); raise InvalidInputError with the field path of the problem."""
    if not isinstance(goal, dict):
        _fail(where, f"must be a predicate object, got {type(goal).__name__}")
    preds = [k for k in goal if k in PREDICATES]
    unknown = [k for k in goal if k not in PREDICATES and k not in _AT_MODIFIERS]
    if unknown:
        _fail(f"{where}.{unknown[0]}", f"unknown predicate {unknown[0]!r}; known: {_known(PREDICATES)}")
    if len(preds) != 1:
        problem = "is empty" if not preds else f"has several predicates ({', '.join(preds)}); combine them with all"
        _fail(where, f"a goal object holds exactly one predicate but {problem}")
    pred = preds[0]
    value, here = goal[pred], f"{where}.{pred}"
    mods = [k for k in goal if k in _AT_MODIFIERS]
    if mods and pred != "at":
        _fail(f"{where}.{mods[0]}", f"{mods[0]!r} only goes with 'at'")
    if pred in ("at", "none_at"):
        _pair(value, here, pred)
        if "count" in goal:
            n = goal["count"]
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                _fail(f"{where}.count", f"must be an integer >= 1, got {n!r}")
        if "distinct" in goal and not isinstance(goal["distinct"], bool):
            _fail(f"{where}.distinct", f"must be true or false, got {goal['distinct']!r}")
    elif pred == "holding":
        if value is not None:
            _object_spec(value, here)
    elif pred == "robot_at":
        _location(value, here)
    elif pred == "visited":
        if not (isinstance(value, list) and value):
            _fail(here, f"takes a non-empty list of locations, got {value!r}")
        for i, loc in enumerate(value):
            _location(loc, f"{here}[{i}]")
    elif pred == "drawer_open":
        if not isinstance(value, bool):
            _fail(here, f"must be true or false, got {value!r}")
    else:  # all, any, not
        validate_combinator(pred, value, here, validate_goal)


# ----------------------------------------------------------------------------------------------- checking
def _as_state(state: KitchenState | Mapping) -> KitchenState:
    if isinstance(state, KitchenState):
        return state
    if isinstance(state, Mapping):
        return KitchenState.from_dict(dict(state))
    raise InvalidInputError(f"expected a KitchenState or its dict form, got {type(state).__name__}")


def _resting(state: KitchenState, spec: str, location: str) -> list[str]:
    return [o for o, loc in state.objects if loc == location and matches(o, spec)]


def check_goal(goal: Mapping, state: KitchenState | Mapping) -> bool:
    """Is ``goal`` (already validated) true in ``state``? Objects in the gripper rest nowhere."""
    s = _as_state(state)
    return holds(goal, lambda leaf: _check(leaf, s))


def _check(goal: Mapping, s: KitchenState) -> bool:
    """One leaf predicate (the combinators are envs.goal_logic's)."""
    if "at" in goal:
        spec, location = goal["at"]
        found = _resting(s, spec, location)
        need = goal.get("count", 1)
        return (len(set(found)) if goal.get("distinct") else len(found)) >= need
    if "none_at" in goal:
        spec, location = goal["none_at"]
        return not _resting(s, spec, location)
    if "holding" in goal:
        want = goal["holding"]
        if want is None:
            return s.holding is None
        return s.holding is not None and matches(s.holding, want)
    if "robot_at" in goal:
        return s.robot == goal["robot_at"]
    if "visited" in goal:
        return visit_progress(goal["visited"], s.visited) == len(goal["visited"])
    if "drawer_open" in goal:
        return s.drawer_open == goal["drawer_open"]
    raise InvalidInputError(f"not a kitchen goal: {dict(goal)!r}")


def visit_progress(wanted: list[str], visited: list[str]) -> int:
    """How many of ``wanted`` (in order) the visit log ``visited`` has reached: ``visited`` holds ``wanted[:n]``
    as a subsequence (other stops may come between; the start location counts)."""
    n = 0
    for loc in visited:
        if n < len(wanted) and loc == wanted[n]:
            n += 1
    return n


def visit_lists(goal: Mapping) -> list[list[str]]:
    if "visited" in goal:
        return [goal["visited"]]
    return [v for g in sub_goals(goal) for v in visit_lists(g)]


# ----------------------------------------------------------------------------------------------- plans
def replay_plan(init: Mapping, plan: Iterable[str], strict: bool = False) -> tuple[KitchenState, list[dict]]:
    """Run ``plan`` with perfect skills from ``init``; stop at ``done``.

    A skill whose preconditions fail is a no-op. An unparseable step is a no-op too, unless ``strict`` (then it
    raises InvalidInputError). Returns the final state and one ``{"skill", "ok", "reason"}`` entry per step run.
    """
    state = KitchenState.from_init(dict(init))
    trace = []
    for text in plan:
        if text.strip().lower().rstrip(".,") == DONE:
            trace.append({"skill": text, "ok": True, "reason": ""})
            break
        try:
            parse_skill(text)
        except InvalidInputError as exc:
            if strict:
                raise
            trace.append({"skill": text, "ok": False, "reason": str(exc)})
            continue
        state, ok, reason = apply_skill(state, text)
        trace.append({"skill": text, "ok": ok, "reason": reason})
    return state, trace


def plan_success(task, plan: Iterable[str]) -> bool:
    """Would ``plan`` reach the task's goal if every skill worked perfectly? ``task``: a Task or task dict."""
    init = task["init"] if isinstance(task, Mapping) else task.init
    goal = task["goal"] if isinstance(task, Mapping) else task.goal
    state, _ = replay_plan(init, plan)
    return check_goal(goal, state)


def shortest_plan(init: Mapping, goal: Mapping, max_states: int = 200_000) -> list[str] | None:
    """A shortest plan (ending with ``done``) that reaches ``goal`` with perfect skills, by breadth-first search.

    Only skills about objects of ``init`` are tried. Returns None when no plan exists within ``max_states`` states.
    Used to check that a task is feasible; it reads the goal, so it is never a planner.
    """
    from envs.kitchen.vocab import article
    from envs.search import breadth_first_plan

    start = KitchenState.from_init(dict(init))
    names = sorted({o for o, _ in start.objects} | ({start.holding} if start.holding else set()))
    skills = [f"go to the {loc}" for loc in LOCATIONS if loc != "user"] + ["bring it to you", "open the drawer",
                                                                         "close the drawer"]
    for o in names:
        skills += [f"find {article(o)} {o}", f"pick up the {o}", f"put down the {o}"]
    visits = visit_lists(goal)  # order matters: states differ by how far along each visited list they are

    def key(s: KitchenState):
        return (s.robot, s.holding, s.drawer_open, tuple(sorted(s.objects)),
                tuple(visit_progress(v, s.visited) for v in visits))

    plan = breadth_first_plan(start, skills, apply_skill, lambda s: check_goal(goal, s), key, max_states)
    return None if plan is None else plan + [DONE]


__all__ = ["validate_init", "validate_goal", "check_goal", "plan_success", "replay_plan", "shortest_plan",
           "visit_progress", "PREDICATES"]
