"""LiT over a locked EfficientNet-Lite0: vocabularies, retrieval metrics, tiny-set training (loss falls, retrieval
beats chance, seeded runs are identical) and the lit-efficientnet loader on a checkpoint written here."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from agents.grounding import lit_train as lt  # noqa: E402
from agents.grounding.lit_names import EVAL_TEMPLATES, TRAIN_TEMPLATES, WORLDS, vocabulary  # noqa: E402
from compose.errors import InvalidInputError, ModelNotFoundError, UnknownNameError  # noqa: E402


def test_held_out_names_and_templates_never_appear_in_training():
    for w in WORLDS:
        v = vocabulary(w)
        assert len(v.labels) == len(v.train_names) == len(v.eval_names) and all(v.eval_names)
        train = {c for group in v.train_captions() for c in group}
        for names in v.eval_names:
            for n in names:
                assert not any(n in c for c in train), (w, n)
        assert not set(EVAL_TEMPLATES[w]) & set(TRAIN_TEMPLATES[w])
        assert all(len(s) == len(v.labels) for s in v.caption_sets(True) + v.caption_sets(False))
    with pytest.raises(UnknownNameError, match="kitchen"):
        vocabulary("moon")


def test_retrieval_metrics_perfect_random_and_chance():
    labels = np.repeat(np.arange(10), 4)
    txt = np.eye(10, 16, dtype=np.float32)
    r = lt.retrieval(txt[labels], labels, [txt])
    assert r["i2t_r1"] == r["t2i_r1"] == 1.0 and r["chance_i2t_r1"] == 0.1 and r["chance_t2i_r5"] == 0.5
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(40, 16)).astype(np.float32)
    rr = lt.retrieval(noise, labels, [txt], galleries=200)
    assert 0.0 <= rr["i2t_r1"] < 0.35 and 0.3 < rr["t2i_r5"] < 0.7  # about chance (0.1 / 0.5)


@pytest.fixture(scope="module")
def tiny():
    """Tabletop object crops of 4 scenes, their EfficientNet-Lite0 features (64 px input: fast)."""
    from agents.grounding.world_renders import RenderSizes, render_set
    from compose.grounding.lit import image_backbone

    rs = render_set("tabletop", "train", RenderSizes(tabletop_train=4), cache=False)
    feats = lt.cached_features(rs.images, 64, backbone=image_backbone(64))
    return rs, feats, lt.Texts()


def _weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.mark.slow
def test_lit_trains_beats_chance_and_is_deterministic(tiny):
    from compose.grounding.lit_head import LitConfig

    rs, feats, texts = tiny
    assert feats.shape == (len(rs), 1280) and len(rs) >= 12
    joint = lt.Joint.of([rs])
    cfg = lt.FitConfig(seed=3, epochs=40, batch_size=64, lr=5e-3)
    head, hist = lt.train_lit(feats, joint, texts, cfg, LitConfig(image_size=64))
    assert hist[-1]["loss"] < 0.5 * hist[0]["loss"]
    r = lt.evaluate(head, feats, rs, texts, paraphrase=False)
    assert r["i2t_r1"] > 3 * r["chance_i2t_r1"] and r["t2i_r1"] > 2 * r["chance_t2i_r1"]
    head2, hist2 = lt.train_lit(feats, joint, texts, cfg, LitConfig(image_size=64))
    assert hist2 == hist
    w1, w2 = _weights(head), _weights(head2)
    assert all(np.array_equal(w1[k].numpy(), w2[k].numpy()) for k in w1)
    _, hist3 = lt.train_lit(feats, joint, texts, lt.FitConfig(seed=4, epochs=40, batch_size=64, lr=5e-3),
                            LitConfig(image_size=64))
    assert hist3 != hist


@pytest.mark.slow
def test_scratch_baseline_trains_and_is_deterministic(tiny):
    rs, _, texts = tiny
    joint = lt.Joint.of([rs])
    cfg = lt.FitConfig(seed=1, epochs=12, batch_size=64, lr=3e-3)
    towers, hist = lt.train_scratch(rs.images, joint, texts, cfg)
    assert hist[-1]["loss"] < hist[0]["loss"]
    r = lt.evaluate(towers, lt.images_01(rs.images), rs, texts, paraphrase=False)
    assert r["i2t_r1"] > r["chance_i2t_r1"]
    _, hist2 = lt.train_scratch(rs.images, joint, texts, cfg)
    assert hist2 == hist


class _MeanColour:
    """A stand-in backbone: 8 features from each image's mean colour (so the loader test needs no weights)."""

    def features(self, images):
        m = np.stack([np.asarray(im, np.float32).reshape(-1, 3).mean(0) / 255 for im in images])
        return np.concatenate([m, 1 - m, m[:, :2] ** 2], 1).astype(np.float32)


