"""Knobs of the goal and grounded strategies, read from ``EpisodeConfig.extra`` (``--set KEY=VALUE``; the
benchmark's and ``agents.saycan``'s ``--score-norm`` and ``--examples`` set two of them)."""
from __future__ import annotations

from compose.errors import InvalidInputError

# key -> allowed values (None: any); the kitchen runner lists them as its EXTRA_KEYS
KNOBS = {"score_norm": ("sum", "mean", "pmi"), "examples": ("fixed", "retrieved"), "k": None, "beam": None,
         "depth": None, "shortlist": None}


def knob(config, key: str, default):
    value = config.get(key, default) if config is not None else default
    allowed = KNOBS.get(key)
    if allowed is not None and value not in allowed:
        raise InvalidInputError(f"--set {key}={value!r}: expected one of {', '.join(allowed)}")
    if allowed is None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InvalidInputError(f"--set {key}={value!r}: expected a whole number >= 0")
    return value


def options_from_knobs(options_cls, config):
    """``options_cls`` (a frozen dataclass of knobs) with each field read by ``knob`` from ``config``."""
    d = options_cls()
    return options_cls(**{f: knob(config, f, getattr(d, f)) for f in d.__dataclass_fields__})


def example_bank_for(examples: str, k: int, embedder, world: str = "kitchen"):
    if examples != "retrieved":
        return None
    if k < 1:
        raise InvalidInputError(f"--set k={k}: at least one example")
    from agents.planners.examples import example_bank

    return example_bank(world, k=k, embedder=embedder)
