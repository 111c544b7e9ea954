"""Tabletop task semantics without the simulator: vocabulary, validation, goal predicates, symbolic plans, task file."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from compose.errors import InvalidInputError
from envs.tabletop import goals, symbolic
from envs.tabletop.layout import footprint, sample_layout
from envs.tabletop.vocab import ALL_SKILL_TEXTS, REGIONS, parse_skill, region_anchor, region_of, skill_texts

TASKS = Path(__file__).resolve().parents[2] / "data" / "tasks" / "tabletop.jsonl"


def obj(kind, support="table", region="middle", pos=(0.45, 0.0, 0.02)):
    return {"kind": kind, "pos": list(pos), "support": support, "region": region}


def state(**objects):
    return {"objects": {k.replace("_", " "): v for k, v in objects.items()}, "holding": None}


# ----------------------------------------------------------------------------------------------- vocabulary
def test_skill_texts_cover_every_pick_and_place_option():
    assert len(ALL_SKILL_TEXTS) == 10 * 28 + 1  # never a block onto itself
    texts = skill_texts(["red", "blue", "green", "yellow"], [])
    assert len(texts) == 4 * (3 + 9) + 1 and texts[-1] == "done"
    assert "pick the red block and place it on the red block" not in texts
    assert parse_skill("Pick the red block and place it on the top left corner.") == ("red block", "top left corner")
    assert parse_skill("done") is None
    for bad in ("pick the red bowl and place it on the middle", "pick the red block and place it on the moon",
                "fly away", "pick the red block and place it on the red block"):
        with pytest.raises(InvalidInputError):
            parse_skill(bad)


def test_regions_tile_the_workspace():
    assert [region_of(*region_anchor(r)) for r in REGIONS] == list(REGIONS)
    assert region_of(0.25, -0.28) == "top left corner"  # top = the robot's side, left = -y
    assert region_of(5.0, 5.0) == "bottom right corner"  # beyond the workspace: nearest cell


def test_layout_is_seeded_and_separated():
    a = sample_layout(["red", "blue", "green", "yellow", "pink"], ["red", "gray", "cyan"], 7)
    assert a == sample_layout(["red", "blue", "green", "yellow", "pink"], ["red", "gray", "cyan"], 7)
    assert a != sample_layout(["red", "blue", "green", "yellow", "pink"], ["red", "gray", "cyan"], 8)
    for i, p in enumerate(a):
        for q in a[i + 1:]:
            assert math.hypot(p.x - q.x, p.y - q.y) >= footprint(p.name) + footprint(q.name)


# ----------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize("init, path", [
    ({"blocks": ["red", "mauve"]}, "init.blocks[1]"),
    ({"blocks": ["red", "red"]}, "init.blocks[1]"),
    ({"blocks": ["red"], "cups": []}, "init.cups"),
    ({"blocks": [], "bowls": ["red"]}, "init.blocks"),
    ({"blocks": "red"}, "init.blocks"),
    ([], "init"),
])
def test_validate_init_names_the_field(init, path):
    with pytest.raises(InvalidInputError, match=r"^" + __import__("re").escape(path) + ":"):
        goals.validate_init(init, "init")


@pytest.mark.parametrize("goal, path", [
    ({"all": [{"on": ["red block", "blue bowl"]}, {"on": ["red blok", "middle"]}]}, "goal.all[1].on[0]"),
    ({"on": ["red block", "kitchen"]}, "goal.on[1]"),
    ({"on": ["red block", "blue bowl"], "count": 0}, "goal.count"),
    ({"stack": ["red block", "blue bowl"]}, "goal.stack[1]"),
    ({"stack_height": "tall"}, "goal.stack_height"),
    ({"not": {"at": ["red block", "middle"]}}, "goal.not.at"),
    ({"on": ["class:purplish", "middle"]}, "goal.on[0]"),
    ({"any": []}, "goal.any"),
])
def test_validate_goal_names_the_field(goal, path):
    import re

    with pytest.raises(InvalidInputError, match=r"^" + re.escape(path) + ":"):
        goals.validate_goal(goal, "goal")


# ----------------------------------------------------------------------------------------------- predicates
def test_on_block_bowl_region_and_counts():
    s = state(blue_bowl=obj("bowl", region="top side"),
              red_block=obj("block", support="blue bowl", region="top side"),
              green_block=obj("block", support="red block", region="top side"),
              yellow_block=obj("block", region="bottom left corner"))
    check = goals.check_goal
    assert check({"on": ["red block", "blue bowl"]}, s)
    assert check({"on": ["green block", "blue bowl"]}, s)  # stacked on a block that is in the bowl
    assert check({"on": ["green block", "red block"]}, s)
    assert not check({"on": ["green block", "yellow block"]}, s)
    assert not check({"on": ["red block", "green block"]}, s)
    assert check({"on": ["yellow block", "bottom left corner"]}, s)
    assert check({"on": ["class:block", "top side"], "count": 2}, s)
    assert not check({"on": ["class:block", "top side"], "count": 4}, s)
    assert check({"on": ["class:block", "class:bowl"], "count": 2}, s)
    assert check({"on": ["class:red", "class:blue"]}, s)
    assert check({"stack": ["blue bowl", "red block", "green block"]}, s)
    assert not check({"stack": ["red block", "yellow block"]}, s)
    assert check({"stack_height": 2}, s) and not check({"stack_height": 3}, s)
    assert check({"all": [{"stack_height": 2}, {"not": {"on": ["yellow block", "blue bowl"]}}]}, s)
    assert check({"any": [{"stack_height": 3}, {"on": ["yellow block", "bottom left corner"]}]}, s)
    assert not check({"on": ["pink block", "middle"]}, s)  # absent objects rest nowhere


def test_check_goal_rejects_a_non_state():
    with pytest.raises(InvalidInputError):
        goals.check_goal({"stack_height": 1}, {"robot": "user"})


# ----------------------------------------------------------------------------------------------- symbolic model
def test_symbolic_model_respects_preconditions():
    init = {"blocks": ["red", "blue", "green"], "bowls": ["yellow"]}
    s0 = symbolic.initial_state(init, 3)
    assert s0 == symbolic.initial_state(init, 3)
    s1, ok, _ = symbolic.apply_skill(s0, "pick the red block and place it on the blue block")
    assert ok and s1["objects"]["red block"]["support"] == "blue block"
    _, ok, reason = symbolic.apply_skill(s1, "pick the blue block and place it on the middle")
    assert not ok and "red block" in reason  # covered blocks cannot be picked
    _, ok, reason = symbolic.apply_skill(s1, "pick the green block and place it on the blue block")
    assert not ok and "already" in reason
    _, ok, _ = symbolic.apply_skill(s1, "pick the pink block and place it on the middle")
    assert not ok
    s2, ok, _ = symbolic.apply_skill(s1, "pick the green block and place it on the bottom right corner")
    assert ok and s2["objects"]["green block"]["region"] == "bottom right corner"


def test_plan_success_on_a_task():
    task = {"id": "x", "world": "tabletop", "instruction": "stack", "seed": 4,
            "init": {"blocks": ["red", "blue", "green"], "bowls": []}, "goal": {"stack_height": 3}}
    good = ["pick the red block and place it on the blue block", "pick the green block and place it on the red block",
            "done"]
    assert goals.plan_success(task, good)
    assert not goals.plan_success(task, good[:1] + ["done"])
    assert not goals.plan_success(task, ["done"] + good)  # steps after done do not count
    bad_order = ["pick the red block and place it on the blue block",
                 "pick the blue block and place it on the green block"]
    assert not goals.plan_success(task, bad_order)


# ----------------------------------------------------------------------------------------------- the task file
def test_task_file_is_valid_and_every_task_is_solvable_and_not_solved_at_start():
    from envs.tasks import load_tasks

    tasks = load_tasks(TASKS)
    assert len(tasks) >= 49
    families = {t.family for t in tasks}
    assert {"saycan_notebook", "single_move", "colour_reference", "stacking", "sorting", "spatial",
            "negation"} <= families
    assert sum(t.family == "saycan_notebook" for t in tasks) == 9
    for t in tasks:
        assert t.world == "tabletop"
        assert not goals.check_goal(t.goal, symbolic.initial_state(t.init, t.seed)), t.id
        assert goals.plan_success(t, t.extra["reference_plan"]), t.id
        assert not goals.plan_success(t, ["done"]), t.id
