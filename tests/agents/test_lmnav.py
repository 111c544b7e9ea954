"""LM-Nav pipeline: CLI, episode runner (modes, metrics, determinism), embedding cache, map plot."""
import json
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from agents import lmnav  # noqa: E402
from agents.config import EpisodeConfig, episode_runner  # noqa: E402
from tests.conftest import ScriptedLM as _ScriptedLM  # noqa: E402
from envs.navgraph.storage import DATA_DIR, load_graph  # noqa: E402

KEYS = {"id", "world", "mode", "seed", "instruction", "family", "plan", "steps", "plan_success", "exec_success",
        "metrics", "timing", "llm_stats"}


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SOCRATIC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "lmnav-cache"))


def _task(graph="town", i=0):
    return json.loads((DATA_DIR / f"tasks_{graph}.jsonl").read_text().splitlines()[i])


def ScriptedLM(answer):
    return _ScriptedLM(answer, scorer=lambda context, option: -1.0)


def _cfg(mode="lmnav", **extra):
    return EpisodeConfig(mode=mode, extra=tuple({"extractor": "rules", **extra}.items()))


def test_landmarks_cli_prints_json(capsys):
    assert lmnav.main(["landmarks", "Go past the red car, turn at the mailbox, stop at the picnic table",
                       "--extractor", "rules"]) == 0
    assert json.loads(capsys.readouterr().out) == ["red car", "mailbox", "picnic table"]


@pytest.mark.parametrize("argv,needle", [
    (["--graph", "mars", "--start", "0", "--instruction", "go to the tree", "--extractor", "rules"], "graph"),
    (["--graph", "town", "--start", "9999", "--instruction", "go to the tree", "--extractor", "rules"], "start"),
    (["--graph", "town", "--start", "0", "--instruction", "go home", "--extractor", "rules"], "no landmarks"),
    (["--graph", "town", "--start", "0", "--instruction", "go to the tree", "--goal", "{bad"], "--goal"),
    (["--graph", "town", "--start", "0", "--instruction", "x", "--grounding", "clip"], "--clip-model"),
])
def test_cli_bad_input_exits_2_with_message(argv, needle, capsys):
    assert lmnav.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and needle in err and "Traceback" not in err


def test_registered_as_navgraph_runner():
    assert episode_runner("navgraph") is lmnav.run_episode
    assert set(lmnav.MODES) == {"lmnav", "lmnav-random", "lmnav-rules"}
    from compose.knobs import knob_table
    from envs.navgraph.config import NavGraphConfig

    assert knob_table(NavGraphConfig)["extractor"].allowed() == lmnav.EXTRACTORS
    opts = lmnav.options_from(EpisodeConfig(mode="lmnav-rules"), 0)
    assert opts.extractor == "rules" and opts.grounding == "lit-minilm"
    assert lmnav.options_from(EpisodeConfig(mode="lmnav-random"), 0).grounding == "lit-random"


def test_run_episode_trained_grounding_is_deterministic_and_complete():
    task = _task("town", 0)
    a = lmnav.run_episode(task, _cfg(), seed=task["seed"])
    assert KEYS <= set(a)
    g = load_graph("town").graph
    route = [int(n) for n in a["plan"]]
    assert route[0] == task["init"]["start"]
    assert all(g.has_edge(u, v) for u, v in zip(route, route[1:]))
    assert len(a["steps"]) == len(route) - 1
    assert [s["node"] for s in a["steps"]] == route[1:]
    assert set(a["steps"][-1]["scores"]) == {"wooden picnic table", "red car"}  # per-step log P(node | landmark)
    m = a["metrics"]
    assert m["landmarks_predicted"] == ["wooden picnic table", "red car"]
    assert m["shortest_length"] > 0 and 0 <= m["spl"] <= 1
    assert (m["spl"] > 0) == a["exec_success"]
    b = lmnav.run_episode(task, _cfg(), seed=task["seed"])
    assert a["plan"] == b["plan"] and a["metrics"] == b["metrics"]


@pytest.mark.slow
def test_trained_grounding_beats_random_weights_on_shipped_tasks():
    """Real trained model on the shipped graphs (never seen in training) vs the random-weights baseline."""
    wins = {"lmnav": 0, "lmnav-random": 0}
    for graph in ("town", "campus"):
        for i in range(6):
            task = _task(graph, i)
            for mode in wins:
                wins[mode] += lmnav.run_episode(task, _cfg(mode), seed=task["seed"])["exec_success"]
    assert wins["lmnav"] >= 6 and wins["lmnav"] > wins["lmnav-random"]


def test_llm_extractor_and_llm_stats():
    """The constrained extractor: one scoring call for membership (+ one for the order when it is in doubt)."""
    from compose.llm.fake import FakeLLM

    task = _task("campus", 1)
    llm = FakeLLM(scorer=lambda ctx, opt: 0.0)
    out = lmnav.run_episode(task, EpisodeConfig(mode="lmnav"), seed=1, llm=llm)
    assert out["metrics"]["landmark_source"] == "llm"
    assert out["metrics"]["landmarks_predicted"] == [n.lower() for n in task["landmark_names"]]
    assert out["llm_stats"]["calls"] >= 1
    old = lmnav.run_episode(task, EpisodeConfig(mode="lmnav", extra=(("extractor", "generate"),)), seed=1,
                            llm=ScriptedLM(" " + "; ".join(task["landmark_names"])))
    assert old["metrics"]["landmark_source"] == "generate" and old["llm_stats"]["calls"] == 1


