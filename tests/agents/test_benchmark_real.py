"""The benchmark with the real kitchen runner (agents.saycan:run_episode, PyBullet): oracle plans, the fake LLM
backend, and the real small model (SmolLM2-135M, offline)."""
import json

import pytest

from envs.kitchen.goals import check_goal, shortest_plan
from envs.tasks import load_tasks, plan_success
from envs.kitchen.language import parse_skill
from tests.agents.bench_helpers import SMOKE, bench_args, episodes, run_cli, stable_episodes

pytestmark = pytest.mark.slow
PICK = ["smoke-fetch-sponge", "smoke-trash-orange"]


@pytest.fixture(scope="module")
def two_tasks(tmp_path_factory):
    """Two smoke tasks, each with its shortest symbolic plan as ``oracle_plan``."""
    path = tmp_path_factory.mktemp("tasks") / "two.jsonl"
    rows = []
    for t in load_tasks(SMOKE):
        if t.id in PICK:
            rows.append({**t.to_dict(), "oracle_plan": shortest_plan(t.init, t.goal)})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def check_consistent(out, tasks_path):
    tasks = {t.id: t for t in load_tasks(tasks_path)}
    recs = episodes(out)
    for r in recs:
        assert r.get("error") is None, r.get("error")
        for skill in r["plan"]:
            parse_skill(skill)  # every step is a skill sentence of the kitchen
        assert r["plan_success"] == plan_success(tasks[r["id"]], r["plan"])
        if "final_state" in r:
            assert r["exec_success"] == check_goal(tasks[r["id"]].goal, r["final_state"])
    return recs


def test_oracle_plans_in_the_simulator(two_tasks, tmp_path):
    out = tmp_path / "oracle"
    assert run_cli(bench_args(out, "--mode", "oracle-plan", "--seeds", "2", tasks=two_tasks, fake=False)) == 0
    recs = check_consistent(out, two_tasks)
    assert len(recs) == 4 and all(r["plan_success"] for r in recs)
    assert sum(r["exec_success"] for r in recs) >= 3  # physical skills rarely fail on these
    res = json.loads((out / "results.json").read_text())
    assert res["modes"]["oracle-plan"]["plan_success"]["rate"] == 1.0


def test_fake_llm_serial_equals_process(two_tasks, tmp_path):
    a, b = tmp_path / "serial", tmp_path / "process"
    common = ("--mode", "saycan", "--mode", "llm", "--backend", "fake", "--max-steps", "6")
    assert run_cli(bench_args(a, *common, tasks=two_tasks, fake=False)) == 0
    assert run_cli(bench_args(b, *common, "--executor", "process", tasks=two_tasks, fake=False)) == 0
    recs = check_consistent(a, two_tasks)
    assert len(recs) == 4 and all(r["plan"] and r["llm_stats"].get("calls", 0) > 0 for r in recs)
    assert stable_episodes(a) == stable_episodes(b)


def test_real_small_model(two_tasks, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = tmp_path / "smollm"
    args = ("--mode", "saycan", "--model", "smollm2-135m", "--limit", "1", "--max-steps", "3")
    assert run_cli(bench_args(out, *args, tasks=two_tasks, fake=False)) == 0
    [rec] = check_consistent(out, two_tasks)
    assert rec["plan"] and rec["llm_stats"]["calls"] >= len(rec["plan"])
    assert (out / "results.md").read_text().count("| saycan | 1 |") == 1


def test_set_reaches_the_tabletop_runner(tmp_path):
    """``--set options=all`` gives the real tabletop episode all 281 options; the default is the scene's own."""
    from pathlib import Path

    tasks = Path(__file__).resolve().parents[2] / "data" / "tasks" / "tabletop.jsonl"
    common = ("--mode", "saycan", "--backend", "fake", "--max-steps", "2", "--family", "single_move", "--limit", "1")
    scene, every = tmp_path / "scene", tmp_path / "all"
    assert run_cli(bench_args(scene, *common, tasks=tasks, fake=False)) == 0
    assert run_cli(bench_args(every, *common, "--set", "options=all", tasks=tasks, fake=False)) == 0
    [a], [b] = episodes(scene), episodes(every)
    assert a.get("error") is None and b.get("error") is None
    assert b["metrics"]["n_options"] == 281 and a["metrics"]["n_options"] < 281
    assert b["extra"] == [["options", "all"]]
