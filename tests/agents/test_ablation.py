"""benchmarks/ablation.py: which runs it starts, which it skips, and the table it prints from results.json files."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from agents.bench.report import summarize

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("ablation", ROOT / "benchmarks" / "ablation.py")
ablation = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ablation)


def _write(root: Path, model: str, stem: str, name: str, outcomes: dict[str, list[bool]]) -> None:
    records = [{"mode": "goal", "family": fam, "plan_success": ok, "exec_success": ok and i % 2 == 0}
               for fam, oks in outcomes.items() for i, ok in enumerate(oks)]
    out = root / model / stem / name
    out.mkdir(parents=True)
    (out / "results.json").write_text(json.dumps({"n_episodes": len(records),
                                                  "modes": summarize(records, ["goal"])}))


def test_table_has_one_row_per_configuration_in_registry_order_with_wilson_intervals(tmp_path):
    _write(tmp_path, "m1", "tasks", "goal+check", {"nl_verbs": [True, True, False], "long_horizon": [True]})
    _write(tmp_path, "m1", "tasks", "saycan", {"nl_verbs": [False, False, True], "long_horizon": [False]})
    _write(tmp_path, "m1", "tasks", "extra_3seeds", {"nl_verbs": [True] * 3, "long_horizon": [True]})
    text = ablation.table(tmp_path)
    lines = text.splitlines()
    assert lines[0] == "**m1, tasks** (plan % per family)"
    assert "| configuration | plan [Wilson 95%] | exec | long horizon | verbs |" in lines
    rows = [line for line in lines if line.startswith("| ") and "configuration" not in line]
    assert [r.split(" | ")[0] for r in rows] == ["| saycan", "| goal+check", "| extra_3seeds"]
    saycan = rows[0].split(" | ")
    assert saycan[1].startswith("1/4 = 25.0 [")  # k/n = rate [Wilson low, high]
    lo, hi = (float(x) for x in saycan[1].split("[")[1].rstrip("]").split(", "))
    assert 0 < lo < 25.0 < hi < 100
    assert saycan[3:5] == ["0.0", "33.3 |"]  # long horizon 0/1, verbs 1/3


def test_run_skips_finished_configurations_and_resumes_started_ones(tmp_path, monkeypatch):
    tasks = tmp_path / "t.jsonl"
    tasks.write_text('{"id": "a"}\n{"id": "b"}\n')
    _write(tmp_path / "root", "m", "t", "saycan", {"f": [True, False]})  # 2 of 2 tasks: finished
    started = tmp_path / "root" / "m" / "t" / "goal"
    started.mkdir(parents=True)
    (started / "episodes.jsonl").write_text("{}\n")
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    ablation.run("m", str(tasks), only=("saycan", "goal", "goal+check"), root=tmp_path / "root")
    assert len(calls) == 2
    goal, check = calls
    assert goal[:3] == [sys.executable, "-m", "agents.benchmark"] and goal[-1] == "--resume"
    assert goal[goal.index("--mode") + 1] == "goal" and goal[goal.index("--out") + 1] == str(started)
    assert "--resume" not in check and "mentions=constrain" in check
