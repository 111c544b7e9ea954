"""Replaying recorded episodes: exact final states, rejection of corrupt/tampered records, HTML and GIF output."""
import json
import os
import shutil

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from agents import lmnav, replay  # noqa: E402
from agents.config import EpisodeConfig  # noqa: E402
from envs.navgraph.storage import DATA_DIR  # noqa: E402
from envs.record import load_record  # noqa: E402


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    os.environ.setdefault("SOCRATIC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "lmnav-cache"))
    d = tmp_path_factory.mktemp("rec") / "episode"
    task = json.loads((DATA_DIR / "tasks_campus.jsonl").read_text().splitlines()[2])
    cfg = EpisodeConfig(mode="lmnav", record_dir=str(d), extra=(("extractor", "rules"),))
    out = lmnav.run_episode(task, cfg, seed=task["seed"])
    return d, out


def _copy(recorded, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(recorded[0], dst)
    return dst


def test_replay_reproduces_final_state_exactly(recorded, capsys):
    d, out = recorded
    record = load_record(d)
    assert record["world"] == "navgraph" and len(record["steps"]) == len(out["plan"]) - 1
    final = replay.verify(record)
    assert final == record["final_state"] and final["route"] == [int(n) for n in out["plan"]]
    assert replay.main([str(d)]) == 0
    text = capsys.readouterr().out
    assert "replay OK" in text and "->" in text


def test_tampered_record_is_a_mismatch(recorded, tmp_path, capsys):
    d = _copy(recorded, tmp_path)
    doc = json.loads((d / "episode.json").read_text())
    doc["final_state"]["node"] = (doc["final_state"]["node"] + 1) % 50
    (d / "episode.json").write_text(json.dumps(doc))
    assert replay.main([str(d)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "final_state.node" in err


def test_changed_action_is_a_mismatch(recorded, tmp_path, capsys):
    d = _copy(recorded, tmp_path)
    doc = json.loads((d / "episode.json").read_text())
    doc["steps"][0]["action"] = 7  # an invalid move: the agent stays, so the route differs
    (d / "episode.json").write_text(json.dumps(doc))
    assert replay.main([str(d)]) == 1
    assert "does not reproduce" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["truncate", "garbage", "missing_steps", "missing"])
def test_corrupt_or_truncated_record_is_rejected(recorded, tmp_path, damage, capsys):
    d = _copy(recorded, tmp_path)
    path = d / "episode.json"
    text = path.read_text()
    if damage == "truncate":
        path.write_text(text[: len(text) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00\xff not json")
    elif damage == "missing_steps":
        doc = json.loads(text)
        del doc["steps"]
        path.write_text(json.dumps(doc))
    else:
        path.unlink()
    assert replay.main([str(d)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
    assert any(w in err for w in ("corrupt", "truncated", "lacks", "no episode record"))


def test_gif_has_one_frame_per_position(recorded, tmp_path):
    import imageio.v2 as imageio

    d, out = recorded
    gif = tmp_path / "ep.gif"
    assert replay.main([str(d), "--gif", str(gif), "--no-verify"]) == 0
    frames = imageio.mimread(gif)
    assert len(frames) == len(out["plan"]) and np.asarray(frames[0]).std() > 5


def test_kitchen_style_record_table_and_html(tmp_path):
    """Step rows and the page handle SayCan-style steps (skill, reason, per-skill scores) too."""
    record = {"world": "kitchen", "task": {"id": "k-1", "instruction": "bring me a sponge"}, "seed": 0,
              "steps": [{"index": 0, "skill": "find a sponge", "success": True, "reason": "",
                         "scores": {"find a sponge": {"combined": 0.7}, "done": {"combined": 0.1}}}],
              "final_state": {}, "_path": str(tmp_path)}
    rows = replay.step_rows(record)
    assert rows[0]["action"] == "find a sponge" and rows[0]["scores"].startswith("find a sponge: 0.700")
    page = tmp_path / "k.html"
    replay.write_html(record, str(page), None)
    assert "find a sponge" in page.read_text()


@pytest.mark.slow
def test_html_is_self_contained_and_renders_in_chromium(recorded, tmp_path):
    from agents.pages.browser import dump_dom, screenshot

    d, out = recorded
    page = tmp_path / "ep.html"
    assert replay.main([str(d), "--html", str(page)]) == 0
    html = page.read_text()
    assert "id='steps'" in html and "data:image/png;base64," in html
    assert "Landmark scores" in html and str(out["metrics"]["chosen_nodes"][-1]) in html
    assert "http://" not in html and "https://" not in html and "src='frames" not in html
    shot = screenshot(page, tmp_path / "shot.png", 1000, 1400)
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("RGB"))
    assert img.shape[0] > 100 and img.std() > 10  # not blank
    dom = dump_dom(page)
    assert "<table id=\"steps\">" in dom and out["plan"][1] in dom
    assert f"{task_instruction(d)} -- navgraph episode</title>" in dom
    # one row per move, each with its views inlined and a probability bar per landmark
    n_moves = len(out["plan"]) - 1
    assert dom.count('class="zoom strip"') == n_moves
    assert dom.count('class="bar comb"') >= n_moves * len(out["metrics"]["landmarks_predicted"])


def task_instruction(d) -> str:
    return load_record(d)["task"]["instruction"]
