"""Headless Chromium for page checks and screenshots (Debian's ``chromium``; scripts/bootstrap installs it).

    dump_dom(page) -> str            the DOM after the page's scripts ran
    screenshot(page, png, width, height)

No browser is downloaded: ``find_chromium`` looks for the system binary and raises a clear error when it is missing.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from compose.errors import InvalidInputError

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--mute-audio")


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise InvalidInputError("no chromium found: install Debian's chromium (scripts/bootstrap does) for page checks")


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        cmd = [find_chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)


def dump_dom(page: str | Path, timeout: float = 120) -> str:
    return _run(["--virtual-time-budget=2000", "--dump-dom", Path(page).resolve().as_uri()], timeout).stdout


def screenshot(page: str | Path, png: str | Path, width: int = 1200, height: int = 1600,
               timeout: float = 120) -> Path:
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    _run([f"--screenshot={png}", f"--window-size={width},{height}", "--virtual-time-budget=2000",
          Path(page).resolve().as_uri()], timeout)
    if not png.exists():
        raise InvalidInputError(f"chromium wrote no screenshot to {png}")
    return png
