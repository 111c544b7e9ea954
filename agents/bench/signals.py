"""SIGTERM (and SIGHUP) stop a benchmark the way Ctrl-C does: the main thread gets an exception, the executor's
``close()`` stops its worker processes or Ray actors, finished episodes stay saved, and nothing is left running.

Without this, SIGTERM kills only the main process: a process pool's workers (each holding a model) and
multiprocessing's resource tracker would stay alive. Workers also watch their parent (``watch_parent``) so that even
a SIGKILL of the main process does not leave them running.
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal other than SIGINT; ``exit_code`` is 128 + the signal number."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = 128 + signum


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
RECEIVED: list[int] = []  # stop signals seen (a library may turn our exception into a plain KeyboardInterrupt)


def stop_signal(exc: BaseException) -> int | None:
    """The stop signal behind ``exc`` (a Terminated, or a KeyboardInterrupt raised while handling one), or None."""
    if isinstance(exc, Terminated):
        return exc.signum
    return RECEIVED[-1] if RECEIVED and isinstance(exc, KeyboardInterrupt) else None


@contextlib.contextmanager
def stop_on_signals():
    """Within the block, SIGTERM/SIGHUP raise ``Terminated`` in the main thread (elsewhere: a plain block)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        RECEIVED.append(signum)
        raise Terminated(signum)

    old = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)


def watch_parent(interval_s: float = 1.0) -> None:
    """In a worker: exit at once when the parent process is gone (it was killed without a chance to stop us)."""
    parent = os.getppid()

    def loop():
        import time

        while True:
            time.sleep(interval_s)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=loop, name="watch-parent", daemon=True).start()


@contextlib.contextmanager
def keep_signal_handlers():
    """Restore this process's SIGTERM/SIGINT/SIGHUP handlers after the block (libraries such as Ray install their
    own on start-up, which would bypass the clean stop)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in saved.items():
            if h is not None:
                signal.signal(s, h)


def descendants() -> list:
    """This process's child processes, recursively (psutil), or [] when psutil is not installed."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil ships with the ray extra
        return []
    try:
        return psutil.Process().children(recursive=True)
    except psutil.Error:
        return []


def stop_processes(procs, grace_s: float = 5.0) -> None:
    """Terminate ``procs`` (psutil.Process objects) still running after ``grace_s``; kill those that ignore it."""
    if not procs:
        return
    import psutil

    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for p in alive:
        try:
            p.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(alive, timeout=grace_s)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
