"""Sequence kitchen skills to reach a goal: Dijkstra over the symbolic model (``envs.kitchen.state.apply_skill``).

The search runs on a **belief** built from perception only (where the robot is, what it holds, the drawer, what it
saw where). Objects the goal needs but the robot has not seen are hypothesised at the first place it has not
looked at yet (``SEARCH_ORDER``, then the trash can); executing the plan there either finds them or shows the place holds none, and
the next replan moves the hypothesis on. A skill costs ``1 - log(affordance)`` -- the step plus its risk -- with
the real affordance for the first step (0 there means "not now") and the calibrated table's for later ones.
"""
from __future__ import annotations

import heapq
import itertools
import math

from envs.kitchen.layout import LOCATION_SPECS
from envs.kitchen.goals import check_goal, visit_lists, visit_progress
from envs.kitchen.state import SEARCH_ORDER, KitchenState, apply_skill
from envs.kitchen.vocab import CLASSES, LOCATIONS, OBJECTS, article, matches
from skills.kitchen import CALIBRATED
from envs.kitchen.language import DONE, parse_skill


def belief_from_perception(p: dict, visited: list[str] | None = None) -> tuple[KitchenState, list[str]]:
    """(belief state, unexplored places) from a perception dict (``envs.kitchen.perception``)."""
    objects = [(o, loc) for loc, objs in sorted(p.get("seen", {}).items()) for o in objs]
    loc = p["location"]
    here = list(p.get("visible", []))
    objects = [(o, L) for o, L in objects if L != loc] + [(o, loc) for o in here]
    state = KitchenState(robot=loc, holding=p.get("holding"), drawer_open=bool(p.get("drawer_open")),
                         objects=objects, visited=list(visited or [loc]))
    unexplored = [L for L in p.get("unexplored", []) if L != loc]
    if loc == "drawer" and not state.drawer_open and "drawer" not in unexplored:
        unexplored.append("drawer")
    return state, unexplored


def goal_specs(goal: dict, positive: bool = True) -> list[tuple[str, int, bool]]:
    """(spec, count, positive) of every object reference in a goal."""
    out = []
    if "all" in goal or "any" in goal:
        for g in goal.get("all", goal.get("any", [])):
            out += goal_specs(g, positive)
    elif "not" in goal:
        out += goal_specs(goal["not"], not positive)
    elif "at" in goal:
        out.append((goal["at"][0], int(goal.get("count", 1)), positive))
    elif "none_at" in goal:
        out.append((goal["none_at"][0], 1, not positive))
    elif "holding" in goal and goal["holding"] is not None:
        out.append((goal["holding"], 1, positive))
    return out


def hypothesise(state: KitchenState, unexplored: list[str], goal: dict) -> tuple[KitchenState, str | None]:
    """(belief, place): the objects the goal needs and the robot has not seen, added at the first unexplored place
    where they do not already satisfy the goal -- an unseen object can not count as delivered where it was only
    imagined ("carry the orange to the close counter" must look for it, not declare it done). When every unexplored
    place would satisfy the goal that way, the first one is used and the caller has to go and look."""
    order = [L for L in SEARCH_ORDER + ("trash can",) if L in unexplored]  # the trash can: a last resort
    if not order:
        return state, None
    specs = goal_specs(goal)
    ruled_out = [spec for spec, _, positive in specs if not positive]

    def wanted(o: str, spec: str) -> bool:  # 'a fruit but not the banana': the banana does not count as a fruit
        return matches(o, spec) and not any(matches(o, x) for x in ruled_out if x != spec)

    first = None
    for where in order:
        s = state.copy()
        for spec, n, positive in specs:
            if not positive:
                continue
            have = [o for o, _ in s.objects if wanted(o, spec)] + ([s.holding] if s.holding and
                                                                 wanted(s.holding, spec) else [])
            members = [spec] if not spec.startswith("class:") else \
                ([o for o in CLASSES[spec[6:]] if wanted(o, spec)] or list(CLASSES[spec[6:]]))
            for i in range(max(0, n - len(have))):
                s.objects.append((members[i % len(members)], where))
        if len(s.objects) == len(state.objects) or not check_goal(goal, s):
            return s, where
        first = first or (s, where)
    return first


