"""Kitchen goal predicates (true and false cases), validation with field paths, plan replay and feasibility search."""
import pytest

from compose.errors import InvalidInputError
from envs.kitchen.goals import check_goal, plan_success, replay_plan, shortest_plan, validate_goal, validate_init
from envs.kitchen.state import KitchenState


def state(objects=(), robot="user", holding=None, drawer_open=False, visited=None):
    s = KitchenState(robot=robot, holding=holding, drawer_open=drawer_open, objects=[tuple(o) for o in objects])
    s.visited = list(visited) if visited is not None else [robot]
    return s


S = state([("coke can", "user"), ("coke can", "user"), ("apple", "trash can"), ("sponge", "table"),
           ("banana", "drawer")], robot="table", holding="pepsi can", visited=["user", "far counter", "table"])

CASES = [
    # at: a name, a class, counts, distinct
    ({"at": ["coke can", "user"]}, True),
    ({"at": ["coke can", "table"]}, False),
    ({"at": ["class:soda", "user"]}, True),
    ({"at": ["class:fruit", "user"]}, False),
    ({"at": ["class:fruit", "trash can"]}, True),
    ({"at": ["coke can", "user"], "count": 2}, True),
    ({"at": ["coke can", "user"], "count": 3}, False),
    ({"at": ["class:soda", "user"], "count": 2, "distinct": True}, False),  # two cokes are one kind
    ({"at": ["class:soda", "user"], "count": 1, "distinct": True}, True),
    ({"at": ["banana", "drawer"]}, True),  # in the (closed) drawer still rests there
    ({"at": ["pepsi can", "table"]}, False),  # in the gripper: rests nowhere
    # none_at
    ({"none_at": ["class:fruit", "user"]}, True),
    ({"none_at": ["apple", "trash can"]}, False),
    ({"none_at": ["class:cleaning", "table"]}, False),
    # holding
    ({"holding": "pepsi can"}, True),
    ({"holding": "coke can"}, False),
    ({"holding": "class:caffeinated"}, True),
    ({"holding": "class:fruit"}, False),
    ({"holding": None}, False),
    # robot_at, visited, drawer_open
    ({"robot_at": "table"}, True),
    ({"robot_at": "user"}, False),
    ({"visited": ["user", "far counter"]}, True),
    ({"visited": ["user", "table"]}, True),  # other stops may come between
    ({"visited": ["far counter", "user"]}, False),  # order matters: the user came first
    ({"visited": ["far counter", "close counter"]}, False),
    ({"visited": ["table", "table"]}, False),  # listed twice: must be visited twice
    ({"drawer_open": False}, True),
    ({"drawer_open": True}, False),
    # combinators
    ({"all": [{"at": ["coke can", "user"]}, {"robot_at": "table"}]}, True),
    ({"all": [{"at": ["coke can", "user"]}, {"robot_at": "user"}]}, False),
    ({"any": [{"robot_at": "user"}, {"holding": "pepsi can"}]}, True),
    ({"any": [{"robot_at": "user"}, {"holding": None}]}, False),
    ({"not": {"holding": None}}, True),
    ({"not": {"at": ["coke can", "user"]}}, False),
    ({"all": [{"not": {"any": [{"robot_at": "user"}, {"drawer_open": True}]}}, {"at": ["sponge", "table"]}]}, True),
]


@pytest.mark.parametrize("goal,expected", CASES)
def test_predicates(goal, expected):
    validate_goal(goal)
    assert check_goal(goal, S) is expected
    assert check_goal(goal, S.to_dict()) is expected  # the dict form works too


def test_holding_null_true_when_gripper_empty():
    assert check_goal({"holding": None}, state([("apple", "table")]))


def test_drawer_open_true():
    assert check_goal({"drawer_open": True}, state(drawer_open=True))


