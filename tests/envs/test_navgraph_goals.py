"""navgraph task-world contract (validate_init / validate_goal / check_goal / plan_success) and the task files."""
import json

import networkx as nx
import pytest

from compose.errors import InvalidInputError
from envs.navgraph.goals import (check_goal, plan_success, route_visits, shortest_through, validate_goal,
                                 validate_init)
from envs.navgraph.storage import DATA_DIR, load_graph
from envs.navgraph.tasks import GOAL_RADIUS, generate_tasks


@pytest.mark.parametrize("init,field", [
    ("town", "init"), ({"start": 0}, "init.graph"), ({"graph": "mars", "start": 0}, "init.graph"),
    ({"graph": "town"}, "init.start"), ({"graph": "town", "start": -1}, "init.start"),
    ({"graph": "town", "start": "3"}, "init.start"), ({"graph": "town", "start": 0, "robot": 1}, "init.robot"),
])
def test_validate_init_names_the_field(init, field):
    with pytest.raises(InvalidInputError) as exc:
        validate_init(init, "init")
    assert str(exc.value).startswith(field)


@pytest.mark.parametrize("goal,field", [
    ([], "goal"), ({}, "goal.landmarks"), ({"landmarks": []}, "goal.landmarks"),
    ({"landmarks": [1, "x"]}, "goal.landmarks[1]"), ({"landmarks": [1], "radius": -2}, "goal.radius"),
    ({"landmarks": [1], "radius": "far"}, "goal.radius"), ({"landmarks": [1], "near": 2}, "goal.near"),
])
def test_validate_goal_names_the_field(goal, field):
    with pytest.raises(InvalidInputError) as exc:
        validate_goal(goal, "goal")
    assert str(exc.value).startswith(field)


def test_validate_goal_checks_node_ids_against_the_graph():
    validate_goal({"landmarks": [3, 4], "radius": 2.5}, "goal", {"graph": "town", "start": 0})
    with pytest.raises(InvalidInputError, match=r"goal\.landmarks\[1\].*town"):
        validate_goal({"landmarks": [3, 5000]}, "goal", {"graph": "town", "start": 0})


def test_check_goal_order_radius_and_end():
    pos = {0: (0, 0), 1: (5, 0), 2: (10, 0), 3: (15, 0)}
    assert route_visits([0, 1, 2, 3], [1, 3], 0, pos)
    assert not route_visits([0, 1, 2, 3], [3, 1], 0, pos)  # wrong order
    assert not route_visits([0, 1, 2, 3], [1, 2], 0, pos)  # must end at the last landmark
    assert route_visits([0, 1, 2, 3], [1, 2], 5.0, pos)  # ...or within the radius of it
    assert route_visits([0, 1, 2], [0, 0, 2], 0, pos)  # one place can satisfy consecutive landmarks


def test_check_goal_and_plan_success_on_shipped_graph():
    g = load_graph("town").graph
    start, a, b = 0, 60, 120
    route = nx.shortest_path(g, start, a, weight="length") + nx.shortest_path(g, a, b, weight="length")[1:]
    goal = {"landmarks": [a, b], "radius": 0}
    assert check_goal(goal, {"graph": "town", "route": route, "node": b})
    assert not check_goal({"landmarks": [b, a]}, {"graph": "town", "route": route, "node": b})
    task = {"init": {"graph": "town", "start": start}, "goal": goal}
    assert plan_success(task, [str(n) for n in route])
    assert plan_success(task, route[1:])  # the start may be left out
    assert not plan_success(task, route[:-1])
    assert not plan_success(task, ["x"])
    assert shortest_through("town", start, [a, b]) == pytest.approx(
        nx.path_weight(g, route, weight="length"))


@pytest.mark.parametrize("graph", ["town", "campus"])
def test_task_files_are_valid_and_regenerate_identically(graph):
    path = DATA_DIR / f"tasks_{graph}.jsonl"
    tasks = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(tasks) >= 40
    assert len({t["id"] for t in tasks}) == len(tasks)
    assert len({t["instruction"] for t in tasks}) >= 0.9 * len(tasks)
    assert {t["style"] for t in tasks} == {"chain", "paraphrase"}
    meta = load_graph(graph).meta
    kinds = {lm["kind"] for lm in meta["landmarks"]}
    for t in tasks:
        assert t["world"] == "navgraph"
        validate_init(t["init"], "init")
        validate_goal(t["goal"], "goal", t["init"])
        assert t["goal"]["landmarks"] == t["landmark_kinds"] and set(t["landmark_kinds"]) <= kinds
        assert t["goal"]["radius"] == GOAL_RADIUS  # metres from the landmark object itself
        assert 2 <= len(t["goal"]["landmarks"]) <= 4
    seed = sorted(["campus", "town"]).index(graph) + 1
    assert generate_tasks(graph, len(tasks), seed=seed) == tasks
