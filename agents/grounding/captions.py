"""Captions generated from the simulator's ground truth. Training only ever uses ``train_names``; the evaluation
uses the disjoint ``eval_names`` paraphrases (see envs.navgraph.kinds)."""
from __future__ import annotations

from envs.navgraph.kinds import BACKGROUND_EVAL, BACKGROUND_TRAIN, KINDS

TRAIN_TEMPLATES = ("a photo of the {}", "a photo of a {}", "{}", "a {} next to the road", "a view of a {}",
                   "there is a {} here")


def train_captions() -> list[list[str]]:
    """Per label (each kind, then background): every training caption."""
    names = [list(k.train_names) for k in KINDS] + [list(BACKGROUND_TRAIN)]
    return [[t.format(n) for n in group for t in TRAIN_TEMPLATES] for group in names]


def eval_names() -> list[list[str]]:
    """Per label: the held-out paraphrases (not in any training caption)."""
    return [list(k.eval_names) for k in KINDS] + [list(BACKGROUND_EVAL)]


def train_names() -> list[list[str]]:
    return [list(k.train_names) for k in KINDS] + [list(BACKGROUND_TRAIN)]
