"""Acceptance: episode pages and the benchmark report rendered by headless Chromium (Debian's chromium).

Real simulators (kitchen via the benchmark with --record-episodes, tabletop via the saycan CLI) with the fake LLM
backend, so every candidate has an LLM probability, an affordance and a combined score. The DOM after the page's
scripts ran must hold the scores as bars and the frames as inline images of at least 224 px; screenshots must not
be blank. (The navigation page is checked the same way in tests/agents/test_replay.py.)
"""
from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from agents import replay
from agents.pages.browser import dump_dom, screenshot
from agents.saycan import main as saycan_main
from tests.agents.bench_helpers import SMOKE, bench_args, run_cli

pytestmark = pytest.mark.slow


def _frames(dom: str) -> list[np.ndarray]:
    from PIL import Image

    uris = re.findall(r'src="data:image/(?:png|jpeg);base64,([A-Za-z0-9+/=]+)"', dom)
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(u))).convert("RGB")) for u in uris]


def _not_blank(png: Path) -> None:
    from PIL import Image

    img = np.asarray(Image.open(png).convert("RGB"))
    assert img.shape[0] >= 800 and img.std() > 10


def _check_scores(dom: str, record: dict) -> None:
    for step in record["steps"]:
        for c in step["top"]:
            for key, kind in (("llm_prob", "llm"), ("affordance", "aff"), ("combined", "comb")):
                assert f'class="bar {kind}" data-value="{c[key]:.6g}"' in dom, (step["index"], c["skill"], key)


@pytest.fixture(scope="module")
def kitchen_bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("kbench") / "out"
    args = bench_args(out, "--mode", "saycan", "--backend", "fake", "--record-episodes", "--limit", "2",
                      "--max-steps", "3", tasks=SMOKE, fake=False)
    assert run_cli(args) == 0
    return out


def test_kitchen_episode_page_in_chromium(kitchen_bench, tmp_path):
    out = kitchen_bench
    record = json.loads((out / "episodes.jsonl").read_text().splitlines()[0])
    html = re.search(r"<a href='(pages/[^']+)'>" + re.escape(record["id"]), (out / "report.html").read_text())[1]
    dom = dump_dom(out / html)
    assert f"<title>{record['instruction']} -- kitchen episode</title>" in dom
    assert 'id="outcome"' in dom and ("Goal met" in dom or "Goal not met" in dom)
    _check_scores(dom, record)
    frames = _frames(dom)
    assert len(frames) == len(record["steps"]) + 1  # start + after each step
    assert all(f.shape[0] >= 224 and f.shape[1] >= 224 and f.std() > 5 for f in frames)
    # the record folder it came from replays to the same final state
    folder = next((out / "episodes").iterdir())
    assert replay.main([str(folder), "--html", str(tmp_path / "again.html")]) == 0
    _not_blank(screenshot(out / html, tmp_path / "kitchen.png", 1200, 1400))


def test_report_in_chromium(kitchen_bench, tmp_path):
    out = kitchen_bench
    records = [json.loads(x) for x in (out / "episodes.jsonl").read_text().splitlines()]
    results = json.loads((out / "results.json").read_text())
    dom = dump_dom(out / "report.html")
    rows = re.findall(r'<tr data-key="([^"]+)">', dom)
    assert len(rows) == len(records)
    failed = results["failures"]["saycan"]["failed"]
    assert failed == sum(not r["exec_success"] for r in records)
    assert f"{failed}/{len(records)}" in dom
    for r in records:
        assert re.search(r'<a href="pages/[^"]+\.html">' + re.escape(r["id"]) + "</a>", dom)
    assert dom.count('class="bar comb"') >= 2  # success rates as bars
    assert len(_frames(dom)) == 2  # the two per-family plots, inlined
    _not_blank(screenshot(out / "report.html", tmp_path / "report.png", 1200, 1400))


def test_tabletop_episode_page_in_chromium(tmp_path):
    rec = tmp_path / "tt"
    assert saycan_main(["--world", "tabletop", "--task", "put the red block in the green bowl", "--backend", "fake",
                        "--max-steps", "2", "--goal", '{"on": ["red block", "green bowl"]}', "--record", str(rec),
                        "--quiet"]) == 0
    page = tmp_path / "tt.html"
    assert replay.main([str(rec), "--html", str(page)]) == 0
    record = json.loads((rec / "episode.json").read_text())
    dom = dump_dom(page)
    assert "put the red block in the green bowl -- tabletop episode" in dom
    _check_scores(dom, record)
    assert "red block on the green bowl" in dom  # the goal, as a phrase
    frames = _frames(dom)
    assert len(frames) == len(record["steps"]) + 1 and all(f.shape[0] >= 224 for f in frames)
    _not_blank(screenshot(page, tmp_path / "tt.png", 1200, 1400))
