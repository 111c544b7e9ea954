"""Replay of a recorded physical kitchen episode: re-run from seed + actions, same final state, HTML and GIF."""
import json
import shutil

import pytest

from agents import replay
from agents.saycan import main as saycan_main

PLAN = "find a sponge;pick up the sponge;bring it to you;put down the sponge;done"


@pytest.fixture(scope="module")
def kitchen_record(tmp_path_factory):
    d = tmp_path_factory.mktemp("kitchen") / "rec"
    assert saycan_main(["--task", "bring me a sponge", "--mode", "oracle-plan", "--plan", PLAN, "--seed", "3",
                        "--record", str(d), "--quiet"]) == 0
    return d


@pytest.mark.slow
def test_kitchen_replay_reproduces_the_final_state(kitchen_record, tmp_path, capsys):
    assert replay.main([str(kitchen_record), "--html", str(tmp_path / "k.html"), "--gif", str(tmp_path / "k.gif")]) == 0
    out = capsys.readouterr().out
    assert "replay OK" in out and "pick up the sponge" in out
    page = (tmp_path / "k.html").read_text()
    assert "pick up the sponge" in page and "data:image/png;base64" in page
    assert (tmp_path / "k.gif").stat().st_size > 1000


@pytest.mark.slow
def test_kitchen_replay_detects_a_doctored_record(kitchen_record, tmp_path, capsys):
    d = tmp_path / "doctored"
    shutil.copytree(kitchen_record, d)
    doc = json.loads((d / "episode.json").read_text())
    doc["final_state"]["objects"] = [o for o in doc["final_state"]["objects"] if o[0] != "sponge"]
    (d / "episode.json").write_text(json.dumps(doc))
    assert replay.main([str(d)]) == 1
    assert capsys.readouterr().err.startswith("error:")
