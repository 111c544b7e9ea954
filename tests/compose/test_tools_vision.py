"""Dual encoders (CLIP via transformers on a tiny random checkpoint, open_clip's code path, zero-shot mechanics) and
the captioner (tiny random VisionEncoderDecoder checkpoint)."""
from __future__ import annotations

import os
import sys
import types
from typing import Sequence

import numpy as np
import pytest

from compose.errors import BackendUnavailableError, InvalidInputError, ModelNotFoundError, UnknownNameError
from compose.tools import get_tool
from compose.tools.dual_encoder import DualEncoder, l2_normalize, make_dual_encoder
from compose.tools.templating import TemplateError

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def rand_images(n, seed=0, shape=(40, 52, 3)):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(n)]


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    from agents.tools.tiny import make_tiny_clip

    return str(make_tiny_clip(tmp_path_factory.mktemp("clip"), seed=0))


@pytest.fixture(scope="module")
def clip(tiny_clip):
    return make_dual_encoder("clip", path=tiny_clip)


def test_clip_shapes_and_normalisation(clip):
    img = clip.encode_images(rand_images(3))
    txt = clip.encode_texts(["a sponge", "a red coke can on the table", "the far counter"])
    assert img.shape == (3, 16) and txt.shape == (3, 16)
    assert img.dtype == np.float32 and txt.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(img, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(txt, axis=1), 1.0, atol=1e-5)
    assert clip.logit_scale > 0


def test_clip_batching_is_consistent(clip, tiny_clip):
    ims = rand_images(5, seed=1)
    full = clip.encode_images(ims)
    small = make_dual_encoder("clip", path=tiny_clip, batch_size=2)
    np.testing.assert_allclose(small.encode_images(ims), full, atol=1e-5)
    one_by_one = np.concatenate([clip.encode_images([im]) for im in ims])
    np.testing.assert_allclose(one_by_one, full, atol=1e-5)
    texts = ["apple", "a banana on the table", "sponge"]
    np.testing.assert_allclose(small.encode_texts(texts), clip.encode_texts(texts), atol=1e-5)
    # different images give different embeddings; the same image the same one
    assert not np.allclose(full[0], full[1])
    np.testing.assert_allclose(clip.encode_images([ims[0]]), full[:1], atol=1e-6)


def test_clip_zero_shot_matches_its_definition(clip):
    labels = ["sponge", "apple", "coke can"]
    templates = ("a photo of a {label}.", "a {} on the table")
    im = rand_images(1, seed=2)[0]
    probs = clip.zero_shot(im, labels, templates)
    assert probs.shape == (3,) and abs(probs.sum() - 1) < 1e-5
    # ensembling: mean of normalised template embeddings, renormalised; then softmax(scale * cos)
    emb = clip.encode_texts([t.format(lab, label=lab) for lab in labels for t in templates]).reshape(3, 2, -1)
    cls = l2_normalize(emb.mean(axis=1))
    logits = clip.logit_scale * (clip.encode_images([im]) @ cls.T)[0]
    expect = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose(probs, expect, atol=1e-5)
    batch = clip.zero_shot(rand_images(2, seed=2) + rand_images(1, seed=3), labels, templates)
    assert batch.shape == (3, 3)
    np.testing.assert_allclose(batch[0], probs, atol=1e-5)


class ColourEncoder(DualEncoder):
    """A hand-made dual encoder: images embed as their mean colour, texts by the colour words they contain."""

    name = "colour"
    logit_scale = 10.0
    COLOURS = {"red": (1, 0, 0), "green": (0, 1, 0), "blue": (0, 0, 1)}

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        return l2_normalize(np.stack([np.asarray(im, float).reshape(-1, 3).mean(0) + 1e-3 for im in images]))

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        rows = [np.sum([self.COLOURS[w] for w in t.lower().replace(".", "").split() if w in self.COLOURS] or
                       [(0.3, 0.3, 0.3)], axis=0) for t in texts]
        return l2_normalize(np.asarray(rows, float))


def solid(rgb):
    return np.full((8, 8, 3), rgb, dtype=np.uint8)


def test_zero_shot_ranking_mechanics():
    enc = ColourEncoder()
    labels = ["red block", "green block", "blue block"]
    probs = enc.zero_shot([solid((250, 10, 10)), solid((10, 10, 240))], labels)
    assert probs.argmax(axis=1).tolist() == [0, 2]
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    # ensembling: a template that adds a colour word shifts every label the same way; results stay normalised
    p2 = enc.zero_shot(solid((250, 10, 10)), labels, ["a {label}", "a red {label}"])
    assert p2.argmax() == 0 and abs(p2.sum() - 1) < 1e-6
    ranked = enc.rank_texts(solid((10, 240, 10)), ["a red cup", "a green cup", "a blue cup"])
    assert ranked[0][0] == 1 and ranked[0][1] > ranked[1][1]


def test_zero_shot_bad_inputs(clip):
    im = rand_images(1)[0]
    with pytest.raises(InvalidInputError, match="labels is empty"):
        clip.zero_shot(im, [])
    with pytest.raises(TemplateError, match="colour"):
        clip.zero_shot(im, ["cup"], ["a {colour} {label}"])
    with pytest.raises(InvalidInputError, match="templates is empty"):
        clip.zero_shot(im, ["cup"], [])
    with pytest.raises(InvalidInputError, match="duplicates"):
        clip.zero_shot(im, ["cup", "cup"])
    with pytest.raises(InvalidInputError, match="HxWx3"):
        clip.encode_images([np.zeros((4, 4, 5), np.uint8)])
    with pytest.raises(InvalidInputError, match="list"):
        clip.encode_texts("a single string")


