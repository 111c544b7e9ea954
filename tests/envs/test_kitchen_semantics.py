"""Skill semantics shared by the symbolic model and the physical controllers (docs/kitchen.md, "Rules shared ..."):
delivered objects are out of play, `find` with the object in the hand, `visited` in order."""
import pytest

from envs.kitchen.goals import check_goal, plan_success, shortest_plan, visit_progress
from envs.kitchen.state import DELIVERED, SEARCH_ORDER, KitchenState, apply_skill


def start(objects, robot="user", holding=None, drawer_open=False):
    return KitchenState.from_init({"robot": robot, "holding": holding, "drawer_open": drawer_open,
                                   "objects": [list(o) for o in objects]})


def test_search_order_never_includes_delivered_places():
    assert set(SEARCH_ORDER).isdisjoint(DELIVERED)
    assert set(DELIVERED) == {"user", "trash can"}


@pytest.mark.parametrize("place", ["user", "trash can"])
def test_find_never_finds_a_delivered_object(place):
    for robot in ("table", place):  # from elsewhere, and standing right next to it
        s = start([("apple", place)], robot=robot)
        after, ok, reason = apply_skill(s, "find an apple")
        assert not ok and "no apple" in reason and after.robot == robot


def test_find_prefers_the_kept_copy_over_a_delivered_one():
    s = start([("coke can", "user"), ("coke can", "far counter")])
    after, ok, _ = apply_skill(s, "find a coke can")
    assert ok and after.robot == "far counter"


def test_a_delivered_object_is_not_picked_back_up_from_the_user():
    s, ok, _ = apply_skill(start([("sponge", "table")], robot="table"), "pick up the sponge")
    s, ok, _ = apply_skill(s, "bring it to you")
    s, ok, _ = apply_skill(s, "put down the sponge")
    assert ok and ("sponge", "user") in s.objects
    after, ok, reason = apply_skill(s, "pick up the sponge")
    assert not ok and "handed to the user" in reason and after.holding is None
    assert not apply_skill(s, "find a sponge")[1]


def test_trash_can_contents_are_taken_out_only_when_asked_explicitly():
    s = start([("orange", "trash can")])
    assert not apply_skill(s, "find an orange")[1]
    s, ok, _ = apply_skill(s, "go to the trash can")
    s, ok, _ = apply_skill(s, "pick up the orange")
    assert ok and s.holding == "orange"
    plan = shortest_plan({"robot": "user", "objects": [["orange", "trash can"]]}, {"at": ["orange", "user"]})
    assert plan == ["go to the trash can", "pick up the orange", "bring it to you", "put down the orange", "done"]


def test_find_with_the_object_in_hand_succeeds_at_once():
    s = start([("apple", "table")], robot="far counter", holding="apple")
    after, ok, reason = apply_skill(s, "find an apple")
    assert ok and reason == "already in hand"
    assert after.robot == "far counter" and after.visited == ["far counter"] and after.holding == "apple"
    # another copy elsewhere does not send the robot on a tour either
    assert apply_skill(s, "find an apple")[0].to_dict() == s.to_dict()


def test_visit_progress_counts_an_ordered_subsequence():
    assert visit_progress(["table", "drawer"], ["user", "table", "far counter", "drawer"]) == 2
    assert visit_progress(["table", "drawer"], ["user", "drawer", "table"]) == 1
    assert visit_progress(["drawer", "table"], ["user", "drawer", "table"]) == 2
    assert visit_progress(["table", "table"], ["table", "drawer"]) == 1
    assert visit_progress(["table", "table"], ["table", "drawer", "table"]) == 2


