"""Speech benchmark: kitchen instructions synthesised with espeak-ng (voices x speeds), transcribed by each bundled
Whisper model without and with the vocabulary prompt, and with the prompt plus vocabulary biasing (``prompt=yes+bias``:
the transcript rescored towards the kitchen's words); word error rate per configuration, and (``--plan``) the share of
transcripts whose first planned skill equals the one planned from the text itself.

    python -m agents.speech_bench [--tasks data/tasks/kitchen_dev.jsonl] [--limit 48] [--models tiny.en,base]
                                  [--voices en-us,en-gb] [--speeds 130,175] [--plan] [--json FILE]

Instructions: a fixed seeded subset (``--limit``, ``--subset-seed``; ``--limit 0``: all) of the task file's tasks --
never SayCan-101. WER: word-level Levenshtein distance / reference words, after lower-casing, dropping punctuation and
writing both sides in spoken form (digits 0-10 as words, "u"/"pls" as "you"/"please": what espeak-ng says); the
WER against the text as written is reported too (``wer_written``). Synthesised audio and transcripts are cached (``SOCRATIC_CACHE``/speech or ``--cache``), so a rerun
only computes what is new. First-skill agreement: the kitchen's default planner (``--mode``; SmolLM2, one step, in
the task's own start state) on the normalised transcript vs on the normalised text (lower case, no punctuation, so
that both sides are written alike).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from compose.errors import InvalidInputError, run_cli

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TASKS = "data/tasks/kitchen_dev.jsonl"


def load_tasks(tasks: str = DEFAULT_TASKS, limit: int = 48, seed: int = 0) -> list[dict]:
    """The task file's tasks (distinct instructions); a fixed seeded subset of ``limit`` of them (0: all), file order."""
    import numpy as np

    path = Path(tasks) if Path(tasks).is_absolute() else ROOT / tasks
    if not path.is_file():
        raise InvalidInputError(f"no task file {path}")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    seen, out = set(), []
    for r in rows:
        if r.get("instruction") and r["instruction"] not in seen:
            seen.add(r["instruction"])
            out.append(r)
    if limit < 0:
        raise InvalidInputError(f"--limit must be >= 0, got {limit}")
    if limit and limit < len(out):
        keep = sorted(np.random.default_rng(seed).choice(len(out), size=limit, replace=False).tolist())
        out = [out[i] for i in keep]
    return out


NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
SPOKEN = {"u": "you", "ur": "your", "pls": "please", "plz": "please", "thx": "thanks"}  # text-speak, as spoken


def words(text: str, spoken: bool = False) -> list[str]:
    """Lower-case words without punctuation; ``spoken``: also in their spoken form (digits 0-10 as number words,
    text-speak such as "u" and "pls" as what a speaker says), so that WER counts hearing errors, not spelling."""
    out = re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()
    if spoken:
        out = [NUMBERS[int(w)] if w.isdigit() and int(w) < len(NUMBERS) else SPOKEN.get(w, w) for w in out]
    return out


def normalise(text: str) -> str:
    return " ".join(words(text))


def wer(ref: str, hyp: str, spoken: bool = False) -> tuple[int, int]:
    """(word edits, reference words); ``spoken``: both sides in spoken form first (see ``words``)."""
    r, h = words(ref, spoken), words(hyp, spoken)
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


def default_cache() -> Path:
    from compose.tools.whisper_models import cache_root

    return cache_root() / "speech"


class _JsonCache:
    """A key -> value store kept as JSON lines (appended as it grows)."""

    def __init__(self, path: Path):
        self.path, self.data = path, {}
        if path.is_file():
            for line in path.read_text().splitlines():
                if line.strip():
                    row = json.loads(line)
                    self.data[row["key"]] = row["value"]

    def get(self, key, compute):
        if key not in self.data:
            self.data[key] = compute()
            with self.path.open("a") as f:
                f.write(json.dumps({"key": key, "value": self.data[key]}) + "\n")
        return self.data[key]


def audio_file(cache: Path, text: str, voice: str, speed: int) -> Path:
    """The cached espeak-ng rendering of ``text`` (synthesised on first use)."""
    key = hashlib.sha1(f"{voice}|{speed}|{text}".encode()).hexdigest()[:16]
    path = cache / "audio" / f"{key}.wav"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        synthesise(text, voice, speed, path.with_suffix(".tmp.wav")).rename(path)
    return path


def config_name(model: str, prompt) -> str:
    """'base prompt=yes': prompt False (none), True (the vocabulary prompt) or "bias" (the prompt, then the
    transcript rescored towards the kitchen's words: agents.pipelines.speech.bias_transcript)."""
    return f"{model} prompt={'yes+bias' if prompt == 'bias' else 'yes' if prompt else 'no'}"


