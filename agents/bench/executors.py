"""Executors run episode specs and yield their records as they finish: serial, a process pool, or Ray.

Every executor calls the same pure ``agents.bench.runner.run_spec``, so the records are the same whichever runs
them (timing aside). Workers keep loaded models in the per-process cache of ``agents.runtime``, so each worker loads
a model once however many episodes it runs. Add an executor with ``@EXECUTORS.register("name")``.
"""
from __future__ import annotations

import gc
import os
import signal
from abc import ABC, abstractmethod
from typing import Iterator, Sequence

from agents.bench.config import BenchConfig
from agents.bench.runner import EpisodeSpec, run_spec
from agents.bench.signals import Terminated, descendants, keep_signal_handlers, stop_processes, watch_parent
from compose.errors import optional_import
from compose.registry import Registry


class Executor(ABC):
    def __init__(self, config: BenchConfig):
        self.config = config

    @abstractmethod
    def run(self, specs: Sequence[EpisodeSpec]) -> Iterator[dict]:
        """Yield one record (or fatal marker) per spec, in completion order."""

    def close(self) -> None:
        """Stop outstanding work and release workers. Safe to call twice."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


EXECUTORS: Registry[Executor] = Registry("executor")


def make_executor(config: BenchConfig) -> Executor:
    return EXECUTORS.get(config.executor)(config)


@EXECUTORS.register("serial")
class SerialExecutor(Executor):
    def run(self, specs):
        for spec in specs:
            yield run_spec(spec, self.config)


_WORKER_CONFIG: BenchConfig | None = None


def _init_worker(config: BenchConfig, gate=None) -> None:
    global _WORKER_CONFIG
    _WORKER_CONFIG = config
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it stops the workers
    watch_parent()  # a main process killed outright (SIGKILL) must not leave workers holding models
    if gate is not None:
        from compose.llm.openai_server import set_request_gate

        set_request_gate(gate)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # share the cores: N workers each running torch on every core would oversubscribe them
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(1, config.workers)))


def _run_in_worker(spec: EpisodeSpec) -> dict:
    return run_spec(spec, _WORKER_CONFIG)


@EXECUTORS.register("process")
class ProcessExecutor(Executor):
    """A pool of spawned processes (spawn: no forked model or simulator state)."""

    def __init__(self, config):
        super().__init__(config)
        self.pool = None

    def run(self, specs):
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        if not specs:
            return
        ctx = multiprocessing.get_context("spawn")
        gate = None
        if self.config.llm.backend == "openai" and self.config.server_concurrency:
            gate = ctx.BoundedSemaphore(self.config.server_concurrency)  # shared by every worker's client
        self.pool = ProcessPoolExecutor(max_workers=min(self.config.workers, len(specs)), mp_context=ctx,
                                        initializer=_init_worker, initargs=(self.config, gate))
        pending = {self.pool.submit(_run_in_worker, s) for s in specs}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
        pool, self.pool = self.pool, None
        pool.shutdown(wait=True)  # all work done: let idle workers exit cleanly (no leaked semaphores)

    def close(self):
        if self.pool is not None:
            procs = list(getattr(self.pool, "_processes", {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for p in procs:  # workers may be mid-episode: stop them now
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join(timeout=5)
            self.pool = None


class _RayWorker:
    """Body of a Ray actor: holds the config; the model cache lives in the actor's process."""

    def __init__(self, config: BenchConfig):
        _init_worker(config)

    def run(self, spec: EpisodeSpec) -> dict:
        return _run_in_worker(spec)


def _kill_actors(ray, actors: list) -> None:
    """Kill and forget every actor of ``actors`` (emptied in place; no local variable keeps a handle, see close)."""
    while actors:
        try:
            ray.kill(actors.pop())
        except Exception:  # already gone
            pass


@EXECUTORS.register("ray")
class RayExecutor(Executor):
    """Ray actors (one per --workers); local ``ray.init()`` unless --ray-address names a cluster."""

    def __init__(self, config):
        super().__init__(config)
        self.ray = optional_import("ray", "ray", "ray==2.60.0")
        self.actors: list = []
        self.started = False  # this executor started a local Ray (its processes are ours to stop)
        self.connected = False  # this executor called ray.init (so it disconnects in close)

    def run(self, specs):
        ray = self.ray
        if not specs:
            return
        if not ray.is_initialized():
            kwargs = {"address": self.config.ray_address} if self.config.ray_address else {
                "num_cpus": self.config.workers, "include_dashboard": False}
            self.started, self.connected = not self.config.ray_address, True
            try:
                with keep_signal_handlers():  # ray.init installs a SIGTERM handler that only calls sys.exit
                    ray.init(log_to_driver=False, configure_logging=False, **kwargs)
            except SystemExit as exc:  # SIGTERM arrived while Ray was starting
                if exc.code == signal.SIGTERM:
                    raise Terminated(signal.SIGTERM) from None
                raise
        actor_cls = ray.remote(num_cpus=1)(_RayWorker)
        n = min(self.config.workers, len(specs))
        if self.config.llm.backend == "openai" and self.config.server_concurrency:
            n = min(n, self.config.server_concurrency)  # actors may sit on other nodes: bound them, not a semaphore
        self.actors = [actor_cls.remote(self.config) for _ in range(n)]
        queue = list(specs)
        running = {}
        actor = ref = None
        try:
            for actor in self.actors:
                if queue:
                    running[actor.run.remote(queue.pop(0))] = actor
            while running:
                ref = ray.wait(list(running), num_returns=1)[0][0]
                actor = running.pop(ref)
                if queue:
                    running[actor.run.remote(queue.pop(0))] = actor
                yield ray.get(ref)
        finally:  # this frame outlives the run (see close): it must not keep a handle or a ref
            running.clear()
            actor = ref = None  # noqa: F841

    def close(self):
        _kill_actors(self.ray, self.actors)
        procs = descendants() if self.started else []  # a local Ray's processes all descend from this one
        if self.connected and self.ray.is_initialized():
            # Frames that held actor handles or object refs end up in reference cycles (``run``'s frame is kept by
            # the frames of ``ray.init`` through f_back; any frame by an exception's traceback). Collected later,
            # while this process is connected to another Ray session, a handle's __del__ would drop a reference in
            # *that* session -- and actor ids repeat from one fresh cluster to the next (job 1, same driver task), so
            # a new actor is released ("all references to the actor were removed ... never ran - cancelled"). Hence
            # no frame keeps one (run's finally, _kill_actors), and what is left is collected now, in its session.
            gc.collect()
            self.ray.shutdown()
        stop_processes(procs)  # ray.shutdown leaves some of a local Ray's agents running
        self.started = self.connected = False
