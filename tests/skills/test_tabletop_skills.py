"""Tabletop skills: the option set, affordances from perception (never the simulator's truth), execution."""
from __future__ import annotations

import numpy as np
import pytest

from envs.tabletop.controller import Noise
from envs.tabletop.perception import Detection, Perception
from skills.tabletop import AffordanceRates, DoneSkill, PickPlaceSkill, tabletop_library


def det(name, x, y, top, confidence=1.0):
    kind = name.split()[-1]
    return Detection(name, confidence, x, y, top, 0.0, kind, name.split()[0], 100)


def test_library_sizes_match_the_notebook_setting():
    lib = tabletop_library(["red", "blue", "green", "yellow"], [])
    assert len(lib) == 4 * 12 + 1  # every block onto the 3 other blocks and the 9 regions, plus done
    assert len(tabletop_library()) == 10 * 28 + 1
    assert isinstance(lib[len(lib) - 1], DoneSkill) and lib.index("done") == len(lib) - 1


def test_affordances_follow_perception():
    rates = AffordanceRates()
    p = Perception([det("red block", 0.45, 0.0, 0.04, 0.9), det("blue block", 0.35, 0.1, 0.04),
                    det("green block", 0.35, 0.1, 0.08),  # sits on the blue block
                    det("yellow bowl", 0.55, -0.15, 0.035)])
    aff = lambda a, b: PickPlaceSkill(a, b, rates).affordance(p)  # noqa: E731
    assert aff("red block", "yellow bowl") == pytest.approx(0.9 * rates.bowl)
    assert aff("red block", "green block") == pytest.approx(0.9 * rates.tall_stack)  # onto a stack of two
    assert aff("red block", "blue block") == 0.0  # covered target
    assert aff("blue block", "middle") == 0.0  # covered block cannot be picked
    assert aff("green block", "top left corner") == pytest.approx(rates.region)
    assert aff("pink block", "middle") == 0.0  # not seen
    assert aff("red block", "pink bowl") == 0.0  # target not seen
    far = Perception([det("red block", 0.95, 0.0, 0.04)])
    assert PickPlaceSkill("red block", "middle").affordance(far) == 0.0  # out of reach
    assert DoneSkill().affordance(p) == 1.0


def test_affordances_from_the_real_camera_and_skill_execution():
    from envs.tabletop.world import TabletopWorld

    world = TabletopWorld(noise=Noise.none())
    try:
        world.reset(8, {"blocks": ["red", "green"], "bowls": ["cyan"]})
        lib = tabletop_library(["red", "green", "purple"], ["cyan"])
        aff = dict(zip(lib.texts, lib.affordances(world.perceive())))
        assert aff["pick the red block and place it on the cyan bowl"] > 0.8
        assert aff["pick the purple block and place it on the cyan bowl"] == 0.0  # no purple block in the scene
        skill = lib[lib.index("pick the red block and place it on the green block")]
        outcome = skill.run(world, np.random.default_rng(0))
        assert outcome.success and outcome.sim_seconds > 0.5
        aff = dict(zip(lib.texts, lib.affordances(world.perceive())))  # recomputed from the new frame
        assert aff["pick the green block and place it on the cyan bowl"] == 0.0  # now covered
        assert aff["pick the red block and place it on the cyan bowl"] > 0.8
    finally:
        world.close()
