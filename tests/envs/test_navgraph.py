"""Navigation-graph worlds: shipped data, the Gymnasium env, and the PyBullet scene that renders them."""
import math
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import envs  # noqa: F401  (registers the gym ids)
from compose.errors import InvalidInputError, UnknownNameError
from envs.navgraph.env import NavGraphEnv
from envs.navgraph.kinds import KIND_NAMES
from envs.navgraph.layout import MAX_DEGREE
from envs.navgraph.storage import DATA_DIR, list_graphs, load_graph, read_meta


def test_shipped_graphs_are_big_enough_and_small_on_disk():
    names = list_graphs()
    assert {"town", "campus"} <= set(names)
    styles = set()
    for name in ("town", "campus"):
        w = load_graph(name)
        styles.add(w.meta["style"])
        assert len(w.graph) >= 100
        assert len({lm["kind"] for lm in w.landmarks}) >= 10
        assert max(d for _, d in w.graph.degree()) <= MAX_DEGREE
        import networkx as nx

        assert nx.is_connected(w.graph)
        views = w.views(0)
        assert views.dtype == np.uint8 and views.shape == (w.n_views, w.image_size, w.image_size, 3)
        assert views.std() > 5  # real renders, not blank
        for lm in w.landmarks:  # the anchor node really sees its landmark
            idx = w.landmarks.index(lm)
            assert any(k == idx for view in w.meta["visible"][lm["anchor"]] for k, _ in view), lm["kind"]
    assert styles == {"grid", "organic"}
    total = sum(p.stat().st_size for p in Path(DATA_DIR).iterdir())
    assert total < 10 * 1024 * 1024


def test_unknown_graph_lists_known_names():
    with pytest.raises(UnknownNameError, match="town"):
        read_meta("atlantis")


def test_check_env_passes():
    env = NavGraphEnv("town")
    check_env(env, skip_render_check=True)


def test_gym_make_and_reset_with_init():
    env = gym.make("socratic/NavGraph-v0")
    obs, info = env.reset(seed=3, options={"init": {"graph": "campus", "start": 7}})
    assert info["node"] == 7 and info["distance"] == 0.0
    assert obs.shape == env.observation_space.shape
    w = load_graph("campus")
    assert np.array_equal(obs, w.views(7))
    assert info["position"] == pytest.approx(list(w.pos(7)))


def test_step_moves_to_sorted_neighbour_and_flags_invalid():
    env = NavGraphEnv("town")
    env.reset(seed=0, options={"init": {"graph": "town", "start": 12}})
    neigh = sorted(env.world.graph.neighbors(12))
    obs, reward, term, trunc, info = env.step(1)
    assert info["node"] == neigh[1] and not info["invalid_action"]
    length = env.world.graph.edges[12, neigh[1]]["length"]
    assert reward == pytest.approx(-length) and info["distance"] == pytest.approx(length)
    before = env.node
    _, reward, _, _, info = env.step(MAX_DEGREE - 1)  # no node has that many neighbours
    assert info["invalid_action"] and info["node"] == before and reward == 0.0
    assert env.state()["route"] == [12, neigh[1]]


def test_reset_rejects_bad_init_with_field_path():
    env = NavGraphEnv("town")
    with pytest.raises(InvalidInputError, match=r"init\.start"):
        env.reset(options={"init": {"graph": "town", "start": 9999}})
    with pytest.raises(InvalidInputError, match=r"init\.graph"):
        env.reset(options={"init": {"graph": "nowhere", "start": 0}})


def test_seeded_random_start_is_deterministic_and_seeds_differ():
    a, b = NavGraphEnv("town"), NavGraphEnv("town")
    assert a.reset(seed=5)[1]["node"] == b.reset(seed=5)[1]["node"]
    starts = {a.reset(seed=s)[1]["node"] for s in range(10)}
    assert len(starts) >= 5, starts  # the seed chooses the start: ten seeds give (nearly) ten different nodes


def test_scene_renders_landmarks_and_segmentation_is_ground_truth():
    """Real simulator: a red car in front of the camera is seen, and not when the camera looks away."""
    from envs.navgraph.scene import Camera, Scene

    rng = np.random.default_rng(0)
    with Scene() as scene:
        idx = scene.add_landmark("red car", 5.0, 0.0, 0.0, rng)
        cam = Camera(size=48)
        rgb, seg = scene.render(0.0, 0.0, 0.0, cam)
        vis = scene.visible(seg)
        assert idx in vis and vis[idx] > 100
        r, gr, b = (rgb[..., i].astype(int) for i in range(3))
        red = (r > 90) & (r > 2 * gr) & (r > 2 * b)
        assert red.sum() > 50
        rgb2, seg2 = scene.render(0.0, 0.0, math.pi, cam)
        assert scene.visible(seg2) == {}
        rgb3, _ = scene.render(0.0, 0.0, 0.0, cam)
        assert np.array_equal(rgb, rgb3)  # deterministic renderer
    assert len(KIND_NAMES) >= 10


@pytest.mark.slow
def test_build_script_regenerates_shipped_graph_identically(tmp_path):
    """Seeded build: rebuilding campus gives the same JSON and the same images as the shipped files."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, str(root / "scripts" / "build_navgraphs.py"), "--graph", "campus", "--out",
                    str(tmp_path)], check=True, capture_output=True, timeout=600)
    assert (tmp_path / "campus.json").read_text() == (DATA_DIR / "campus.json").read_text()
    assert (tmp_path / "tasks_campus.jsonl").read_text() == (DATA_DIR / "tasks_campus.jsonl").read_text()
    with np.load(tmp_path / "campus.npz") as a, np.load(DATA_DIR / "campus.npz") as b:
        assert np.array_equal(a["offsets"], b["offsets"]) and np.array_equal(a["png"], b["png"])
