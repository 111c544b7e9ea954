"""Packaging: the wheel built from pyproject.toml holds every package (agents.bench, agents.planners, ...), the
prompt files and the data files, and, installed (not editable) into a fresh venv, runs the command lines from a
directory outside the checkout."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARE = "socratic_agents-0.1.0.data/data/share/socratic-agents/data/"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (built,) = out.glob("socratic_agents-*.whl")
    return built


@pytest.mark.slow
def test_wheel_holds_every_package_the_prompts_and_the_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(p.parent.relative_to(ROOT).as_posix() for top in ("compose", "envs", "skills", "agents")
                      for p in (ROOT / top).rglob("__init__.py"))
    assert {"agents/bench", "agents/planners", "envs/kitchen", "envs/tabletop", "envs/navgraph"} <= set(packages)
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert not missing, f"packages left out of the wheel: {missing}"
    prompts = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "compose" / "prompts").glob("*.txt"))
    assert prompts and not [p for p in prompts if p not in names]
    tracked = subprocess.run(["git", "ls-files", "data"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout: cannot list the tracked data files")
    data = [f for f in tracked.stdout.split() if not f.startswith("data/qa/episodes/")]  # QA recordings: dev only
    assert "data/tasks/kitchen_smoke.jsonl" in data
    unshipped = [f for f in data if SHARE + f.removeprefix("data/") not in names]
    assert not unshipped, f"data files the wheel leaves out ([tool.setuptools.data-files]): {unshipped}"


@pytest.mark.slow
def test_installed_wheel_runs_saycan_and_the_benchmark_outside_the_checkout(wheel, tmp_path):
    """A fresh venv with the wheel (the dependencies come from this interpreter's site-packages through a .pth line,
    which loads none of its own .pth files, so the editable install of the checkout stays out)."""
    # no PYTHONPATH: a checkout on it (with the egg-info an in-tree build leaves) would make pip skip the install
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SOCRATIC_DATA_DIR")}
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120, env=env)
    python = venv / "bin" / "python"
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                           "-q", str(wheel)], capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True, env=env).stdout.strip()
    Path(purelib, "deps_from_test.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()

    def run(*argv):
        return subprocess.run([str(python), *argv], cwd=work, env=env, capture_output=True, text=True, timeout=600)

    where = run("-c", "import agents, compose.paths as p; print(agents.__file__); print(p.data_root())")
    assert where.returncode == 0, where.stderr[-3000:]
    package_file, data_root = where.stdout.split()
    assert Path(package_file).is_relative_to(venv) and Path(data_root) == venv / "share" / "socratic-agents" / "data"

    saycan = run("-m", "agents.saycan", "--task", "bring me a sponge", "--backend", "fake", "--max-steps", "3",
                 "--goal", '{"at": ["sponge", "user"]}', "--quiet")
    assert saycan.returncode == 0, saycan.stderr[-3000:]
    assert "goal" in saycan.stdout and "Traceback" not in saycan.stderr

    bench = run("-m", "agents.benchmark", "--tasks", "data/tasks/kitchen_smoke.jsonl", "--backend", "fake",
                "--limit", "2", "--max-steps", "3", "--out", "out", "--no-progress")
    assert bench.returncode == 0, bench.stderr[-3000:]
    records = [json.loads(line) for line in (work / "out" / "episodes.jsonl").read_text().splitlines()]
    assert len(records) == 2 and all(r["world"] == "kitchen" and not r.get("error") for r in records)
    assert (work / "out" / "report.html").is_file()
