"""The tabletop simulator itself: Gymnasium contract, perception from the camera, physical pick-and-place."""
from __future__ import annotations

import time

import numpy as np
import pybullet as p
import pytest

from compose.errors import InvalidInputError
from envs.tabletop.controller import Noise
from envs.tabletop.goals import check_goal
from envs.tabletop.world import TabletopWorld

BIG = {"blocks": ["red", "green", "yellow", "blue", "purple", "orange", "pink", "cyan", "brown", "gray"],
       "bowls": ["blue", "red", "green", "gray"]}


@pytest.fixture(scope="module")
def world():
    w = TabletopWorld(noise=Noise.none())
    yield w
    w.close()


@pytest.mark.slow
def test_gymnasium_check_env_passes():
    import gymnasium as gym
    from gymnasium.utils.env_checker import check_env

    import envs  # noqa: F401  (registers the ids)

    env = gym.make("socratic/Tabletop-v0", render_mode="rgb_array")
    try:
        check_env(env.unwrapped)
        obs, info = env.reset(seed=5, options={"init": {"blocks": ["red", "blue"], "bowls": ["green"]},
                                               "goal": {"on": ["red block", "green bowl"]}})
        assert obs["image"].shape == (224, 224, 3) and obs["present"].sum() == 3
        assert info["goal_met"] is False and len(info["skill_texts"]) == 2 * (1 + 1 + 9) + 1
        action = env.unwrapped.skill_texts.index("pick the red block and place it on the green bowl")
        obs, reward, terminated, truncated, info = env.step(action)
        assert info["success"] == info["goal_met"] == (reward == 1.0)
        assert not terminated  # the env never ends an episode on the goal: only 'done' or the step limit
        done = env.unwrapped.skill_texts.index("done")
        assert env.step(done)[2] is True
    finally:
        env.close()


def test_env_rejects_bad_options():
    from envs.tabletop.env import TabletopEnv

    env = TabletopEnv()
    try:
        with pytest.raises(InvalidInputError, match=r"options.init.blocks\[0\]"):
            env.reset(seed=0, options={"init": {"blocks": ["mauve"]}})
        with pytest.raises(InvalidInputError):
            env.step(0)  # before a successful reset
    finally:
        env.close()


def test_reset_is_seeded_and_perception_finds_every_object(world):
    world.reset(11, BIG)
    first = world.state()
    world.reset(11, BIG)
    assert world.state() == first
    perception = world.perceive()
    assert sorted(perception.names()) == sorted(world.bodies)
    for d in perception.detections:
        x, y, z = p.getBasePositionAndOrientation(world.bodies[d.name], physicsClientId=world.client)[0]
        assert abs(d.x - x) < 0.01 and abs(d.y - y) < 0.01, d.name
        assert d.confidence > 0.5
    world.reset(12, BIG)
    assert world.state() != first


@pytest.mark.slow
def test_physical_pick_and_place_reaches_the_goals(world):
    world.reset(3, {"blocks": ["red", "green", "yellow", "blue"], "bowls": ["blue"]})
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    assert world.execute("pick the red block and place it on the blue bowl", rng).success
    one = time.perf_counter() - start
    assert world.execute("pick the green block and place it on the yellow block", rng).success
    assert world.execute("pick the blue block and place it on the green block", rng).success
    assert world.execute("pick the yellow block and place it on the middle", rng).success is False  # covered
    assert world.execute("pick the red block and place it on the green block", rng).success is False  # occupied
    assert world.execute("pick the red block and place it on the bottom right corner", rng).success
    s = world.state()
    assert check_goal({"stack": ["yellow block", "green block", "blue block"]}, s)
    assert check_goal({"stack_height": 3}, s)
    assert check_goal({"on": ["red block", "bottom right corner"]}, s)
    assert check_goal({"not": {"on": ["class:block", "blue bowl"]}}, s)
    assert s["holding"] is None
    assert one < 8.0, f"one pick-and-place took {one:.1f} s of wall time"


def test_a_missed_grasp_is_a_physical_failure(world):
    world.reset(5, {"blocks": ["orange", "cyan"], "bowls": ["pink"]})
    before = world.state()["objects"]["orange block"]
    world.noise = Noise(0.0, 0.0, 0.0, bad_grasp=1.0, bad_grasp_offset=0.06)
    try:
        result = world.execute("pick the orange block and place it on the pink bowl", np.random.default_rng(1))
    finally:
        world.noise = Noise.none()
    assert not result.success and "missed the grasp" in result.reason
    after = world.state()["objects"]["orange block"]
    assert after["support"] == "table" and after["region"] == before["region"]


@pytest.mark.slow
def test_noisy_execution_is_reproducible_and_the_noise_fires():
    plan = ["pick the red block and place it on the blue block", "pick the green block and place it on the red bowl"]
    finals = []
    for noise in (Noise(), Noise(), Noise.none()):
        w = TabletopWorld(noise=noise)
        try:
            w.reset(21, {"blocks": ["red", "blue", "green"], "bowls": ["red"]})
            rng = np.random.default_rng(21)
            for text in plan:
                w.execute(text, rng)
            finals.append(w.state())
        finally:
            w.close()
    assert finals[0] == finals[1]
    # the seeded noise moves where the blocks end up: the same plan without noise ends elsewhere
    pos = {name: np.array(finals[0]["objects"][name]["pos"]) for name in ("red block", "green block")}
    clean = {name: np.array(finals[2]["objects"][name]["pos"]) for name in pos}
    assert max(np.abs(pos[n] - clean[n]).max() for n in pos) > 1e-4, (pos, clean)


def test_unknown_objects_fail_without_moving(world):
    world.reset(2, {"blocks": ["red"], "bowls": []})
    steps = world.steps
    r = world.execute("pick the gray block and place it on the middle", np.random.default_rng(0))
    assert not r.success and "no gray block" in r.reason and world.steps == steps
    r = world.execute("pick the red block and place it on the green bowl", np.random.default_rng(0))
    assert not r.success and "green bowl" in r.reason and world.steps == steps
    assert world.execute("done", np.random.default_rng(0)).success


def test_gui_without_display_and_bad_calibration_input_are_clear_errors(monkeypatch, capsys):
    from envs.tabletop import calibrate

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(InvalidInputError, match="display"):
        TabletopWorld(gui=True)
    assert calibrate.main(["--trials", "0"]) == 2
    assert capsys.readouterr().err.startswith("error: --trials")


def test_env_steps_run_the_skill_librarys_controller():
    """The env acts only through its skill library (skills.tabletop by default, or the one it is given)."""
    from envs.tabletop.env import TabletopEnv
    from skills.base import Skill, SkillLibrary, SkillOutcome
    from skills.tabletop import tabletop_library

    calls = []

    class Recording(Skill):
        def __init__(self, inner):
            self.inner, self.text = inner, inner.text

        def affordance(self, perception):
            return self.inner.affordance(perception)

        def run(self, world, rng):
            calls.append(self.text)
            return SkillOutcome(False, "scripted failure")

    env = TabletopEnv(library=SkillLibrary([Recording(s) for s in tabletop_library().skills]))
    try:
        assert isinstance(TabletopEnv().library, SkillLibrary)
        env.reset(seed=0, options={"init": {"blocks": ["red"], "bowls": ["blue"]},
                                   "goal": {"on": ["red block", "blue bowl"]}})
        text = "pick the red block and place it on the blue bowl"
        _, reward, terminated, _, info = env.step(env.skill_texts.index(text))
        assert calls == [text] and info["success"] is False and info["reason"] == "scripted failure"
        assert reward == 0.0 and not terminated
    finally:
        env.close()
