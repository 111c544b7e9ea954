"""Speech benchmark: kitchen instructions synthesised with espeak-ng (voices x speeds), transcribed by Whisper with and
without the vocabulary prompt; word error rate per configuration, and (``--plan``) the share of transcripts whose
first SayCan skill equals the one planned from the text itself.

    python -m agents.speech_bench [--voices en-us,en-gb] [--speeds 130,175] [--plan] [--json FILE]

Instructions: the kitchen smoke tasks (data/tasks/kitchen_smoke.jsonl) and the Q&A set's generated instructions
(data/qa/episodes/*) -- never SayCan-101. WER: word-level Levenshtein distance / reference words, after lower-casing
and dropping punctuation.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from compose.errors import InvalidInputError, run_cli

ROOT = Path(__file__).resolve().parents[1]


def instructions(limit: int = 16, tasks: str = "data/tasks/kitchen_smoke.jsonl") -> list[str]:
    path = Path(tasks) if Path(tasks).is_absolute() else ROOT / tasks
    if not path.is_file():
        raise InvalidInputError(f"no task file {path}")
    texts = [json.loads(line)["instruction"] for line in path.read_text().splitlines() if line.strip()]
    for d in sorted((ROOT / "data/qa/episodes").glob("*/episode.json")):
        texts.append(json.loads(d.read_text())["task"]["instruction"])
    return list(dict.fromkeys(texts))[:limit]


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def wer(ref: str, hyp: str) -> tuple[int, int]:
    """(word edits, reference words)."""
    r, h = words(ref), words(hyp)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)], len(r)


def synthesise(text: str, voice: str, speed: int, path: Path) -> Path:
    if not shutil.which("espeak-ng"):
        raise InvalidInputError("espeak-ng is not installed (apt-get install espeak-ng)")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True,
                   capture_output=True)
    return path


def run(voices, speeds, limit: int, plan: bool, progress: bool = True,
        tasks: str = "data/tasks/kitchen_smoke.jsonl") -> dict:
    from tqdm import tqdm

    from agents.pipelines.speech import kitchen_vocabulary_hint
    from compose.tools.asr import WhisperASR

    texts = instructions(limit, tasks)
    asr = WhisperASR()
    hint = kitchen_vocabulary_hint()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(t, v, s) for t in texts for v in voices for s in speeds]
        for k, (text, voice, speed) in enumerate(tqdm(jobs, desc="synthesise + transcribe", disable=not progress)):
            wav = synthesise(text, voice, speed, Path(tmp) / f"{k}.wav")
            for prompt in (False, True):
                hyp = asr.transcribe(wav, initial_prompt=hint if prompt else None).text
                e, n = wer(text, hyp)
                rows.append({"text": text, "voice": voice, "speed": speed, "prompt": prompt, "transcript": hyp,
                             "edits": e, "words": n})
    configs = {}
    for r in rows:
        key = f"tiny.en voice={r['voice']} speed={r['speed']} prompt={'yes' if r['prompt'] else 'no'}"
        c = configs.setdefault(key, [0, 0])
        c[0] += r["edits"]
        c[1] += r["words"]
    out = {"model": "whisper tiny.en (bundled)", "instructions": len(texts),
           "wer": {k: round(e / n, 4) for k, (e, n) in configs.items()}}
    for prompt in (False, True):
        sel = [r for r in rows if r["prompt"] == prompt]
        out[f"wer_prompt_{'yes' if prompt else 'no'}"] = round(sum(r["edits"] for r in sel) / sum(r["words"] for r in sel), 4)
    if plan:
        out["first_skill"] = first_skill_agreement(rows, progress)
    out["rows"] = rows
    return out


def first_skill_agreement(rows, progress: bool = True) -> dict:
    """Share of transcripts whose first SayCan skill (SmolLM2 + affordances, default scene) equals the text's."""
    from tqdm import tqdm

    from agents.config import EpisodeConfig
    from agents.kitchen_episode import run_episode

    cache: dict[str, str] = {}

    def first(text: str) -> str:
        if text not in cache:
            rec = run_episode({"id": "speech", "world": "kitchen", "instruction": text},
                              EpisodeConfig(render=False, max_steps=1), seed=0)
            cache[text] = rec["plan"][0] if rec["plan"] else ""
        return cache[text]

    agree: dict[str, list[int]] = {}
    for r in tqdm(rows, desc="first planned skill", disable=not progress):
        key = "prompt=yes" if r["prompt"] else "prompt=no"
        a = agree.setdefault(key, [0, 0])
        a[0] += first(r["transcript"]) == first(r["text"])
        a[1] += 1
    return {k: round(c / n, 4) for k, (c, n) in agree.items()}


def _main(argv) -> int:
    ap = argparse.ArgumentParser(prog="python -m agents.speech_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--voices", default="en-us,en-gb")
    ap.add_argument("--speeds", default="130,175", help="words per minute, comma-separated")
    ap.add_argument("--limit", type=int, default=16, help="number of instructions")
    ap.add_argument("--tasks", default="data/tasks/kitchen_smoke.jsonl",
                    help="kitchen task file whose instructions are spoken (e.g. data/tasks/kitchen_dev.jsonl)")
    ap.add_argument("--plan", action="store_true", help="also measure first-skill agreement (runs the SayCan planner)")
    ap.add_argument("--json", help="write the full result here")
    args = ap.parse_args(argv)
    try:
        speeds = [int(s) for s in args.speeds.split(",")]
    except ValueError:
        raise InvalidInputError(f"--speeds must be integers, got {args.speeds!r}") from None
    res = run([v for v in args.voices.split(",") if v], speeds, args.limit, args.plan, tasks=args.tasks)
    print(json.dumps({k: v for k, v in res.items() if k != "rows"}, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
