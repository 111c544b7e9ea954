"""The navigation graphs' knobs (``--set KEY=VALUE``; ``WorldSpec.config``), read by the LM-Nav episode runner."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class NavGraphConfig:
    grounding: str | None = None  # dual-encoder backend (lit-minilm | lit-random | clip | open-clip); None: the mode's
    extractor: Literal["llm", "spacy", "rules", "generate"] = "llm"  # landmark extractor (compose.grounding.landmarks)
    clip_model: str | None = None  # weights path or hub name for the clip backends
    alpha: float = field(default=0.0, metadata={"min": 0})  # nats per metre of route
    random_seed: int = field(default=0, metadata={"min": 0})  # seed of the random-weights baseline
    score_norm: Literal["nodes", "texts"] = "texts"  # node scores: log-softmax over nodes | per-view over phrases
    max_hops: int = field(default=1000, metadata={"min": 1})  # moves per episode at most
