"""Every argument and output path is checked before any model loads (issue 14): numbers, output folders and files,
model paths, empty task files, empty questions and instructions, corrupt GGUF files and navigation graphs."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from agents import lmnav, saycan, socratic
from agents.benchmark import main as bench_main
from agents.cli import run_main
from agents.preflight import output_dir, output_file
from compose.errors import InvalidInputError

ROOT = Path(__file__).resolve().parents[2]
ORACLE = "find a sponge;pick up the sponge;bring it to you;put down the sponge;done"


@pytest.fixture(autouse=True)
def no_model(monkeypatch):
    """Loading a model during these checks is the bug: make it fail loudly."""
    import agents.runtime

    def boom(*a, **k):
        raise AssertionError("a model was loaded before the arguments were checked")

    monkeypatch.setattr(agents.runtime, "get_llm", boom)
    monkeypatch.setattr(agents.runtime, "get_embedder", boom)


def readonly_folder(tmp_path) -> Path:
    """A folder no file can be created in: chmod for a normal user; root ignores permission bits, so then a
    read-only kernel file system."""
    if os.geteuid() != 0:
        d = tmp_path / "ro"
        d.mkdir()
        d.chmod(0o500)
        return d
    for cand in ("/sys/kernel", "/sys/fs", "/proc/sys"):
        try:
            fd, name = tempfile.mkstemp(dir=cand)
        except OSError:
            return Path(cand)
        os.close(fd)
        os.unlink(name)
    pytest.skip("no read-only folder on this machine")


def run(main, argv, capsys):
    code = run_main(main, argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("value", ["0", "-3"])
def test_saycan_max_steps_must_be_positive(value, capsys):
    code, out, err = run(saycan.main, ["--task", "bring me a sponge", "--max-steps", value], capsys)
    assert code == 2 and err == f"error: --max-steps must be >= 1, got {value}\n"
    assert "steps" not in out


def test_saycan_record_into_readonly_folder_is_refused_before_the_model(tmp_path, capsys):
    ro = readonly_folder(tmp_path)
    code, _, err = run(saycan.main, ["--task", "bring me a sponge", "--record", str(ro)], capsys)
    assert code == 2 and err.startswith(f"error: --record: cannot write into {ro}")
    assert err.count("\n") == 1


def test_saycan_record_onto_existing_file_is_refused(tmp_path, capsys):
    f = tmp_path / "episode.txt"
    f.write_text("keep me")
    code, _, err = run(saycan.main, ["--task", "bring me a sponge", "--record", str(f)], capsys)
    assert code == 2 and "exists and is a file, not a folder" in err
    assert f.read_text() == "keep me"


def test_plot_into_missing_folder_is_created_and_bad_suffix_refused(tmp_path, capsys):
    target = tmp_path / "new" / "deeper" / "scores.png"
    assert output_file(target, "--plot") == target and target.parent.is_dir()
    code, _, err = run(saycan.main, ["--task", "x", "--plot", str(tmp_path / "scores.docx")], capsys)
    assert code == 2 and "--plot: cannot write a '.docx' file" in err
    code, _, err = run(saycan.main, ["--task", "x", "--plot", str(tmp_path)], capsys)
    assert code == 2 and "is a folder; give a file name" in err
    blocker = tmp_path / "afile"
    blocker.write_text("")
    with pytest.raises(InvalidInputError, match="exists and is not a folder"):
        output_dir(blocker / "sub", "--out")


@pytest.mark.slow
def test_oracle_episode_plots_into_a_missing_folder(tmp_path, capsys, monkeypatch):
    plot = tmp_path / "plots" / "run1" / "scores.png"
    code, _, err = run(saycan.main, ["--task", "bring me a sponge", "--mode", "oracle-plan", "--plan", ORACLE,
                                     "--plot", str(plot), "--quiet"], capsys)
    assert code == 0, err
    assert plot.stat().st_size > 1000


def test_model_path_with_invalid_config_is_one_error_line(tmp_path):
    bad = tmp_path / "model"
    bad.mkdir()
    (bad / "config.json").write_text("{ this is not json")
    proc = subprocess.run([sys.executable, "-m", "agents.saycan", "--task", "bring me a sponge", "--model-path",
                           str(bad)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --model-path: ") and "config.json is not a valid JSON model config" in \
        proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("error:") == 1
    (bad / "config.json").write_text('["not", "an", "object"]')
    from compose.models import resolve_model

    with pytest.raises(InvalidInputError, match="not a JSON object"):
        resolve_model("x", str(bad))


@pytest.mark.parametrize("content", ["", "\n\n   \n"])
def test_empty_task_file_says_so_without_mentioning_family(tmp_path, content, capsys):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(content)
    code, _, err = run(bench_main, ["--tasks", str(tasks), "--out", str(tmp_path / "out"), "--no-progress"], capsys)
    assert code == 2
    assert "the task file is empty (or holds only blank lines)" in err and "--family" not in err


def test_episode_qa_empty_question_refused_before_any_work(tmp_path, capsys, monkeypatch):
    import agents.pipelines.episode_qa as eqa

    monkeypatch.setattr(eqa, "load_episode_log", lambda *a: (_ for _ in ()).throw(AssertionError("work done")))
    code, _, err = run(socratic.main, ["episode-qa", str(tmp_path), "-q", ""], capsys)
    assert code == 2 and "-q/--question is empty" in err
    code, _, err = run(socratic.main, ["episode-qa", str(tmp_path), "-q", "what?", "-q", "   "], capsys)
    assert code == 2 and "-q/--question is empty" in err


def test_empty_lmnav_instruction_refused_before_the_model(capsys):
    code, _, err = run(lmnav._navigate_main, ["--graph", "town", "--start", "0", "--instruction", "  "], capsys)
    assert code == 2 and "--instruction is empty" in err
    code, _, err = run(lmnav._landmarks_main, [""], capsys)
    assert code == 2 and "instruction is empty" in err


@pytest.mark.parametrize("content", [b"not a gguf at all", b"GGUF\x03\x00\x00\x00" + b"\x00" * 64])
def test_corrupt_gguf_leaves_no_lock_file_in_the_cache(tmp_path, monkeypatch, content):
    monkeypatch.setenv("SOCRATIC_CACHE", str(tmp_path / "cache"))
    gguf = tmp_path / "broken.gguf"
    gguf.write_bytes(content)
    from compose.errors import SocraticError
    from compose.models import resolve_model

    with pytest.raises(SocraticError, match="GGUF"):
        resolve_model("broken", str(gguf))
    left = [p.name for p in (tmp_path / "cache").rglob("*")] if (tmp_path / "cache").exists() else []
    assert not [n for n in left if n.endswith(".lock") or n.startswith(".tmp-")], left


@pytest.mark.parametrize("damage", ["truncate", "missing", "garbage-image"])
def test_corrupt_navgraph_images_are_a_clear_error(tmp_path, damage):
    from envs.navgraph.storage import DATA_DIR, load_graph

    shutil.copy(DATA_DIR / "town.json", tmp_path / "town.json")
    npz = tmp_path / "town.npz"
    data = (DATA_DIR / "town.npz").read_bytes()
    if damage == "truncate":
        npz.write_bytes(data[: len(data) // 2])
    elif damage == "garbage-image":
        import numpy as np

        with np.load(DATA_DIR / "town.npz") as z:
            png, offsets = z["png"].copy(), z["offsets"]
        png[offsets[0]: offsets[1]] = 7  # the first view's PNG bytes become garbage
        np.savez(npz, png=png, offsets=offsets)
    with pytest.raises(InvalidInputError) as err:
        load_graph("town", tmp_path).views(0)
    assert str(tmp_path) in str(err.value) or "town" in str(err.value)
    assert any(w in str(err.value) for w in ("corrupt", "truncated", "missing"))


def test_benchmark_out_onto_a_file_is_refused(tmp_path, capsys):
    f = tmp_path / "out"
    f.write_text("")
    code, _, err = run(bench_main, ["--tasks", str(ROOT / "data/tasks/kitchen_smoke.jsonl"), "--out", str(f),
                                    "--no-progress"], capsys)
    assert code == 2 and "--out" in err and "is a file" in err
    code, _, err = run(bench_main, ["--tasks", str(ROOT / "data/tasks/kitchen_smoke.jsonl"), "--out",
                                    str(tmp_path / "o"), "--backend", "openai", "--no-progress"], capsys)
    assert code == 2 and "--backend openai needs --base-url" in err
