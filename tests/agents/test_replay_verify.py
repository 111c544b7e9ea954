"""Replay verifies the whole trajectory (issue 14): the five tamperings of a recorded kitchen episode -- a flipped
success flag, a replaced plan, an inserted step, a deleted frame, another seed -- each exit 1 naming the step and
field with both values in full; an untouched record and an older record (no frame hashes, no digests) pass."""
import json
import shutil

import pytest

from agents import replay
from agents.saycan import main as saycan_main

PLAN = "find a sponge;pick up the sponge;bring it to you;put down the sponge;done"


@pytest.fixture(scope="module")
def record_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("verify") / "rec"
    assert saycan_main(["--task", "bring me a sponge", "--mode", "oracle-plan", "--plan", PLAN, "--seed", "3",
                        "--record", str(d), "--quiet"]) == 0
    return d


def _copy(record_dir, tmp_path):
    d = tmp_path / "copy"
    shutil.copytree(record_dir, d)
    return d


def _edit(d, fn):
    path = d / "episode.json"
    doc = json.loads(path.read_text())
    fn(doc)
    path.write_text(json.dumps(doc, indent=1))


def _replay(d, capsys):
    code = replay.main([str(d)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.slow
def test_record_holds_frame_hashes_and_digests_and_replays_ok(record_dir, capsys):
    doc = json.loads((record_dir / "episode.json").read_text())
    assert len(doc["frame_hashes"]) == len(doc["steps"]) + 1 == len(list((record_dir / "frames").glob("*.png")))
    assert set(doc["integrity"]["fields"]) >= {"seed", "plan", "task", "final_state", "frame_hashes"}
    code, out, err = _replay(record_dir, capsys)
    assert code == 0, err
    assert "replay OK" in out


def _flip_success(doc):
    doc["steps"][1]["success"] = not doc["steps"][1]["success"]


def _replace_plan(doc):
    doc["plan"] = ["find an apple", "pick up the apple", "bring it to you", "put down the apple", "done"]


def _insert_step(doc):
    doc["steps"].insert(2, dict(doc["steps"][1]))


def _other_seed(doc):
    doc["seed"] = doc["seed"] + 1


@pytest.mark.slow
@pytest.mark.parametrize("tamper, needles", [
    (_flip_success, ["step 1: success: recorded false, replayed true"]),
    (_replace_plan, ['record: plan: recorded ["find an apple", "pick up the apple", "bring it to you", '
                     '"put down the apple", "done"], executed steps ["find a sponge", "pick up the sponge", '
                     '"bring it to you", "put down the sponge", "done"]']),
    (_insert_step, ["step 2: index: recorded 1, position 2", "step 2: success: recorded true, replayed false",
                    "record: steps (count): recorded 6, saved 5"]),
    (_other_seed, ["record: seed: recorded 4, saved <a different value"]),
], ids=["flipped-success", "replaced-plan", "inserted-step", "other-seed"])
def test_tampered_record_exits_1_naming_step_and_field(record_dir, tmp_path, capsys, tamper, needles):
    d = _copy(record_dir, tmp_path)
    _edit(d, tamper)
    code, out, err = _replay(d, capsys)
    assert code == 1
    assert err.startswith("error: replay does not reproduce the record")
    assert "replay OK" not in out
    for needle in needles:
        assert needle in err, err


@pytest.mark.slow
def test_deleted_frame_is_named(record_dir, tmp_path, capsys):
    d = _copy(record_dir, tmp_path)
    (d / "frames" / "002.png").unlink()
    code, _, err = _replay(d, capsys)
    assert code == 1
    assert "frame 2: file frames/002.png: recorded <sha256 " in err and "found <missing or unreadable>" in err


@pytest.mark.slow
def test_long_values_are_shown_in_full(record_dir, tmp_path, capsys):
    d = _copy(record_dir, tmp_path)
    long_reason = "x" * 300 + " the end"
    _edit(d, lambda doc: doc["steps"][0].update(reason=long_reason))
    code, _, err = _replay(d, capsys)
    assert code == 1
    assert f'step 0: reason: recorded "{long_reason}", replayed ""' in err


@pytest.mark.slow
def test_older_record_without_hashes_still_replays_and_checks_frames(record_dir, tmp_path, capsys):
    d = _copy(record_dir, tmp_path)
    _edit(d, lambda doc: [doc.pop(k) for k in ("frame_hashes", "integrity")])
    code, out, err = _replay(d, capsys)
    assert code == 0, err
    (d / "frames" / "003.png").unlink()  # the re-run renders 6 frames, the folder now holds 5
    code, _, err = _replay(d, capsys)
    assert code == 1 and "frames: count: recorded 5, replayed 6" in err
    d2 = tmp_path / "copy2"
    shutil.copytree(record_dir, d2)
    _edit(d2, lambda doc: [doc.pop(k) for k in ("frame_hashes", "integrity")] and None)
    _edit(d2, lambda doc: doc.update(seed=doc["seed"] + 1))  # no digest: the re-run itself finds the other seed
    code, _, err = _replay(d2, capsys)
    assert code == 1 and "frame 1: pixels: recorded <sha256 " in err and "frames: count" not in err
