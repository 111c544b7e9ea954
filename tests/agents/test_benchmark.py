"""The benchmark command with a deterministic fake runner: outputs, statistics, validation, error handling."""
import json
import math

import pytest

from agents.bench.config import BenchConfig, parse_args
from agents.bench.stats import mean_sd, rate, wilson
from compose.errors import InvalidInputError
from tests.agents.bench_helpers import SMOKE, bench_args, episodes, run_cli, stable_results


def test_wilson_known_values():
    lo, hi = wilson(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 10) == (0.0, pytest.approx(0.2775, abs=1e-4))
    assert wilson(10, 10) == (pytest.approx(0.7225, abs=1e-4), 1.0)
    lo, hi = wilson(84, 101)
    assert lo == pytest.approx(0.7469, abs=1e-4) and hi == pytest.approx(0.8922, abs=1e-4)  # worked by hand
    assert wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_mean_sd_and_rate():
    assert mean_sd([2, 4, 4, 4, 5, 5, 7, 9]) == (5.0, pytest.approx(2.13809, abs=1e-5))
    assert mean_sd([0.5]) == (0.5, 0.0)
    assert all(math.isnan(x) for x in mean_sd([]))
    r = rate(3, 4)
    assert r["rate"] == 0.75 and r["k"] == 3 and r["n"] == 4 and r["ci95"] == list(wilson(3, 4))


def test_parse_args_into_frozen_config():
    cfg = parse_args(["--tasks", "a.jsonl", "--tasks", "b.jsonl", "--mode", "saycan", "--mode", "llm", "--seeds",
                      "3", "--model", "m", "--backend", "fake", "--out", "o", "--executor", "process", "--workers",
                      "4", "--resume", "--limit", "5", "--family", "x", "--max-steps", "9",
                      "--ray-address", "ray://h:1"])
    assert isinstance(cfg, BenchConfig)
    assert cfg.tasks == ("a.jsonl", "b.jsonl") and cfg.modes == ("saycan", "llm") and cfg.seeds == 3
    assert cfg.llm.model == "m" and cfg.llm.backend == "fake" and cfg.executor == "process" and cfg.workers == 4
    assert cfg.resume and cfg.limit == 5 and cfg.families == ("x",) and cfg.max_steps == 9
    assert cfg.ray_address == "ray://h:1"
    with pytest.raises(Exception):
        cfg.seeds = 1
    assert parse_args(["--tasks", "a", "--out", "o"]).modes == ()  # none given: each world's default mode
    for bad in (["--seeds", "0"], ["--workers", "0"], ["--limit", "0"], ["--runner", "kitchen"]):
        with pytest.raises(InvalidInputError):
            parse_args(["--tasks", "a", "--out", "o", *bad])


