"""The tabletop with perfect skills: the symbolic model used for plan success.

It starts from the same seeded layout the simulator starts from and applies ``pick the X and place it on the Y``
exactly: the block ends resting on Y (a block or bowl), or on the table at Y's anchor (a region). A skill whose
preconditions fail (block absent, something on it, target block covered) changes nothing, as a careful robot would.
"""
from __future__ import annotations

import copy

from envs.tabletop.layout import BLOCK_SIZE, BOWL_FLOOR, sample_layout
from envs.tabletop.state import TABLE, sort_names
from envs.tabletop.vocab import REGIONS, kind_of, parse_skill, region_anchor, region_of


def initial_state(init: dict, seed: int) -> dict:
    """The state at reset for ``init`` and ``seed`` (same layout as the simulator, resting on the table)."""
    layout = sample_layout(init.get("blocks", []), init.get("bowls", []), seed)
    objects = {}
    for pl in layout:
        z = BLOCK_SIZE / 2 if kind_of(pl.name) == "block" else 0.0
        objects[pl.name] = {"kind": kind_of(pl.name), "pos": [pl.x, pl.y, z], "support": TABLE,
                            "region": region_of(pl.x, pl.y)}
    return {"objects": {n: objects[n] for n in sort_names(objects)}, "holding": None}


def covered(state: dict, name: str) -> str | None:
    """The object resting directly on ``name``, if any."""
    for other, o in state["objects"].items():
        if o["support"] == name:
            return other
    return None


def apply_skill(state: dict, text: str) -> tuple[dict, bool, str]:
    """Run one skill with perfect execution. Returns (new state, succeeded, reason); failure leaves it unchanged."""
    parsed = parse_skill(text)
    if parsed is None:
        return copy.deepcopy(state), True, ""
    pick, place = parsed
    objs = state["objects"]
    if pick not in objs:
        return state, False, f"there is no {pick} on the table"
    if covered(state, pick):
        return state, False, f"the {covered(state, pick)} is on the {pick}"
    if place not in REGIONS:
        if place not in objs:
            return state, False, f"there is no {place} on the table"
        if kind_of(place) == "block" and covered(state, place):
            return state, False, f"the {covered(state, place)} is already on the {place}"
    new = copy.deepcopy(state)
    block = new["objects"][pick]
    if place in REGIONS:
        x, y = region_anchor(place)
        block.update(pos=[round(x, 4), round(y, 4), BLOCK_SIZE / 2], support=TABLE, region=place)
    else:
        target = new["objects"][place]
        tx, ty, tz = target["pos"]
        z = tz + BLOCK_SIZE if kind_of(place) == "block" else tz + BOWL_FLOOR + BLOCK_SIZE / 2
        block.update(pos=[tx, ty, round(z, 4)], support=place, region=target["region"])
    return new, True, ""


def run_plan(init: dict, seed: int, plan) -> tuple[dict, list[tuple[bool, str]]]:
    """Final state and per-step (succeeded, reason) for a plan; steps after ``done`` are ignored."""
    state = initial_state(init, seed)
    results = []
    for text in plan:
        state, ok, reason = apply_skill(state, text)
        results.append((ok, reason))
        if parse_skill(text) is None:
            break
    return state, results


def shortest_plan(init: dict, seed: int, goal: dict, max_steps: int = 12, max_states: int = 200_000) -> list[str] | None:
    """A shortest plan (ending with ``done``) reaching ``goal`` with perfect skills, by breadth-first search.

    Two states are the same when every object has the same support and region (all that goals and preconditions
    read). Returns None when no plan of at most ``max_steps`` skills exists within ``max_states`` states. Used to
    check that a task is feasible; it reads the goal, so it is never a planner.
    """
    from envs.search import breadth_first_plan
    from envs.tabletop.goals import check_goal
    from envs.tabletop.vocab import DONE, skill_texts

    def key(s: dict):
        return tuple((n, o["support"], o["region"]) for n, o in sorted(s["objects"].items()))

    start = initial_state(init, seed)
    skills = [t for t in skill_texts(init.get("blocks", []), init.get("bowls", [])) if t != DONE]
    plan = breadth_first_plan(start, skills, apply_skill, lambda s: check_goal(goal, s), key, max_states, max_steps)
    return None if plan is None else plan + [DONE]
