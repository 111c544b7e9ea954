"""The packages import one way: compose <- envs <- skills <- agents (README, pyproject.toml [tool.importlinter])."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("compose", "envs", "skills", "agents")  # bottom to top


def _checker():
    spec = importlib.util.spec_from_file_location("pkg_imports", ROOT / "scripts" / "pkg_imports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_cross_package_import_points_down():
    edges = _checker().package_edges(ROOT, ORDER)
    upward = {f"{a} -> {b}": where for (a, b), where in edges.items() if ORDER.index(a) < ORDER.index(b)}
    assert not upward, f"imports from a lower package into a higher one: {upward}"
    assert ("agents", "compose") in edges and ("envs", "compose") in edges  # the checker sees real imports


def test_no_package_cycle_counting_imports_inside_functions(tmp_path):
    checker = _checker()
    assert checker.package_cycles(checker.package_edges(ROOT, ORDER)) == []
    # the checker itself finds a cycle hidden inside a function
    for pkg, body in (("low", "def f():\n    from high import x\n"), ("high", "import low\n")):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text(body)
    edges = checker.package_edges(tmp_path, ("low", "high"))
    assert checker.package_cycles(edges) == [["high", "low"]]


def test_import_linter_layers_contract_is_kept():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(exe).exists():
        pytest.fail("lint-imports is missing: install the dev extra (pip install '.[dev]')")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([exe, "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 kept, 0 broken" in done.stdout
