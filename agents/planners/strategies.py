"""Planner strategies by name (``--mode NAME``) and the adapter that runs them in ``agents.planner.closed_loop``.

A strategy has ``needs``, ``reset(instruction, scene)`` (once per episode) and ``choose(ctx: StepContext) ->
Decision``. Knobs come from ``EpisodeConfig.extra`` (``--set KEY=VALUE``): ``score_norm`` (sum | mean | pmi),
``examples`` (fixed | retrieved), ``k`` (retrieved examples).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from agents.planners.compat import StepContext
from compose.errors import InvalidInputError, UnknownNameError
from compose.registry import Registry

STRATEGIES: Registry = Registry("planner strategy")
KNOBS = {"score_norm": ("sum", "mean", "pmi"), "examples": ("fixed", "retrieved"), "k": None, "beam": None,
         "depth": None, "shortlist": None}
DEFAULT_NORM = {"goal": "mean", "grounded": "sum"}


def _knob(config, key, default):
    value = config.get(key, default)
    allowed = KNOBS.get(key)
    if allowed is not None and value not in allowed:
        raise InvalidInputError(f"--set {key}={value!r}: expected one of {', '.join(allowed)}")
    return value


def _examples(config, world: str):
    if _knob(config, "examples", "retrieved" if world == "kitchen" else "fixed") != "retrieved":
        return None
    from agents.planners.examples import example_bank

    k = int(_knob(config, "k", 8))
    if k < 1:
        raise InvalidInputError(f"--set k={k}: at least one example")
    return example_bank(world, k=k)


@STRATEGIES.register("goal")
def _goal(config, llm, world: str):
    from agents.planner import load_prompt

    norm = _knob(config, "score_norm", DEFAULT_NORM["goal"])
    if world != "kitchen":
        raise InvalidInputError(f"mode 'goal' is implemented for the kitchen only, not {world!r}")
    from agents.planners.goal import GoalPlanner

    from agents.runtime import get_embedder

    shortlist = int(_knob(config, "shortlist", 48))
    return GoalPlanner(llm, load_prompt("goal_kitchen"), norm=norm, examples=_examples(config, world),
                       beam=int(_knob(config, "beam", 2)), depth=int(_knob(config, "depth", 3)),
                       shortlist=shortlist, embedder=get_embedder() if shortlist else None)


@STRATEGIES.register("grounded")
def _grounded(config, llm, world: str):
    from agents.planner import load_prompt
    from agents.planners.grounded import GroundedPlanner

    if world != "kitchen":
        raise InvalidInputError("mode 'grounded' is for the kitchen")
    return GroundedPlanner(llm, load_prompt("saycan_kitchen"), norm=_knob(config, "score_norm",
                                                                             DEFAULT_NORM["grounded"]),
                           examples=_examples(config, world))


class StrategyAdapter:
    """Runs a strategy inside ``closed_loop``: builds the ``StepContext`` and resets the strategy once."""

    def __init__(self, strategy, llm, mode: str, world: str):
        self.strategy, self.llm, self.mode, self.world = strategy, llm, mode, world
        self._started = False

    def choose_step(self, instruction, history, outcomes, texts, affordances, perception):
        if not self._started:
            self.strategy.reset(instruction, perception)
            self._started = True
        ctx = StepContext(instruction=instruction, history=tuple(history), outcomes=tuple(outcomes),
                          skill_texts=tuple(texts), affordances=None if affordances is None else
                          np.asarray(affordances, dtype=float), scene=perception, world=self.world)
        return self.strategy.choose(ctx)


def make_strategy(config, llm, world: str) -> StrategyAdapter:
    if config.mode not in STRATEGIES:
        raise UnknownNameError("planner strategy", config.mode, list(STRATEGIES))
    factory: Callable = STRATEGIES.get(config.mode)
    return StrategyAdapter(factory(config, llm, world), llm, config.mode, world)
