"""One benchmark at a time per output folder: ``DIR/.benchmark.lock`` (the PyPI package ``filelock``) is held for the
whole run, and ``DIR/.benchmark.lock.json`` says who holds it (pid, host, start time, command line), so a second run
on the same ``--out`` is refused at once with a message naming the first one instead of writing every episode twice.

The lock is an OS file lock (``flock``): the kernel drops it when its process dies, even by SIGKILL, so a crashed run
never blocks the next one; its info file is then simply overwritten.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

from filelock import FileLock, Timeout

from compose.errors import SocraticError

LOCK_NAME = ".benchmark.lock"
INFO_NAME = ".benchmark.lock.json"


class OutputInUseError(SocraticError):
    """Another benchmark is writing into the same output folder."""

    exit_code = 3


def _describe(info: dict) -> str:
    if not info:
        return "another benchmark (no details recorded)"
    started = info.get("started")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) if isinstance(started, (int, float)) else "?"
    cmd = " ".join(info.get("argv") or [])
    return (f"pid {info.get('pid', '?')} on host {info.get('host', '?')}, started {when}"
            + (f" ({cmd})" if cmd else ""))


class OutputLock:
    """``with OutputLock(out_dir):`` -- hold the folder for one run or raise OutputInUseError naming the holder."""

    def __init__(self, out_dir: str | os.PathLike):
        self.dir = Path(out_dir)
        self.info_path = self.dir / INFO_NAME
        self._lock = FileLock(str(self.dir / LOCK_NAME), timeout=0)

    def holder(self) -> dict:
        try:
            info = json.loads(self.info_path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}

    def acquire(self) -> "OutputLock":
        self.dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise OutputInUseError(f"--out {self.dir} is in use by another benchmark: {_describe(self.holder())}; "
                                   f"wait for it to finish (or stop it), or choose another --out") from None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(), "argv": list(sys.argv)}
        tmp = self.info_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(info, indent=1) + "\n", "utf-8")
        os.replace(tmp, self.info_path)
        return self

    def release(self) -> None:
        if self._lock.is_locked:
            self.info_path.unlink(missing_ok=True)
            self._lock.release(force=True)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