def run(voices, speeds, limit: int, plan: bool, progress: bool = True, tasks: str = DEFAULT_TASKS,
        models=("tiny.en", "base"), subset_seed: int = 0, cache: Path | None = None, plan_all: bool = False,
        bias: bool = True, mode: str | None = None, bias_weight: float | None = None,
        lm_weight: float | None = None) -> dict:
    from tqdm import tqdm

    from agents.pipelines.speech import BIAS_WEIGHT, LM_WEIGHT, NBEST, bias_transcript, kitchen_vocabulary_hint
    from compose.tools.asr import AudioError, WhisperASR, load_audio

    chosen = load_tasks(tasks, limit, subset_seed)
    cache = Path(cache) if cache else default_cache()
    cache.mkdir(parents=True, exist_ok=True)
    transcripts = _JsonCache(cache / "transcripts.jsonl")
    hint = kitchen_vocabulary_hint()
    hint_key = hashlib.sha1(hint.encode()).hexdigest()[:8]
    weight = BIAS_WEIGHT if bias_weight is None else bias_weight
    lm_weight = LM_WEIGHT if lm_weight is None else lm_weight
    lm = None
    if bias and lm_weight:  # the planner's default LLM judges the biased variants as requests (shallow fusion)
        from agents.runtime import get_llm
        from compose.llm.base import LLMConfig

        lm = get_llm(LLMConfig())
    bias_key = f"bias{weight:g}|cmd" + (f"|lm{lm_weight:g}|nb{NBEST}" if lm_weight else "")
    prompts = (False, True) + (("bias",) if bias else ())
    jobs = [(t, v, s) for t in chosen for v in voices for s in speeds]
    wavs = {(t["instruction"], v, s): audio_file(cache, t["instruction"], v, s)
            for t, v, s in tqdm(jobs, desc="synthesise", disable=not progress)}
    rows = []
    for model in models:
        asr = WhisperASR(model=model)

        def hear(wav, prompt):
            try:
                return asr.transcribe(wav, initial_prompt=hint if prompt else None).text
            except AudioError:  # nothing recognised: an empty transcript (every word is an error)
                return ""

        for task, voice, speed in tqdm(jobs, desc=f"transcribe ({model})", disable=not progress):
            wav = wavs[(task["instruction"], voice, speed)]
            heard = {}
            for prompt in prompts:
                if prompt == "bias":  # the prompted transcript, rescored towards the kitchen's words
                    hyp = transcripts.get(f"{model}|{bias_key}|{wav.name}|{hint_key}",
                                          lambda: bias_transcript(asr, load_audio(wav), heard[True], hint,
                                                                  weight=weight, lm=lm, lm_weight=lm_weight,
                                                                  nbest=NBEST if lm_weight else 1)
                                          if heard[True] else "")
                else:
                    hyp = transcripts.get(f"{model}|{int(prompt)}|{wav.name}|{hint_key}", lambda: hear(wav, prompt))
                heard[prompt] = hyp
                e, n = wer(task["instruction"], hyp, spoken=True)
                rows.append({"task": task["id"], "text": task["instruction"], "model": model, "voice": voice,
                             "speed": speed, "prompt": prompt, "transcript": hyp, "edits": e, "words": n,
                             "edits_written": wer(task["instruction"], hyp)[0]})
    out = {"tasks": tasks, "instructions": len(chosen), "subset_seed": subset_seed, "voices": list(voices),
           "speeds": list(speeds), "models": list(models), "bias_weight": weight if bias else None,
           "lm_weight": lm_weight if bias else None,
           "wer": _wer_table(rows, ("model", "prompt")),
           "wer_written": _wer_table(rows, ("model", "prompt"), "edits_written"),
           "wer_detail": _wer_table(rows, ("model", "prompt", "voice", "speed"))}
    out["best"] = min(out["wer"], key=lambda c: out["wer"][c])  # the lowest-WER configuration
    if plan:  # planning costs seconds per distinct transcript: the best configuration only, unless plan_all
        from envs.worlds import WORLDS

        out["planner"] = mode or WORLDS.get("kitchen").default_mode
        sel = [r for r in rows if plan_all or config_name(r["model"], r["prompt"]) == out["best"]]
        out["first_skill"] = first_skill_agreement(sel, {t["id"]: t for t in chosen}, cache, progress,
                                                   mode=out["planner"])
    out["rows"] = rows
    return out


def _wer_table(rows, keys, edits: str = "edits") -> dict:
    acc: dict[str, list[int]] = {}
    for r in rows:
        name = config_name(r["model"], r["prompt"]) + "".join(f" {k}={r[k]}" for k in keys[2:])
        c = acc.setdefault(name, [0, 0])
        c[0] += r[edits]
        c[1] += r["words"]
    return {k: round(e / n, 4) for k, (e, n) in acc.items()}


