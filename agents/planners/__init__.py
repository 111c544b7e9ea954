"""Planner strategies, registered by name in ``PLANNERS`` (the command lines' ``--mode`` choices).

    from agents.planners import PLANNERS, build_planner
    planner = build_planner("saycan", llm=llm, prompt=prefix)

Add a strategy: a module here with a ``Planner`` subclass decorated ``@register_planner``, and one line in
``STRATEGIES`` below.
"""
from __future__ import annotations

import importlib

from agents.planners.base import (DONE, NEEDS, PLANNERS, Candidate, Decision, Planner, StepContext, register_planner,
                                  saycan_context)

STRATEGIES = ("agents.planners.scoring", "agents.planners.generative", "agents.planners.oracle",
              "agents.planners.goal", "agents.planners.grounded")
for _module in STRATEGIES:
    importlib.import_module(_module)


def planner_names() -> list[str]:
    return PLANNERS.names()


def build_planner(mode: str, llm=None, prompt: str = "", embedder=None, options=None, top_k: int = 5) -> Planner:
    """The strategy registered as ``mode`` (UnknownNameError listing the modes otherwise)."""
    return PLANNERS.get(mode)(llm=llm, prompt=prompt, embedder=embedder, options=options, top_k=top_k)


__all__ = ["DONE", "NEEDS", "PLANNERS", "Candidate", "Decision", "Planner", "StepContext", "build_planner",
           "planner_names", "register_planner", "saycan_context"]
