"""Perception: every colour and kind is named right from the rendered frame; classifier backends plug in."""
from __future__ import annotations

import numpy as np
import pytest

from compose.errors import UnknownNameError
from envs.tabletop.controller import Noise
from envs.tabletop.perception import ColourClassifier, DualEncoderClassifier, make_classifier, perceive
from envs.tabletop.vocab import COLOURS


@pytest.fixture(scope="module")
def world():
    from envs.tabletop.world import TabletopWorld

    w = TabletopWorld(noise=Noise.none())
    yield w
    w.close()


@pytest.mark.parametrize("bowls", [COLOURS[:5], COLOURS[5:]])
def test_colour_classifier_names_every_block_and_bowl(world, bowls):
    world.reset(31, {"blocks": list(COLOURS), "bowls": list(bowls)})
    p = world.perceive()
    assert sorted(p.names()) == sorted(world.bodies)
    assert min(d.confidence for d in p.detections) > 0.6


class MeanColourEncoder:
    """A stand-in dual encoder: images -> mean colour of the non-white pixels, texts -> the colour they name."""

    logit_scale = 50.0

    def zero_shot(self, images, labels):
        ref = ColourClassifier().palette
        px = [im.reshape(-1, 3) for im in images]
        img = np.array([q[(q < 255).any(axis=1)].mean(axis=0) / 255.0 for q in px])
        txt = np.array([ref[COLOURS.index(label.split()[0])] for label in labels])
        img = img / np.linalg.norm(img, axis=1, keepdims=True)
        txt = txt / np.linalg.norm(txt, axis=1, keepdims=True)
        z = self.logit_scale * img @ txt.T
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def test_dual_encoder_backend_classifies_crops(world):
    world.reset(32, {"blocks": ["red", "blue", "yellow"], "bowls": ["green"]})
    frame = world.frame()
    ignore = (world.arm.body, world.table, world.floor)
    p = perceive(frame, ignore, DualEncoderClassifier(encoder=MeanColourEncoder()))
    assert sorted(p.names()) == sorted(world.bodies)


def test_classifier_registry():
    assert isinstance(make_classifier("colour"), ColourClassifier)
    with pytest.raises(UnknownNameError, match="colour"):
        make_classifier("sonar")
    # 'auto' falls back to the colour rule when the dual encoder cannot be loaded
    assert isinstance(make_classifier("auto", backend="no-such-encoder"), ColourClassifier)
