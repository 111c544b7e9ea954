"""The failure taxonomy (agents.bench.failures) on hand-made records: every category, and the sum property."""
from __future__ import annotations

import pytest

from agents.bench.failures import (CATEGORIES, ERROR, PHYSICAL, REPEATED, STEP_LIMIT, STOPPED_EARLY, WRONG_OBJECT,
                                   WRONG_PLACE, classify, markdown_table, taxonomy)

SPONGE_TO_USER = {"at": ["sponge", "user"]}
INIT = {"robot": "user", "holding": None, "drawer_open": False,
        "objects": [["sponge", "far counter"], ["apple", "table"]]}


def _kstate(robot, holding=None, objects=(("sponge", "far counter"), ("apple", "table"))):
    return {"robot": robot, "holding": holding, "drawer_open": False, "objects": [list(o) for o in objects],
            "visited": ["user", robot]}


def kitchen(skills_states, *, exec_ok=False, plan_ok=False, terminated_by="done", mode="saycan", goal=None,
            failed=()):
    steps = [{"index": i, "skill": s, "success": i not in failed, "reason": "grasp slipped" if i in failed else "",
              "state": st} for i, (s, st) in enumerate(skills_states)]
    rec = {"id": f"k{len(steps)}-{mode}", "world": "kitchen", "mode": mode, "seed": 0, "steps": steps,
           "plan": [s["skill"] for s in steps], "plan_success": plan_ok, "exec_success": exec_ok,
           "terminated_by": terminated_by, "initial_state": _kstate("user"),
           "final_state": steps[-1]["state"] if steps else _kstate("user")}
    if goal is not None:
        rec["goal"] = goal
    return rec


FETCHED = [("find a sponge", _kstate("far counter")),
           ("pick up the sponge", _kstate("far counter", "sponge", [("apple", "table")])),
           ("bring it to you", _kstate("user", "sponge", [("apple", "table")]))]

