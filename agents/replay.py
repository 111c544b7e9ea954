"""Replay a recorded episode (navigation or kitchen): print its steps, re-run it in the simulator from the recorded
seed and actions, verify the final state matches the record, and optionally write a self-contained HTML page or GIF.

    python -m agents.replay DIR [--html FILE] [--gif FILE] [--no-verify]

Exit codes: 0 replay matches; 1 the re-run's final state differs from the record; 2 the record is corrupt/invalid.
"""
from __future__ import annotations

import argparse
import base64
import html
import io
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
    """A short summary of whatever per-step scores the planner recorded (top-k numeric entries)."""
    for key in ("scores", "combined", "planner_scores", "llm_scores"):
        val = step.get(key)
        if isinstance(val, dict):
            flat = {n: (v.get("combined", next((x for x in v.values() if isinstance(x, (int, float))), None))
                        if isinstance(v, dict) else v) for n, v in val.items()}
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
    table = Table(title=f"{record['world']} episode {task.get('id', '?')}: {task.get('instruction', '')}"[:120])
    for col in ("#", "action", "ok", "detail", "scores"):
        table.add_column(col)
    for r in step_rows(record):
        table.add_row(str(r["index"]), r["action"], str(r["success"]), r["detail"], r["scores"])
    Console(width=140).print(table)


def _png_b64(image) -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _file_b64(path: Path) -> str | None:
    return base64.b64encode(path.read_bytes()).decode() if path.exists() else None


def _world_extras(record: dict):
    """The world's replay hooks (``WorldSpec.replay_extras``: html_parts(record), fallback_frames(record)), or None."""
    import importlib

    module = WORLDS.get(record["world"]).replay_extras
    return importlib.import_module(module) if module else None


def write_html(record: dict, path: str, verified: bool | None) -> None:
    """A self-contained page: task, outcome, map or frames, and the step table with per-step scores."""
    root = Path(record["_path"])
    esc = html.escape
    task = record["task"]
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Replay {esc(str(task.get('id', '')))}"
             "</title><style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}"
             "td,th{border:1px solid #999;padding:4px 8px;font-size:13px}img.f{height:64px}</style></head><body>",
             f"<h1>{esc(record['world'])} episode {esc(str(task.get('id', '?')))}</h1>",
             f"<p><b>Instruction:</b> {esc(str(task.get('instruction', '')))}</p>",
             f"<p><b>Seed:</b> {record['seed']} &nbsp; <b>Outcome:</b> {esc(json.dumps(record.get('outcome', {}))[:400])}"
             f"</p><p><b>Replay check:</b> {'matches the record' if verified else 'not run' if verified is None else 'MISMATCH'}</p>"]
    extras = _world_extras(record)
    if extras is not None and hasattr(extras, "html_parts"):
        parts += extras.html_parts(record)
    first = _file_b64(root / "frames" / "000.png")
    if first:
        parts.append(f"<h2>Start</h2><img class='f' alt='frame 0' src='data:image/png;base64,{first}'>")
    parts.append("<h2>Steps</h2><table id='steps'><tr><th>#</th><th>action</th><th>ok</th><th>detail</th>"
                 "<th>scores</th><th>frame after</th></tr>")
    for r in step_rows(record):
        frame = _file_b64(root / r["frame"]) if r["frame"] else _file_b64(root / "frames" / f"{r['index'] + 1:03d}.png")
        cell = f"<img class='f' alt='frame' src='data:image/png;base64,{frame}'>" if frame else ""
        parts.append(f"<tr><td>{r['index']}</td><td>{esc(r['action'])}</td><td>{r['success']}</td>"
                     f"<td>{esc(r['detail'])}</td><td>{esc(r['scores'])}</td><td>{cell}</td></tr>")
    parts.append(f"</table><p>{len(record['steps'])} steps.</p></body></html>")
    Path(path).write_text("\n".join(parts))


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
