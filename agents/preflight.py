"""Checks every command line runs before any model loads: numbers in range, output paths writable, model paths sane.

A bad output path found after a 20 s episode loses the episode; found here it costs nothing. Output folders that do
not exist yet are created (so a later write cannot fail on a missing folder); folders that exist must accept a new
file, which is tested by creating and removing one (permission bits say nothing when running as root or on a
read-only mount).
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from compose.errors import InvalidInputError

# what matplotlib's savefig writes (Agg backend); a name without a suffix is written as PNG
PLOT_SUFFIXES = frozenset({"", ".png", ".pdf", ".svg", ".svgz", ".jpg", ".jpeg", ".eps", ".ps", ".tif", ".tiff",
                           ".webp", ".pgf", ".raw", ".rgba"})


def check_positive(value: int, flag: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{flag} must be >= 1, got {value!r}")
    return value


def _probe_writable(folder: Path, flag: str) -> None:
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".write-probe-")
    except OSError as exc:
        raise InvalidInputError(f"{flag}: cannot write into {folder} ({_why(exc)})") from None
    os.close(fd)
    os.unlink(name)


def _why(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    return exc.strerror or type(exc).__name__


def _make_folder(folder: Path, flag: str) -> None:
    for parent in [folder, *folder.parents]:
        if parent.exists() and not parent.is_dir():
            raise InvalidInputError(f"{flag}: {parent} exists and is not a folder")
        if parent.exists():
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(f"{flag}: cannot create the folder {folder} ({_why(exc)})") from None


def output_dir(path: str | os.PathLike, flag: str) -> Path:
    """A folder the command will write into: created if missing; refused if it is a file or not writable."""
    folder = Path(path).expanduser()
    if not str(path).strip():
        raise InvalidInputError(f"{flag}: the folder name is empty")
    if folder.exists() and not folder.is_dir():
        raise InvalidInputError(f"{flag}: {folder} exists and is a file, not a folder; choose another path")
    _make_folder(folder, flag)
    _probe_writable(folder, flag)
    return folder


def output_file(path: str | os.PathLike, flag: str, suffixes: frozenset[str] | None = None) -> Path:
    """A file the command will write: its folder is created if missing; refused if it is a folder, its suffix is
    not one the writer knows, or the folder is not writable."""
    file = Path(path).expanduser()
    if not str(path).strip():
        raise InvalidInputError(f"{flag}: the file name is empty")
    if file.is_dir():
        raise InvalidInputError(f"{flag}: {file} is a folder; give a file name")
    if suffixes is not None and file.suffix.lower() not in suffixes:
        known = ", ".join(sorted(s for s in suffixes if s))
        raise InvalidInputError(f"{flag}: cannot write a {file.suffix!r} file; use one of {known}")
    _make_folder(file.parent, flag)
    _probe_writable(file.parent, flag)
    return file


def check_model_path(path: str | None, flag: str = "--model-path") -> None:
    """A weights path must exist; a transformers folder needs a config.json holding a JSON object."""
    if path is None:
        return
    p = Path(path).expanduser()
    if not p.exists():
        raise InvalidInputError(f"{flag}: no such file or folder {p}")
    if p.is_dir() and (p / "config.json").exists():
        from compose.models import check_config_json

        check_config_json(p / "config.json", flag)


def check_llm_args(args, needs_llm: bool = True) -> None:
    """The language-model flags (agents.cli.add_llm_args): model path and server URL, checked without loading."""
    if not needs_llm:
        return
    check_model_path(getattr(args, "model_path", None))
    if getattr(args, "backend", None) == "openai":
        from compose.llm.openai_server import normalize_base_url

        url = args.base_url or os.environ.get("OPENAI_BASE_URL")
        if not url:
            raise InvalidInputError("--backend openai needs --base-url (e.g. http://127.0.0.1:8000/v1)")
        normalize_base_url(url)
