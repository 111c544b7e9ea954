"""DIR/episodes.jsonl: one record per finished episode, appended, flushed and fsynced as each finishes.

A run killed mid-write leaves at most a truncated last line; ``EpisodeStore.open(resume=True)`` drops it and keeps
every complete record, so a resumed run never duplicates or loses a finished episode. A record marked ``"retry":
true`` (its model server failed) does not count as finished: a resumed run reruns it and the later line wins.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from pathlib import Path

from agents.bench.runner import record_key
from compose.errors import InvalidInputError

EPISODES = "episodes.jsonl"
RUN_CONFIG = "run_config.json"


@contextlib.contextmanager
def _no_interrupt():
    """Defer Ctrl-C until the block is done (main thread only; elsewhere a plain block)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    old = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old if old is not None else signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt


class EpisodeStore:
    def __init__(self, out_dir: str | Path):
        self.dir = Path(out_dir)
        self.path = self.dir / EPISODES
        self.records: dict[tuple, dict] = {}
        self._fh = None

    def open(self, resume: bool, episode_fields: dict) -> "EpisodeStore":
        """Prepare DIR; with ``resume`` load finished records, else refuse a DIR that already has episodes."""
        if self.dir.exists() and not self.dir.is_dir():
            raise InvalidInputError(f"--out {self.dir} exists and is not a folder")
        self.dir.mkdir(parents=True, exist_ok=True)
        cfg_path = self.dir / RUN_CONFIG
        has_episodes = self.path.exists() and self.path.stat().st_size > 0
        if has_episodes and not resume:
            raise InvalidInputError(f"{self.path} already holds episodes: pass --resume to continue that run, "
                                    f"or choose another --out")
        if resume and cfg_path.exists():
            old = json.loads(cfg_path.read_text("utf-8"))
            new = json.loads(json.dumps(episode_fields))
            # a setting the old run did not record (an older version) was at its empty default then
            diff = [k for k in new if old.get(k) != new[k] and (k in old or new[k])]
            if diff:
                raise InvalidInputError(
                    f"cannot resume {self.dir}: it was run with other settings ({', '.join(diff)}: "
                    + "; ".join(f"{k} was {old.get(k)!r}" for k in diff) + "); use another --out")
        if resume and has_episodes:
            self._load()
        cfg_path.write_text(json.dumps(episode_fields, indent=1, sort_keys=True) + "\n", "utf-8")
        self._fh = open(self.path, "a", encoding="utf-8")
        return self

    def _load(self) -> None:
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        good_end = 0  # byte offset after the last complete, valid line
        offset = 0
        for i, raw in enumerate(lines):
            complete = i < len(lines) - 1  # the piece after the last newline is incomplete
            end = offset + len(raw) + (1 if complete else 0)
            if raw.strip():
                try:
                    rec = json.loads(raw.decode("utf-8"))
                    ok = complete and isinstance(rec, dict) and all(k in rec for k in ("id", "mode", "seed"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    ok = False
                if not ok:
                    if any(x.strip() for x in lines[i + 1:]):
                        raise InvalidInputError(f"{self.path}:{i + 1}: corrupt record in the middle of the file; "
                                                f"fix or remove that line, then --resume")
                    break  # a truncated last line: the episode in flight when the run stopped
                key = record_key(rec)
                if key not in self.records or self.records[key].get("retry"):
                    self.records[key] = rec  # a rerun supersedes a record marked for retry
            offset = end
            good_end = end
        if good_end < len(data):
            with open(self.path, "r+b") as fh:
                fh.truncate(good_end)

    def __contains__(self, key) -> bool:
        """Is this episode finished? A record marked ``retry`` (the model server failed) is not: it runs again."""
        return key in self.records and not self.records[key].get("retry")

    def append(self, record: dict) -> None:
        """Write one record durably (flush + fsync) and remember it."""
        key = record_key(record)
        if key in self:
            return
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        with _no_interrupt():  # Ctrl-C lands after the record is on disk and counted, not halfway
            self._fh.write(line)
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self.records[key] = record

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
