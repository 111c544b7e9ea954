"""Packaging: the wheel built from pyproject.toml holds every package (agents.bench, agents.planners, ...) and the
prompt files the planners load."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_holds_every_package_and_the_prompts(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = tmp_path.glob("socratic_agents-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(p.parent.relative_to(ROOT).as_posix() for top in ("compose", "envs", "skills", "agents")
                      for p in (ROOT / top).rglob("__init__.py"))
    assert {"agents/bench", "agents/planners", "envs/kitchen", "envs/tabletop", "envs/navgraph"} <= set(packages)
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert not missing, f"packages left out of the wheel: {missing}"
    prompts = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "compose" / "prompts").glob("*.txt"))
    assert prompts and not [p for p in prompts if p not in names]
