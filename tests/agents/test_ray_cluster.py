"""Scale out on a real engine (issue 14): a two-node Ray cluster started on this machine with ``ray start --head`` and
a second ``ray start --address`` (own temp dir and ports), a benchmark run on it with ``--executor ray --ray-address``
gives the same records as a serial run; the cluster is stopped in a finally, by pid (its own processes only: ``ray
stop`` would kill every Ray process on the machine), and none of them may be left. Small: one CPU and 80 MB of object
store per node, the deterministic fake episode runner.

It shares the pytest process with the other Ray tests (a local ``ray.init`` by the Ray executor), which must leave no
Ray session connected; the benchmark on the cluster runs as its own process (see the test).
"""
import gc
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.agents.bench_helpers import ROOT, bench_args, run_cli, run_subprocess, stable_episodes

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
OBJECT_STORE = str(80 * 1024 * 1024)


def free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def node_args(ports: list[int], temp_dir: str) -> list[str]:
    nm, om, metrics, agent_grpc, agent_http, runtime_env, wmin = ports[:7]
    return ["--num-cpus", "1", "--object-store-memory", OBJECT_STORE, "--temp-dir", temp_dir,
            "--node-ip-address", "127.0.0.1", "--node-manager-port", str(nm), "--object-manager-port", str(om),
            "--metrics-export-port", str(metrics), "--dashboard-agent-grpc-port", str(agent_grpc),
            "--dashboard-agent-listen-port", str(agent_http), "--runtime-env-agent-port", str(runtime_env),
            "--min-worker-port", str(wmin), "--max-worker-port", str(wmin + 20), "--disable-usage-stats"]


def cluster_processes(temp_dirs) -> dict:
    """The processes of this cluster: those whose command line names one of its temp dirs, and their children."""
    import psutil

    procs = {}
    for p in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if any(d in cmd for d in temp_dirs):
            procs[p.pid] = p
            try:
                procs.update({c.pid: c for c in p.children(recursive=True)})
            except psutil.Error:
                pass
    procs.pop(os.getpid(), None)
    return procs


def stop_cluster(temp_dirs) -> list[str]:
    """Stop exactly the Ray processes of this cluster by pid (``ray stop`` would kill every Ray process on the
    machine, other users' too); the command lines of any still running afterwards."""
    import psutil

    procs = cluster_processes(temp_dirs)
    for p in procs.values():
        try:
            p.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(list(procs.values()), timeout=15)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=10)
    left = []
    for p in cluster_processes(temp_dirs).values():
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                left.append(" ".join(p.cmdline())[:200])
        except psutil.Error:
            pass
    return left


@pytest.fixture
def no_ray_session():
    """No Ray session of an earlier test is connected, and its leftover handles are collected, before this test."""
    ray = pytest.importorskip("ray")
    gc.collect()
    assert not ray.is_initialized(), "an earlier test left a Ray session connected"
    yield
    if ray.is_initialized():
        ray.shutdown()


def test_two_node_cluster_gives_the_same_records_as_serial(tmp_path, no_ray_session):
    ray = shutil.which("ray", path=str(Path(sys.executable).parent)) or shutil.which("ray")
    assert ray, "the ray command line (pip install 'socratic-agents[ray]')"
    # Unix socket paths must stay short: temp dirs directly under /tmp
    head_tmp, worker_tmp = tempfile.mkdtemp(prefix="rh"), tempfile.mkdtemp(prefix="rw")
    ports = free_ports(1) + sorted(set(free_ports(12)))
    gcs = ports[0]
    # worker port ranges of 21 ports each, away from the ephemeral range the others came from
    base = 20000 + (os.getpid() % 200) * 50
    head_ports = ports[1:7] + [base]
    worker_ports = ports[7:13] + [base + 25]
    address = f"127.0.0.1:{gcs}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}
    env.pop("RAY_ADDRESS", None)
    try:
        subprocess.run([ray, "start", "--head", "--port", str(gcs), "--include-dashboard=false",
                        *node_args(head_ports, head_tmp)], env=env, check=True, timeout=300, capture_output=True)
        subprocess.run([ray, "start", "--address", address, *node_args(worker_ports, worker_tmp)], env=env,
                       check=True, timeout=300, capture_output=True)
        # the autoscaler's status lists a node a few seconds after it joined (longer on a loaded machine): poll
        deadline = time.monotonic() + 120
        while True:
            status = subprocess.run([ray, "status", "--address", address], env=env, capture_output=True, text=True,
                                    timeout=120)
            if status.stdout.count("node_") >= 2 or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert status.stdout.count("node_") >= 2, status.stdout + status.stderr

        # the driver is a fresh process, as a user runs it: a process that already held another Ray session (the
        # local ray.init of the executor tests) gets its actors on a new cluster destroyed at once by the GCS
        # ("worker 01000000ff.. failed", the same driver worker id as its earlier session's)
        got = run_subprocess(bench_args(tmp_path / "ray", "--executor", "ray", "--workers", "2", "--seeds", "2",
                                        "--ray-address", address), env=env, timeout=600)
        assert got.returncode == 0, got.stderr[-3000:]
        assert run_cli(bench_args(tmp_path / "serial", "--seeds", "2")) == 0
        ray_eps, serial_eps = stable_episodes(tmp_path / "ray"), stable_episodes(tmp_path / "serial")
        assert len(serial_eps) >= 8 and ray_eps == serial_eps
    finally:
        left = stop_cluster([head_tmp, worker_tmp])
        shutil.rmtree(head_tmp, ignore_errors=True)
        shutil.rmtree(worker_tmp, ignore_errors=True)
    assert not left, f"cluster processes still running: {left}"
