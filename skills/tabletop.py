"""The tabletop's skills: "pick the X block and place it on the Y" for every block and target, plus "done".

Affordances come from what the camera perceives (``envs.tabletop.perception``), never from the simulator's poses
and never from the goal:

    affordance = confidence(X is seen) x reachable(X) x clear(X) x target_ok(Y) x rate(condition)

``clear`` is 0 when another block is perceived on top of X; ``target_ok`` is the target's detection confidence
(0 when not seen, or for a block with something on it), 1 for a region with free space. ``rate`` is the measured
success rate of the physical controller for the kind of placement (``AffordanceRates``; measured with
``python -m envs.tabletop.calibrate``, see docs/tabletop.md). Running a skill drives the physical controller
(``envs.tabletop.controller``) through the world.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from envs.tabletop.controller import free_spot, on_top
from envs.tabletop.perception import Detection, Perception
from envs.tabletop.vocab import COLOURS, DONE, REGIONS, kind_of, parse_skill, skill_text, skill_texts
from skills.base import Skill, SkillLibrary, SkillOutcome

REACH = (0.15, 0.80)  # metres from the arm's base, on the table
MAX_TOP = 0.35  # blocks higher than this (tall stacks) are out of the hand's safe range


@dataclass(frozen=True)
class AffordanceRates:
    """Success rate of the controller per placement kind, as (successes + 1) / (trials + 2) from
    ``python -m envs.tabletop.calibrate --trials 25`` (24/25, 25/25, 25/25, 22/25 successes; docs/tabletop.md)."""

    region: float = 0.93
    bowl: float = 0.96
    block: float = 0.96  # onto a block on the table or in a bowl
    tall_stack: float = 0.85  # onto a block that already sits on a block
    done: float = 1.0

    def for_target(self, target: str, perception: Perception) -> float:
        if target in REGIONS:
            return self.region
        if kind_of(target) == "bowl":
            return self.bowl
        det = perception.find(target)
        return self.tall_stack if det is not None and det.top > 0.07 else self.block


CALIBRATED = AffordanceRates()


def reachable(d: Detection) -> bool:
    return REACH[0] <= math.hypot(d.x, d.y) <= REACH[1] and -0.01 < d.top < MAX_TOP


def _facts(p: Perception) -> dict:
    """Per-frame facts every skill needs (computed once per perception and cached on it)."""
    if "skills" not in p.cache:
        clear = {d.name: on_top(p, d) is None for d in p.detections}
        regions = {}
        for r in REGIONS:
            x, y = free_spot(p, r, None)
            crowded = any(math.hypot(x - d.x, y - d.y) < 0.03 for d in p.detections)
            regions[r] = 0.0 if crowded else 1.0
        p.cache["skills"] = {"clear": clear, "regions": regions}
    return p.cache["skills"]


class PickPlaceSkill(Skill):
    """Pick a block and place it on a block, a bowl or a region."""

    def __init__(self, pick: str, place: str, rates: AffordanceRates = CALIBRATED):
        self.pick, self.place, self.rates = pick, place, rates
        self.text = skill_text(pick, place)

    def affordance(self, perception: Perception) -> float:
        facts = _facts(perception)
        block = perception.find(self.pick)
        if block is None or not reachable(block) or not facts["clear"].get(block.name, False):
            return 0.0
        score = block.confidence
        if self.place in REGIONS:
            score *= facts["regions"][self.place]
        else:
            target = perception.find(self.place)
            if target is None or not reachable(target):
                return 0.0
            if kind_of(self.place) == "block" and not facts["clear"].get(target.name, False):
                return 0.0
            score *= target.confidence
        return float(score * self.rates.for_target(self.place, perception))

    def run(self, world: Any, rng: np.random.Generator) -> SkillOutcome:
        t0 = world.sim_time
        result = world.execute(self.text, rng)
        return SkillOutcome(result.success, result.reason, sim_seconds=world.sim_time - t0)


class DoneSkill(Skill):
    """Ends the episode; always available."""

    text = DONE

    def __init__(self, rates: AffordanceRates = CALIBRATED):
        self.rates = rates

    def affordance(self, perception: Perception) -> float:
        return self.rates.done

    def run(self, world: Any, rng: np.random.Generator) -> SkillOutcome:
        return SkillOutcome(True, "")


def tabletop_library(blocks=COLOURS, bowls=COLOURS, rates: AffordanceRates = CALIBRATED) -> SkillLibrary:
    """Skills for a scene with these block and bowl colours (the texts of ``envs.tabletop.vocab.skill_texts``)."""
    skills: list[Skill] = []
    for text in skill_texts(blocks, bowls):
        if text == DONE:
            skills.append(DoneSkill(rates))
        else:
            pick, place = parse_skill(text)
            skills.append(PickPlaceSkill(pick, place, rates))
    return SkillLibrary(skills)
