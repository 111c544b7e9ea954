"""Episode records: everything needed to replay an episode exactly, as a directory.

Layout of a record directory::

    DIR/episode.json      {"format": "socratic-episode/1", "world", "task", "config", "seed", "initial_state",
                           "steps": [...], "final_state", "outcome"}
    DIR/frames/NNN.png    optional frames rendered at decision points (frame k is before step k; the last after)

Each step is a dict with at least "index", "skill" (or "action" for navigation), "success", and for the kitchen
"t", "t_end" (simulated seconds), "reason", "perception", "state" (after the step) and the planner's scores.
Replaying = rebuilding the world from (seed, task init) and applying the recorded actions; each world's
``WorldSpec.replayer`` (``envs.worlds``) names the function that does that and returns the final state, which must equal the recorded one.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from compose.errors import InvalidInputError
from compose.registry import load_entry
from envs.worlds import WORLDS

FORMAT = "socratic-episode/1"
REQUIRED = ("format", "world", "task", "seed", "steps", "final_state")


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (set, tuple)):
        return list(obj)
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


def to_jsonable(obj):
    """Round-trip through JSON so records compare equal before and after saving."""
    return json.loads(json.dumps(obj, default=_json_default))


class EpisodeRecorder:
    """Writes a record directory as the episode runs; ``save`` writes episode.json atomically."""

    def __init__(self, directory: str | os.PathLike):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n_frames = 0

    def add_frame(self, image: np.ndarray) -> str:
        from PIL import Image

        frames = self.dir / "frames"
        frames.mkdir(exist_ok=True)
        name = f"frames/{self.n_frames:03d}.png"
        Image.fromarray(np.asarray(image, dtype=np.uint8)).save(self.dir / name)
        self.n_frames += 1
        return name

    def save(self, record: dict) -> Path:
        record = dict(record, format=FORMAT)
        path = self.dir / "episode.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(record, indent=1, default=_json_default))
        os.replace(tmp, path)
        return path


def load_record(directory: str | os.PathLike) -> dict:
    """Read and validate a record directory; a corrupt or truncated record raises InvalidInputError."""
    path = Path(directory)
    if path.is_dir():
        path = path / "episode.json"
    if not path.exists():
        raise InvalidInputError(f"no episode record at {path}")
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path}: corrupt or truncated episode record ({exc})") from None
    if not isinstance(record, dict):
        raise InvalidInputError(f"{path}: an episode record must be a JSON object")
    missing = [k for k in REQUIRED if k not in record]
    if missing:
        raise InvalidInputError(f"{path}: episode record lacks {', '.join(missing)}")
    if record["format"] != FORMAT:
        raise InvalidInputError(f"{path}: unknown record format {record['format']!r} (expected {FORMAT!r})")
    if not isinstance(record["steps"], list):
        raise InvalidInputError(f"{path}: 'steps' must be a list")
    record["_path"] = str(path.parent)
    return record


def replayer(world: str):
    """The function that replays a record of ``world`` (its ``WorldSpec.replayer``)."""
    return load_entry(WORLDS.get(world).replayer)
