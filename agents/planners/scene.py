"""The robot's kitchen perception as one line of text (Socratic grounding): where it is, what it holds, what it
has seen where, the drawer, and where it has not looked yet. Built from the perception summary only."""
from __future__ import annotations

from envs.kitchen.vocab import LOCATIONS


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def place_words(location: str) -> str:
    return {"user": "with the user", "trash can": "in the trash can", "drawer": "in the drawer"}.get(
        location, f"on the {location}")


def kitchen_scene_text(p: dict) -> str:
    """e.g. 'The robot is at the table holding nothing. It sees the apple and the sponge on the table. The drawer is
    closed. It has not looked at the close counter, the far counter and the drawer yet.'"""
    loc, holding = p.get("location", "user"), p.get("holding")
    where = "next to the user" if loc == "user" else f"at the {loc}"
    parts = [f"The robot is {where} holding {'the ' + holding if holding else 'nothing'}."]
    seen = p.get("seen", {})
    groups = []
    for L in LOCATIONS:
        objs = sorted(set(p.get("visible", [])) if L == loc else set(seen.get(L, [])))
        if objs:
            groups.append(f"{_join(['the ' + o for o in objs])} {place_words(L)}")
    parts.append(f"It has seen {'; '.join(groups)}." if groups else "It has seen no objects yet.")
    parts.append(f"The drawer is {'open' if p.get('drawer_open') else 'closed'}.")
    unexplored = [L for L in p.get("unexplored", []) if L not in (loc, "user")]
    if unexplored:
        parts.append(f"It has not looked at {_join(['the ' + L for L in unexplored])} yet.")
    return " ".join(parts)


def initial_perception(init: dict) -> dict:
    """What the robot perceives at reset for a task ``init`` (its own location only): for the example bank."""
    loc = init.get("robot", "user")
    drawer_open = bool(init.get("drawer_open", False))
    here = sorted(o for o, L in init.get("objects", []) if L == loc and (L != "drawer" or drawer_open))
    explored = [] if (loc == "drawer" and not drawer_open) else [loc]
    return {"location": loc, "holding": init.get("holding"), "drawer_open": drawer_open, "visible": here,
            "seen": {loc: here} if explored else {}, "unexplored": [L for L in LOCATIONS if L not in explored]}


def tabletop_scene_text(names) -> str:
    """Socratic Models' tabletop scene description: ``objects = [red block, blue bowl]``."""
    return "objects = [" + ", ".join(names) + "]"
