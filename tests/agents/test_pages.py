"""Episode pages, the benchmark report and the terminal outcome, on hand-made records and the fake benchmark runner.

The pages are checked as HTML here (fast); tests/agents/test_pages_chromium.py renders them in a real browser.
"""
from __future__ import annotations

import html as html_mod
import json
import re
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from agents.display import episode_figure, print_outcome
from agents.pages.episode import render_episode, write_episode_page
from agents.pages.report import PAGES, REPORT
from envs.record import EpisodeRecorder, load_record
from tests.agents.bench_helpers import bench_args, run_cli

TOP = [{"skill": "find a sponge", "llm_logprob": -1.1, "llm_prob": 0.65, "affordance": 0.46, "combined": 0.3},
       {"skill": "go to the far counter", "llm_logprob": -5.9, "llm_prob": 0.005, "affordance": 1.0, "combined": 0.005},
       {"skill": "done", "llm_logprob": -6.0, "llm_prob": 0.004, "affordance": 1.0, "combined": 0.004}]


def _visible_text(html: str) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return html_mod.unescape(re.sub(r"<[^>]+>", "", body))


def kitchen_record_dir(tmp_path: Path, goal=None, n_steps=2) -> Path:
    rec = EpisodeRecorder(tmp_path / "rec")
    rng = np.random.default_rng(0)
    steps = []
    for i in range(n_steps):
        rec.add_frame(rng.integers(0, 255, (224, 224, 3), dtype=np.uint8))
        steps.append({"index": i, "skill": TOP[0]["skill"] if i == 0 else "done", "skill_index": 0,
                      "llm_logprob": -1.1, "llm_prob": 0.65, "affordance": 0.46, "combined": 0.3, "generated": None,
                      "top": TOP, "t": float(i), "t_end": float(i + 1), "success": i != 0, "reason":
                      "no sponge in view" if i == 0 else "", "perception": {"location": "user", "visible": [],
                                                                             "holding": None},
                      "state": {"robot": "far counter", "holding": None, "drawer_open": False,
                                "objects": [["sponge", "far counter"]]},
                      "extras": {"goal_sentence": "the sponge is with the user", "goal": {"at": ["sponge", "user"]},
                                 "goal_score": 0.83, "goal_alternatives": [["the apple is with the user", 0.1]],
                                 "plan": ["find a sponge", "pick up the sponge"], "plan_cost": 2.5,
                                 "unreachable": False, "beam": 4}})
    rec.add_frame(rng.integers(0, 255, (224, 224, 3), dtype=np.uint8))
    final = {"robot": "far counter", "holding": None, "drawer_open": False, "objects": [["sponge", "far counter"]]}
    task = {"id": "cli", "instruction": "bring me a sponge", "world": "kitchen", "init": {"robot": "user"}}
    if goal is not None:
        task["goal"] = goal
    rec.save({"id": "cli", "world": "kitchen", "mode": "saycan", "seed": 3, "instruction": "bring me a sponge",
              "model": "smollm2-135m", "plan": [s["skill"] for s in steps], "steps": steps, "terminated_by": "done",
              "plan_success": False if goal else None, "exec_success": False if goal else None,
              "metrics": {"n_steps": n_steps, "skill_failures": 1, "sim_time": 2.0},
              "timing": {"total_s": 3.0, "llm_s": 1.0}, "initial_state": final, "final_state": final, "task": task,
              "outcome": {"goal_met": False if goal else None, "plan_success": None, "terminated_by": "done"}})
    return tmp_path / "rec"


def test_kitchen_page_has_frames_bars_outcome_and_title(tmp_path):
    record = load_record(kitchen_record_dir(tmp_path, goal={"at": ["sponge", "user"]}))
    html = render_episode(record, verified=True)
    assert "<title>bring me a sponge -- kitchen episode</title>" in html
    assert html.count("src='data:image/") == 3  # start + one frame after each step, inlined
    for c in TOP:  # every candidate's three scores as bars
        for key, kind in (("llm_prob", "llm"), ("affordance", "aff"), ("combined", "comb")):
            assert f"<div class='bar {kind}' data-value='{c[key]:.6g}'>" in html
    text = _visible_text(html)
    assert "Goal not met (wanted: sponge handed to the user)" in text
    assert "the planner chose 'done' after 1 skill" in text and "no sponge in view" in text
    # the planner's extras: the chosen goal, its plan, the alternatives, anything else
    assert "chosen goal: “the sponge is with the user” = sponge handed to the user; score 0.830" in text
    assert "planned from here: find a sponge → pick up the sponge (cost 2.50)" in text
    assert "other goals considered" in text and "the apple is with the user" in text and "planner: beam: 4" in text
    assert "planner saw: at the user; sees nothing it can pick up; holding nothing" in text
    assert "None" not in text and "null" not in text and "{" not in text
    assert "http://" not in html and "https://" not in html