CASES = {
    "success": (kitchen(FETCHED + [("put down the sponge", _kstate("user", None, [("apple", "table"), ("sponge", "user")])),
                                   ("done", _kstate("user", None, [("apple", "table"), ("sponge", "user")]))],
                        exec_ok=True, plan_ok=True, goal=SPONGE_TO_USER), None),
    ERROR: (dict(kitchen([], goal=SPONGE_TO_USER), error="RuntimeError: boom"), ERROR),
    PHYSICAL: (kitchen([("find a sponge", _kstate("far counter")),
                        ("pick up the sponge", _kstate("far counter")),
                        ("done", _kstate("far counter"))], plan_ok=True, failed=(1,), goal=SPONGE_TO_USER), PHYSICAL),
    WRONG_OBJECT: (kitchen([("find an apple", _kstate("table")),
                            ("pick up the apple", _kstate("table", "apple", [("sponge", "far counter")])),
                            ("bring it to you", _kstate("user", "apple", [("sponge", "far counter")])),
                            ("put down the apple", _kstate("user", None, [("sponge", "far counter"), ("apple", "user")])),
                            ("done", _kstate("user", None, [("sponge", "far counter"), ("apple", "user")]))],
                           goal=SPONGE_TO_USER), WRONG_OBJECT),
    WRONG_PLACE: (kitchen(FETCHED[:2] + [("go to the table", _kstate("table", "sponge", [("apple", "table")])),
                                         ("put down the sponge", _kstate("table", None, [("apple", "table"), ("sponge", "table")])),
                                         ("done", _kstate("table", None, [("apple", "table"), ("sponge", "table")]))],
                          goal=SPONGE_TO_USER), WRONG_PLACE),
    REPEATED: (kitchen([("find a sponge", _kstate("far counter")), ("find a sponge", _kstate("far counter")),
                        ("done", _kstate("far counter"))], goal=SPONGE_TO_USER), REPEATED),
    STEP_LIMIT: (kitchen([("find a sponge", _kstate("far counter")), ("go to the table", _kstate("table")),
                          ("find a sponge", _kstate("far counter")), ("go to the table", _kstate("table"))],
                         terminated_by="max_steps", goal=SPONGE_TO_USER), STEP_LIMIT),
    STOPPED_EARLY: (kitchen(FETCHED + [("done", FETCHED[-1][1])], goal=SPONGE_TO_USER), STOPPED_EARLY),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_kitchen_category(name):
    record, expected = CASES[name]
    assert classify(record) == expected


def test_goal_can_come_from_the_task_instead_of_the_record():
    record = dict(CASES[WRONG_OBJECT][0])
    del record["goal"]
    assert classify(record) != WRONG_OBJECT  # nothing to compare with: falls through to the structural checks
    assert classify(record, SPONGE_TO_USER) == WRONG_OBJECT


def test_classes_and_negations_in_goals():
    cleaning = {"at": ["class:cleaning", "user"]}
    assert classify(CASES[WRONG_PLACE][0], cleaning) == WRONG_PLACE  # the sponge is a cleaning thing, left on the table
    assert classify(CASES[WRONG_OBJECT][0], cleaning) == WRONG_OBJECT
    keep_tea = {"all": [{"at": ["sponge", "user"]}, {"none_at": ["apple", "trash can"]}]}
    assert classify(CASES[STOPPED_EARLY][0], keep_tea) == STOPPED_EARLY
    # the robot ending in the wrong place for a robot_at goal
    rec = kitchen([("go to the table", _kstate("table")), ("done", _kstate("table"))])
    assert classify(rec, {"robot_at": "far counter"}) == WRONG_PLACE


def _tabletop(skills, goal, terminated_by="done"):
    return {"id": "t", "world": "tabletop", "mode": "llm", "seed": 1, "goal": goal, "plan_success": False,
            "exec_success": False, "terminated_by": terminated_by,
            "steps": [{"index": i, "skill": s, "success": True} for i, s in enumerate(skills)]}


def test_tabletop_categories():
    goal = {"on": ["red block", "green bowl"]}
    assert classify(_tabletop(["pick the blue block and place it on the green bowl", "done"], goal)) == WRONG_OBJECT
    assert classify(_tabletop(["pick the red block and place it on the blue bowl", "done"], goal)) == WRONG_PLACE
    assert classify(_tabletop(["done"], goal)) == STOPPED_EARLY
    stack = {"stack": ["red block", "blue block", "green block"]}
    assert classify(_tabletop(["pick the blue block and place it on the red block",
                               "pick the green block and place it on the red block", "done"], stack)) == WRONG_PLACE
    region = {"on": ["class:block", "top left corner"]}
    assert classify(_tabletop(["pick the red block and place it on the middle",
                               "pick the red block and place it on the middle"], region)) == WRONG_PLACE
    assert classify(_tabletop(["pick the red block and place it on the top left corner"], {"stack_height": 2})) \
        == WRONG_PLACE  # stacking wants blocks on blocks
    assert classify(_tabletop(["pick the red block and place it on the blue block"] * 2, {"stack_height": 3},
                              terminated_by="max_steps")) == REPEATED


def test_navigation_failures_are_wrong_place():
    rec = {"id": "n", "world": "navgraph", "mode": "lmnav", "seed": 0, "plan_success": False, "exec_success": False,
           "steps": [{"index": 0, "action": 1, "from": 0, "node": 1, "success": True}]}
    assert classify(rec, {"landmarks": [5]}) == WRONG_PLACE


def test_categories_sum_to_the_failed_episodes_of_each_mode():
    records = [dict(r, mode=mode, id=f"{name}-{mode}") for name, (r, _) in CASES.items()
               for mode in ("saycan", "llm")]
    records += [dict(CASES[REPEATED][0], mode="llm", id="extra")]
    tax = taxonomy(records, modes=["llm", "saycan"])
    assert list(tax) == ["llm", "saycan"]
    for mode, t in tax.items():
        failed = sum(1 for r in records if r["mode"] == mode and not r["exec_success"])
        assert t["failed"] == failed == sum(t["counts"].values())
        assert t["episodes"] == sum(1 for r in records if r["mode"] == mode)
        assert set(t["counts"]) == set(CATEGORIES)
        assert all(t["counts"][c] >= 1 for c in CATEGORIES)  # every category is exercised
    assert tax["llm"]["counts"][REPEATED] == 2
    table = markdown_table(tax)
    assert "| llm | 8/9 |" in table and "| saycan | 7/8 |" in table
