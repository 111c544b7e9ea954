"""Kitchen skills: library layout, affordance conditions from perception, the calibrated table, a real pick."""
import json

import numpy as np
import pytest

from compose.errors import InvalidInputError, UnknownNameError
from envs.kitchen.vocab import LOCATIONS
from skills.kitchen import CALIBRATED, SKILL_TYPES, AffordanceTable, FindSkill, PickSkill, kitchen_library
from envs.kitchen.language import kitchen_skill_texts


def perception(**kw):
    p = {"location": "user", "visible": [], "reachable": [], "holding": None, "drawer_open": False,
         "free_space": True, "seen": {"user": []}, "explored": ["user"],
         "unexplored": [L for L in LOCATIONS if L != "user"]}
    p.update(kw)
    return p


@pytest.fixture(scope="module")
def lib():
    return kitchen_library()


def aff(lib, text, p):
    return float(lib.affordances(p)[lib.index(text)])


def test_library_has_every_skill_text_in_order(lib):
    assert lib.texts == kitchen_skill_texts()
    assert len(lib) == 63
    assert isinstance(lib[lib.index("find a sponge")], FindSkill)
    assert isinstance(lib[lib.index("pick up the coke can")], PickSkill)


def test_unknown_skill_type_lists_known_names():
    with pytest.raises(UnknownNameError, match="known: bring, close, done"):
        SKILL_TYPES.get("teleport")


def test_impossible_skills_have_zero_affordance(lib):
    p = perception()  # at the user, hand empty, nothing seen
    scores = lib.affordances(p)
    for text, a in zip(lib.texts, scores):
        if text.startswith(("pick up", "put down", "bring", "open", "close")):
            assert a == 0.0, text
    assert aff(lib, "find a sponge", p) > 0  # unexplored places remain
    assert aff(lib, "go to the table", p) > 0
    assert aff(lib, "done", p) == CALIBRATED.get("done")


def test_pick_needs_a_visible_reachable_object_and_an_empty_hand(lib):
    here = perception(location="table", visible=["sponge", "apple"], reachable=["sponge"])
    assert aff(lib, "pick up the sponge", here) == CALIBRATED.get("pick.surface") > 0.5
    assert aff(lib, "pick up the apple", here) == CALIBRATED.get("pick.out_of_reach") < 0.2
    assert aff(lib, "pick up the coke can", here) == 0.0
    full = dict(here, holding="tea")
    assert aff(lib, "pick up the sponge", full) == 0.0
    drawer = perception(location="drawer", visible=["apple"], reachable=["apple"], drawer_open=True)
    assert aff(lib, "pick up the apple", drawer) == CALIBRATED.get("pick.drawer")


def test_put_and_bring_need_the_object_in_hand(lib):
    holding = perception(location="table", holding="sponge")
    assert aff(lib, "put down the sponge", holding) == CALIBRATED.get("put.surface") > 0.5
    assert aff(lib, "put down the apple", holding) == 0.0
    assert aff(lib, "bring it to you", holding) > 0.5
    assert aff(lib, "put down the sponge", dict(holding, free_space=False)) == CALIBRATED.get("put.crowded") < 0.3
    closed = perception(location="drawer", holding="sponge", drawer_open=False)
    assert aff(lib, "put down the sponge", closed) == 0.0
    assert aff(lib, "bring it to you", perception()) == 0.0


def test_drawer_skills_depend_on_place_hand_and_state(lib):
    at = perception(location="drawer")
    assert aff(lib, "open the drawer", at) == CALIBRATED.get("open.closed") > 0.5
    assert aff(lib, "close the drawer", at) == 0.0  # already closed
    assert aff(lib, "close the drawer", dict(at, drawer_open=True)) > 0.5
    assert aff(lib, "open the drawer", dict(at, holding="apple")) == 0.0
    assert aff(lib, "open the drawer", perception(location="table")) == 0.0


def test_find_uses_sight_memory_and_exploration(lib):
    seen_elsewhere = perception(location="table", seen={"table": [], "far counter": ["sponge"]},
                                explored=list(LOCATIONS), unexplored=[])
    assert aff(lib, "find a sponge", seen_elsewhere) == CALIBRATED.get("find.remembered")
    assert aff(lib, "find an apple", seen_elsewhere) == 0.0  # everything explored, never seen
    visible = perception(location="table", visible=["apple"])
    assert aff(lib, "find an apple", visible) == CALIBRATED.get("find.visible")


def test_table_overrides_and_json(tmp_path, lib):
    lib2 = kitchen_library(done_affordance=0.25)
    assert aff(lib2, "done", perception()) == 0.25
    with pytest.raises(InvalidInputError, match="done_affordance"):
        kitchen_library(done_affordance=1.5)
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"conditions": {"pick.surface": {"n": 10, "rate": 0.5}, "pick.bin": {"n": 2, "rate": 0.0},
                                                "bogus": {"n": 30, "rate": 1}}}))
    table = AffordanceTable.from_json(str(path))
    assert table.get("pick.surface") == 0.5 and table.get("bogus") == 0.0
    assert table.get("pick.bin") == CALIBRATED.get("pick.bin")  # too few samples: the prior stays
    lib3 = kitchen_library(str(path))
    assert aff(lib3, "pick up the sponge", perception(location="table", visible=["sponge"], reachable=["sponge"])) \
        == 0.5
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InvalidInputError, match="not an affordance calibration file"):
        AffordanceTable.from_json(str(tmp_path / "bad.json"))


@pytest.mark.slow
def test_real_pick_and_place_with_the_simulator():
    """The controllers run against a real PyBullet world; affordances agree with what they find."""
    from envs.kitchen.world import KitchenWorld

    world = KitchenWorld()
    try:
        rng = np.random.default_rng(3)
        world.reset({"robot": "table", "objects": [["sponge", "table"]]}, rng)
        lib = kitchen_library()
        p = world.look()
        assert p["visible"] == ["sponge"] and p["reachable"] == ["sponge"]
        assert aff(lib, "pick up the sponge", p) > 0.5
        out = lib[lib.index("pick up the sponge")].run(world, rng)
        assert out.success, out.reason
        assert out.sim_seconds > 0.5
        assert world.kitchen_state().holding == "sponge"
        assert world.look()["holding"] == "sponge"
        out = lib[lib.index("put down the sponge")].run(world, rng)
        assert out.success, out.reason
        assert world.kitchen_state().objects == [("sponge", "table")]
    finally:
        world.close()