def test_serial_run_writes_every_output(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_cli(bench_args(out, "--mode", "saycan", "--mode", "llm", "--seeds", "2")) == 0
    recs = episodes(out)
    assert len(recs) == 8 * 2 * 2
    assert len({(r["id"], r["mode"], r["seed"]) for r in recs}) == len(recs)
    for r in recs:
        for field in ("id", "world", "mode", "seed", "instruction", "family", "plan", "steps", "plan_success",
                      "exec_success", "metrics", "timing", "llm_stats", "wall_s", "seed_index", "task_file"):
            assert field in r, field
    # seed k of a task = task seed + k
    from envs.tasks import load_tasks
    seeds = {t.id: t.seed for t in load_tasks(SMOKE)}
    assert all(r["seed"] == seeds[r["id"]] + r["seed_index"] for r in recs)

    res = json.loads((out / "results.json").read_text())
    for key in ("date", "config", "model", "versions", "git", "modes"):
        assert key in res
    assert res["versions"]["torch"] and res["config"]["seeds"] == 2
    for mode in ("saycan", "llm"):
        s = res["modes"][mode]
        mine = [r for r in recs if r["mode"] == mode]
        k = sum(r["plan_success"] for r in mine)
        assert s["n"] == 16 and s["plan_success"]["k"] == k and s["plan_success"]["rate"] == k / 16
        lo, hi = s["plan_success"]["ci95"]
        assert lo <= k / 16 <= hi
        fams = s["families"]
        assert sum(f["n"] for f in fams.values()) == 16
        assert s["plan_success_family_mean"] == pytest.approx(
            sum(f["plan_success"]["rate"] for f in fams.values()) / len(fams))
        per_seed = s["exec_success_over_seeds"]["per_seed"]
        assert len(per_seed) == 2 and s["exec_success_over_seeds"]["mean"] == pytest.approx(sum(per_seed) / 2)
        assert s["llm_calls"]["total"] == sum(r["llm_stats"]["calls"] for r in mine)
    assert res["modes"]["saycan"]["plan_success"]["rate"] == 1.0  # the fake saycan mode plans perfectly
    md = (out / "results.md").read_text()
    assert "| saycan | 16 |" in md and "## Per family" in md and "drawer" in md
    for png in ("plan_success.png", "exec_success.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "| saycan | 16 |" in printed and "| llm | 16 |" in printed


def test_filters_limit_and_family(tmp_path):
    out = tmp_path / "run"
    assert run_cli(bench_args(out, "--family", "drawer", "--family", "fetch", "--limit", "3")) == 0
    recs = episodes(out)
    assert len(recs) == 3 and {r["family"] for r in recs} <= {"drawer", "fetch"}


def test_bad_task_file_exits_2_before_running(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    lines = open(SMOKE).read().splitlines()
    lines[2] = lines[2].replace('"tea"', '"teapot"', 1)
    lines.append('{"id": "x", "world": "kitchen"')
    bad.write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    assert run_cli(bench_args(out, "--tasks", SMOKE, tasks=bad)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert f"{bad}:3: init.objects[0][0]: unknown object 'teapot'" in err
    assert f"{bad}:9: line: not valid JSON" in err
    assert "duplicate id" in err  # the smoke ids appear in both files
    assert not out.exists()


def test_unknown_mode_and_existing_output(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_cli(bench_args(out, "--mode", "telepathy")) == 2
    assert "unknown mode 'telepathy'" in capsys.readouterr().err
    assert run_cli(bench_args(out, "--limit", "1")) == 0
    assert run_cli(bench_args(out, "--limit", "2")) == 2  # would mix two runs: needs --resume
    assert "pass --resume" in capsys.readouterr().err
    assert run_cli(bench_args(out, "--limit", "2", "--resume", "--max-steps", "5")) == 2
    assert "other settings (max_steps" in capsys.readouterr().err
    assert run_cli(bench_args(out, "--limit", "2", "--resume")) == 0
    assert len(episodes(out)) == 2
    edited = tmp_path / "edited.jsonl"  # same ids, one goal changed: old episodes no longer apply
    edited.write_text(open(SMOKE).read().replace('"goal": {"at": ["sponge", "user"]}', '"goal": {"holding": null}'))
    assert run_cli(bench_args(out, "--limit", "2", "--resume", tasks=edited)) == 2
    assert "1 task(s) changed since their episodes ran (smoke-fetch-sponge)" in capsys.readouterr().err


def test_broken_episode_is_recorded_and_fatal_error_stops(tmp_path, capsys):
    tasks = tmp_path / "t.jsonl"
    base = json.loads(open(SMOKE).readline())
    rows = [base, {**base, "id": "broken", "fake_error": True}, {**base, "id": "after"}]
    tasks.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "run"
    assert run_cli(bench_args(out, "--mode", "saycan", tasks=tasks)) == 0
    recs = {r["id"]: r for r in episodes(out)}
    assert len(recs) == 3 and recs["broken"]["error"].startswith("RuntimeError: the fake episode broke")
    assert recs["broken"]["plan_success"] is False and "error" not in recs["after"]
    assert json.loads((out / "results.json").read_text())["modes"]["saycan"]["errors"] == 1

    rows[1] = {**base, "id": "fatal", "fake_fatal": True}
    tasks.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out2 = tmp_path / "run2"
    assert run_cli(bench_args(out2, "--mode", "saycan", tasks=tasks)) == 1
    err = capsys.readouterr().err
    assert "error: stopping the benchmark: no weights for model 'fake-missing'" in err
    assert [r["id"] for r in episodes(out2)] == [base["id"]]  # what finished before is kept
    assert not (out2 / "results.json").exists()


def test_same_run_twice_gives_same_results(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run_cli(bench_args(a, "--mode", "llm", "--seeds", "2")) == 0
    assert run_cli(bench_args(b, "--mode", "llm", "--seeds", "2")) == 0
    assert stable_results(a) == stable_results(b)


def test_set_passes_world_knobs_to_every_episode(tmp_path, capsys):
    cfg = parse_args(["--tasks", "a", "--out", "o", "--set", "flavour=salty", "--set", "anything=0.5",
                      "--set", "anything=[1, 2]"])
    assert cfg.extra == (("anything", [1, 2]), ("flavour", "salty"))  # JSON values; the last --set of a key wins
    with pytest.raises(InvalidInputError, match="KEY=VALUE"):
        parse_args(["--tasks", "a", "--out", "o", "--set", "flavour"])

    out = tmp_path / "run"
    assert run_cli(bench_args(out, "--set", "flavour=salty", "--limit", "2")) == 0
    assert all(r["received_extra"] == r["extra"] == [["flavour", "salty"]] for r in episodes(out))
    assert json.loads((out / "run_config.json").read_text())["extra"] == [["flavour", "salty"]]
    # resuming with other knobs would mix two settings in one table: refused
    assert run_cli(bench_args(out, "--set", "flavour=plain", "--limit", "2", "--resume")) == 2
    assert "flavour" in capsys.readouterr().err

    for bad, words in ((["--set", "flavor=salty"], ["unknown", "flavour", "anything"]),
                       (["--set", "flavour=sweet"], ["plain", "salty"])):
        assert run_cli(bench_args(tmp_path / "bad", *bad)) == 2
        err = capsys.readouterr().err
        assert all(w in err for w in words), err
        assert not (tmp_path / "bad" / "episodes.jsonl").exists()


def test_without_mode_each_world_runs_its_default_mode():
    """No --mode: kitchen tasks run the kitchen's default (goal), tabletop tasks saycan (WorldSpec.default_mode)."""
    from agents.bench.runner import make_specs
    from envs.tasks import load_task_files

    tasks = load_task_files(["data/tasks/kitchen_smoke.jsonl", "data/tasks/tabletop_dev.jsonl"])
    specs = make_specs(tasks, parse_args(["--tasks", "x", "--out", "o"]))
    modes = {(s.task["world"], s.mode) for s in specs}
    assert modes == {("kitchen", "goal"), ("tabletop", "saycan")}
    assert len(specs) == len(tasks)