def test_visited_goal_respects_order_in_plans_and_search():
    init = {"robot": "user", "objects": []}
    goal = {"visited": ["far counter", "close counter", "table"]}
    assert plan_success({"init": init, "goal": goal},
                        ["go to the far counter", "go to the close counter", "go to the table", "done"])
    assert not plan_success({"init": init, "goal": goal},
                            ["go to the close counter", "go to the far counter", "go to the table", "done"])
    # the search tracks order too: starting at the table, the table must be visited again at the end
    plan = shortest_plan({"robot": "table", "objects": []}, goal)
    assert plan == ["go to the far counter", "go to the close counter", "go to the table", "done"]
    s = start([], robot="table")
    for text in plan[:-1]:
        s = apply_skill(s, text)[0]
    assert check_goal(goal, s) and not check_goal({"visited": ["table", "close counter", "far counter"]}, s)


# ---------------------------------------------------------------------------------------------- physical skills
def perception(**kw):
    from envs.kitchen.vocab import LOCATIONS

    p = {"location": "user", "visible": [], "reachable": [], "holding": None, "drawer_open": False,
         "free_space": True, "seen": {"user": []}, "explored": ["user"],
         "unexplored": [L for L in LOCATIONS if L != "user"]}
    p.update(kw)
    return p


def test_physical_skill_conditions_follow_the_same_rules():
    from skills.kitchen import CALIBRATED, kitchen_library

    lib = kitchen_library()
    cond = {t: s for t, s in zip(lib.texts, lib)}
    held = perception(location="table", holding="apple", visible=["apple"], reachable=["apple"])
    assert cond["find an apple"].condition(held) == "find.in_hand"
    assert cond["find an apple"].affordance(held) == CALIBRATED.get("find.in_hand") == 1.0
    at_user = perception(visible=["coke can"], reachable=["coke can"], explored=list(SEARCH_ORDER) + ["user"],
                         unexplored=[], seen={"user": ["coke can"], "trash can": ["coke can"]})
    assert cond["find a coke can"].condition(at_user) == "find.nowhere!"
    assert cond["find a coke can"].affordance(at_user) == 0.0
    assert cond["pick up the coke can"].condition(at_user) == "pick.handed_over!"
    assert cond["pick up the coke can"].affordance(at_user) == 0.0
    at_bin = perception(location="trash can", visible=["coke can"], reachable=["coke can"])
    assert cond["find a coke can"].condition(at_bin) == "find.unexplored"  # not "visible": the bin is not searched
    assert cond["pick up the coke can"].condition(at_bin) == "pick.bin"


@pytest.mark.slow
def test_physical_find_and_pick_obey_the_rules():
    from envs.kitchen.env import KitchenEnv

    env = KitchenEnv(render=False, image_size=64)
    try:
        env.reset(seed=0, options={"init": {"robot": "table", "holding": "sponge",
                                            "objects": [["sponge", "far counter"], ["apple", "user"],
                                                        ["tea", "trash can"]]}})
        _, _, _, _, info = env.step("find a sponge")
        assert info["success"] and info["reason"] == "already in hand"
        assert env.kitchen_state().visited == ["table"]
        env.step("put down the sponge")
        _, _, _, _, info = env.step("find an apple")  # handed to the user: not a search target
        assert not info["success"]
        assert "user" not in env.kitchen_state().visited and "trash can" not in env.kitchen_state().visited
        _, _, _, _, info = env.step("find a tea")
        assert not info["success"]
        env.step("go to the trash can")
        assert env.affordances()[env.skill_texts.index("find a tea")] == 0.0
        _, _, _, _, info = env.step("pick up the tea")  # explicitly, at the bin: allowed
        ok_bin = info["success"]
        env.step("go to the table")
        if not ok_bin:  # a physical miss is possible (pick.bin ~0.7); the rule under test is the user's tray
            env.step("pick up the sponge")
        held = env.kitchen_state().holding
        assert held in ("tea", "sponge")
        env.step("bring it to you")
        env.step(f"put down the {held}")
        _, _, _, _, info = env.step(f"pick up the {held}")
        assert not info["success"] and "handed to the user" in info["reason"]
        assert (held, "user") in env.kitchen_state().objects
    finally:
        env.close()
