"""The kitchen robot's 63 skills: text + calibrated affordance + physical controller.

Each skill maps what the robot *perceives* (``envs.kitchen.perception``: its location, the objects its camera sees,
what it holds, the drawer, its memory of where it saw things) to a named **condition** -- e.g. ``pick.surface``,
``pick.not_visible`` -- and its affordance is the measured success rate of that condition (``AffordanceTable``,
numbers from ``python -m benchmarks.affordance_calibration``; see docs/kitchen.md). Conditions in which the skill
cannot work (no such object in view, hand full, not at the drawer...) have affordance 0. The goal is never read.

Controllers implement the semantics of ``envs.kitchen.state.apply_skill`` with physics: they call the arm
controllers of ``envs.kitchen.manipulation`` and the base of ``envs.kitchen.world``.
"""
from __future__ import annotations

from abc import abstractmethod

import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from compose.errors import InvalidInputError
from compose.registry import Registry
from envs.kitchen.state import SEARCH_ORDER
from skills.base import Skill, SkillLibrary, SkillOutcome
from envs.kitchen.language import kitchen_skill_texts, parse_skill

IMPOSSIBLE = 0.0
MIN_SAMPLES = 5  # a measured rate replaces the prior once a condition was seen this often


@dataclass(frozen=True)
class AffordanceTable:
    """Success probability per condition, measured by benchmarks/affordance_calibration.py (see docs/kitchen.md)."""

    # measured by `python -m benchmarks.affordance_calibration` (80 episodes x 8 skills, seed 0; n in comments);
    # conditions measured fewer than 5 times keep a design prior (marked "prior")
    values: tuple[tuple[str, float], ...] = (
        ("find.visible", 1.0), ("find.remembered", 1.0), ("find.unexplored", 0.46),  # n 26, 61, 83
        ("find.in_hand", 1.0),  # by construction: nothing moves
        ("pick.surface", 0.89), ("pick.tray", 0.80), ("pick.drawer", 0.50), ("pick.bin", 0.73),  # n 80, 35, 12, 15
        ("pick.out_of_reach", 0.0),  # n 10
        ("go.elsewhere", 1.0), ("go.here", 1.0),  # n 114, 12
        ("put.surface", 0.98), ("put.tray", 0.97), ("put.drawer", 1.0), ("put.bin", 1.0),  # n 46, 36, 5, 11
        ("put.crowded", 0.05),  # prior (n 1)
        ("bring.holding", 1.0),  # n 39
        ("open.closed", 1.0), ("close.open", 1.0),  # n 8, 5
        ("done", 1.0),  # always succeeds; stopping is the language model's decision (docs/kitchen.md)
    )
    source: str = "built-in"

    def get(self, condition: str) -> float:
        d = dict(self.values)
        return d.get(condition, IMPOSSIBLE)

    def with_values(self, **updates: float) -> "AffordanceTable":
        d = dict(self.values)
        d.update({k.replace("_", "."): v for k, v in updates.items()})
        return replace(self, values=tuple(d.items()))

    @classmethod
    def from_json(cls, path: str, min_n: int = MIN_SAMPLES) -> "AffordanceTable":
        """Use the success rates measured by the calibration benchmark for every condition seen ``min_n`` times
        or more (the others keep the built-in values; impossible conditions stay 0)."""
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            rates = {k: float(v["rate"]) for k, v in data["conditions"].items() if v.get("n", 0) >= min_n}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InvalidInputError(f"{path}: not an affordance calibration file ({exc})") from None
        d = dict(cls().values)
        d.update({k: v for k, v in rates.items() if k in d})
        return cls(values=tuple(d.items()), source=path)


CALIBRATED = AffordanceTable()
SKILL_TYPES: Registry[type] = Registry("kitchen skill type")


class KitchenSkill(Skill):
    """A kitchen skill: ``condition(perception)`` names the situation; the table gives its success probability."""

    verb: str = ""

    def __init__(self, text: str, arg: str | None, table: AffordanceTable):
        self.text, self.arg, self.table = text, arg, table

    @abstractmethod
    def condition(self, perception: dict) -> str:
        """The situation this skill is in (a key of the affordance table; a trailing '!' means impossible)."""

    def affordance(self, perception: dict) -> float:
        cond = self.condition(perception)
        return IMPOSSIBLE if cond.endswith("!") else float(self.table.get(cond))

    def run(self, world: Any, rng: np.random.Generator) -> SkillOutcome:
        t0 = world.sim_time
        ok, reason = self.execute(world, rng)
        world.look()
        return SkillOutcome(bool(ok), reason, sim_seconds=world.sim_time - t0)

    @abstractmethod
    def execute(self, world, rng) -> tuple[bool, str]:
        """Run the controller; returns (succeeded, reason)."""


@SKILL_TYPES.register("find")
class FindSkill(KitchenSkill):
    """In the hand: done at once. Else look here; else drive to where the object was seen, then to unexplored places
    in SEARCH_ORDER (a closed drawer is skipped: find never opens it). Objects handed to the user or in the trash can
    are never found (``DELIVERED``), as in ``apply_skill``."""

    def condition(self, p: dict) -> str:
        if p["holding"] == self.arg:
            return "find.in_hand"
        if self.arg in p["visible"] and p["location"] in SEARCH_ORDER:
            return "find.visible"
        if any(self.arg in objs for loc, objs in p["seen"].items() if loc != p["location"] and loc in SEARCH_ORDER):
            return "find.remembered"
        if _searchable(p):
            return "find.unexplored"
        return "find.nowhere!"

    def execute(self, world, rng):
        p = world.look()
        if p["holding"] == self.arg:
            return True, "already in hand"
        if self.arg in p["visible"] and world.location in SEARCH_ORDER:
            return True, "already in view"
        remembered = [L for L in SEARCH_ORDER if self.arg in p["seen"].get(L, []) and L != world.location]
        for loc in remembered + [L for L in _searchable(p) if L not in remembered]:
            world.drive_to(loc)
            if self.arg in world.look()["visible"]:
                return True, ""
        return False, f"no {self.arg} anywhere the robot can see"


