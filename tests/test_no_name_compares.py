"""No world name or planner-mode name is compared as a string outside its registry (issue 11).

World names (envs.worlds.WORLDS) and planner modes (agents.planners.PLANNERS) are looked up in their registries; code
that writes ``world == "kitchen"``, ``mode != "saycan"`` or ``world in ("kitchen", ...)`` instead is what this test
finds. Mode names are only flagged on lines that speak of a mode (``extractor == "llm"`` is another option).
"""
from __future__ import annotations

import re
from pathlib import Path

from agents.planners import PLANNERS
from envs.worlds import WORLDS

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("agents", "compose", "envs", "skills", "benchmarks", "examples", "scripts")
REGISTRIES = {"envs/worlds.py", "agents/planners/__init__.py", "agents/planners/base.py"}


def _compares(names):
    alt = "|".join(re.escape(n) for n in names)
    lit = rf"""["'](?:{alt})["']"""
    return re.compile(rf"(?:==|!=)\s*{lit}|{lit}\s*(?:==|!=)|\bin\s*[(\[{{]\s*{lit}")


def offenders() -> list[str]:
    world_re, mode_re = _compares(WORLDS.names()), _compares(PLANNERS.names())
    found = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in REGISTRIES or "/spec.py" in rel:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if world_re.search(code) or ("mode" in code and mode_re.search(code)):
                    found.append(f"{rel}:{n}: {line.strip()}")
    return found


def test_the_pattern_catches_the_known_shapes():
    w = _compares(["kitchen", "tabletop"])
    assert w.search('if world == "kitchen":') and w.search("x in ('tabletop', 'y')") and w.search('"kitchen" != w')
    assert not w.search('name = "kitchen"')


def test_no_world_or_mode_name_is_compared_as_a_string():
    found = offenders()
    assert not found, "world/mode names compared as strings (read envs.worlds / agents.planners instead):\n" + \
        "\n".join(found)
