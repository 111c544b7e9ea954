"""The SayCan command line: bad input gives a message and a non-zero exit; a real episode runs and records."""
import json
import subprocess
import sys

import pytest

from agents.saycan import main
from agents.cli import run_main

ORACLE = "find a sponge;pick up the sponge;bring it to you;put down the sponge;done"


def run(argv, capsys):
    code = run_main(main, argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("argv, needle", [
    (["--task", "   "], "task is empty"),
    (["--task", "x" * 5000], "limit is"),
    (["--task", "bring me a sponge", "--init", "{not json"], "--init is not valid JSON"),
    (["--task", "bring me a sponge", "--init", '{"objects": [["unicorn", "table"]]}'], "unicorn"),
    (["--task", "bring me a sponge", "--goal", '{"at": ["sponge", "moon"]}'], "moon"),
    (["--audio", "/nonexistent/request.wav"], "request.wav"),
    (["--task", "a", "--task-file", "x.jsonl"], "exactly one of"),
])
def test_bad_input_is_a_message_and_nonzero_exit(argv, needle, capsys):
    code, out, err = run(argv + ["--mode", "oracle-plan", "--plan", "done"], capsys)
    assert code != 0
    assert err.startswith("error: ") and needle in err
    assert "Traceback" not in err


def test_cli_process_never_prints_a_traceback_for_bad_input():
    proc = subprocess.run([sys.executable, "-m", "agents.saycan", "--task", ""], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "error:" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_oracle_episode_in_the_simulator_records_and_plots(tmp_path, capsys):
    rec, plot = tmp_path / "rec", tmp_path / "scores.png"
    code, out, err = run(["--task", "bring me a sponge", "--mode", "oracle-plan", "--plan", ORACLE,
                          "--goal", '{"at": ["sponge", "user"]}', "--record", str(rec), "--plot", str(plot)], capsys)
    assert code == 0, err
    assert "goal met" in out and "handed to the user: sponge" in out
    record = json.loads((rec / "episode.json").read_text())
    assert record["plan"] == ORACLE.split(";")
    assert record["outcome"]["goal_met"] is True
    assert ["sponge", "user"] in record["final_state"]["objects"]
    assert len(list((rec / "frames").glob("*.png"))) == len(record["steps"]) + 1
    assert plot.stat().st_size > 10_000


@pytest.mark.slow
def test_world_tabletop_runs_an_oracle_episode_and_checks_the_goal(tmp_path, capsys):
    plan = "pick the red block and place it on the blue bowl;done"
    code, out, err = run(["--world", "tabletop", "--task", "put the red block in the blue bowl", "--mode",
                          "oracle-plan", "--plan", plan, "--init", '{"blocks": ["red", "green"], "bowls": ["blue"]}',
                          "--goal", '{"on": ["red block", "blue bowl"]}', "--seed", "4", "--record",
                          str(tmp_path / "rec")], capsys)
    assert code == 0, err
    assert "goal met" in out
    record = json.loads((tmp_path / "rec" / "episode.json").read_text())
    assert record["world"] == "tabletop" and record["plan"] == plan.split(";")
    assert record["exec_success"] is True


def test_world_tabletop_rejects_a_kitchen_init(capsys):
    code, _, err = run(["--world", "tabletop", "--task", "stack the blocks", "--mode", "oracle-plan", "--plan", "done",
                        "--init", '{"blocks": ["mauve"]}'], capsys)
    assert code != 0 and err.startswith("error: ") and "mauve" in err
