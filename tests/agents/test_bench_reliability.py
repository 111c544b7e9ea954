"""The benchmark's output folder is locked (a second run on it is refused naming the first), and SIGTERM/SIGINT stop
every worker process (process executor) and Ray actor, leaving nothing running (issue 14)."""
import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from agents.bench.lock import INFO_NAME, OutputLock
from tests.agents.bench_helpers import ROOT, bench_args, episodes, run_cli

pytestmark = pytest.mark.timeout(600)


def start(args, sleep="1.5"):
    env = {**os.environ, "FAKE_RUNNER_SLEEP": sleep, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "agents.benchmark", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(cond, timeout=120.0, what="condition"):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def alive(pids) -> list[int]:
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def test_second_run_on_same_out_is_refused_naming_the_first(tmp_path, capsys):
    out = tmp_path / "out"
    with OutputLock(out):
        info = json.loads((out / INFO_NAME).read_text())
        code = run_cli(bench_args(out))
        err = capsys.readouterr().err
    assert code == 3
    assert err.startswith(f"error: --out {out} is in use by another benchmark: pid {os.getpid()} on host "
                          f"{info['host']}, started ")
    assert not (out / "episodes.jsonl").exists()
    assert run_cli(bench_args(out)) == 0  # released: the folder is usable again
    assert not (out / INFO_NAME).exists()


@pytest.mark.slow
def test_two_processes_at_once_one_refused_no_duplicates(tmp_path):
    out = tmp_path / "out"
    first = start(bench_args(out))
    try:
        wait_for(lambda: (out / INFO_NAME).exists(), what="the first run's lock")
        second = subprocess.run([sys.executable, "-m", "agents.benchmark", *bench_args(out)], cwd=ROOT,
                                capture_output=True, text=True, timeout=300)
        assert second.returncode == 3
        assert f"is in use by another benchmark: pid {first.pid} on host" in second.stderr
        assert first.wait(timeout=300) == 0, first.stderr.read()
    finally:
        first.kill()
    keys = [(r["id"], r["mode"], r["seed"]) for r in episodes(out)]
    assert len(keys) == len(set(keys)) > 0


@pytest.mark.slow
def test_killed_run_does_not_block_the_next(tmp_path):
    out = tmp_path / "out"
    first = start(bench_args(out), sleep="5")
    wait_for(lambda: (out / INFO_NAME).exists(), what="the lock")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    assert run_cli(bench_args(out, "--resume")) == 0


def _workers(parent, marker):
    found = []
    for p in parent.children(recursive=True):
        try:
            if marker in " ".join(p.cmdline()) or marker in p.name():
                found.append(p)
        except psutil.Error:
            pass
    return found


def _stop_and_check(args, sig, expect_code, marker, n_workers, tmp_path, sleep="30"):
    proc = start(args, sleep=sleep)
    try:
        parent = psutil.Process(proc.pid)
        wait_for(lambda: len(_workers(parent, marker)) >= n_workers, timeout=300,
                 what=f"{n_workers} workers ({marker})")
        time.sleep(2.0)  # let the workers start their episodes
        tree = [p.pid for p in parent.children(recursive=True)]
        proc.send_signal(sig)
        code = proc.wait(timeout=120)
        err = proc.stderr.read()
    finally:
        proc.kill()
    wait_for(lambda: not alive(tree), timeout=30, what=f"processes {alive(tree)} to exit")
    return code, err, tree


@pytest.mark.slow
@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_process_workers_and_leaves_nothing_running(tmp_path, sig, code):
    args = bench_args(tmp_path / "out", "--executor", "process", "--workers", "2")
    got, err, tree = _stop_and_check(args, sig, code, "multiprocessing", 2, tmp_path)
    assert got == code, err
    assert len(tree) >= 2 and "Traceback" not in err
    assert ("stopped by SIGTERM" in err) if sig == signal.SIGTERM else ("interrupted" in err)


@pytest.mark.slow
def test_sigterm_stops_ray_actors_and_local_ray(tmp_path):
    pytest.importorskip("ray")
    args = bench_args(tmp_path / "out", "--executor", "ray", "--workers", "2")
    got, err, tree = _stop_and_check(args, signal.SIGTERM, 143, "RayWorker", 2, tmp_path)
    assert got == 143, err
    assert "stopped by SIGTERM" in err
