"""--set KEY=VALUE knobs: text is converted to the dataclass field types; unknown keys and bad values are one
``error:`` line naming the valid keys."""
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Literal

import pytest

from agents.config import EpisodeConfig, check_knobs
from compose.errors import InvalidInputError
from compose.knobs import build, check, knob_table, split_assignments
from envs.kitchen.config import KitchenConfig
from envs.navgraph.config import NavGraphConfig
from envs.tabletop.config import TabletopConfig


@dataclass(frozen=True)
class Demo:
    mode: Literal["fast", "slow"] = "fast"
    steps: int = field(default=3, metadata={"min": 1})
    rate: float = 0.5
    verbose: bool = False
    model: str | None = None
    payload: object = None


def test_text_is_converted_to_the_field_types():
    pairs = split_assignments(["mode=slow", "steps=12", "rate=2", "verbose=yes", "model=none", "payload=[1, 2]"])
    d = build(Demo, pairs)
    assert d == Demo(mode="slow", steps=12, rate=2.0, verbose=True, model=None, payload=[1, 2])
    assert type(d.steps) is int and type(d.rate) is float and d.verbose is True
    assert build(Demo, [("model", "tiny"), ("payload", "plain text")]) == Demo(model="tiny", payload="plain text")
    # already typed values (Python callers, JSON) pass through; the last pair of a key wins; foreign keys are ignored
    assert build(Demo, [("steps", 4), ("steps", "5"), ("other", "x")]).steps == 5


@pytest.mark.parametrize("key, value, words", [
    ("mode", "medium", ["mode=medium", "one of fast, slow"]),
    ("steps", "three", ["steps=three", "whole number"]),
    ("steps", "0", ["steps=0", ">= 1"]),
    ("steps", 2.5, ["whole number"]),
    ("steps", True, ["whole number"]),
    ("rate", "fast", ["a number"]),
    ("verbose", "maybe", ["true or false"]),
    ("mode", None, ["one of fast, slow"]),
])
def test_bad_values_say_what_was_expected(key, value, words):
    with pytest.raises(InvalidInputError) as exc:
        build(Demo, [(key, value)])
    assert all(w in str(exc.value) for w in words) and "\n" not in str(exc.value)


def test_unknown_key_lists_every_valid_key():
    with pytest.raises(InvalidInputError) as exc:
        check([("mdoe", "slow")], [(Demo, None), (KitchenConfig, None)], where=" for world kitchen")
    msg = str(exc.value)
    assert msg.startswith("--set mdoe: unknown knob for world kitchen; valid keys: ")
    assert all(k in msg for k in ("mode (one of fast, slow)", "steps (a whole number >= 1)", "perception"))
    assert check([("steps", "2"), ("mode", "slow"), ("steps", "4")], [(Demo, None)]) == (("mode", "slow"),
                                                                                          ("steps", 4))


def test_split_assignments_refuses_pairs_without_a_key():
    assert split_assignments(["a=b=c", "x="]) == [("a", "b=c"), ("x", "")]
    for bad in ("novalue", "=x"):
        with pytest.raises(InvalidInputError, match="KEY=VALUE"):
            split_assignments([bad])


def test_world_config_classes_type_their_knobs():
    assert set(knob_table(TabletopConfig)["classifier"].allowed()) == {"colour", "dual-encoder", "auto"}
    cfg = EpisodeConfig(extra=check_knobs([("options", "all"), ("noise", "none")], ["tabletop"], ["saycan"]))
    assert cfg.knobs(TabletopConfig) == TabletopConfig(options="all", noise="none")
    nav = check_knobs(split_assignments(["alpha=1", "random_seed=3", "clip_model=null"]), ["navgraph"], ["lmnav"])
    assert nav == (("alpha", 1.0), ("clip_model", None), ("random_seed", 3))
    assert EpisodeConfig(extra=nav).knobs(NavGraphConfig).alpha == 1.0
    for pairs, words in (([("classifier", "sepia")], ["classifier=sepia", "colour"]),
                         ([("alpha", "-1")], ["alpha=-1", ">= 0"]),
                         ([("options", "all")], ["unknown knob", "perception"])):
        world = "navgraph" if pairs[0][0] == "alpha" else "kitchen" if pairs[0][0] == "options" else "tabletop"
        with pytest.raises(InvalidInputError) as exc:
            check_knobs(pairs, [world], ["saycan"])
        assert all(w in str(exc.value) for w in words), str(exc.value)


def test_planner_options_are_knobs_of_planner_modes_only():
    """The goal/grounded strategies' Options are valid keys when a mode is a planner strategy, typed and narrowed."""
    pairs = check_knobs(split_assignments(["k=4", "score_norm=pmi", "perception=learned"]), ["kitchen"], ["goal"])
    assert pairs == (("k", 4), ("perception", "learned"), ("score_norm", "pmi"))
    from agents.planners import PLANNERS

    goal = PLANNERS.get("goal")
    opts = goal.options_from(EpisodeConfig(mode="goal", extra=pairs))
    assert (opts.k, opts.score_norm) == (4, "pmi") and opts.beam == goal.Options().beam
    for bad, words in ((["k=-1"], ["k=-1", ">= 0"]), (["score_norm=max"], ["sum, mean, pmi"])):
        with pytest.raises(InvalidInputError) as exc:
            check_knobs(split_assignments(bad), ["kitchen"], ["goal"])
        assert all(w in str(exc.value) for w in words)
    with pytest.raises(InvalidInputError, match="unknown knob"):  # navgraph's LM-Nav modes have no planner Options
        check_knobs([("k", 4)], ["navgraph"], ["lmnav"])


@pytest.mark.parametrize("argv, words", [
    (["--set", "options=everything"], ["options=everything", "scene, all"]),
    (["--set", "colour=red"], ["unknown knob", "classifier", "noise", "options"]),
    (["--set", "noise"], ["KEY=VALUE"]),
])
def test_saycan_cli_refuses_bad_knobs_with_one_error_line(argv, words):
    proc = subprocess.run([sys.executable, "-m", "agents.saycan", "--task", "stack the blocks", "--world", "tabletop",
                           "--mode", "oracle-plan", "--plan", "done", *argv], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("pybullet build time")]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in proc.stderr, proc.stderr
    assert all(w in lines[0] for w in words), lines[0]


def test_benchmark_types_set_values_by_the_worlds_and_modes_of_the_run(tmp_path, capsys):
    from agents.bench.config import parse_args
    from agents.bench.runner import check_runners
    from agents.benchmark import main
    from agents.cli import run_main

    cfg = parse_args(["--tasks", "t", "--out", "o", "--mode", "goal", "--set", "k=3", "--set", "shortlist=10",
                      "--set", "perception=learned", "--score-norm", "pmi"])
    typed = check_runners({"kitchen"}, cfg)
    assert typed.extra == (("k", 3), ("perception", "learned"), ("score_norm", "pmi"), ("shortlist", 10))
    assert check_runners({"tabletop"}, parse_args(["--tasks", "t", "--out", "o", "--set", "noise=none"])).extra == \
        (("noise", "none"),)
    out = tmp_path / "out"
    for bad, words in ((["--set", "options=all"], ["--set options: unknown knob", "world kitchen", "perception"]),
                       (["--mode", "goal", "--set", "beam=wide"], ["--set beam=wide", "whole number"])):
        code = run_main(main, ["--tasks", "data/tasks/kitchen_smoke.jsonl", "--out", str(out), "--backend", "fake",
                               *bad])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
        assert all(w in err for w in words) and "Traceback" not in err, err
        assert not out.exists()  # refused before any episode or output
