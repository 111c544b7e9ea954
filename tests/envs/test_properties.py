"""Property-based tests (hypothesis): the task-file parser, the goal predicates of the three worlds and the episode
record loader give a result or a clear InvalidInputError for random and mutated inputs -- never another exception."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compose.errors import InvalidInputError
from envs import tasks as T
from envs.record import FORMAT, load_record

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                              HealthCheck.function_scoped_fixture])

VALID_LINES = {
    "kitchen": (ROOT / "data/tasks/kitchen_smoke.jsonl").read_text("utf-8").splitlines()[:3],
    "tabletop": (ROOT / "data/tasks/tabletop.jsonl").read_text("utf-8").splitlines()[:3],
    "navgraph": (ROOT / "data/navgraph/tasks_town.jsonl").read_text("utf-8").splitlines()[:3],
}
VALID_TASKS = {w: [json.loads(ln) for ln in lines if ln.strip()] for w, lines in VALID_LINES.items()}


def _vocab() -> list:
    from envs.kitchen.goals import PREDICATES as KP
    from envs.kitchen.vocab import LOCATIONS, OBJECTS
    from envs.tabletop.goals import PREDICATES as TP
    from envs.tabletop.vocab import OBJECTS as TOBJ, REGIONS

    words = list(KP) + list(TP) + list(OBJECTS)[:6] + list(LOCATIONS) + list(TOBJ)[:6] + list(REGIONS)[:3]
    return words + ["class:block", "class:bowl", "class:drink", "count", "distinct", "landmarks", "radius", "town",
                    "graph", "start", "id", "world", "instruction", "init", "goal", "seed", "family"]


WORDS = st.sampled_from(_vocab())
SCALARS = (st.none() | st.booleans() | st.integers(-3, 60) | st.integers() | st.floats() | st.text(max_size=10)
           | WORDS)
JSON = st.recursive(SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(WORDS | st.text(max_size=6), c,
                                                                                  max_size=4), max_leaves=12)


def _paths(obj, prefix=()):
    """Every (path, value) in a nested JSON value."""
    yield prefix, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def mutate(data, obj, n_max: int = 3):
    """Apply 1..n_max random edits to a copy of ``obj``: replace, delete, duplicate or retype a nested value."""
    obj = copy.deepcopy(obj)
    for _ in range(data.draw(st.integers(1, n_max))):
        paths = list(_paths(obj))
        path, value = data.draw(st.sampled_from(paths))
        op = data.draw(st.sampled_from(["replace", "delete", "duplicate", "wrap", "word"]))
        if not path:
            if op == "replace":
                obj = data.draw(JSON)
            continue
        parent = obj
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        if op == "replace":
            parent[key] = data.draw(JSON)
        elif op == "word":
            parent[key] = data.draw(WORDS)
        elif op == "wrap":
            parent[key] = [value]
        elif op == "delete":
            del parent[key]
        elif isinstance(parent, list):
            parent.insert(key, copy.deepcopy(value))
        else:
            parent[data.draw(WORDS)] = copy.deepcopy(value)
    return obj


# --------------------------------------------------------------------------------------------- task-file parser
def _parse(lines):
    try:
        out = T.parse_task_lines(lines, source="prop.jsonl")
    except InvalidInputError as exc:
        assert str(exc).strip()
        return None
    for task in out:
        assert isinstance(task, T.Task) and isinstance(task.id, str) and isinstance(task.init, dict)
        json.dumps(task.to_dict())
    return out


@SETTINGS
@given(st.lists(st.text(max_size=40) | JSON.map(json.dumps), max_size=5))
def test_task_parser_random_lines(lines):
    _parse(lines)


@SETTINGS
@given(st.data(), st.sampled_from(sorted(VALID_TASKS)))
def test_task_parser_mutated_valid_lines(data, world):
    tasks = VALID_TASKS[world]
    lines = [json.dumps(mutate(data, t)) if data.draw(st.booleans()) else json.dumps(t) for t in tasks]
    _parse(lines)


@SETTINGS
@given(st.binary(max_size=200))
def test_task_file_random_bytes(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("tf") / "t.jsonl"
    path.write_bytes(blob)
    try:
        T.load_tasks(path)
    except InvalidInputError:
        pass


# --------------------------------------------------------------------------------------------- goal predicates
def _state(world: str, task: dict):
    if world == "kitchen":
        from envs.kitchen.state import KitchenState

        return KitchenState.from_init(task["init"]).to_dict()
    if world == "tabletop":
        from envs.tabletop.symbolic import run_plan

        final, _ = run_plan(task["init"], task.get("seed", 0), [])
        return final
    return {"graph": task["init"]["graph"], "node": task["init"]["start"], "route": [task["init"]["start"]],
            "distance": 0.0}


STATES = {w: [_state(w, t) for t in ts] for w, ts in VALID_TASKS.items()}


def _check(world, goal, state):
    try:
        result = T.check_goal(goal, state, world)
    except InvalidInputError as exc:
        assert str(exc).strip()
        return None
    assert isinstance(result, bool)
    return result


@SETTINGS
@given(st.data(), st.sampled_from(sorted(VALID_TASKS)))
def test_goal_predicates_on_mutated_goals(data, world):
    task = data.draw(st.sampled_from(VALID_TASKS[world]))
    goal = mutate(data, task["goal"]) if data.draw(st.booleans()) else data.draw(JSON)
    state = data.draw(st.sampled_from(STATES[world]))
    module = T.world_module(world)
    try:
        module.validate_goal(goal, "goal")
    except InvalidInputError:
        pass
    _check(world, goal, state)


@SETTINGS
@given(st.data(), st.sampled_from(sorted(VALID_TASKS)))
def test_goal_predicates_on_mutated_states(data, world):
    goal = data.draw(st.sampled_from(VALID_TASKS[world]))["goal"]
    state = mutate(data, data.draw(st.sampled_from(STATES[world])))
    _check(world, goal, state)


@pytest.mark.parametrize("world", sorted(VALID_TASKS))
def test_valid_goals_on_valid_states_are_booleans(world):
    for task in VALID_TASKS[world]:
        for state in STATES[world]:
            assert isinstance(T.check_goal(task["goal"], state, world), bool)


# --------------------------------------------------------------------------------------------- record loader
def _valid_record() -> dict:
    task = VALID_TASKS["navgraph"][0]
    start = task["init"]["start"]
    return {"format": FORMAT, "world": "navgraph", "task": task, "seed": 3, "config": {"mode": "lmnav"},
            "initial_state": {"graph": "town", "node": start, "route": [start], "distance": 0.0},
            "steps": [{"index": 0, "action": 0, "from": start, "node": 1, "success": True, "distance": 1.0}],
            "final_state": {"graph": "town", "node": 1, "route": [start, 1], "distance": 1.0},
            "frame_hashes": ["ab" * 32], "integrity": {"algorithm": "sha256", "fields": {}, "steps": []}}


def _load(tmp_path, text: str | bytes):
    (tmp_path / "episode.json").write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        record = load_record(tmp_path)
    except InvalidInputError as exc:
        assert str(exc).strip()
        return None
    assert isinstance(record["steps"], list) and all(isinstance(s, dict) for s in record["steps"])
    assert isinstance(record["seed"], int) and isinstance(record["task"], dict)
    from agents.replay import step_rows

    step_rows(record)  # what `agents.replay` prints first must not crash either
    return record


@SETTINGS
@given(st.data())
def test_record_loader_on_mutated_records(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("rec")
    _load(d, json.dumps(mutate(data, _valid_record(), n_max=4)))


@SETTINGS
@given(st.binary(max_size=300) | JSON.map(json.dumps))
def test_record_loader_on_random_input(tmp_path_factory, blob):
    _load(tmp_path_factory.mktemp("rec"), blob)


def test_record_loader_accepts_the_valid_record(tmp_path):
    assert _load(tmp_path, json.dumps(_valid_record()))["world"] == "navgraph"
