"""Why episodes failed: one category per failed episode, computed from its record by comparing with the goal.

Categories, tried in this order (the first that applies wins, so they sum to the failed episodes of each mode):

    error                    the episode crashed (the record carries an ``error``)
    skill failed physically  the executed plan reaches the goal with perfect skills (``plan_success``), so the
                             simulator's execution -- a grasp, a placement -- is what failed
    wrong object             the robot found, picked or moved an object the goal does not mention
    wrong place              an object the goal mentions was put somewhere the goal does not want it (or, for
                             navigation and robot_at goals, the robot ended in the wrong place)
    repeated step            the planner ran the same skill twice in a row
    step limit               the episode hit the step limit without choosing 'done'
    stopped early            the planner chose 'done' before the goal held (everything else)

A failed episode is one whose goal was not met in the simulator (``exec_success`` false).
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping

from compose.registry import load_entry
from envs.worlds import WORLDS

ERROR, PHYSICAL, WRONG_OBJECT, WRONG_PLACE = "error", "skill failed physically", "wrong object", "wrong place"
REPEATED, STEP_LIMIT, STOPPED_EARLY = "repeated step", "step limit", "stopped early"
CATEGORIES = (STOPPED_EARLY, WRONG_OBJECT, WRONG_PLACE, REPEATED, PHYSICAL, STEP_LIMIT, ERROR)
DESCRIPTIONS = {
    STOPPED_EARLY: "chose 'done' before the goal held",
    WRONG_OBJECT: "found, picked or moved an object the goal does not mention",
    WRONG_PLACE: "put a goal object (or itself) somewhere the goal does not want it",
    REPEATED: "ran the same skill twice in a row",
    PHYSICAL: "the plan works with perfect skills; a skill failed in the simulator",
    STEP_LIMIT: "hit the step limit without choosing 'done'",
    ERROR: "the episode crashed",
}


# ------------------------------------------------------------------------------------------- goal analysis
def _atoms(goal, negated: bool = False) -> Iterable[tuple[dict, bool]]:
    """The goal's leaf predicates with whether they sit under a 'not'."""
    if not isinstance(goal, Mapping):
        return
    for key in ("all", "any"):
        if key in goal:
            for g in goal[key]:
                yield from _atoms(g, negated)
            return
    if "not" in goal:
        yield from _atoms(goal["not"], not negated)
        return
    yield dict(goal), negated


class _Targets:
    """What the goal wants moved: object spec -> places it may end at (None: any place but the forbidden ones)."""

    def __init__(self, matches: Callable[[str, str], bool]):
        self.matches = matches
        self.wanted: list[tuple[str, set | None, set]] = []  # (spec, allowed places or None, forbidden places)
        self.robot_places: set[str] = set()

    def add(self, spec, allowed=None, forbidden=()):
        self.wanted.append((str(spec), None if allowed is None else set(allowed), set(forbidden)))

    def mentions(self, obj: str) -> bool:
        return any(self.matches(obj, spec) for spec, _, _ in self.wanted)

    def place_ok(self, obj: str, place: str, place_matches=None) -> bool:
        """Is putting ``obj`` at ``place`` consistent with some goal predicate about an object like it?"""
        match_place = place_matches or (lambda p, target: p == target)
        for spec, allowed, forbidden in self.wanted:
            if not self.matches(obj, spec):
                continue
            if place in forbidden:
                continue
            if allowed is None or any(match_place(place, a) for a in allowed):
                return True
        return False


# ------------------------------------------------------------------------------------------- per world
def _kitchen_events(record: dict, goal) -> tuple[_Targets, list[str], list[tuple[str, str]], bool]:
    """(goal targets, objects handled, (object, place) put-downs, robot ended in a place the goal rules out)."""
    from envs.kitchen.language import parse_skill
    from envs.kitchen.vocab import matches

    t = _Targets(matches)
    for atom, neg in _atoms(goal):
        if "at" in atom:
            x, loc = atom["at"]
            t.add(x, forbidden=[loc]) if neg else t.add(x, allowed=[loc])
        elif "none_at" in atom:
            x, loc = atom["none_at"]
            t.add(x, allowed=[loc]) if neg else t.add(x, forbidden=[loc])
        elif "holding" in atom and atom["holding"] is not None and not neg:
            t.add(atom["holding"], allowed=["gripper"])
        elif "robot_at" in atom and not neg:
            t.robot_places.add(atom["robot_at"])
    handled, puts = [], []
    state = record.get("initial_state") or {}
    for step in record.get("steps") or []:
        try:
            verb, arg = parse_skill(step.get("skill", ""))
        except Exception:  # noqa: BLE001 -- a record from another skill set: nothing to compare
            continue
        before = state
        state = step.get("state") or state
        if verb in ("find", "pick", "put") and arg:
            handled.append(arg)
        if verb == "put" and step.get("success"):
            puts.append((arg, before.get("robot") or state.get("robot")))
    final = record.get("final_state") or state
    robot_wrong = bool(t.robot_places) and isinstance(final, dict) and final.get("robot") not in t.robot_places
    return t, handled, puts, robot_wrong