def test_dual_encoder_registry():
    with pytest.raises(UnknownNameError) as e:
        make_dual_encoder("nope")
    assert "clip" in str(e.value) and "open-clip" in str(e.value) and "lit-minilm" in str(e.value)


def test_clip_without_weights_offline_says_what_to_do(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("SOCRATIC_CLIP_PATH", raising=False)
    with pytest.raises(ModelNotFoundError, match="SOCRATIC_CLIP_PATH"):
        make_dual_encoder("clip").encode_texts(["x"])
    with pytest.raises(ModelNotFoundError, match="no weights at"):
        make_dual_encoder("clip", path="/nonexistent/clip").encode_texts(["x"])


def test_zero_shot_tool_on_image_files(tiny_clip, tmp_path):
    from PIL import Image

    paths = []
    for i, im in enumerate(rand_images(2, seed=4)):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(im).save(paths[-1])
    tool = get_tool("image_classify", backend="clip", path=tiny_clip)
    out = tool(image=paths[0], labels=["sponge", "apple", "table"], top_k=2)
    assert len(out) == 2 and out[0].probability >= out[1].probability
    assert tool.batch([{"image": paths[0], "labels": ["sponge", "apple", "table"], "top_k": 2}])[0] == out
    with pytest.raises(InvalidInputError, match="no image file"):
        tool(image=str(tmp_path / "none.png"), labels=["a"])
    (tmp_path / "bad.png").write_bytes(b"not a png")
    with pytest.raises(InvalidInputError, match="cannot read image"):
        tool(image=str(tmp_path / "bad.png"), labels=["a"])
    with pytest.raises(InvalidInputError, match="labels is empty"):
        tool(image=paths[0], labels=[])


# -- open_clip: the code path, without the library (its torchvision dependency breaks beside the pinned torch) --------
def test_open_clip_missing_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "open_clip", None)
    with pytest.raises(BackendUnavailableError, match=r"socratic-agents\[clip\]"):
        make_dual_encoder("open-clip", pretrained="/x.bin").encode_texts(["x"])


def test_open_clip_backend_drives_the_library(monkeypatch, tmp_path):
    import torch

    class Visual(torch.nn.Module):
        image_size = (24, 24)
        preprocess_cfg = {"mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)}

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.visual = Visual()
            self.logit_scale = torch.nn.Parameter(torch.tensor(np.log(50.0)))
            self.proj = torch.nn.Linear(3, 4)

        def encode_image(self, x):
            assert x.shape[1:] == (3, 24, 24)
            return self.proj(x.mean(dim=(2, 3)))

        def encode_text(self, tokens):
            return self.proj(tokens.float()[:, :3])

    ckpt = tmp_path / "open_clip_model.bin"
    ckpt.write_bytes(b"weights")
    seen = {}

    def create_model_and_transforms(name, pretrained=None):
        seen["args"] = (name, pretrained)
        return Model(), None, None

    fake = types.SimpleNamespace(create_model_and_transforms=create_model_and_transforms,
                                 get_tokenizer=lambda name: lambda texts: torch.tensor([[len(t), 1, 2] for t in texts]))
    monkeypatch.setitem(sys.modules, "open_clip", fake)
    enc = make_dual_encoder("open-clip", model_name="ViT-B-32", pretrained=str(ckpt))
    img = enc.encode_images(rand_images(3))
    txt = enc.encode_texts(["a", "bb"])
    assert seen["args"] == ("ViT-B-32", str(ckpt))
    assert img.shape == (3, 4) and txt.shape == (2, 4)
    np.testing.assert_allclose(np.linalg.norm(img, axis=1), 1, atol=1e-5)
    assert abs(enc.logit_scale - 50.0) < 1e-3
    assert enc.zero_shot(rand_images(1)[0], ["a", "bb"]).shape == (2,)
    # offline, a hub tag is refused before anything downloads
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFoundError, match="not a local file"):
        make_dual_encoder("open-clip", pretrained="laion2b_s34b_b79k").encode_texts(["x"])


# -- captioner -------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_captioner(tmp_path_factory):
    from agents.tools.tiny import make_tiny_captioner

    return str(make_tiny_captioner(tmp_path_factory.mktemp("cap"), seed=0))


def test_captioner_mechanics(tiny_captioner, tmp_path):
    from PIL import Image

    from compose.tools.captioner import make_captioner

    cap = make_captioner("transformers", path=tiny_captioner, batch_size=2)
    ims = rand_images(3, seed=5)
    caps = cap.caption(ims, max_new_tokens=6)
    assert len(caps) == 3 and all(isinstance(c, str) and c for c in caps)
    assert all(len(c.split()) <= 6 for c in caps)
    assert cap.caption(ims[1:2], max_new_tokens=6) == caps[1:2]  # batching does not change results
    assert cap.caption(ims, max_new_tokens=6) == caps  # deterministic
    assert len(set(caps)) > 1  # different images, different (random-model) captions
    p = tmp_path / "im.png"
    Image.fromarray(ims[0]).save(p)
    tool = get_tool("image_caption", backend="transformers", path=tiny_captioner)
    assert tool(image=str(p), max_new_tokens=6) == caps[0]
    assert tool.batch([{"image": str(p), "max_new_tokens": 6}, {"image": str(p), "max_new_tokens": 3}])[0] == caps[0]
    with pytest.raises(InvalidInputError, match="max_new_tokens"):
        tool(image=str(p), max_new_tokens=0)
    with pytest.raises(UnknownNameError, match="transformers"):
        get_tool("image_caption", backend="nope")