@SKILL_TYPES.register("pick")
class PickSkill(KitchenSkill):
    def condition(self, p: dict) -> str:
        if p["holding"] is not None:
            return "pick.hand_full!"
        if p["location"] == "user":
            return "pick.handed_over!"
        if self.arg not in p["visible"]:
            return "pick.not_visible!"
        if self.arg not in p["reachable"]:
            return "pick.out_of_reach"
        return f"pick.{_kind(p['location'])}"

    def execute(self, world, rng):
        from envs.kitchen.manipulation import pick

        p = world.look()
        if p["holding"] is not None:
            return False, f"the gripper already holds the {p['holding']}"
        if world.location == "user":  # what rests at the user was handed over (DELIVERED): it is not taken back
            return False, f"the {self.arg} was handed to the user"
        bodies = world.perception.visible_bodies(self.arg, world)
        if not bodies:
            return False, f"no {self.arg} within reach at the {world.location}"
        return pick(world, bodies[0], rng)


@SKILL_TYPES.register("go")
class GoSkill(KitchenSkill):
    def condition(self, p: dict) -> str:
        return "go.here" if p["location"] == self.arg else "go.elsewhere"

    def execute(self, world, rng):
        if world.location == self.arg:
            return True, "already there"
        world.drive_to(self.arg)
        return True, ""


@SKILL_TYPES.register("put")
class PutSkill(KitchenSkill):
    def condition(self, p: dict) -> str:
        if p["holding"] != self.arg:
            return "put.not_holding!"
        if p["location"] == "drawer" and not p["drawer_open"]:
            return "put.drawer_closed!"
        if not p["free_space"]:
            return "put.crowded"
        return f"put.{_kind(p['location'])}"

    def execute(self, world, rng):
        from envs.kitchen.manipulation import place

        held = world.held_body()
        if held is None or world.names[held] != self.arg:
            return False, f"the robot is not holding the {self.arg}"
        return place(world, rng)


@SKILL_TYPES.register("bring")
class BringSkill(KitchenSkill):
    def condition(self, p: dict) -> str:
        return "bring.holding" if p["holding"] is not None else "bring.empty!"

    def execute(self, world, rng):
        if world.held_body() is None:
            return False, "nothing in the gripper to bring"
        world.drive_to("user")
        if world.held_body() is None:
            return False, "the object was lost on the way"
        return True, ""


class _DrawerSkill(KitchenSkill):
    opens = True

    def condition(self, p: dict) -> str:
        name = "open" if self.opens else "close"
        if p["location"] != "drawer":
            return f"{name}.not_at_drawer!"
        if p["holding"] is not None:
            return f"{name}.hand_full!"
        if p["drawer_open"] == self.opens:
            return f"{name}.already!"
        return "open.closed" if self.opens else "close.open"

    def execute(self, world, rng):
        from envs.kitchen.manipulation import move_drawer

        if world.location != "drawer":
            return False, "the robot is not at the drawer"
        if world.held_body() is not None:
            return False, "the gripper is not free"
        if world.drawer_open() == self.opens:
            return False, f"the drawer is already {'open' if self.opens else 'closed'}"
        return move_drawer(world, self.opens, rng)


@SKILL_TYPES.register("open")
class OpenDrawerSkill(_DrawerSkill):
    opens = True


@SKILL_TYPES.register("close")
class CloseDrawerSkill(_DrawerSkill):
    opens = False


@SKILL_TYPES.register("done")
class DoneSkill(KitchenSkill):
    """Always succeeds. Its affordance is the table's ``done`` (1.0: like SayCan, stopping is the LLM's call)."""

    def condition(self, p: dict) -> str:
        return "done"

    def execute(self, world, rng):
        return True, ""


def _searchable(p: dict) -> list[str]:
    """Places not looked at yet where looking could reveal something (a closed drawer hides its contents)."""
    return [L for L in SEARCH_ORDER if L in p["unexplored"] and L != p["location"]
            and not (L == "drawer" and not p["drawer_open"])]


def _kind(location: str) -> str:
    from envs.kitchen.layout import LOCATION_SPECS

    return LOCATION_SPECS[location].kind


def kitchen_library(table: AffordanceTable | str | None = None, done_affordance: float | None = None) -> SkillLibrary:
    """The 63 kitchen skills in ``kitchen_skill_texts()`` order. ``table``: an AffordanceTable or a calibration
    JSON path (default: the built-in calibrated numbers); ``done_affordance`` overrides the ``done`` value."""
    if isinstance(table, str):
        table = AffordanceTable.from_json(table)
    table = table or CALIBRATED
    if done_affordance is not None:
        if not 0.0 <= done_affordance <= 1.0:
            raise InvalidInputError(f"done_affordance must be in [0, 1], got {done_affordance}")
        table = table.with_values(done=done_affordance)
    skills = []
    for text in kitchen_skill_texts():
        verb, arg = parse_skill(text)
        skills.append(SKILL_TYPES.get(verb)(text, arg, table))
    return SkillLibrary(skills)


__all__ = ["AffordanceTable", "CALIBRATED", "KitchenSkill", "SKILL_TYPES", "kitchen_library"]
