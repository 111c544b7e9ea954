"""Readable sentences for what records hold as data: goals, states, perception, how an episode ended.

Shared by the HTML pages and the terminal output, so both say the same thing; no function here returns "None" or
a raw JSON dict where a sentence belongs.
"""
from __future__ import annotations

import json
from types import ModuleType

from compose.registry import load_entry
from envs.worlds import WORLDS


def _obj(spec: str) -> str:
    if isinstance(spec, str) and spec.startswith("class:"):
        return f"any {spec[6:]}"
    return str(spec)


def _place(loc: str) -> str:
    return {"user": "handed to the user", "trash can": "in the trash can", "drawer": "in the drawer"}.get(
        loc, f"at the {loc}")


def goal_text(goal) -> str:
    """A goal predicate of any world (docs/tasks.md) as a short phrase; '' for no goal."""
    if goal is None:
        return ""
    if not isinstance(goal, dict):
        return str(goal)
    if "all" in goal:
        return " and ".join(_paren(g) for g in goal["all"])
    if "any" in goal:
        return " or ".join(_paren(g) for g in goal["any"])
    if "not" in goal:
        return f"not ({goal_text(goal['not'])})"
    count = goal.get("count")
    n = f"{count} x " if isinstance(count, int) and count > 1 else ""
    distinct = " (all different)" if goal.get("distinct") else ""
    if "at" in goal:
        x, loc = goal["at"]
        return f"{n}{_obj(x)}{distinct} {_place(loc)}"
    if "none_at" in goal:
        x, loc = goal["none_at"]
        return f"no {_obj(x)} {_place(loc)}"
    if "holding" in goal:
        return "the gripper empty" if goal["holding"] is None else f"holding {_obj(goal['holding'])}"
    if "robot_at" in goal:
        return f"the robot at the {goal['robot_at']}"
    if "visited" in goal:
        return "visited " + ", ".join(goal["visited"])
    if "drawer_open" in goal:
        return "the drawer " + ("open" if goal["drawer_open"] else "closed")
    if "on" in goal:
        a, b = goal["on"]
        return f"{n}{_obj(a)} on the {_obj(b).replace('any ', '')}" if not str(b).startswith("class:") \
            else f"{n}{_obj(a)} on {_obj(b)}"
    if "stack" in goal:
        return "a stack of " + ", ".join(goal["stack"]) + " (bottom to top)"
    if "stack_height" in goal:
        return f"a stack of {goal['stack_height']} blocks"
    if "landmarks" in goal:
        radius = goal.get("radius", 0)
        return ("reach node " if len(goal["landmarks"]) == 1 else "pass nodes ") + \
            " -> ".join(str(n) for n in goal["landmarks"]) + (f" (within {radius} m)" if radius else "")
    return json.dumps(goal)


def _paren(g) -> str:
    t = goal_text(g)
    return f"({t})" if isinstance(g, dict) and ("any" in g or "all" in g) else t


def kitchen_state_lines(state: dict) -> list[str]:
    """Where the robot is, what it holds, the drawer, and where every object rests."""
    where: dict[str, list[str]] = {}
    for obj, loc in state.get("objects", []):
        where.setdefault(loc, []).append(obj)
    lines = [f"robot at the {state.get('robot', '?')}, holding {state.get('holding') or 'nothing'}; "
             f"drawer {'open' if state.get('drawer_open') else 'closed'}"]
    handed = where.pop("user", [])
    lines.append("handed to the user: " + (", ".join(handed) if handed else "nothing"))
    lines += [f"{loc}: {', '.join(objs)}" for loc, objs in sorted(where.items())]
    return lines


def tabletop_state_lines(state: dict) -> list[str]:
    """What each block rests on (bowls by region), and what the gripper holds."""
    objects = state.get("objects", {})
    lines = []
    for name, o in objects.items():
        if o.get("kind") == "bowl":
            continue
        sup = o.get("support")
        where = {"gripper": "held in the gripper", "floor": "fell off the table"}.get(sup)
        if where is None:
            where = f"on the {sup}" + (f" ({o['region']})" if o.get("region") else "")
        lines.append(f"{name}: {where}")
    bowls = [f"{n} ({o.get('region') or 'off the table'})" for n, o in objects.items() if o.get("kind") == "bowl"]
    if bowls:
        lines.append("bowls: " + ", ".join(bowls))
    if state.get("holding"):
        lines.append(f"holding the {state['holding']}")
    return lines


