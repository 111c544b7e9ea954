"""Regenerate docs/reliability.md: run every case (a command a demanding user might type), record its exit code and
first error line, and compare them with what is expected.

    python scripts/reliability_table.py                 # all cases -> docs/reliability.md
    python scripts/reliability_table.py --only replay   # cases whose name contains "replay"; print, write nothing

Cases are cheap on purpose: the oracle-plan planner, the fake episode runner (tests/agents/fake_runner.py) or a
fake OpenAI-compatible server where a model is not the point. Files the cases need (an empty task file, a corrupt
GGUF, a recorded episode and its tampered copies...) are made in a temporary folder, shown as $TMP.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
SMOKE = "data/tasks/kitchen_smoke.jsonl"
FAKE = "kitchen=tests.agents.fake_runner:run_episode"
LLM_RUNNER = "kitchen=tests.agents.llm_runner:run_episode"
PLAN = "find a sponge;pick up the sponge;bring it to you;put down the sponge;done"
DEAD_URL = "http://127.0.0.1:9/v1"  # the discard port: nothing listens


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]  # after "python -m"; "$TMP" is the fixture folder
    code: int  # expected exit code
    text: str = ""  # expected in the first "error:" line (or in stdout when code is 0)
    absent: str = ""  # must not appear in stderr
    env: tuple[tuple[str, str], ...] = ()
    hold_lock: str | None = None  # hold the benchmark lock of this folder while the case runs


def bench(*extra: str) -> tuple[str, ...]:
    return ("agents.benchmark", "--no-progress", *extra)


def saycan(*extra: str) -> tuple[str, ...]:
    return ("agents.saycan", "--task", "bring me a sponge", *extra)


CASES = [
    # ---------------------------------------------------------------- agents.saycan
    Case("saycan: empty task", ("agents.saycan", "--task", ""), 2, "the task is empty"),
    Case("saycan: whitespace task", ("agents.saycan", "--task", "   "), 2, "the task is empty"),
    Case("saycan: 5000-character task", ("agents.saycan", "--task", "x" * 5000), 2, "the limit is 1000"),
    Case("saycan: --max-steps 0", saycan("--max-steps", "0"), 2, "--max-steps must be >= 1, got 0"),
    Case("saycan: --max-steps -3", saycan("--max-steps", "-3"), 2, "--max-steps must be >= 1, got -3"),
    Case("saycan: --record into a read-only folder", saycan("--record", "$RO"), 2, "--record: cannot write into"),
    Case("saycan: --record onto an existing file", saycan("--record", "$TMP/a_file.txt"), 2,
         "exists and is a file, not a folder"),
    Case("saycan: --plot with an unknown suffix", saycan("--plot", "$TMP/scores.docx"), 2,
         "--plot: cannot write a '.docx' file"),
    Case("saycan: --plot onto a folder", saycan("--plot", "$TMP"), 2, "is a folder; give a file name"),
    Case("saycan: --model-path with invalid config.json", saycan("--model-path", "$TMP/bad_model"), 2,
         "config.json is not a valid JSON model config"),
    Case("saycan: --model-path config.json not an object", saycan("--model-path", "$TMP/list_model"), 2,
         "not a transformers model config (not a JSON object)"),
    Case("saycan: --model-path that does not exist", saycan("--model-path", "$TMP/nowhere"), 2,
         "--model-path: no such file or folder"),
    Case("saycan: --model-path to a corrupt .gguf", saycan("--model-path", "$TMP/corrupt.gguf"), 2,
         "is not a GGUF file"),
    Case("saycan: --init is not JSON", saycan("--init", "{oops"), 2, "--init is not valid JSON"),
    Case("saycan: unknown object in --init", saycan("--init", '{"objects": [["unicorn", "table"]]}'), 2, "unicorn"),
    Case("saycan: unknown location in --goal", saycan("--goal", '{"at": ["sponge", "moon"]}'), 2, "moon"),
    Case("saycan: --task and --task-file together", saycan("--task-file", SMOKE), 2, "exactly one of"),
    Case("saycan: --task-file without --task-id", ("agents.saycan", "--task-file", SMOKE), 2, "needs --task-id"),
    Case("saycan: missing --task-file", ("agents.saycan", "--task-file", "$TMP/none.jsonl", "--task-id", "a"), 2,
         "no such task file"),
    Case("saycan: missing --audio file", ("agents.saycan", "--audio", "$TMP/none.wav"), 2, "none.wav"),
    Case("saycan: oracle-plan without --plan", saycan("--mode", "oracle-plan"), 2, "needs --plan"),
    Case("saycan: --backend openai without --base-url", saycan("--backend", "openai"), 2, "needs --base-url"),
    Case("saycan: --backend openai, server down", saycan("--backend", "openai", "--base-url", DEAD_URL,
                                                          "--mode", "llm", "--quiet"), 1, "failed after 3 attempt"),
    Case("saycan: oracle episode, --plot into a missing folder", saycan(
        "--mode", "oracle-plan", "--plan", PLAN, "--goal", '{"at": ["sponge", "user"]}', "--quiet",
        "--plot", "$TMP/new/plots/scores.png"), 0, "plot written to"),
    # ---------------------------------------------------------------- agents.benchmark
    Case("benchmark: empty task file", bench("--tasks", "$TMP/empty.jsonl", "--out", "$TMP/b_empty"), 2,
         "the task file is empty", absent="--family"),
    Case("benchmark: task file of blank lines", bench("--tasks", "$TMP/blank.jsonl", "--out", "$TMP/b_blank"), 2,
         "the task file is empty", absent="--family"),
    Case("benchmark: missing task file", bench("--tasks", "$TMP/none.jsonl", "--out", "$TMP/b_none"), 2,
         "no such task file"),
    Case("benchmark: task line that is not JSON", bench("--tasks", "$TMP/broken.jsonl", "--out", "$TMP/b_x"), 2,
         "not valid JSON"),
    Case("benchmark: --seeds 0", bench("--tasks", SMOKE, "--out", "$TMP/b0", "--seeds", "0"), 2,
         "--seeds must be >= 1"),
    Case("benchmark: --workers 0", bench("--tasks", SMOKE, "--out", "$TMP/b0", "--workers", "0"), 2,
         "--workers must be >= 1"),
    Case("benchmark: --max-steps 0", bench("--tasks", SMOKE, "--out", "$TMP/b0", "--max-steps", "0"), 2,
         "--max-steps must be >= 1"),
    Case("benchmark: --out is a file", bench("--tasks", SMOKE, "--out", "$TMP/a_file.txt", "--runner", FAKE), 2,
         "is a file, not a folder"),
    Case("benchmark: --out in a read-only folder", bench("--tasks", SMOKE, "--out", "$RO/out", "--runner", FAKE), 2,
         "--out: cannot create the folder"),
    Case("benchmark: --out holds episodes, no --resume", bench("--tasks", SMOKE, "--out", "$TMP/b_used",
                                                              "--runner", FAKE), 2, "pass --resume"),
    Case("benchmark: second run on a busy --out", bench("--tasks", SMOKE, "--out", "$TMP/b_busy", "--runner", FAKE),
         3, "is in use by another benchmark: pid", hold_lock="$TMP/b_busy"),
    Case("benchmark: unknown --family", bench("--tasks", SMOKE, "--out", "$TMP/b0", "--family", "nope",
                                              "--runner", FAKE), 2, "no task matches --family nope"),
    Case("benchmark: unknown --set knob", bench("--tasks", SMOKE, "--out", "$TMP/b0", "--set", "colour=red",
                                                "--runner", FAKE), 2, "--set colour"),
    Case("benchmark: unknown --mode", bench("--tasks", SMOKE, "--out", "$TMP/b0", "--mode", "telepathy",
                                            "--runner", FAKE), 2, "unknown mode 'telepathy'"),
    Case("benchmark: --server-concurrency 0", bench("--tasks", SMOKE, "--out", "$TMP/b0", "--backend", "openai",
                                                    "--base-url", DEAD_URL, "--server-concurrency", "0"), 2,
         "--server-concurrency must be >= 1"),
    Case("benchmark: --backend openai without --base-url", bench("--tasks", SMOKE, "--out", "$TMP/b0",
                                                                 "--backend", "openai"), 2, "needs --base-url"),
    Case("benchmark: model server down", bench("--tasks", SMOKE, "--out", "$TMP/b_dead", "--runner", LLM_RUNNER,
                                               "--backend", "openai", "--base-url", DEAD_URL), 1,
         "the model server failed"),
    Case("benchmark: fake-runner run", bench("--tasks", SMOKE, "--out", "$TMP/b_ok", "--runner", FAKE), 0,
         "wrote "),
    Case("benchmark: fake-runner run, process pool", bench("--tasks", SMOKE, "--out", "$TMP/b_ok2", "--runner", FAKE,
                                                           "--executor", "process", "--workers", "2"), 0, "wrote "),
    # ---------------------------------------------------------------- agents.replay
    Case("replay: untouched kitchen record", ("agents.replay", "$TMP/rec"), 0, "replay OK"),
    Case("replay: flipped step success flag", ("agents.replay", "$TMP/rec_flip"), 1,
         "step 1: success: recorded false, replayed true"),
    Case("replay: replaced plan", ("agents.replay", "$TMP/rec_plan"), 1, "record: plan: recorded"),
    Case("replay: inserted step", ("agents.replay", "$TMP/rec_insert"), 1, "step 2: index: recorded 1, position 2"),
    Case("replay: deleted frame", ("agents.replay", "$TMP/rec_frame"), 1, "frame 2: file frames/002.png"),
    Case("replay: other seed", ("agents.replay", "$TMP/rec_seed"), 1, "record: seed: recorded 4"),
    Case("replay: final state edited", ("agents.replay", "$TMP/rec_final"), 1, "end: final_state"),
    Case("replay: truncated episode.json", ("agents.replay", "$TMP/rec_trunc"), 2, "corrupt or truncated"),
    Case("replay: no record", ("agents.replay", "$TMP/nowhere"), 2, "no episode record"),
    # ---------------------------------------------------------------- agents.lmnav
    Case("lmnav: empty instruction", ("agents.lmnav", "--graph", "town", "--start", "0", "--instruction", " "), 2,
         "--instruction is empty"),
    Case("lmnav: unknown graph", ("agents.lmnav", "--graph", "atlantis", "--start", "0", "--instruction", "go",
                                  "--extractor", "rules"), 2, "atlantis"),
    Case("lmnav: start is not a node", ("agents.lmnav", "--graph", "town", "--start", "9999", "--instruction", "go",
                                        "--extractor", "rules"), 2, "is not a node"),
    Case("lmnav: truncated graph .npz", ("agents.lmnav", "--graph", "town", "--start", "0", "--instruction",
                                         "go to the red car", "--extractor", "rules"), 2, "corrupt or truncated",
         env=(("SOCRATIC_NAVGRAPH_DIR", "$TMP/graph_trunc"),)),
    Case("lmnav: missing graph .npz", ("agents.lmnav", "--graph", "town", "--start", "0", "--instruction",
                                       "go to the red car", "--extractor", "rules"), 2, "missing (the images of graph",
         env=(("SOCRATIC_NAVGRAPH_DIR", "$TMP/graph_missing"),)),
    Case("lmnav: --record onto an existing file", ("agents.lmnav", "--graph", "town", "--start", "0",
                                                   "--instruction", "go", "--record", "$TMP/a_file.txt"), 2,
         "is a file, not a folder"),
    # ---------------------------------------------------------------- agents.socratic
    Case("episode-qa: empty question", ("agents.socratic", "episode-qa", "$TMP/rec", "-q", ""), 2,
         "-q/--question is empty"),
    Case("episode-qa: missing record", ("agents.socratic", "episode-qa", "$TMP/nowhere", "--log-only"), 2,
         "no episode record"),
    Case("plan-from-scene: --max-steps 0", ("agents.socratic", "plan-from-scene", "--task", "bring me a sponge",
                                            "--max-steps", "0"), 2, "--max-steps must be >= 1"),
]


# ------------------------------------------------------------------------------------------------ fixtures
def readonly_folder(tmp: Path) -> Path:
    if os.geteuid() != 0:
        d = tmp / "ro"
        d.mkdir()
        d.chmod(0o500)
        return d
    for cand in ("/sys/kernel", "/sys/fs", "/proc/sys"):
        try:
            fd, name = tempfile.mkstemp(dir=cand)
        except OSError:
            return Path(cand)
        os.close(fd)
        os.unlink(name)
    raise SystemExit("no read-only folder found on this machine")


def _edit(src: Path, dst: Path, fn) -> None:
    shutil.copytree(src, dst)
    doc = json.loads((dst / "episode.json").read_text())
    fn(doc)
    (dst / "episode.json").write_text(json.dumps(doc, indent=1))


def make_fixtures(tmp: Path, need_record: bool) -> None:
    (tmp / "a_file.txt").write_text("keep me\n")
    (tmp / "empty.jsonl").write_text("")
    (tmp / "blank.jsonl").write_text("\n   \n\n")
    (tmp / "broken.jsonl").write_text('{"id": "x", "world": \n')
    (tmp / "bad_model").mkdir()
    (tmp / "bad_model" / "config.json").write_text("{ not json")
    (tmp / "list_model").mkdir()
    (tmp / "list_model" / "config.json").write_text('["not", "a", "config"]')
    (tmp / "corrupt.gguf").write_bytes(b"this is not a model")
    (tmp / "b_used").mkdir()
    (tmp / "b_used" / "episodes.jsonl").write_text('{"id": "a", "mode": "saycan", "seed": 0}\n')
    from envs.navgraph.storage import DATA_DIR

    for name in ("graph_trunc", "graph_missing"):
        (tmp / name).mkdir()
        shutil.copy(DATA_DIR / "town.json", tmp / name / "town.json")
    data = (DATA_DIR / "town.npz").read_bytes()
    (tmp / "graph_trunc" / "town.npz").write_bytes(data[: len(data) // 3])
    if not need_record:
        return
    rec = tmp / "rec"
    proc = subprocess.run([PY, "-m", "agents.saycan", "--task", "bring me a sponge", "--mode", "oracle-plan", "--plan",
                           PLAN, "--seed", "3", "--record", str(rec), "--quiet"], cwd=ROOT, capture_output=True,
                          text=True, env=_env({}))
    if proc.returncode != 0:
        raise SystemExit(f"could not record the kitchen episode the replay cases need:\n{proc.stderr}")

    def flip(d):
        d["steps"][1]["success"] = not d["steps"][1]["success"]

    def plan(d):
        d["plan"] = ["find an apple", "pick up the apple", "bring it to you", "put down the apple", "done"]

    def insert(d):
        d["steps"].insert(2, dict(d["steps"][1]))

    def seed(d):
        d["seed"] += 1

    def final(d):
        d["final_state"]["robot"] = "table"

    for name, fn in (("flip", flip), ("plan", plan), ("insert", insert), ("seed", seed), ("final", final)):
        _edit(rec, tmp / f"rec_{name}", fn)
    shutil.copytree(rec, tmp / "rec_frame")
    (tmp / "rec_frame" / "frames" / "002.png").unlink()
    shutil.copytree(rec, tmp / "rec_trunc")
    text = (rec / "episode.json").read_text()
    (tmp / "rec_trunc" / "episode.json").write_text(text[: len(text) // 2])


def _env(extra: dict) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("OPENAI_BASE_URL", None)
    env.update(extra)
    return env


# ------------------------------------------------------------------------------------------------ running
@dataclass
class Result:
    case: Case
    code: int | None
    line: str
    ok: bool
    seconds: float


def _sub(value: str, tmp: Path, ro: Path) -> str:
    return value.replace("$TMP", str(tmp)).replace("$RO", str(ro))


def run_case(case: Case, tmp: Path, ro: Path, timeout: float) -> Result:
    from agents.bench.lock import OutputLock

    argv = [PY, "-m", *(_sub(a, tmp, ro) for a in case.args)]
    env = _env({k: _sub(v, tmp, ro) for k, v in case.env})
    lock = OutputLock(_sub(case.hold_lock, tmp, ro)).acquire() if case.hold_lock else None
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired:
        code, out, err = None, "", f"(timed out after {timeout:g} s)"
    finally:
        if lock is not None:
            lock.release()
    seconds = time.perf_counter() - t0
    lines = err.splitlines()
    errors = [i for i, ln in enumerate(lines) if ln.startswith("error:")]
    message = lines[errors[0]:] if errors else []  # the error line and the lines it continues on
    line = message[0] if message else ""
    where = "\n".join(message) if case.code != 0 else out
    ok = (code == case.code and case.text in where and "Traceback" not in err
          and (not case.absent or case.absent not in err) and (case.code == 0 or len(errors) == 1))
    if ok and case.text and case.code != 0 and case.text not in line:  # show the continuation line that matched
        line += " / " + next(ln.strip() for ln in message if case.text in ln)
    if not line and code != 0:
        line = (err.strip().splitlines() or ["(no output)"])[-1]
    return Result(case, code, line, ok, seconds)


def _cell(text: str) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 160 else text[:157] + "..."


def _command(case: Case) -> str:
    parts = []
    for a in case.args:
        a = a if len(a) <= 40 else a[:12] + f"...({len(a)} chars)"
        parts.append(a if a and all(c.isalnum() or c in "-_./$:=," for c in a) else json.dumps(a))
    env = " ".join(f"{k}={v}" for k, v in case.env)
    return (env + " " if env else "") + "python -m " + " ".join(parts)


def write_table(results: list[Result], path: Path, seconds: float) -> None:
    passed = sum(r.ok for r in results)
    lines = [
        "# Reliability table",
        "",
        "Each row is a command a demanding user might run, what the project promises for it, and what happened when",
        "`scripts/reliability_table.py` last ran it (exit code and first `error:` line -- plus, after ` / `, the line of",
        "a multi-line message that holds the expected text; for a success, the exit code). A row passes when the exit",
        "code is the expected one, the error message holds the expected text, there is exactly one `error:` line and",
        "no traceback. `$TMP` is the script's fixture folder (empty and broken task",
        "files, a corrupt GGUF, invalid model configs, a recorded kitchen episode and tampered copies of it); `$RO` a",
        "folder nothing can be written into.",
        "",
        "What stands behind the rows (issue 14):",
        "",
        "- `agents/preflight.py`: numbers, output folders and files (created, or refused when they cannot be written),",
        "  model paths and server URLs are checked before any model loads; `compose.models` refuses a corrupt GGUF or",
        "  model config without leaving a lock file in the cache.",
        "- `agents/replay_verify.py`: replay re-runs the episode step by step and compares every step's action, success",
        "  flag, reason and state, the start state, the plan, the frames (hashes recorded with the episode) and",
        "  per-field digests taken at save time; every difference names the step and field with both values in full.",
        "- `agents/bench/lock.py`: one benchmark per `--out` (a `filelock` lock plus a file naming the holder).",
        "- `agents/bench/signals.py`: SIGTERM/SIGHUP stop a benchmark like Ctrl-C: workers, Ray actors and a local",
        "  Ray's processes are stopped, finished episodes stay saved; workers exit when their parent dies.",
        "- `--backend openai --base-url URL --server-concurrency N`: workers share one model server with at most N",
        "  requests in flight; requests retry with backoff; a server that fails mid-run stops the run with one error",
        "  line, the failed episode is recorded as an error and `--resume` reruns it.",
        "",
        "Regenerate: `python scripts/reliability_table.py` (about "
        f"{max(1, round(seconds / 60))} min on 2 busy cores).",
        "",
        f"**{passed} of {len(results)} cases pass.**",
        "",
        "| # | case | command | expected | result |",
        "|---|---|---|---|---|",
    ]
    for i, r in enumerate(results, 1):
        c = r.case
        expected = f"exit {c.code}" + (f", `{_cell(c.text)}`" if c.text else "")
        got = "timeout" if r.code is None else f"exit {r.code}"
        result = f"{'PASS' if r.ok else 'FAIL'}: {got}" + (f", `{_cell(r.line)}`" if r.line else "")
        lines.append(f"| {i} | {_cell(c.name)} | `{_cell(_command(c))}` | {expected} | {result} |")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=None, help="run only cases whose name contains this text; print, write nothing")
    ap.add_argument("--out", default=str(ROOT / "docs" / "reliability.md"))
    ap.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per case (default 600)")
    args = ap.parse_args(argv)
    cases = [c for c in CASES if not args.only or args.only in c.name]
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp_name:
        tmp = Path(tmp_name)
        ro = readonly_folder(tmp)
        make_fixtures(tmp, need_record=any("$TMP/rec" in " ".join(c.args) for c in cases))
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(lambda c: run_case(c, tmp, ro, args.timeout), cases))
    seconds = time.perf_counter() - t0
    for r in results:
        print(f"{'PASS' if r.ok else 'FAIL'}  {r.seconds:6.1f}s  exit {r.code}  {r.case.name}: {r.line}")
    passed = sum(r.ok for r in results)
    print(f"\n{passed} of {len(results)} cases pass ({seconds:.0f} s)")
    if not args.only:
        write_table(results, Path(args.out), seconds)
        print(f"wrote {args.out}")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
