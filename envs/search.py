"""Breadth-first search over a world's symbolic states, shared by the worlds' ``shortest_plan`` feasibility checks."""
from __future__ import annotations

from collections import deque
from typing import Callable, Hashable, Sequence


def breadth_first_plan(start, skills: Sequence[str], apply_skill: Callable, reached: Callable,
                       key: Callable[..., Hashable], max_states: int, max_steps: int | None = None) -> list[str] | None:
    """A shortest list of ``skills`` leading from ``start`` to a state where ``reached(state)`` holds.

    ``apply_skill(state, text)`` returns ``(next_state, ok, reason)``; states with the same ``key`` are visited once.
    Returns None when no such plan (of at most ``max_steps`` skills, when given) exists within ``max_states`` states.
    """
    frontier = deque([(start, [])])
    seen = {key(start)}
    while frontier:
        state, plan = frontier.popleft()
        if reached(state):
            return plan
        if max_steps is not None and len(plan) >= max_steps:
            continue
        for text in skills:
            nxt, ok, _ = apply_skill(state, text)
            if ok and key(nxt) not in seen:
                if len(seen) >= max_states:
                    return None
                seen.add(key(nxt))
                frontier.append((nxt, plan + [text]))
    return None
