"""Kill a benchmark mid-run (SIGKILL or Ctrl-C), resume it, and get exactly the results of an uninterrupted run."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.agents.bench_helpers import ROOT, bench_args, episodes, run_cli, stable_episodes, stable_results

ARGS = ("--mode", "saycan", "--mode", "llm", "--seeds", "2")
TOTAL = 8 * 2 * 2


def _terminal_signals():
    # A run started like a user's in a terminal: if pytest itself was launched in the background ("cmd &" in a
    # script), SIGINT is ignored and would be inherited, and Python installs no Ctrl-C handler in the child.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_slow_run(out, *extra):
    args = bench_args(out, *ARGS, *extra)
    env = {**os.environ, "FAKE_RUNNER_SLEEP": "1.0"}
    return subprocess.Popen([sys.executable, "-m", "agents.benchmark", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_terminal_signals)


def wait_for_episodes(proc, out, n=5, timeout=120):
    path = out / "episodes.jsonl"
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if path.exists() and path.read_text().count("\n") >= n:
            return
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["serial", "process"])
def test_sigkill_then_resume_equals_uninterrupted(tmp_path, executor):
    ref = tmp_path / "ref"
    assert run_cli(bench_args(ref, *ARGS)) == 0

    out = tmp_path / "killed"
    proc = start_slow_run(out, "--executor", executor, "--workers", "2")
    try:
        wait_for_episodes(proc, out)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the pool's workers die too
        proc.communicate()
    done = episodes(out)
    assert 5 <= len(done) < TOTAL, "the run should have been killed mid-way"
    with open(out / "episodes.jsonl", "ab") as fh:  # a record torn by the kill
        fh.write(b'{"id": "smoke-fetch-sponge", "mode": "llm", "se')

    assert run_cli(bench_args(out, *ARGS, "--resume")) == 0
    recs = episodes(out)
    assert len(recs) == TOTAL  # nothing duplicated, nothing lost
    assert [json.dumps(r, sort_keys=True) for r in recs[: len(done)]] == [json.dumps(r, sort_keys=True) for r in done]
    assert stable_episodes(out) == stable_episodes(ref)
    assert stable_results(out) == stable_results(ref)

    # resuming a finished run runs nothing and changes nothing
    assert run_cli(bench_args(out, *ARGS, "--resume")) == 0
    assert len(episodes(out)) == TOTAL


@pytest.mark.slow
def test_ctrl_c_keeps_finished_episodes(tmp_path):
    out = tmp_path / "interrupted"
    proc = start_slow_run(out, "--executor", "process", "--workers", "2")
    try:
        wait_for_episodes(proc, out, n=3)
        os.killpg(proc.pid, signal.SIGINT)  # like Ctrl-C in a terminal: the whole process group
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130
    saved = len(episodes(out))
    assert f"interrupted: {saved} of {TOTAL} episodes are saved" in err and "--resume" in err
    assert "Traceback" not in err
    assert run_cli(bench_args(out, *ARGS, "--resume")) == 0
    assert len(episodes(out)) == TOTAL
