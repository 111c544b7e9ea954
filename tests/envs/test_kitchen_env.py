"""The physical kitchen as a Gymnasium env: spaces, any init, physics-derived state, failures, determinism."""
from collections import Counter

import gymnasium
import numpy as np
import pybullet as p
import pytest

import envs  # noqa: F401  (registers socratic/Kitchen-v0)
from compose.errors import InvalidInputError, UnknownNameError
from envs.kitchen.env import KitchenEnv
from envs.kitchen.state import SEARCH_ORDER
from envs.kitchen.vocab import LOCATIONS, OBJECTS


@pytest.fixture
def env():
    e = KitchenEnv(render=False, image_size=64)
    yield e
    e.close()


@pytest.mark.slow
def test_passes_gymnasium_env_checker():
    from gymnasium.utils.env_checker import check_env

    env = gymnasium.make("socratic/Kitchen-v0", render_mode="rgb_array", image_size=64, max_steps=4)
    try:
        assert isinstance(env.unwrapped, KitchenEnv)
        check_env(env.unwrapped, skip_render_check=False)
    finally:
        env.close()


def test_reset_builds_the_init_and_reports_it_from_physics(env):
    init = {"robot": "table", "holding": "sponge", "drawer_open": True,
            "objects": [["coke can", "table"], ["coke can", "table"], ["apple", "drawer"], ["tea", "trash can"],
                        ["rice chips", "user"], ["banana", "far counter"]]}
    obs, info = env.reset(seed=1, options={"init": init})
    state = env.kitchen_state()
    assert Counter(state.objects) == Counter(tuple(o) for o in init["objects"])
    assert state.holding == "sponge" and state.drawer_open and state.robot == "table"
    assert state.visited == ["table"]
    assert info["state"] == state.to_dict()
    seen = env.perceive()
    assert seen["visible"] == ["coke can", "coke can"] and seen["holding"] == "sponge"
    assert obs["robot"] == LOCATIONS.index("table")
    assert obs["holding"] == OBJECTS.index("sponge") + 1
    assert obs["drawer_open"] == 1
    assert obs["counts"][LOCATIONS.index("table"), OBJECTS.index("coke can")] == 2
    assert obs["counts"].sum() == 2  # the robot has only looked at the table so far
    assert not obs["image"].any()  # render=False
    assert env.observation_space.contains(obs)
    assert len(info["affordances"]) == env.action_space.n == len(env.skill_texts) == 63


def test_default_scene_and_images():
    env = KitchenEnv(render_mode="rgb_array", image_size=96)
    try:
        obs, _ = env.reset(seed=0)
        assert env.kitchen_state().objects  # the documented default scene
        assert obs["image"].shape == (96, 96, 3) and obs["image"].dtype == np.uint8
        assert obs["image"].std() > 5  # a real rendering, not a blank frame
        assert env.render().shape == (96, 96, 3)
        assert env.overview_frame(64).shape == (64, 64, 3)
    finally:
        env.close()


def test_bad_input_is_refused_with_clear_errors(env):
    with pytest.raises(InvalidInputError, match="call reset"):
        env.step(0)
    with pytest.raises(InvalidInputError, match="init.objects\\[0\\]\\[0\\]"):
        env.reset(seed=0, options={"init": {"objects": [["cokee", "table"]]}})
    with pytest.raises(InvalidInputError, match="unknown reset option"):
        env.reset(seed=0, options={"start": {}})
    env.reset(seed=0, options={"init": {"robot": "user", "objects": [["apple", "table"]]}})
    with pytest.raises(InvalidInputError, match="out of range"):
        env.step(63)
    with pytest.raises(UnknownNameError, match="unknown skill 'fly away'"):
        env.step("fly away")
    with pytest.raises(InvalidInputError):
        env.step(1.5)
    _, reward, terminated, truncated, info = env.step("Done.")  # texts are normalised
    assert terminated and not truncated and reward == 1.0 and info["skill"] == "done"
    with pytest.raises(InvalidInputError, match="episode is over"):
        env.step("done")


def test_affordances_are_zero_for_impossible_skills(env):
    env.reset(seed=0, options={"init": {"robot": "user", "objects": [["apple", "table"]]}})
    aff = env.affordances()
    for text, a in zip(env.skill_texts, aff):
        if text.startswith(("pick up", "put down", "bring", "open", "close")):
            assert a == 0.0, text
    assert aff[env.skill_texts.index("done")] > 0
    assert aff[env.skill_texts.index("find an apple")] > 0