def _tabletop_events(record: dict, goal):
    from envs.tabletop.vocab import REGIONS, matches, parse_skill

    def obj_matches(obj, spec):
        return obj == spec if spec in REGIONS else matches(obj, spec)

    t = _Targets(obj_matches)
    for atom, neg in _atoms(goal):
        if neg:
            continue
        if "on" in atom:
            t.add(atom["on"][0], allowed=[atom["on"][1]])
        elif "stack" in atom:
            names = atom["stack"]
            for lower, upper in zip(names, names[1:]):
                t.add(upper, allowed=[lower])
        elif "stack_height" in atom:
            t.add("class:block", allowed=["class:block"])
    handled, puts = [], []
    for step in record.get("steps") or []:
        try:
            parsed = parse_skill(step.get("skill", ""))
        except Exception:  # noqa: BLE001
            continue
        if parsed is None:
            continue
        pick, place = parsed
        handled.append(pick)
        puts.append((pick, place))
    return t, handled, puts, False


def _tabletop_place_matches():
    from envs.tabletop.vocab import REGIONS, matches

    return lambda place, target: place == target if target in REGIONS or place in REGIONS \
        else matches(place, target)


def _event_failure(record: dict, goal, events, place_matches=None) -> str | None:
    """Wrong object or wrong place from the episode's picks and places (``events``); None when neither."""
    if goal is None:
        return None
    targets, handled, puts, robot_wrong = events(record, goal)
    if targets.wanted and any(not targets.mentions(o) for o in handled):
        return WRONG_OBJECT
    matcher = place_matches() if place_matches else None
    if any(targets.mentions(o) and not targets.place_ok(o, p, matcher) for o, p in puts) or robot_wrong:
        return WRONG_PLACE
    return None


# each world's own failure checks (``WorldSpec.failure_check``)
def kitchen_failure(record: dict, goal) -> str | None:
    return _event_failure(record, goal, _kitchen_events)


def tabletop_failure(record: dict, goal) -> str | None:
    return _event_failure(record, goal, _tabletop_events, _tabletop_place_matches)


def navgraph_failure(record: dict, goal) -> str | None:
    return WRONG_PLACE  # the route was driven but missed the goal's nodes


def _repeated(steps: list[dict]) -> bool:
    names = [s.get("skill", s.get("action")) for s in steps]
    return any(a == b and a not in (None, "done") for a, b in zip(names, names[1:]))


def classify(record: dict, goal=None) -> str | None:
    """The failure category of one episode record, or None when it succeeded. ``goal``: the task's goal when the
    record does not carry it (benchmark records)."""
    if record.get("exec_success") and not record.get("error"):
        return None
    if record.get("error"):
        return ERROR
    if record.get("plan_success"):
        return PHYSICAL
    world = record.get("world")
    goal = goal if goal is not None else (record.get("task") or {}).get("goal", record.get("goal"))
    check = WORLDS.get(world).failure_check if world in WORLDS else None
    found = load_entry(check)(record, goal) if check else None
    if found is not None:
        return found
    steps = record.get("steps") or []
    if _repeated(steps):
        return REPEATED
    if record.get("terminated_by") == "max_steps":
        return STEP_LIMIT
    return STOPPED_EARLY


def taxonomy(records: Iterable[dict], goals: Mapping[str, object] | None = None, modes: Iterable[str] = ()) -> dict:
    """Per mode (``modes`` first, in that order): {"failed": n, "episodes": n, "counts": {category: n}}; the
    categories sum to "failed". ``goals``: task id -> goal, for records that do not carry theirs."""
    goals = goals or {}
    out: dict[str, dict] = {m: None for m in modes}
    for r in records:
        if out.get(r.get("mode", "?")) is None:
            out[r.get("mode", "?")] = {"episodes": 0, "failed": 0, "counts": dict.fromkeys(CATEGORIES, 0)}
        m = out[r.get("mode", "?")]
        m["episodes"] += 1
        cat = classify(r, goals.get(r.get("id")))
        if cat is not None:
            m["failed"] += 1
            m["counts"][cat] += 1
    return {k: v for k, v in out.items() if v is not None}


def markdown_table(tax: dict) -> str:
    """The taxonomy as a markdown table: one row per mode, one column per category."""
    head = "| mode | failed | " + " | ".join(CATEGORIES) + " |"
    rows = [head, "|" + "---|" * (2 + len(CATEGORIES))]
    for mode, t in tax.items():
        rows.append(f"| {mode} | {t['failed']}/{t['episodes']} | "
                    + " | ".join(str(t["counts"][c]) for c in CATEGORIES) + " |")
    return "\n".join(rows)
