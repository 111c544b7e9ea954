"""The planner contract: registry, declared needs and options, StepContext built by the closed loop, extras."""
import dataclasses

import numpy as np
import pytest

from agents.bench.config import build_parser as bench_parser
from agents.bench.executors import EXECUTORS
from agents.config import EpisodeConfig
from agents.episode import make_planner
from agents.planner import closed_loop
from agents.planners import NEEDS, PLANNERS, Decision, Planner, StepContext, build_planner
from agents.saycan import build_parser as saycan_parser
from compose.errors import InvalidInputError, UnknownNameError
from compose.llm.fake import FakeLLM

TEXTS = ("go to the table", "pick up the sponge", "done")


def _choices(parser, dest):
    return next(a.choices for a in parser._actions if a.dest == dest)


def test_registry_holds_the_modes_with_their_needs():
    assert PLANNERS.names() == ["generative", "goal", "grounded", "llm", "oracle-plan", "saycan"]
    needs = {name: PLANNERS.get(name).needs for name in PLANNERS.names()}
    socratic = {"llm", "embedder", "affordances", "scene"}
    assert needs == {"saycan": {"llm", "affordances"}, "llm": {"llm"}, "generative": {"llm", "embedder"},
                     "oracle-plan": frozenset(), "goal": socratic, "grounded": socratic}
    assert all(n <= NEEDS for n in needs.values())
    with pytest.raises(UnknownNameError, match="planner mode"):
        build_planner("nonsense")


def test_cli_choices_come_from_the_registries():
    assert list(_choices(saycan_parser(), "mode")) == PLANNERS.names()
    assert list(_choices(bench_parser(), "executor")) == EXECUTORS.names()


def test_options_and_needs_are_checked():
    with pytest.raises(InvalidInputError, match="needs a language model"):
        build_planner("saycan")
    with pytest.raises(InvalidInputError, match="needs a plan"):
        build_planner("oracle-plan")
    oracle = make_planner(EpisodeConfig(mode="oracle-plan", oracle_plan=("go to the table",)), prompt="")
    assert oracle.options.plan == ("go to the table",) and oracle.llm is None
    with pytest.raises(InvalidInputError, match="takes Options options"):
        build_planner("oracle-plan", options=object())


class Probe(Planner):
    """Records what it is given; chooses the table first, then done, and reports extras once."""

    name = "probe"
    needs = frozenset({"scene"})

    def __init__(self, **kw):
        super().__init__(**kw)
        self.resets, self.contexts = [], []

    def reset(self, instruction, scene):
        self.resets.append((instruction, scene))

    def choose(self, ctx: StepContext) -> Decision:
        self.contexts.append(ctx)
        i = 0 if not ctx.history else len(ctx.skill_texts) - 1
        d = self.decide(list(ctx.skill_texts), None, None, None, np.eye(len(ctx.skill_texts))[i], pick=i)
        if not ctx.history:
            d.extras = {"goal": "table", "score": np.float32(0.5)}
        return d


def test_closed_loop_builds_step_contexts_and_records_extras():
    probe = Probe()
    scenes = iter([{"location": "user"}, {"location": "table"}])

    def observe():
        return next(scenes), list(TEXTS), np.array([1.0, 0.0, 1.0])

    def act(decision):
        return {"success": decision.index == 0, "reason": "" if decision.index == 0 else "nothing", "state": {}}, False

    steps, terminated_by, _ = closed_loop(probe, "wipe the table", 5, observe, act, lambda: 0.0, world="kitchen")
    assert terminated_by == "done" and [s["skill"] for s in steps] == ["go to the table", "done"]
    assert probe.resets == [("wipe the table", {"location": "user"})]
    first, second = probe.contexts
    assert first.history == () and first.outcomes == () and first.scene == {"location": "user"}
    assert second.history == ("go to the table",) and second.outcomes == ((True, ""),)
    assert second.scene == {"location": "table"} and second.world == "kitchen" and second.skill_texts == TEXTS
    assert np.array_equal(second.affordances, [1.0, 0.0, 1.0])
    assert steps[0]["extras"] == {"goal": "table", "score": 0.5} and "extras" not in steps[1]
    assert "extras" not in steps[1] and "generated" in steps[1]  # Decision.as_dict keeps the old keys only


def test_step_context_rejects_an_empty_instruction_and_is_frozen():
    with pytest.raises(InvalidInputError, match="instruction is empty"):
        StepContext(" ", (), (), TEXTS, None, None, "kitchen")
    ctx = StepContext("x", (), (), TEXTS, None, None, "kitchen")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.world = "tabletop"


def test_scoring_strategies_use_the_llm_through_the_context():
    llm = FakeLLM(scorer=lambda c, o: -0.1 if o == "pick up the sponge" else -3.0)
    ctx = StepContext("bring me a sponge", (), (), TEXTS, np.array([1.0, 0.0, 1.0]), None, "kitchen")
    assert build_planner("llm", llm=llm).choose(ctx).skill == "pick up the sponge"
    assert build_planner("saycan", llm=llm).choose(ctx).skill != "pick up the sponge"