@pytest.mark.slow
def test_physical_failures_leave_the_world_consistent(env):
    init = {"robot": "table", "objects": [["sponge", "table"], ["orange", "table"]]}
    env.reset(seed=2, options={"init": init})
    before = env.kitchen_state()
    _, reward, _, _, info = env.step("pick up the coke can")  # not there
    assert reward == 0.0 and not info["success"] and "no coke can" in info["reason"]
    assert env.kitchen_state().objects == before.objects
    _, _, _, _, info = env.step("close the drawer")
    assert not info["success"] and "not at the drawer" in info["reason"]
    # push the orange to the back of the table: still seen by the camera, but beyond the arm's reach
    world = env.unwrapped.world
    orange = next(b for b in world.bodies if world.names[b] == "orange")
    from envs.kitchen.layout import LOCATION_SPECS

    x, y = LOCATION_SPECS["table"].to_world(0.45, 0.0)
    p.resetBasePositionAndOrientation(orange, [x, y, 0.665], [0, 0, 0, 1], physicsClientId=world.cid)
    world.robot.step(30)
    seen = env.perceive()
    assert "orange" in seen["visible"] and "orange" not in seen["reachable"]
    i = env.skill_texts.index("pick up the orange")
    assert env.affordances()[i] < 0.2
    _, _, _, _, info = env.step(i)
    assert not info["success"] and "out of reach" in info["reason"]
    assert ("orange", "table") in env.kitchen_state().objects


@pytest.mark.slow
def test_find_searches_in_order_and_remembers(env):
    init = {"robot": "user", "objects": [["sponge", "far counter"], ["apple", "close counter"]]}
    env.reset(seed=0, options={"init": init})
    _, _, _, _, info = env.step("find a sponge")
    assert info["success"]
    order = [L for L in SEARCH_ORDER if L != "user"]
    assert env.kitchen_state().visited == ["user"] + order[:order.index("far counter") + 1]
    assert env.perceive()["seen"]["close counter"] == ["apple"]
    env.step("go to the table")
    n = len(env.kitchen_state().visited)
    _, _, _, _, info = env.step("find an apple")  # remembered: straight there
    assert info["success"] and env.kitchen_state().visited[n:] == ["close counter"]
    _, _, _, _, info = env.step("find a coke can")  # nowhere: searches what is left, then gives up
    assert not info["success"]
    i = env.skill_texts.index("find a coke can")
    assert env.affordances()[i] == 0.0  # every place explored (the closed drawer cannot be) and no coke seen
    assert "drawer" not in env.kitchen_state().visited[n:]  # find never goes to look into a closed drawer


def test_two_worlds_live_side_by_side_in_one_process():
    a, b = KitchenEnv(render=False), KitchenEnv(render=False)
    try:
        a.reset(seed=0, options={"init": {"robot": "user", "objects": [["apple", "table"]]}})
        b.reset(seed=0, options={"init": {"robot": "drawer", "objects": [["tea", "far counter"]]}})
        assert a.world.cid != b.world.cid
        a.step("go to the table")
        assert a.kitchen_state().robot == "table" and a.perceive()["visible"] == ["apple"]
        assert b.kitchen_state().robot == "drawer" and b.kitchen_state().objects == [("tea", "far counter")]
    finally:
        a.close()
        b.close()


def test_truncation_and_rewards():
    env = KitchenEnv(render=False, max_steps=2)
    try:
        env.reset(seed=0, options={"init": {"robot": "user", "objects": [["apple", "table"]]}})
        _, r, term, trunc, info = env.step("go to the table")
        assert (r, term, trunc, info["success"]) == (1.0, False, False, True)
        assert info["sim_time"] > 1.0 and info["state"]["robot"] == "table"
        _, r, term, trunc, _ = env.step("put down the apple")
        assert (r, term, trunc) == (0.0, False, True)
    finally:
        env.close()


@pytest.mark.slow
def test_same_seed_init_and_actions_replay_identically():
    init = {"robot": "user", "objects": [["sponge", "table"], ["coke can", "table"], ["apple", "close counter"]]}
    actions = ["go to the table", "pick up the sponge", "go to the close counter", "put down the sponge",
               "find a coke can", "done"]

    def run(seed, render):
        e = KitchenEnv(render=render, image_size=64)
        try:
            e.reset(seed=seed, options={"init": init})
            out = [e.step(a)[4]["success"] for a in actions]
            poses = [tuple(np.round(e.world.pose(b)[0], 5)) for b in e.world.bodies]
            return e.kitchen_state().to_dict(), out, poses, round(e.sim_time, 6)
        finally:
            e.close()

    a, b = run(5, True), run(5, False)
    assert a == b  # rendering for people never changes what happens
    c = run(6, False)
    assert c[2] != a[2]  # another seed, another arrangement