def navgraph_state_lines(state: dict) -> list[str]:
    route = state.get("route", [])
    return [f"at node {state.get('node', '?')} of the {state.get('graph', '?')} graph after {len(route) - 1} moves, "
            f"{float(state.get('distance', 0.0)):.1f} m driven"]


def state_lines(world: str, state) -> list[str]:
    """The final (or any) state of a world as lines of text; [] when there is none."""
    if not isinstance(state, dict) or not state:
        return []
    spec = WORLDS.get(world) if world in WORLDS else None
    if spec is not None and spec.state_text:
        return load_entry(spec.state_text)(state)
    return [json.dumps(state)[:300]]


def world_hooks(record: dict) -> ModuleType | None:
    """The module with the record's world's page hooks (``WorldSpec.replay_extras``), or None."""
    import importlib

    world = record.get("world")
    module = WORLDS.get(world).replay_extras if world in WORLDS else None
    return importlib.import_module(module) if module else None


def hook(record: dict, name: str):
    """The world's page hook ``name`` for this record (see ``WorldSpec.replay_extras``), or None."""
    return getattr(world_hooks(record), name, None)


def perception_text(perception) -> str:
    """A step's recorded perception summary as a sentence (kitchen dict, tabletop detections)."""
    if not perception:
        return ""
    if isinstance(perception, str):
        return perception
    if isinstance(perception, dict):
        parts = []
        if perception.get("location"):
            parts.append(f"at the {perception['location']}")
        if "visible" in perception:
            parts.append("sees " + (", ".join(perception["visible"]) or "nothing it can pick up"))
        if "holding" in perception:
            parts.append(f"holding {perception['holding'] or 'nothing'}")
        if "drawer_open" in perception:
            parts.append("drawer " + ("open" if perception["drawer_open"] else "closed"))
        seen = perception.get("seen") or {}
        if seen:
            parts.append("remembers " + ", ".join(f"{', '.join(v)} at the {k}" for k, v in seen.items() if v))
        if perception.get("unexplored"):
            parts.append("not looked at yet: " + ", ".join(perception["unexplored"]))
        return "; ".join(p for p in parts if p)
    if isinstance(perception, list):
        names = [d.get("name", "?") if isinstance(d, dict) else str(d) for d in perception]
        return "detected: " + (", ".join(names) if names else "nothing")
    return str(perception)


def ending_text(record: dict) -> str:
    """Why the episode ended, as a sentence."""
    n = len(record.get("steps") or [])
    if record.get("error"):
        return f"the episode crashed: {record['error']}"
    how = record.get("terminated_by") or (record.get("outcome") or {}).get("terminated_by")
    if how == "done":
        return f"the planner chose 'done' after {n - 1} skill{'s' if n - 1 != 1 else ''}"
    if how == "max_steps":
        return f"it hit the step limit ({n} steps) without choosing 'done'"
    ending = hook(record, "ending_text")
    return ending(record) if ending else f"{n} steps"


def goal_verdict(record: dict) -> tuple[bool | None, str]:
    """(goal met?, sentence); None when no goal was given or checked."""
    outcome = record.get("outcome") or {}
    met = record.get("exec_success", outcome.get("goal_met", outcome.get("exec_success")))
    goal = goal_of(record)
    if not goal_given(record):
        met = None
    if met is None:
        if goal is None:
            return None, "no goal given, so nothing was checked (pass --goal or use a task file)"
        return None, "the goal was not checked"
    what = goal_text(goal)
    if met:
        return True, "goal met in the simulator" + (f": {what}" if what else "")
    return False, "goal not met" + (f" (wanted: {what})" if what else "")


def plan_verdict(record: dict) -> str:
    ok = record.get("plan_success")
    if ok is None:
        ok = (record.get("outcome") or {}).get("plan_success")
    if ok is None or not goal_given(record):
        return ""
    return "the plan succeeds with perfect skills" if ok else "the plan fails even with perfect skills"


def goal_of(record: dict):
    """The task's goal; None when none was given (also for `agents.lmnav` runs without --goal, whose record holds
    a placeholder: reach the start node)."""
    task = record.get("task") or {}
    goal = task.get("goal", record.get("goal"))
    placeholder = hook(record, "placeholder_goal")
    return None if placeholder and placeholder(record, goal) else goal


def goal_given(record: dict) -> bool:
    task = record.get("task")
    return goal_of(record) is not None or not task or "goal" not in task