@pytest.mark.parametrize("goal,path", [
    ({"all": [{"at": ["coke can", "user"]}, {"at": ["cokee", "user"]}]}, "goal.all[1].at[0]: unknown object 'cokee'"),
    ({"at": ["coke can", "kitchen"]}, "goal.at[1]: unknown location 'kitchen'"),
    ({"at": ["class:sweets", "user"]}, "goal.at[0]: unknown class 'class:sweets'"),
    ({"near": ["coke can", "user"]}, "goal.near: unknown predicate 'near'"),
    ({"at": ["coke can", "user"], "robot_at": "user"}, "goal: a goal object holds exactly one predicate"),
    ({}, "goal: a goal object holds exactly one predicate but is empty"),
    ({"none_at": ["coke can", "user"], "count": 2}, "goal.count: 'count' only goes with 'at'"),
    ({"at": ["coke can", "user"], "count": 0}, "goal.count: must be an integer >= 1"),
    ({"at": ["coke can", "user"], "count": True}, "goal.count: must be an integer >= 1"),
    ({"at": ["coke can", "user"], "distinct": "yes"}, "goal.distinct: must be true or false"),
    ({"at": ["coke can"]}, "goal.at: at takes [object or class:NAME, location]"),
    ({"any": []}, "goal.any: any takes a non-empty list"),
    ({"not": {"holding": "class:nothing"}}, "goal.not.holding: unknown class"),
    ({"visited": ["table", 3]}, "goal.visited[1]: must be a location name"),
    ({"drawer_open": "open"}, "goal.drawer_open: must be true or false"),
    ({"robot_at": "moon"}, "goal.robot_at: unknown location 'moon'"),
    ([{"at": ["coke can", "user"]}], "goal: must be a predicate object"),
])
def test_goal_validation_names_the_field(goal, path):
    with pytest.raises(InvalidInputError) as err:
        validate_goal(goal)
    assert str(err.value).startswith(path)


@pytest.mark.parametrize("init,path", [
    ({"robot": "kitchen"}, "init.robot: unknown location 'kitchen'"),
    ({"holding": "cup"}, "init.holding: unknown object 'cup'"),
    ({"drawer_open": 1}, "init.drawer_open: must be true or false"),
    ({"objects": [["apple", "table"], ["apple"]]}, "init.objects[1]: must be an [object, location] pair"),
    ({"objects": [["apple", "table"], ["pear", "table"]]}, "init.objects[1][0]: unknown object 'pear'"),
    ({"objects": "apple"}, "init.objects: must be a list"),
    ({"robt": "user"}, "init.robt: unknown field"),
    ("user", "init: must be an object"),
])
def test_init_validation_names_the_field(init, path):
    with pytest.raises(InvalidInputError) as err:
        validate_init(init)
    assert str(err.value).startswith(path)


def test_valid_init_passes():
    validate_init({"robot": "table", "holding": "coke can", "drawer_open": True,
                   "objects": [["coke can", "table"], ["coke can", "table"], ["banana", "drawer"]]})


TASK = {"world": "kitchen", "init": {"robot": "user", "holding": None,
                                     "objects": [["sponge", "far counter"], ["apple", "drawer"]]},
        "goal": {"all": [{"at": ["class:cleaning", "user"]}, {"holding": None}]}}


def test_plan_success_true_and_false():
    good = ["find a sponge", "pick up the sponge", "bring it to you", "put down the sponge", "done"]
    assert plan_success(TASK, good)
    assert not plan_success(TASK, good[:3] + ["done"])  # still holding it
    assert not plan_success(TASK, ["done"] + good)  # nothing runs after done


def test_failed_and_unparseable_steps_are_noops():
    plan = ["pick up the sponge", "fly to the moon", "go to the far counter", "pick up the sponge",
            "bring it to you", "put down the sponge", "done"]
    final, trace = replay_plan(TASK["init"], plan)
    assert [t["ok"] for t in trace] == [False, False, True, True, True, True, True]
    assert ("sponge", "user") in final.objects
    assert plan_success(TASK, plan)
    with pytest.raises(InvalidInputError):
        replay_plan(TASK["init"], plan, strict=True)


def test_closed_drawer_blocks_until_opened():
    goal = {"at": ["apple", "user"]}
    task = {**TASK, "goal": goal}
    assert not plan_success(task, ["go to the drawer", "pick up the apple", "bring it to you",
                                   "put down the apple", "done"])
    assert plan_success(task, ["go to the drawer", "open the drawer", "pick up the apple", "bring it to you",
                               "put down the apple", "done"])


def test_shortest_plan_is_feasible_and_none_when_impossible():
    plan = shortest_plan(TASK["init"], TASK["goal"])
    assert plan[-1] == "done" and plan_success(TASK, plan) and len(plan) == 5
    assert shortest_plan(TASK["init"], {"at": ["coke can", "user"]}) is None  # no coke can in this kitchen
    nav = shortest_plan({"robot": "user", "objects": []}, {"visited": ["table", "trash can"]})
    assert nav == ["go to the table", "go to the trash can", "done"] or nav == ["go to the trash can",
                                                                                  "go to the table", "done"]
