"""Where the project's data files are (task files, example banks, trained heads, navigation graphs, ...).

``data_root()`` is, in order:

1. ``$SOCRATIC_DATA_DIR`` when set;
2. the checkout's ``data/`` beside the packages (a source tree or an editable install);
3. ``<prefix>/share/socratic-agents/data``, where ``pip install .`` puts the copy the wheel ships
   (``[tool.setuptools.data-files]`` in pyproject.toml), for the interpreter's prefix and the user base.

Paths given on a command line are read as given; ``shipped_file`` falls back to the shipped copy only when a
relative path does not exist, so ``--tasks data/tasks/kitchen_smoke.jsonl`` works from any directory.
"""
from __future__ import annotations

import os
import site
import sys
from pathlib import Path

DATA_ENV = "SOCRATIC_DATA_DIR"
SHARE = Path("share") / "socratic-agents" / "data"
_CHECKOUT = Path(__file__).resolve().parents[1]


def data_root() -> Path:
    """The folder holding the data files (see the module doc); the checkout's ``data/`` when none exists."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    checkout = _CHECKOUT / "data"
    if checkout.is_dir() and (_CHECKOUT / "pyproject.toml").is_file():
        return checkout
    for prefix in (sys.prefix, getattr(site, "USER_BASE", None) or "", sys.base_prefix):
        if prefix and (Path(prefix) / SHARE).is_dir():
            return Path(prefix) / SHARE
    return checkout


def data_path(*parts: str) -> Path:
    """A file or folder under ``data_root()``, e.g. ``data_path("tasks", "kitchen_smoke.jsonl")``."""
    return data_root().joinpath(*parts)


def shipped_file(path: str | Path) -> Path:
    """``path`` when it exists (or is absolute); else, for a relative ``data/...`` (or bare) name of a shipped file,
    that file; else ``path`` unchanged (the caller reports it missing)."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    parts = p.parts[1:] if p.parts[:1] == ("data",) else p.parts
    candidate = data_path(*parts) if parts else None
    return candidate if candidate is not None and candidate.exists() else p
