"""The hand-written dev task files: valid, sized, every family covered, and every task feasible.

Feasibility: a breadth-first search with the perfect-skill models (``envs.kitchen.goals.shortest_plan``,
``envs.tabletop.symbolic.shortest_plan``) finds a plan of at most MAX_STEPS skills reaching the goal, and the
goal does not already hold at the start.
"""
from collections import Counter
from pathlib import Path

import pytest

from envs.tasks import load_tasks, plan_success

DATA = Path(__file__).resolve().parents[2] / "data" / "tasks"
KITCHEN = DATA / "kitchen_dev.jsonl"
TABLETOP = DATA / "tabletop_dev.jsonl"
SAYCAN_FAMILIES = ("nl_single_primitive", "nl_nouns", "nl_verbs", "structured_language", "embodiment",
                   "crowd_sourced", "long_horizon")
MAX_STEPS = 12


def test_kitchen_dev_size_and_families():
    tasks = load_tasks(KITCHEN)
    assert len(tasks) >= 150
    assert all(t.world == "kitchen" and t.id.startswith("dev-kitchen-") for t in tasks)
    counts = Counter(t.family for t in tasks)
    assert set(counts) == set(SAYCAN_FAMILIES)
    assert min(counts.values()) >= 20, counts


def test_tabletop_dev_size_and_families():
    tasks = load_tasks(TABLETOP)
    assert len(tasks) >= 40
    assert all(t.world == "tabletop" and t.id.startswith("dev-tabletop-") for t in tasks)
    counts = Counter(t.family for t in tasks)
    assert len(counts) >= 6 and min(counts.values()) >= 5, counts


def test_dev_instructions_are_not_shipped_elsewhere():
    dev = {t.instruction.lower() for t in load_tasks(KITCHEN) + load_tasks(TABLETOP)}
    others = [p for p in DATA.glob("*.jsonl") if p not in (KITCHEN, TABLETOP)]
    shipped = {t.instruction.lower() for p in others for t in load_tasks(p)}
    assert not dev & shipped


def test_kitchen_dev_has_varied_start_states():
    tasks = load_tasks(KITCHEN)
    assert sum(t.init.get("holding") is not None for t in tasks) >= 10
    assert sum(t.init.get("robot", "user") != "user" for t in tasks) >= 20
    assert sum(bool(t.init.get("drawer_open")) for t in tasks) >= 10
    assert sum(any(loc == "drawer" for _, loc in t.init["objects"]) for t in tasks) >= 5
    assert sum("count" in repr(t.goal) for t in tasks) >= 8
    assert sum("none_at" in repr(t.goal) or "'not'" in repr(t.goal) for t in tasks) >= 10


@pytest.mark.slow
def test_every_kitchen_dev_task_has_a_short_plan():
    from envs.kitchen.goals import check_goal, shortest_plan
    from envs.kitchen.state import KitchenState

    problems = []
    for t in load_tasks(KITCHEN):
        if check_goal(t.goal, KitchenState.from_init(t.init)):
            problems.append(f"{t.id}: goal already true at the start")
            continue
        plan = shortest_plan(t.init, t.goal)
        if plan is None or len(plan) - 1 > MAX_STEPS:
            problems.append(f"{t.id}: no plan of <= {MAX_STEPS} skills")
        elif not plan_success(t, plan):
            problems.append(f"{t.id}: search and replay disagree")
    assert not problems, problems


@pytest.mark.slow
def test_every_tabletop_dev_task_has_a_short_plan():
    from envs.tabletop.goals import check_goal
    from envs.tabletop.symbolic import initial_state, shortest_plan

    problems = []
    for t in load_tasks(TABLETOP):
        if check_goal(t.goal, initial_state(t.init, t.seed)):
            problems.append(f"{t.id}: goal already true at the start")
            continue
        plan = shortest_plan(t.init, t.seed, t.goal, max_steps=MAX_STEPS)
        if plan is None:
            problems.append(f"{t.id}: no plan of <= {MAX_STEPS} skills")
        elif not plan_success(t, plan):
            problems.append(f"{t.id}: search and replay disagree")
    assert not problems, problems


def test_tabletop_search_finds_the_shortest_plan():
    from envs.tabletop.symbolic import shortest_plan

    init = {"blocks": ["red", "green", "blue"], "bowls": []}
    plan = shortest_plan(init, 0, {"stack": ["red block", "green block", "blue block"]})
    assert plan == ["pick the green block and place it on the red block",
                    "pick the blue block and place it on the green block", "done"]
    two = {"blocks": ["red", "green"], "bowls": []}
    assert shortest_plan(two, 0, {"stack_height": 3}) is None  # two blocks never make three
