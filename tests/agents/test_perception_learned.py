"""Learned kitchen perception: segment crops named by the trained head; captions name what the camera shows."""
from __future__ import annotations

import numpy as np
import pytest

from agents.perception.captions import kitchen_caption, named_objects, tabletop_caption
from agents.perception.kitchen_data import crop_segment
from agents.perception.learned import LearnedNamer, colour_features
from compose.errors import ModelNotFoundError
from envs.kitchen.vocab import OBJECTS


def test_crop_and_colour_features_shapes():
    rgb = np.zeros((128, 128, 3), np.uint8)
    rgb[40:50, 60:66] = (200, 10, 10)
    mask = np.zeros((128, 128), bool)
    mask[40:50, 60:66] = True
    crop = crop_segment(rgb, mask)
    assert crop.shape == (64, 64, 3) and crop[32, 32, 0] == 200
    f = colour_features([crop])
    assert f.shape == (1, 70) and abs(f[0, :64].sum() - 1) < 1e-5


def test_captions_name_exactly_the_perceived_objects():
    cap = kitchen_caption({"location": "far counter", "visible": ["sponge", "apple"], "holding": None})
    assert cap == "At the far counter I see a sponge and an apple. I am holding nothing."
    assert named_objects(cap, OBJECTS) == {"sponge", "apple"}
    assert named_objects("I see a coke can and sea salt chips", OBJECTS) == {"coke can", "sea salt chips"}
    assert tabletop_caption(["red block"]) == "On the table there is a red block."


def test_missing_head_says_how_to_train(tmp_path):
    with pytest.raises(ModelNotFoundError, match="agents.perception.learned train"):
        LearnedNamer(tmp_path).load()


@pytest.mark.slow
def test_learned_perception_in_the_simulator_names_what_is_there():
    """Real simulator + real model: the learned namer names the sponge and the coke can at the far counter."""
    from agents.perception.learned import use_learned_perception
    from envs.kitchen.env import KitchenEnv

    env = KitchenEnv(render=False)
    try:
        env.reset(seed=3, options={"init": {"robot": "far counter", "holding": None, "drawer_open": False,
                                            "objects": [["sponge", "far counter"], ["coke can", "far counter"],
                                                        ["apple", "table"]]}})
        use_learned_perception(env)
        p = env.unwrapped.perceive()
        assert sorted(p["visible"]) == ["coke can", "sponge"]
        assert all(0.5 < c <= 1.0 for c in p["confidence"].values())
        _, _, _, _, info = env.step("pick up the sponge")  # affordances and skills run on the learned names
        assert info["success"]
    finally:
        env.close()


@pytest.mark.slow
def test_kitchen_captions_on_held_out_renders():
    from agents.perception.captions import evaluate_kitchen

    res = evaluate_kitchen("learned", n_layouts=3, progress=False)
    assert res["recall"] >= 0.8 and res["hallucinating_captions"] <= 0.1, res