def relevant_objects(state: KitchenState, goal: dict, limit_extra: int = 1) -> set[str]:
    """Names the search may move: those the goal mentions (a class: its nearest members) and the held one."""
    names: set[str] = set()
    rank = {L: i for i, L in enumerate([state.robot] + list(SEARCH_ORDER))}
    for spec, n, _ in goal_specs(goal):
        if spec.startswith("class:"):
            members = sorted({o for o, L in state.objects if matches(o, spec)},
                             key=lambda o: min(rank.get(L, 99) for x, L in state.objects if x == o))
            names.update(members[: n + limit_extra])
        else:
            names.add(spec)
    if state.holding:
        names.add(state.holding)
    return names


def _kind(location: str) -> str:
    return LOCATION_SPECS[location].kind


def table_affordance(state: KitchenState, text: str, hypothetical: set[tuple[str, str]]) -> float:
    """The calibrated success rate of a skill in a symbolic state (perception's conditions, approximated)."""
    verb, arg = parse_skill(text)
    if verb == "find":
        here = arg in state.reachable_at(state.robot)
        if here:
            return 1.0
        known = any(o == arg and (o, L) not in hypothetical for o, L in state.objects)
        return CALIBRATED.get("find.remembered" if known else "find.unexplored")
    if verb == "pick":
        return CALIBRATED.get(f"pick.{_kind(state.robot)}")
    if verb == "put":
        return CALIBRATED.get(f"put.{_kind(state.robot)}")
    return 1.0


def skill_set(names) -> list[str]:
    skills = [f"go to the {L}" for L in LOCATIONS if L != "user"] + ["bring it to you", "open the drawer",
                                                                    "close the drawer"]
    for o in sorted(names):
        skills += [f"find {article(o)} {o}", f"pick up the {o}", f"put down the {o}"]
    return skills


def plan_to_goal(state: KitchenState, goal: dict, *, unexplored=(), first_affordance=None, penalties=None,
                 max_expansions: int = 40_000) -> tuple[list[str], float] | None:
    """A cheapest plan (ending with ``done``) from the belief ``state`` to ``goal``, and its cost; None if none.

    ``first_affordance(skill) -> float | None``: the real affordance of a first step (0 forbids it);
    ``penalties``: extra cost per skill text (e.g. for skills that just failed).
    """
    belief, where = hypothesise(state, list(unexplored), goal)
    hypothetical = set(belief.objects) - set(state.objects)
    if hypothetical and check_goal(goal, belief) and not check_goal(goal, state):
        return [f"go to the {where}", DONE], 1.0  # the goal holds only if the imagined objects are there: look
    names = relevant_objects(belief, goal)
    track = "visited" in repr(goal)
    visits = visit_lists(goal)  # states differ by how far along each ordered visit list they are
    skills = skill_set(names)
    penalties = penalties or {}

    def key(s: KitchenState):
        mine = tuple(sorted(p for p in s.objects if p[0] in names))
        return (s.robot, s.holding, s.drawer_open, mine,
                tuple(visit_progress(v, s.visited) for v in visits) if track else None)

    if check_goal(goal, belief):
        return [DONE], 0.0
    tie = itertools.count()
    frontier = [(0.0, next(tie), belief, [])]
    best = {key(belief): 0.0}
    expansions = 0
    while frontier:
        cost, _, s, plan = heapq.heappop(frontier)
        if check_goal(goal, s):
            return plan + [DONE], cost
        if cost > best.get(key(s), math.inf):
            continue
        expansions += 1
        if expansions > max_expansions:
            return None
        for text in skills:
            nxt, ok, _ = apply_skill(s, text)
            if not ok:
                continue
            if not plan and first_affordance is not None:
                a = first_affordance(text)
                if a is not None and a <= 0.0:
                    continue
            else:
                a = None
            a = table_affordance(s, text, hypothetical) if a is None else a
            step = 1.0 - math.log(max(a, 1e-6)) + penalties.get(text, 0.0)
            k = key(nxt)
            c = cost + step
            if c < best.get(k, math.inf) - 1e-12:
                best[k] = c
                heapq.heappush(frontier, (c, next(tie), nxt, plan + [text]))
    return None


__all__ = ["belief_from_perception", "hypothesise", "plan_to_goal", "goal_specs", "OBJECTS"]
