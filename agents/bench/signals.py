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


@contextlib.contextmanager
def stop_on_signals():
    """Within the block, SIGTERM/SIGHUP raise ``Terminated`` in the main thread (elsewhere: a plain block)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
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
