"""Replay a recorded episode (navigation or kitchen): print its steps, re-run it in the simulator from the recorded
seed and actions, verify the final state matches the record, and optionally write a self-contained HTML page or GIF.

    python -m agents.replay DIR [--html FILE] [--gif FILE] [--no-verify]

Exit codes: 0 replay matches; 1 the re-run's final state differs from the record; 2 the record is corrupt/invalid.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from compose.errors import SocraticError
from envs.record import load_record, replayer, to_jsonable
from envs.worlds import WORLDS


class ReplayMismatchError(SocraticError):
    """The simulator's final state differs from the recorded one."""


def _diff(a, b, path="final_state") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'record' if k in a else 'replay'}")
            else:
                out += _diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: recorded {json.dumps(a)[:120]}, replayed {json.dumps(b)[:120]}"]


def verify(record: dict) -> dict:
    """Re-run the record; return the replayed final state or raise ReplayMismatchError listing the differences."""
    final = to_jsonable(replayer(record["world"])(record))
    diffs = _diff(to_jsonable(record["final_state"]), final)
    if diffs:
        raise ReplayMismatchError("replay does not reproduce the recorded final state:\n  " + "\n  ".join(diffs[:20]))
    return final


def _scores_text(step: dict, k: int = 3) -> str:
    """A short summary of the step's scores: the planner's top-k candidates, or navigation's landmark log-probs."""
    top = step.get("top")
    if isinstance(top, list) and top:
        return "; ".join(f"{c['skill']}: {c['combined']:.3f}" for c in top[:k] if isinstance(c, dict))
    val = step.get("scores")
    if isinstance(val, dict):
        flat = {n: (v.get("combined") if isinstance(v, dict) else v) for n, v in val.items()}
        flat = {n: v for n, v in flat.items() if isinstance(v, (int, float))}
        best = sorted(flat.items(), key=lambda kv: -kv[1])[:k]
        return "; ".join(f"{n}: {v:.3f}" for n, v in best)
    return ""


def step_rows(record: dict) -> list[dict]:
    rows = []
    for i, s in enumerate(record["steps"]):
        action = s.get("skill", s.get("action"))
        if "from" in s and "node" in s:
            action = f"{s['action']} ({s['from']} -> {s['node']})"
        detail = s.get("reason") or (f"{s['distance']:.1f} m" if isinstance(s.get("distance"), (int, float)) else "")
        rows.append({"index": s.get("index", i), "action": str(action), "success": s.get("success"),
                     "detail": str(detail), "scores": _scores_text(s), "frame": s.get("frame")})
    return rows


def print_table(record: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    task = record["task"]
    ident = "" if task.get("id") in (None, "cli") else f" {task['id']}"
    table = Table(title=f"{record['world']} episode{ident}: {task.get('instruction', '')}"[:120])
    for col in ("#", "action", "ok", "detail", "top scores"):
        table.add_column(col)
    for r in step_rows(record):
        ok = "-" if r["success"] is None else "ok" if r["success"] else "failed"
        table.add_row(str(r["index"] + 1), r["action"], ok, r["detail"], r["scores"])
    Console(width=140).print(table)


def _world_extras(record: dict):
    """The world's replay hooks (``WorldSpec.replay_extras``: html_parts(record), fallback_frames(record)), or None."""
    import importlib

    module = WORLDS.get(record["world"]).replay_extras
    return importlib.import_module(module) if module else None


def write_html(record: dict, path: str, verified: bool | None) -> None:
    """A self-contained page (agents.pages.episode): outcome, frames, every step's candidate scores, and the world's
    own sections (``WorldSpec.replay_extras.html_parts``, e.g. the navigation map)."""
    from agents.pages.episode import write_episode_page

    write_episode_page(record, path, verified)


def gif_frames(record: dict) -> list[np.ndarray]:
    root = Path(record["_path"])
    files = sorted((root / "frames").glob("*.png"))
    if files:
        from PIL import Image

        return [np.asarray(Image.open(f).convert("RGB")) for f in files]
    extras = _world_extras(record)  # no recorded frames: the world may draw some (e.g. each visited node's views)
    if extras is not None and hasattr(extras, "fallback_frames"):
        return extras.fallback_frames(record)
    return []


def write_gif(record: dict, path: str, fps: float = 2.0) -> int:
    import imageio.v2 as imageio

    frames = gif_frames(record)
    if not frames:
        raise ReplayMismatchError("the record has no frames to put in a GIF (record with rendering on)")
    imageio.mimsave(path, frames, duration=1.0 / fps, loop=0)
    return len(frames)


def _main(argv) -> int:
    ap = argparse.ArgumentParser(prog="python -m agents.replay", description=__doc__.split("\n")[0])
    ap.add_argument("record", metavar="DIR", help="episode record directory (or its episode.json)")
    ap.add_argument("--html", default=None, metavar="FILE", help="write a self-contained HTML page")
    ap.add_argument("--gif", default=None, metavar="FILE", help="write an animated GIF of the frames")
    ap.add_argument("--no-verify", action="store_true", help="skip re-running the episode")
    args = ap.parse_args(argv)
    record = load_record(args.record)
    print_table(record)
    verified = None
    if not args.no_verify:
        verify(record)
        verified = True
        print(f"replay OK: {len(record['steps'])} steps reproduce the recorded final state")
    if args.html:
        write_html(record, args.html, verified)
        print(f"HTML written to {args.html}")
    if args.gif:
        n = write_gif(record, args.gif)
        print(f"GIF with {n} frames written to {args.gif}")
    return 0


def main(argv=None) -> int:
    from agents.cli import run_main

    return run_main(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
