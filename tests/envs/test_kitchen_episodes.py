"""Real episodes in the physical kitchen, judged by the task-file goal predicates (envs.kitchen.goals)."""
import pytest

from envs.kitchen.env import KitchenEnv
from envs.kitchen.goals import check_goal, plan_success

EPISODES = {
    "fetch sponge": (
        0, {"robot": "user", "objects": [["sponge", "far counter"], ["apple", "table"]]},
        ["find a sponge", "pick up the sponge", "bring it to you", "put down the sponge", "done"],
        {"all": [{"at": ["class:cleaning", "user"]}, {"holding": None}, {"robot_at": "user"}]}),
    "throw away": (
        0, {"robot": "user", "objects": [["orange", "table"], ["tea", "table"]]},
        ["go to the table", "pick up the orange", "go to the trash can", "put down the orange", "done"],
        {"all": [{"at": ["orange", "trash can"]}, {"none_at": ["tea", "trash can"]}, {"at": ["tea", "table"]}]}),
    "from the drawer": (
        1, {"robot": "user", "objects": [["banana", "drawer"], ["sponge", "close counter"]]},
        ["go to the drawer", "open the drawer", "pick up the banana", "bring it to you", "put down the banana",
         "done"],
        {"all": [{"at": ["class:fruit", "user"]}, {"drawer_open": True}, {"visited": ["drawer", "user"]}]}),
    "stow in the drawer": (
        0, {"robot": "close counter", "objects": [["apple", "close counter"], ["coke can", "close counter"]]},
        ["go to the drawer", "open the drawer", "go to the close counter", "pick up the apple", "go to the drawer",
         "put down the apple", "close the drawer", "done"],
        {"all": [{"at": ["apple", "drawer"]}, {"drawer_open": False}, {"at": ["coke can", "close counter"]}]}),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EPISODES))
def test_oracle_plan_reaches_the_goal_in_physics(name):
    seed, init, plan, goal = EPISODES[name]
    assert plan_success({"init": init, "goal": goal}, plan)  # the plan is right symbolically
    env = KitchenEnv(render=False)
    try:
        env.reset(seed=seed, options={"init": init})
        assert not check_goal(goal, env.kitchen_state())
        for text in plan:
            _, _, terminated, _, info = env.step(text)
            assert info["success"], (text, info["reason"])
        assert terminated
        state = env.kitchen_state()
        assert check_goal(goal, state), state
        assert check_goal(goal, info["state"])  # the info dict carries the same physical truth
        assert not check_goal({"not": goal}, state)
    finally:
        env.close()


@pytest.mark.slow
def test_a_wrong_plan_does_not_reach_the_goal():
    seed, init, _, goal = EPISODES["throw away"]
    env = KitchenEnv(render=False)
    try:
        env.reset(seed=seed, options={"init": init})
        for text in ["go to the table", "pick up the orange", "bring it to you", "put down the orange", "done"]:
            env.step(text)
        state = env.kitchen_state()
        assert check_goal({"at": ["orange", "user"]}, state)
        assert not check_goal(goal, state)
    finally:
        env.close()
