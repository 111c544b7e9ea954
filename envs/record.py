"""Episode records: everything needed to replay an episode exactly, as a directory.

Layout of a record directory::

    DIR/episode.json      {"format": "socratic-episode/1", "world", "task", "config", "seed", "initial_state",
                           "steps": [...], "final_state", "outcome"}
    DIR/frames/NNN.png    optional frames rendered at decision points (frame k is before step k; the last after)

Records written since issue 14 also hold ``frame_hashes`` (``frame_digest`` of each frame, in order) and
``integrity`` (sha256 of every top-level field and of every step at save time); older records lack both and stay
readable -- ``agents.replay_verify`` then checks the frame files against the re-run instead.

Each step is a dict with at least "index", "skill" (or "action" for navigation), "success", and for the kitchen
"t", "t_end" (simulated seconds), "reason", "perception", "state" (after the step) and the planner's scores.
Replaying = rebuilding the world from (seed, task init) and applying the recorded actions; each world's
``WorldSpec.replayer`` (``envs.worlds``) names the function that does that and returns the final state, which must equal the recorded one.
"""
from __future__ import annotations

import hashlib
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


def frame_digest(image) -> str:
    """sha256 of a frame's pixels (shape and uint8 bytes), the same for the array and its lossless PNG."""
    arr = np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    h = hashlib.sha256(f"{arr.shape}".encode())
    h.update(arr.tobytes())
    return h.hexdigest()


def file_frame_digest(path: str | os.PathLike) -> str | None:
    """``frame_digest`` of a PNG on disk; None when the file is missing or unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return frame_digest(np.asarray(im.convert("RGB")))
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def integrity(record: dict) -> dict:
    """Per-field sha256 digests of a record (each step on its own), taken when it is saved, so that any later edit
    is found and named (``agents.replay_verify``); fields starting with "_" and the block itself are left out."""
    fields = {k: _digest(v) for k, v in record.items() if k != "integrity" and not str(k).startswith("_")}
    steps = [_digest(s) for s in record.get("steps") or []] if isinstance(record.get("steps"), list) else []
    return {"algorithm": "sha256", "fields": fields, "steps": steps}


class EpisodeRecorder:
    """Writes a record directory as the episode runs; ``save`` writes episode.json atomically, with the digest of
    every frame (``frame_hashes``) and of every field (``integrity``)."""

    def __init__(self, directory: str | os.PathLike):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n_frames = 0
        self.frame_hashes: list[str] = []

    def add_frame(self, image: np.ndarray) -> str:
        from PIL import Image

        frames = self.dir / "frames"
        frames.mkdir(exist_ok=True)
        name = f"frames/{self.n_frames:03d}.png"
        arr = np.asarray(image, dtype=np.uint8)
        Image.fromarray(arr).save(self.dir / name)
        self.frame_hashes.append(frame_digest(arr))
        self.n_frames += 1
        return name

    def save(self, record: dict) -> Path:
        record = dict(record, format=FORMAT)
        if self.frame_hashes:
            record["frame_hashes"] = list(self.frame_hashes)
        record = to_jsonable(record)
        record["integrity"] = integrity(record)
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
    problem = _shape_problem(record)
    if problem:
        raise InvalidInputError(f"{path}: {problem}")
    record["_path"] = str(path.parent)
    return record


def _shape_problem(record: dict) -> str | None:
    """What is wrong with a parsed record's shape (types of the fields replay reads), or None."""
    if not isinstance(record["world"], str) or record["world"] not in WORLDS:
        return f"unknown world {record['world']!r}; known: {', '.join(WORLDS.names())}"
    if not isinstance(record["task"], dict):
        return "'task' must be an object"
    seed = record["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        return f"'seed' must be an integer >= 0, got {seed!r}"
    if not isinstance(record["steps"], list):
        return "'steps' must be a list"
    for i, st in enumerate(record["steps"]):
        if not isinstance(st, dict):
            return f"steps[{i}] must be an object"
        if WORLDS.get(record["world"]).step_action == "action":
            if not isinstance(st.get("action"), int) or isinstance(st.get("action"), bool):
                return f"steps[{i}].action must be an integer (a navigation action)"
        elif not isinstance(st.get("skill"), str):
            return f"steps[{i}].skill must be a string (a skill sentence)"
    if not isinstance(record["final_state"], dict):
        return "'final_state' must be an object"
    hashes = record.get("frame_hashes")
    if hashes is not None and not (isinstance(hashes, list) and all(isinstance(h, str) for h in hashes)):
        return "'frame_hashes' must be a list of strings"
    block = record.get("integrity")
    if block is not None and not (isinstance(block, dict) and isinstance(block.get("fields"), dict)
                                  and isinstance(block.get("steps"), list)):
        return "'integrity' must be an object with 'fields' and 'steps'"
    return None


def replayer(world: str):
    """The function that replays a record of ``world`` (its ``WorldSpec.replayer``)."""
    return load_entry(WORLDS.get(world).replayer)
