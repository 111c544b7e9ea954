"""Regenerate the page screenshots in docs/img/ (headless Chromium; see agents/pages/browser.py).

    .venv/bin/python scripts/page_screenshots.py [--out docs/img] [--work DIR]

1. docs/img/episode_page.png: the episode page of a real SayCan run in the kitchen (the default model,
   "bring me a sponge", goal checked), made with `python -m agents.saycan ... --record` and
   `python -m agents.replay ... --html`.
2. docs/img/report_page.png: the benchmark report rebuilt from the stored SayCan-101 run
   (benchmarks/results/saycan101, its plots from docs/img) with `python -m agents.pages.report`.

About a minute on an idle 2-core machine (the kitchen episode dominates).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _run(*args: str) -> None:
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def _crop(png: Path, height: int) -> None:
    """Keep the top ``height`` pixels (the window is taller than what the docs show)."""
    from PIL import Image

    img = Image.open(png)
    img.crop((0, 0, img.width, min(height, img.height))).save(png, optimize=True)


def main(argv=None) -> int:
    from agents.pages.browser import screenshot

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    ap.add_argument("--work", default=None, help="keep the records and pages here (default: a temporary folder)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    work = Path(args.work or tempfile.mkdtemp(prefix="page-shots-"))
    work.mkdir(parents=True, exist_ok=True)

    rec = work / "sponge"
    shutil.rmtree(rec, ignore_errors=True)
    _run("-m", "agents.saycan", "--task", "bring me a sponge", "--goal", '{"at": ["sponge", "user"]}',
         "--record", str(rec), "--quiet")
    _run("-m", "agents.replay", str(rec), "--html", str(work / "episode.html"))
    shot = screenshot(work / "episode.html", out / "episode_page.png", width=1200, height=1500)
    _crop(shot, 1500)

    bench = work / "saycan101"
    shutil.rmtree(bench, ignore_errors=True)
    shutil.copytree(ROOT / "benchmarks" / "results" / "saycan101", bench)
    for what in ("plan_success", "exec_success"):
        shutil.copy(ROOT / "docs" / "img" / f"saycan101_{what}.png", bench / f"{what}.png")
    _run("-m", "agents.pages.report", str(bench))
    shot = screenshot(bench / "report.html", out / "report_page.png", width=1200, height=1500)
    _crop(shot, 1500)
    print(f"wrote {out / 'episode_page.png'} and {out / 'report_page.png'} (pages in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
