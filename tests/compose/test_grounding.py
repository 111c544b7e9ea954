"""The offline lit-minilm dual encoder: registry, encoding contract, node scores + cache, and the trained weights."""
import json
import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from compose.errors import InvalidInputError, UnknownNameError  # noqa: E402
from compose.grounding import LitMiniLM  # noqa: E402
from compose.grounding.encoder import WEIGHTS_DIR  # noqa: E402
from compose.tools.dual_encoder import DualEncoder, make_dual_encoder  # noqa: E402


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SOCRATIC_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def random_enc():
    return make_dual_encoder("lit-random", seed=3)


@pytest.fixture(scope="module")
def trained():
    return make_dual_encoder("lit-minilm")


def test_registry_builds_both_backends(random_enc, trained):
    assert isinstance(trained, LitMiniLM) and isinstance(trained, DualEncoder) and not trained.random_init
    assert random_enc.random_init and random_enc.model_hash == "random-3"
    with pytest.raises(UnknownNameError, match="lit-minilm"):
        make_dual_encoder("lit-nonexistent")


def test_encoding_contract(random_enc):
    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(3)] + \
           [rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)]  # other sizes are resized
    e = random_enc.encode_images(imgs)
    t = random_enc.encode_texts(["a photo of the red car", "a tree"])
    assert e.shape == (4, 256) and t.shape == (2, 256) and e.dtype == np.float32
    assert np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5)
    assert np.allclose(np.linalg.norm(t, axis=1), 1, atol=1e-5)
    assert np.allclose(random_enc.encode_images(imgs[:2]), e[:2], atol=1e-5)  # batching does not matter
    same = make_dual_encoder("lit-random", seed=3)
    assert np.allclose(same.encode_images(imgs), e, atol=1e-6)  # seeded
    with pytest.raises(InvalidInputError, match="text 1"):
        random_enc.encode_texts(["ok", "  "])
    with pytest.raises(InvalidInputError, match="image 0"):
        random_enc.encode_images([np.zeros((8, 8), dtype=np.uint8)])


def test_shipped_weights_have_config_and_data_card(trained):
    cfg = json.loads((WEIGHTS_DIR / "config.json").read_text())
    assert cfg["weights_sha256_16"] == trained.model_hash
    assert cfg["train"]["seed"] == 0 and cfg["n_images"] > 1000
    card = (WEIGHTS_DIR / "README.md").read_text()
    assert "paraphrase" in card.lower() and "python -m agents.grounding.train" in card
    assert (WEIGHTS_DIR / "lit_minilm.safetensors").stat().st_size < 5 * 1024 * 1024


def test_training_captions_never_use_evaluation_paraphrases():
    from agents.grounding.captions import eval_names, train_captions

    train_text = " | ".join(c for group in train_captions() for c in group)
    for names in eval_names():
        for n in names:
            assert n not in train_text


@pytest.mark.slow
def test_node_scores_are_max_over_views_and_cached(random_enc):
    from compose.grounding.scores import NodeScorer, log_probs
    from envs.navgraph.storage import load_graph

    world = load_graph("town")
    s1 = NodeScorer(random_enc, world)
    sims = s1.similarities(["red car", "tree"])
    assert sims.shape == (2, len(world.nodes)) and not s1.cache_hit
    node = 17
    direct = random_enc.encode_images(list(world.views(node))) @ random_enc.encode_texts(
        ["a photo of the red car"]).T
    assert sims[0, node] == pytest.approx(direct.max(), abs=1e-5)
    assert s1.cache_path.exists()
    s2 = NodeScorer(random_enc, world)
    assert np.allclose(s2.similarities(["red car", "tree"]), sims, atol=1e-6) and s2.cache_hit
    other = NodeScorer(make_dual_encoder("lit-random", seed=4), world)
    assert other.cache_path != s1.cache_path  # keyed by model hash
    lp = log_probs(sims, 10.0)
    assert np.allclose(np.exp(lp).sum(axis=1), 1.0)


@pytest.mark.slow
def test_trained_model_grounds_paraphrases_on_held_out_renders(trained, random_enc):
    """Real model on new layouts/camera poses (evaluation seeds), named with unseen paraphrases."""
    from agents.grounding.captions import eval_names
    from agents.grounding.data import RenderSpec, render_dataset
    from agents.grounding.evaluate import image_text_accuracy

    data = render_dataset(RenderSpec(n_layouts=2, held_out=True, seed=7, views_per_landmark=3, random_views=4),
                          progress=False)
    assert len(data) > 20
    acc = image_text_accuracy(trained, data, eval_names(), trained.prompt)
    base = image_text_accuracy(random_enc, data, eval_names(), trained.prompt)
    assert acc["top5"] > 0.6 and acc["top1"] > base["top1"] + 0.15


@pytest.mark.slow
def test_train_command_smoke(tmp_path):
    from agents.grounding.train import main

    out = tmp_path / "w"
    assert main(["--out", str(out), "--layouts", "1", "--epochs", "1", "--seed", "1"]) == 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["train"]["n_layouts"] == 1 and len(cfg["history"]) == 1
    enc = LitMiniLM(out)
    assert enc.encode_texts(["bench"]).shape == (1, 256)
    assert main(["--out", str(out), "--layouts", "0"]) == 2


def test_evaluation_metrics_and_cli_bad_input(capsys):
    from agents.grounding.evaluate import _retrieval, main, to_markdown

    img = np.eye(3, dtype=np.float32)
    txt = np.array([[1, 0, 0], [0, 1, 0], [0.9, 0.1, 0.0]], dtype=np.float32)
    top1, top5 = _retrieval(img, np.array([0, 1, 2]), txt)
    assert top1 == pytest.approx(2 / 3) and top5 == 1.0
    res = {"models": {"trained": {k: {"top1": 0.9, "top5": 1.0} for k in
                                  ("paraphrase", "train_names", "nodes_paraphrase")}},
           "chance": {"top1": 1 / 13, "top5": 5 / 13}}
    assert "| trained | 0.900 | 1.000 |" in to_markdown(res)
    assert main(["--layouts", "0"]) == 2
    assert capsys.readouterr().err.startswith("error:")


def test_lmnav_cache_sits_under_the_one_cache_root(monkeypatch, tmp_path):
    from compose.grounding.scores import cache_dir

    monkeypatch.delenv("SOCRATIC_CACHE_DIR", raising=False)
    monkeypatch.setenv("SOCRATIC_CACHE", str(tmp_path / "root"))
    assert cache_dir() == tmp_path / "root" / "lmnav"
    monkeypatch.setenv("SOCRATIC_CACHE_DIR", str(tmp_path / "old"))
    with pytest.warns(DeprecationWarning, match="SOCRATIC_CACHE"):
        assert cache_dir() == tmp_path / "old" / "lmnav"
