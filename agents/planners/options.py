"""Knobs of the planner strategies: each strategy's ``Options`` dataclass, read from ``EpisodeConfig.extra``
(``--set KEY=VALUE``; the benchmark's and ``agents.saycan``'s ``--score-norm`` and ``--examples`` set two of them).
Values are converted to the field types by ``compose.knobs``; ``KNOBS`` narrows fields the dataclasses leave open."""
from __future__ import annotations

import dataclasses

from compose.errors import InvalidInputError

# key -> allowed values (None: a whole number >= 0), for Options fields typed plainly as str or int
KNOBS = {"score_norm": ("sum", "mean", "pmi"), "examples": ("fixed", "retrieved"), "k": None, "beam": None,
         "depth": None, "shortlist": None, "votes": ("none", "examples"),
         "extend": ("whole", "first"), "mentions": ("none", "constrain"),
         "retrieve": ("text", "masked"), "rank": ("first", "whole"), "binding": ("none", "constrain")}
CONSTRAINTS = {key: ({"choices": allowed} if allowed is not None else {"min": 0}) for key, allowed in KNOBS.items()}


def knob(config, key: str, default):
    """One planner knob of ``config`` (an EpisodeConfig or None), checked against ``KNOBS``."""
    from compose.knobs import Knob

    pairs = [kv for kv in (config.extra if config is not None else ()) if kv[0] == key]
    if not pairs:
        return default
    allowed = KNOBS.get(key)
    kind = str if allowed is not None else int
    return Knob(key, kind, choices=allowed, minimum=None if allowed is not None else 0).convert(pairs[-1][1])


def options_from_knobs(options_cls, config):
    """``options_cls`` (a frozen dataclass of knobs) with its fields read from ``config.extra`` (None: defaults),
    converted to the field types; a bad value is an InvalidInputError naming the key and what it expects."""
    from compose.knobs import build

    return build(options_cls, config.extra if config is not None else (), CONSTRAINTS)


def planner_option_classes() -> list[tuple[type, dict]]:
    """``(Options, CONSTRAINTS)`` of every registered strategy whose options are ``--set`` knobs (all but those that
    follow a given plan, whose option is the plan), for checking ``--set`` keys before a run."""
    from agents.planners import PLANNERS

    out, seen = [], set()
    for name in PLANNERS.names():
        cls = PLANNERS.get(name)
        if cls.follows_given_plan or cls.Options in seen or not dataclasses.fields(cls.Options):
            continue
        seen.add(cls.Options)
        out.append((cls.Options, CONSTRAINTS))
    return out


def example_bank_for(examples: str, k: int, embedder, world: str = "kitchen", mask: bool = False):
    if examples != "retrieved":
        return None
    if k < 1:
        raise InvalidInputError(f"--set k={k}: at least one example")
    from agents.planners.examples import example_bank

    return example_bank(world, k=k, embedder=embedder, mask=mask)
