"""Graph files that are missing, truncated or hold a bad image give one clear error naming the file; success is
judged from the landmark object itself, on a hand-built graph; the plot draws the goal radius."""
import json
import shutil

import networkx as nx
import numpy as np
import pytest

from compose.errors import InvalidInputError
from envs.navgraph import storage
from envs.navgraph.goals import check_goal, shortest_through, validate_goal
from envs.navgraph.storage import DATA_DIR, load_graph, save_graph


@pytest.fixture
def graph_dir(tmp_path, monkeypatch):
    """A data directory the loaders read instead of the shipped one (caches cleared before and after)."""
    import envs.navgraph.env as env_mod

    monkeypatch.setattr(storage, "DATA_DIR", tmp_path)
    monkeypatch.setattr(env_mod, "DATA_DIR", tmp_path)
    storage._load.cache_clear()
    storage._read_meta.cache_clear()
    yield tmp_path
    storage._load.cache_clear()
    storage._read_meta.cache_clear()


def _copy_town(d):
    shutil.copy(DATA_DIR / "town.json", d / "town.json")
    shutil.copy(DATA_DIR / "town.npz", d / "town.npz")


def _load_all_images(name, d):
    world = load_graph(name, d)
    world.all_images()
    return world


def test_missing_npz_names_the_file(graph_dir):
    shutil.copy(DATA_DIR / "town.json", graph_dir / "town.json")
    with pytest.raises(InvalidInputError, match=r"town\.npz: missing"):
        load_graph("town", graph_dir)


def test_truncated_npz_names_the_file(graph_dir):
    _copy_town(graph_dir)
    data = (graph_dir / "town.npz").read_bytes()
    (graph_dir / "town.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidInputError, match=r"town\.npz: corrupt or truncated"):
        load_graph("town", graph_dir)


def test_bad_image_inside_names_the_file_and_the_view(graph_dir):
    _copy_town(graph_dir)
    with np.load(graph_dir / "town.npz") as z:
        png, offsets = z["png"].copy(), z["offsets"]
    png[offsets[7] + 1: offsets[7] + 40] = 0  # image 7 = node 1, view 1: header and first chunk destroyed
    np.savez(graph_dir / "town.npz", png=png, offsets=offsets)
    with pytest.raises(InvalidInputError, match=r"town\.npz: image of node 1, view 1 is not a valid PNG"):
        _load_all_images("town", graph_dir)


def test_inconsistent_offsets_and_bad_json(graph_dir):
    _copy_town(graph_dir)
    with np.load(graph_dir / "town.npz") as z:
        png, offsets = z["png"], z["offsets"]
    np.savez(graph_dir / "town.npz", png=png[:-100], offsets=offsets)
    with pytest.raises(InvalidInputError, match="offsets are inconsistent"):
        load_graph("town", graph_dir)
    (graph_dir / "town.json").write_text('{"format": "socratic-navgraph/1", "nodes": [')
    storage._read_meta.cache_clear()
    with pytest.raises(InvalidInputError, match=r"town\.json: corrupt graph file"):
        load_graph("town", graph_dir)


def test_lmnav_cli_reports_a_corrupt_graph_without_traceback(graph_dir, capsys):
    from agents import lmnav

    _copy_town(graph_dir)
    data = (graph_dir / "town.npz").read_bytes()
    (graph_dir / "town.npz").write_bytes(data[:1000])
    code = lmnav.main(["--graph", "town", "--start", "0", "--instruction", "go to the tree", "--extractor", "rules"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error:") and "town.npz" in err and "Traceback" not in err


# ------------------------------------------------------------------------------------- success radius
def _hand_built(d):
    """Five places on a line, 6 m apart; a tree 4 m north of place 2, whose anchor is place 3 (7.2 m away)."""
    g = nx.Graph()
    for i in range(5):
        g.add_node(i, pos=(6.0 * i, 0.0))
    for i in range(4):
        g.add_edge(i, i + 1, length=6.0)
    g.add_node(5, pos=(18.0, -9.0))  # a dead-end place south of place 3
    g.add_edge(3, 5, length=9.0)
    meta = {"headings": [0.0], "camera": {"size": 4},
            "landmarks": [{"kind": "tree", "position": [12.0, 4.0], "yaw": 0.0, "anchor": 3},
                          {"kind": "bench", "position": [24.0, 2.0], "yaw": 0.0, "anchor": 4}]}
    save_graph(d, "line", g, meta, [[np.zeros((4, 4, 3), np.uint8)] for _ in range(6)])


def test_success_is_measured_from_the_landmark_object(graph_dir):
    _hand_built(graph_dir)
    init = {"graph": "line", "start": 0}
    goal = {"landmarks": ["tree", "bench"], "radius": 6.0}
    validate_goal(goal, "goal", init)
    passes_by = {"graph": "line", "route": [0, 1, 2, 3, 4]}
    # the route passes 4 m from the tree (at place 2): a person would say it reached it
    assert check_goal(goal, passes_by)
    # measured from the tree's anchor node (place 3) the same idea would need the route to reach place 3 exactly
    assert not check_goal({"landmarks": [3, 4], "radius": 0.0}, {"graph": "line", "route": [0, 1, 2]})
    assert not check_goal(goal, {"graph": "line", "route": [0, 1]})  # 12.6 m from the tree: not reached
    assert not check_goal({"landmarks": ["bench", "tree"], "radius": 6.0}, passes_by)  # order matters
    assert not check_goal(goal, {"graph": "line", "route": [0, 1, 2, 3, 5]})  # must end near the bench
    assert shortest_through("line", 0, ["tree", "bench"], 6.0) == pytest.approx(24.0)
    assert shortest_through("line", 0, ["tree"], 6.0) == pytest.approx(12.0)  # place 2 is close enough
    with pytest.raises(InvalidInputError, match="no place"):
        validate_goal({"landmarks": ["tree"], "radius": 3.0}, "goal", init)
    with pytest.raises(InvalidInputError, match="has no 'stop sign'"):
        validate_goal({"landmarks": ["stop sign"], "radius": 6.0}, "goal", init)
    with pytest.raises(InvalidInputError, match=r"goal\.landmarks\[0\]: 'unicorn' is not a landmark kind"):
        validate_goal({"landmarks": ["unicorn"]}, "goal")


def test_plot_draws_the_goal_radius_around_the_object(graph_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from envs.navgraph import plot

    _hand_built(graph_dir)
    world = load_graph("line", graph_dir)
    circles = []
    real_circle = plt.Circle

    def spy(xy, r, **kw):
        circles.append((tuple(xy), r))
        return real_circle(xy, r, **kw)

    plt.Circle = spy
    try:
        png = plot.plot_route(world, [0, 1, 2, 3, 4], [2, 4], ["tree", "bench"],
                              goal={"landmarks": ["tree", "bench"], "radius": 6.0})
    finally:
        plt.Circle = real_circle
    assert png[:4] == b"\x89PNG"
    assert circles == [((12.0, 4.0), 6.0), ((24.0, 2.0), 6.0)]


def test_shipped_task_goals_name_landmark_objects():
    for name in ("tasks_town", "tasks_campus", "tasks_freestyle"):
        for line in (DATA_DIR / f"{name}.jsonl").read_text().splitlines():
            t = json.loads(line)
            assert all(isinstance(x, str) for x in t["goal"]["landmarks"]) and t["goal"]["radius"] == 6.0
            validate_goal(t["goal"], "goal", t["init"])
