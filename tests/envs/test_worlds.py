"""The world registry: one WorldSpec per world, read by gymnasium ids, task files, replayers and runners."""
import dataclasses

import gymnasium
import pytest

import envs  # noqa: F401  (registers the gymnasium ids)
from compose.errors import InvalidInputError, UnknownNameError
from compose.registry import load_entry
from envs.record import replayer
from envs.tasks import check_goal, world_module
from envs.worlds import SEMANTICS, WORLDS, WorldSpec, world, worlds_run_by


def test_each_world_is_registered_once_with_its_gym_id():
    assert WORLDS.names() == ["kitchen", "navgraph", "tabletop"]
    for name in WORLDS.names():
        spec = world(name)
        assert spec.name == name and isinstance(spec, WorldSpec)
        assert gymnasium.registry[spec.env_id].entry_point == spec.env_entry
        assert all(callable(getattr(spec.goals_module(), f)) for f in SEMANTICS)
        assert world_module(name) is spec.goals_module()
        assert replayer(name) is load_entry(spec.replayer)
    with pytest.raises(dataclasses.FrozenInstanceError):
        world("kitchen").name = "garden"
    with pytest.raises(UnknownNameError, match="world"):
        world("garden")


def test_spec_semantics_match_the_task_module():
    from envs.kitchen.state import DEFAULT_INIT, KitchenState

    spec = world("kitchen")
    assert spec.start_state() is DEFAULT_INIT and world("navgraph").start_state() is None
    spec.validate_init(DEFAULT_INIT)
    goal = {"at": ["sponge", "far counter"]}
    spec.validate_goal(goal)
    state = KitchenState.from_init(DEFAULT_INIT)
    assert spec.check_goal(goal, state) is True is check_goal(goal, state, "kitchen")
    with pytest.raises(InvalidInputError):
        spec.validate_init({"objects": [["unicorn", "table"]]})


def test_commands_and_lazy_entries():
    assert worlds_run_by("agents.saycan") == ["kitchen", "tabletop"]
    assert worlds_run_by("agents.lmnav") == ["navgraph"]
    for bad in ("no_colon", "a:b:c", ":x"):
        with pytest.raises(InvalidInputError, match="module:attr"):
            load_entry(bad)
    with pytest.raises(InvalidInputError, match="cannot import"):
        load_entry("envs.no_such_module:x")
    with pytest.raises(InvalidInputError, match="has no attribute"):
        load_entry("envs.worlds:NOPE")
    assert load_entry("envs.worlds:WorldSpec.check_goal") is WorldSpec.check_goal
