"""SIGKILL a benchmark mid-run, resume it, and get exactly the results of an uninterrupted run."""
import json
import signal
import subprocess
import sys
import time

import pytest

from tests.agents.bench_helpers import ROOT, bench_args, episodes, run_cli, stable_episodes, stable_results

ARGS = ("--mode", "saycan", "--mode", "llm", "--seeds", "2")
TOTAL = 8 * 2 * 2


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["serial", "process"])
def test_sigkill_then_resume_equals_uninterrupted(tmp_path, executor):
    ref = tmp_path / "ref"
    assert run_cli(bench_args(ref, *ARGS)) == 0

    out = tmp_path / "killed"
    args = bench_args(out, *ARGS, "--executor", executor, "--workers", "2")
    env = {**__import__("os").environ, "FAKE_RUNNER_SLEEP": "0.3"}
    proc = subprocess.Popen([sys.executable, "-m", "agents.benchmark", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    path = out / "episodes.jsonl"
    deadline = time.time() + 120
    try:
        while time.time() < deadline and proc.poll() is None:
            if path.exists() and path.read_text().count("\n") >= 5:
                break
            time.sleep(0.05)
    finally:
        import os
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the pool's workers die too
        proc.wait()
    done = episodes(out)
    assert 5 <= len(done) < TOTAL, "the run should have been killed mid-way"
    with open(path, "ab") as fh:  # a record torn by the kill
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