def test_no_landmarks_no_driving_in_the_benchmark(tmp_path):
    """An instruction without a landmark is a recorded failure that says why; the robot does not move."""
    from agents.benchmark import main as bench_main
    from compose.llm.fake import FakeLLM

    task = dict(_task("town", 0), id="late", instruction="please hurry up, I am late")
    for extractor, llm in (("rules", None), ("spacy", None), ("llm", FakeLLM(scorer=lambda ctx, opt: 0.0))):
        out = lmnav.run_episode(task, EpisodeConfig(mode="lmnav", extra=(("extractor", extractor),)), seed=0, llm=llm)
        assert out["failure"] == "no_landmarks" and "no landmarks" in out["error"], extractor
        assert not out["exec_success"] and out["steps"] == [] and out["metrics"]["path_length"] == 0.0
    # free generation invents landmarks from any text and drives (the old bug): kept only as a baseline
    out = lmnav.run_episode(task, EpisodeConfig(mode="lmnav", extra=(("extractor", "generate"),)), seed=0,
                            llm=ScriptedLM(" hurry up; late"))
    assert out["metrics"]["landmarks_predicted"] == ["hurry up", "late"]
    tasks = tmp_path / "late.jsonl"
    tasks.write_text(json.dumps(task) + "\n")
    assert bench_main(["--tasks", str(tasks), "--out", str(tmp_path / "run"), "--mode", "lmnav", "--no-progress",
                       "--set", "extractor=spacy"]) == 0
    [rec] = [json.loads(ln) for ln in (tmp_path / "run" / "episodes.jsonl").read_text().splitlines()]
    assert rec["exec_success"] is False and rec["failure"] == "no_landmarks" and "no landmarks" in rec["error"]


@pytest.mark.parametrize("extractor", ["rules", "spacy"])
def test_cli_refuses_to_drive_without_landmarks(extractor, capsys):
    code = lmnav.main(["--graph", "town", "--start", "0", "--instruction", "please hurry up, I am late",
                       "--extractor", extractor])
    cap = capsys.readouterr()
    assert code == 2 and "no landmarks" in cap.err and "did not move" in cap.err and "route:" not in cap.out
    assert lmnav.main(["landmarks", "please hurry up, I am late", "--extractor", extractor]) == 2


@pytest.mark.slow
def test_cli_with_the_real_small_model(capsys):
    """Default extractor (constrained, SmolLM2-135M): an ordered list, and no driving without a landmark."""
    assert lmnav.main(["landmarks", "Stop at the big tree, but only after you have driven past the red car.",
                       "--timing"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out) == ["red car", "big tree"] and "after the model loaded" in cap.err
    assert lmnav.main(["--graph", "town", "--start", "0", "--instruction", "please hurry up, I am late"]) == 2
    assert "no landmarks" in capsys.readouterr().err


def test_second_instruction_reuses_cached_embeddings():
    lmnav._SCORERS.clear()
    opts = lmnav.LMNavOptions(extractor="rules")
    lmnav.LMNav(opts).plan("campus", 0, "Go to the tree")
    lmnav._SCORERS.clear()  # a fresh process would start here
    plan = lmnav.LMNav(opts).plan("campus", 3, "Go to the bench, then the stop sign")
    assert plan.cache_hit and len(plan.chosen) == 2


def test_cli_navigates_records_and_plots(tmp_path, capsys):
    task = _task("town", 4)
    rec, png = tmp_path / "rec", tmp_path / "map.png"
    code = lmnav.main(["--graph", "town", "--start", str(task["init"]["start"]), "--instruction",
                       task["instruction"], "--goal", json.dumps(task["goal"]), "--extractor", "rules",
                       "--record", str(rec), "--plot", str(png)])
    out = capsys.readouterr().out
    assert code == 0 and "success:" in out and "route:" in out
    assert (rec / "episode.json").exists() and len(list((rec / "frames").glob("*.png"))) >= 2
    assert png.stat().st_size > 10_000


@pytest.mark.slow
def test_real_clip_is_selectable_by_flag(tmp_path, capsys):
    """--grounding clip --clip-model PATH goes through the dual-encoder registry (a tiny random CLIP checkpoint)."""
    from agents.tools.tiny import make_tiny_clip

    path = make_tiny_clip(tmp_path / "clip")
    code = lmnav.main(["--graph", "campus", "--start", "2", "--instruction", "go to the red car then the tree",
                       "--extractor", "rules", "--grounding", "clip", "--clip-model", str(path)])
    out = capsys.readouterr().out
    assert code == 0 and "chosen nodes:" in out
    enc = lmnav.get_encoder(lmnav.LMNavOptions(grounding="clip", clip_model=str(path)))
    assert type(enc).__name__ == "TransformersCLIP"