def test_loader_reads_a_tiny_checkpoint(tmp_path):
    import torch

    from compose.grounding.lit import CONFIG_FILE, LitEfficientNet, save_head
    from compose.grounding.lit_head import LitConfig, LitHead
    from compose.tools.dual_encoder import make_dual_encoder

    torch.manual_seed(0)
    head = LitHead(LitConfig(feature_dim=8, embed_dim=4, image_size=32)).eval()
    with torch.no_grad():
        head.logit_scale.fill_(np.log(20.0))
    save_head(head, tmp_path / "ckpt", {"labels": {"tabletop": ["red block"]}})
    doc = json.loads((tmp_path / "ckpt" / CONFIG_FILE).read_text())
    assert doc["model"]["feature_dim"] == 8 and len(doc["weights_sha256_16"]) == 16

    enc = make_dual_encoder("lit-efficientnet", path=tmp_path / "ckpt", backbone=_MeanColour())
    assert isinstance(enc, LitEfficientNet) and abs(enc.logit_scale - 20.0) < 1e-3
    imgs = [np.full((16, 16, 3), c, np.uint8) for c in ((200, 10, 10), (10, 10, 200), (10, 200, 10))]
    e = enc.encode_images(imgs)
    with torch.no_grad():
        want = head.embed_images(torch.from_numpy(_MeanColour().features(imgs))).numpy()
    assert e.shape == (3, 4) and np.allclose(e, want, atol=1e-5)
    t = enc.encode_texts(["a photo of the red block", "a blue bowl"])
    assert t.shape == (2, 4) and np.allclose(np.linalg.norm(t, axis=1), 1, atol=1e-5)
    assert enc.encode_images([]).shape == (0, 4) and enc.prompt == "a photo of the {}"
    with pytest.raises(InvalidInputError, match="features must be"):
        enc.encode_features(np.zeros((2, 5)))
    with pytest.raises(InvalidInputError, match="text 0"):
        enc.encode_texts([""])


def test_loader_errors_name_the_fix(tmp_path):
    from compose.grounding.lit import CONFIG_FILE, LitEfficientNet, save_head
    from compose.grounding.lit_head import LitConfig, LitHead

    with pytest.raises(ModelNotFoundError, match="lit_report"):
        LitEfficientNet(tmp_path / "missing").load()
    save_head(LitHead(LitConfig(feature_dim=8, embed_dim=4)), tmp_path / "bad", {})
    cfg = tmp_path / "bad" / CONFIG_FILE
    doc = json.loads(cfg.read_text())
    doc["model"]["embed_dim"] = 6  # weights no longer fit the config
    cfg.write_text(json.dumps(doc))
    with pytest.raises(ModelNotFoundError, match="do not match"):
        LitEfficientNet(tmp_path / "bad", backbone=_MeanColour()).load()
    cfg.write_text("{not json")
    with pytest.raises(ModelNotFoundError, match="unreadable"):
        LitEfficientNet(tmp_path / "bad", backbone=_MeanColour()).load()