def test_page_without_goal_says_so(tmp_path):
    record = load_record(kitchen_record_dir(tmp_path))
    text = _visible_text(render_episode(record))
    assert "No goal given, so nothing was checked" in text and "None" not in text


def test_benchmark_record_page_without_frames(tmp_path):
    """A record as episodes.jsonl holds it (no task, no folder): the page still shows scores and the outcome."""
    record = json.loads(json.dumps(load_record(kitchen_record_dir(tmp_path, goal={"at": ["sponge", "user"]}))))
    for key in ("task", "outcome", "_path", "format"):
        record.pop(key)
    record["goal"] = {"at": ["sponge", "user"]}
    page = write_episode_page(record, tmp_path / "p.html", failure="stopped early", back="../report.html")
    html = page.read_text()
    assert "data:image" not in html and "no frames in this record" in html
    assert "class='bar llm'" in html and "stopped early" in html and "href='../report.html'" in html


@pytest.fixture(scope="module")
def fake_bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "out"
    assert run_cli(bench_args(out, "--mode", "saycan", "--mode", "llm", "--seeds", "2")) == 0
    return out


def test_benchmark_writes_report_with_taxonomy_and_episode_pages(fake_bench):
    out = fake_bench
    results = json.loads((out / "results.json").read_text())
    records = [json.loads(x) for x in (out / "episodes.jsonl").read_text().splitlines()]
    for mode, t in results["failures"].items():
        failed = sum(1 for r in records if r["mode"] == mode and not r["exec_success"])
        assert t["failed"] == failed == sum(t["counts"].values())
    assert "## Why episodes failed" in (out / "results.md").read_text()
    html = (out / REPORT).read_text()
    links = re.findall(r"<a href='(pages/[^']+\.html)'>", html)
    assert len(links) == len(records) and all((out / link).is_file() for link in links)
    assert "<table id='episodes' class='sortable'>" in html and "Why episodes failed" in html
    assert len(list((out / PAGES).glob("*.html"))) == len(records)
    page = (out / links[0]).read_text()
    assert "href='../report.html'" in page and records[0]["instruction"] in page


def test_tabletop_outcome_in_the_terminal_has_no_none_and_shows_the_final_state():
    record = {"world": "tabletop", "plan": ["pick the red block and place it on the green bowl", "done"],
              "steps": [{}, {}], "terminated_by": "done", "exec_success": None, "plan_success": None,
              "final_state": {"objects": {"red block": {"kind": "block", "support": "green bowl", "region": "middle"},
                                          "green bowl": {"kind": "bowl", "support": "table", "region": "middle"}},
                              "holding": None},
              "timing": {"total_s": 2.0, "llm_s": 1.0}, "metrics": {"sim_time": 1.5}}
    console = Console(record=True, width=120)
    print_outcome(console, record)
    text = console.export_text()
    assert "None" not in text
    assert "red block: on the green bowl (middle)" in text and "no goal given" in text
    print_outcome(console, {**record, "exec_success": True, "plan_success": True,
                            "goal": {"on": ["red block", "green bowl"]}})
    assert "goal met in the simulator: red block on the green bowl" in console.export_text()


@pytest.mark.parametrize("n_steps", [1, 20])
def test_score_plot_title_never_overlaps_the_first_panel(n_steps):
    import matplotlib.pyplot as plt

    steps = [{"index": i, "skill": "find a sponge", "success": True, "top": TOP} for i in range(n_steps)]
    fig = episode_figure({"instruction": "bring me a sponge", "steps": steps})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    first = fig.axes[0].title.get_window_extent(renderer)
    legend = fig.legends[0].get_window_extent(renderer)
    assert title.y0 > first.y1 and legend.y0 > first.y1  # display coordinates: y grows upwards
    plt.close(fig)


@pytest.mark.slow
def test_plan_from_scene_prints_the_final_state_and_the_goal(capsys):
    from agents.socratic import main

    assert main(["plan-from-scene", "--task", "bring me a sponge", "--backend", "fake", "--max-steps", "2",
                 "--goal", '{"at": ["sponge", "user"]}']) == 0
    out = capsys.readouterr().out
    assert "final state:" in out and "handed to the user:" in out and "None" not in out
    assert "(sponge handed to the user)" in out
