"""Serial, process-pool and Ray executors give the same episodes and results (fake runner, a few tasks)."""
import gc

import pytest

from agents.bench.config import parse_args
from agents.bench.executors import EXECUTORS, make_executor
from compose.errors import UnknownNameError
from tests.agents.bench_helpers import bench_args, run_cli, stable_episodes, stable_results

ARGS = ("--mode", "saycan", "--mode", "llm", "--seeds", "2", "--limit", "4")


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    assert run_cli(bench_args(out, *ARGS)) == 0
    return out


def test_registry_lists_executors():
    assert EXECUTORS.names() == ["process", "ray", "serial"]
    with pytest.raises(UnknownNameError, match="known: process, ray, serial"):
        EXECUTORS.get("threads")
    assert type(make_executor(parse_args(["--tasks", "t", "--out", "o"]))).__name__ == "SerialExecutor"


def test_process_pool_matches_serial(serial_run, tmp_path):
    out = tmp_path / "process"
    assert run_cli(bench_args(out, *ARGS, "--executor", "process", "--workers", "2")) == 0
    assert stable_episodes(out) == stable_episodes(serial_run)
    assert stable_results(out) == stable_results(serial_run)


def _ray_handles(ray) -> list:
    return [o for o in gc.get_objects() if isinstance(o, (ray.actor.ActorHandle, ray.ObjectRef))]


@pytest.mark.slow
def test_ray_matches_serial(serial_run, tmp_path):
    ray = pytest.importorskip("ray", reason="the ray extra is not installed")
    out = tmp_path / "ray"
    # With the cyclic collector off, any actor handle or object ref of the run still in memory afterwards is one that
    # a later collection would release inside whatever Ray session is then connected (actor ids repeat across fresh
    # clusters), cancelling that session's actors: the executor must leave none, and no session connected.
    gc.disable()
    try:
        assert run_cli(bench_args(out, *ARGS, "--executor", "ray", "--workers", "2")) == 0
        assert not ray.is_initialized()
        assert _ray_handles(ray) == []
    finally:
        gc.enable()
    assert stable_episodes(out) == stable_episodes(serial_run)
    assert stable_results(out) == stable_results(serial_run)