def first_skill_agreement(rows, tasks: dict, cache: Path, progress: bool = True, mode: str | None = None) -> dict:
    """Per model/prompt: share of transcripts whose first planned skill (default SayCan planner, one step, in the
    task's start state) equals the one planned from the text. Plans are cached on disk by (task, normalised text)."""
    from tqdm import tqdm

    from agents.config import EpisodeConfig
    from agents.kitchen_episode import run_episode

    from envs.worlds import WORLDS

    mode = mode or WORLDS.get("kitchen").default_mode
    plans = _JsonCache(cache / "first_skills.jsonl")

    def first(task_id: str, text: str) -> str:
        text = normalise(text)
        if not text:
            return ""

        def compute():
            task = {"id": "speech", "world": "kitchen", "instruction": text}
            if tasks[task_id].get("init"):
                task["init"] = tasks[task_id]["init"]
            rec = run_episode(task, EpisodeConfig(mode=mode, render=False, max_steps=1), seed=0)
            return rec["plan"][0] if rec["plan"] else ""

        return plans.get(f"{mode}|{task_id}|{text}", compute)

    agree: dict[str, list[int]] = {}
    for r in tqdm(rows, desc="first planned skill", disable=not progress):
        a = agree.setdefault(config_name(r["model"], r["prompt"]), [0, 0])
        if normalise(r["transcript"]) == normalise(r["text"]):  # the same planner input: the same plan (seeded)
            r["first_skill"] = r["first_skill_text"] = "(same input)"
        else:
            r["first_skill"] = first(r["task"], r["transcript"])
            r["first_skill_text"] = first(r["task"], r["text"])
        a[0] += r["first_skill"] == r["first_skill_text"]
        a[1] += 1
    return {k: round(c / n, 4) for k, (c, n) in agree.items()}


def _main(argv) -> int:
    ap = argparse.ArgumentParser(prog="python -m agents.speech_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--voices", default="en-us,en-gb")
    ap.add_argument("--speeds", default="130,175", help="words per minute, comma-separated")
    ap.add_argument("--models", default="tiny.en,base", help="bundled Whisper models, comma-separated")
    ap.add_argument("--limit", type=int, default=48, help="number of instructions (a fixed seeded subset; 0: all)")
    ap.add_argument("--subset-seed", type=int, default=0)
    ap.add_argument("--tasks", default=DEFAULT_TASKS, help="kitchen task file whose instructions are spoken")
    ap.add_argument("--cache", help="where synthesised audio, transcripts and plans are kept (default: cache dir)")
    ap.add_argument("--plan", action="store_true",
                    help="also measure first-skill agreement (runs the SayCan planner) for the lowest-WER configuration")
    ap.add_argument("--plan-all", action="store_true", help="with --plan: for every model/prompt configuration")
    ap.add_argument("--no-bias", action="store_true",
                    help="skip the vocabulary-biased configuration (prompt=yes+bias: Whisper's transcript rescored "
                         "towards the kitchen's words)")
    ap.add_argument("--bias-weight", type=float, default=None, help="nats per kitchen name (default: the pipeline's)")
    ap.add_argument("--lm-weight", type=float, default=None,
                    help="weight of the LLM's log-probability in the biasing (default: the pipeline's; 0: Whisper and "
                         "names only, no n-best)")
    ap.add_argument("--mode", default=None, help="planner of the first-skill agreement (default: the kitchen's default "
                                                 "mode)")
    ap.add_argument("--json", help="write the full result here")
    args = ap.parse_args(argv)
    try:
        speeds = [int(s) for s in args.speeds.split(",")]
    except ValueError:
        raise InvalidInputError(f"--speeds must be integers, got {args.speeds!r}") from None
    from compose.tools.whisper_models import WHISPER_MODELS

    if args.mode is not None:
        from agents.planners import PLANNERS

        PLANNERS.get(args.mode)  # unknown name -> error listing the known ones
    models = [m for m in args.models.split(",") if m]
    for m in models:
        WHISPER_MODELS.get(m)  # unknown name -> error listing the bundled ones
    res = run([v for v in args.voices.split(",") if v], speeds, args.limit, args.plan, tasks=args.tasks,
              models=models, subset_seed=args.subset_seed, cache=args.cache,
              plan_all=args.plan_all, bias=not args.no_bias, mode=args.mode, bias_weight=args.bias_weight,
              lm_weight=args.lm_weight)
    print(json.dumps({k: v for k, v in res.items() if k not in ("rows", "wer_detail")}, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
