"""Verify a whole recorded trajectory, not just its end: re-run the episode from the recorded seed and actions and
compare, step by step, everything the record claims.

Checked (each difference names where -- the record, step k or frame k -- and the field, with both values in full):

- integrity: records saved since issue 14 carry sha256 digests of every field and step (``envs.record.integrity``);
  a field edited after saving (the seed, the plan, a step...) is named;
- the seed and start: the world reset with the recorded seed must give the recorded ``initial_state``;
- every step: its index, action, success flag, failure reason and the state after it (kitchen, tabletop), or the
  action, the node reached and the distance (navigation), against the re-run;
- the plan: the recorded plan must be the sequence of executed actions (or the driven route);
- every frame: the files on disk against the recorded ``frame_hashes`` (a deleted or replaced frame is named), and the
  frames the re-run renders against both (older records without hashes: against the files);
- the final state.

``verify_record(record)`` returns the replayed final state or raises ``agents.replay.ReplayMismatchError`` (exit 1).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compose.errors import InvalidInputError
from compose.registry import load_entry
from envs.record import file_frame_digest, frame_digest, integrity, to_jsonable
from envs.worlds import WORLDS

MAX_LISTED = 30  # differences listed in the error (all of them are counted)


@dataclass(frozen=True)
class Difference:
    where: str  # "record", "step 3", "frame 2", "frames"
    field: str  # "success", "state.objects[1]", "seed", ...
    recorded: Any
    replayed: Any
    replayed_label: str = "replayed"

    def __str__(self) -> str:  # both values in full: never cut
        return (f"{self.where}: {self.field}: recorded {_show(self.recorded)}, "
                f"{self.replayed_label} {_show(self.replayed)}")


def _show(value) -> str:
    return value if isinstance(value, str) and value.startswith("<") else json.dumps(value, ensure_ascii=False)


def diff_values(recorded, replayed, where: str, path: str) -> list[Difference]:
    """Differences between two JSON values, down to the first differing leaf of each branch."""
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        out = []
        for k in sorted(set(recorded) | set(replayed), key=str):
            sub = f"{path}.{k}" if path else str(k)
            if k not in recorded or k not in replayed:
                out.append(Difference(where, sub, recorded.get(k, "<absent>"), replayed.get(k, "<absent>")))
            else:
                out += diff_values(recorded[k], replayed[k], where, sub)
        return out
    if isinstance(recorded, list) and isinstance(replayed, list) and len(recorded) == len(replayed):
        return [d for i, (a, b) in enumerate(zip(recorded, replayed)) for d in diff_values(a, b, where, f"{path}[{i}]")]
    return [] if recorded == replayed else [Difference(where, path, recorded, replayed)]


@dataclass
class Rerun:
    """What re-running a record produced: the start state, one dict per step (the fields the world reports), the
    digest of every rendered frame (None when frames were not rendered) and the final state."""

    initial_state: dict | None
    steps: list[dict] = field(default_factory=list)
    frames: list[str] | None = None
    final_state: dict | None = None


# ------------------------------------------- per-world re-runs (each world's WorldSpec.trajectory_rerun names one)
def rerun_kitchen(record: dict, render: bool) -> Rerun:
    from envs.kitchen.env import KitchenEnv

    init = _init(record)
    env = KitchenEnv(render_mode="rgb_array", render=False)
    try:
        env.reset(seed=int(record["seed"]), options={"init": init})
        world = env.unwrapped
        run = Rerun(to_jsonable(world.kitchen_state().to_dict()), frames=[] if render else None)
        for i, step in enumerate(record["steps"]):
            if render:
                run.frames.append(frame_digest(world.render_frame()))
            skill = step.get("skill")
            if skill not in world.skill_texts:
                raise InvalidInputError(f"record step {i}: {skill!r} is not a kitchen skill")
            _, _, _, _, info = env.step(skill)
            run.steps.append({"skill": skill, "success": bool(info["success"]), "reason": info.get("reason", ""),
                              "state": to_jsonable(info["state"])})
        if render:
            run.frames.append(frame_digest(world.render_frame()))
        run.final_state = to_jsonable(world.kitchen_state().to_dict())
        return run
    finally:
        env.close()


def rerun_tabletop(record: dict, render: bool) -> Rerun:
    from envs.tabletop.config import config_of_record
    from envs.tabletop.env import TabletopEnv
    from envs.tabletop.vocab import ALL_SKILL_TEXTS, DONE

    init = _init(record)
    knobs = config_of_record(record)
    env = TabletopEnv(classifier=knobs.classifier, noise=knobs.make_noise(), max_steps=10**6)
    try:
        env.reset(seed=int(record["seed"]), options={"init": init})
        world = env.unwrapped.world
        run = Rerun(to_jsonable(world.state()), frames=[] if render else None)
        for i, step in enumerate(record["steps"]):
            if render:
                run.frames.append(frame_digest(world.render()))
            skill = step.get("skill")
            if skill not in ALL_SKILL_TEXTS:
                raise InvalidInputError(f"record step {i}: {skill!r} is not a tabletop skill")
            _, _, _, _, info = env.step(ALL_SKILL_TEXTS.index(skill))
            run.steps.append({"skill": skill, "success": bool(info["success"]), "reason": info.get("reason", ""),
                              "state": to_jsonable(info["state"])})
            if skill == DONE:
                break
        if render:
            run.frames.append(frame_digest(world.render()))
        run.final_state = to_jsonable(world.state())
        return run
    finally:
        env.close()


def rerun_navgraph(record: dict, render: bool) -> Rerun:
    import numpy as np

    from envs.navgraph.env import NavGraphEnv

    init = _init(record)
    env = NavGraphEnv(graph=init.get("graph", "town"), max_steps=10**6)
    obs, _ = env.reset(seed=int(record["seed"]), options={"init": init})
    run = Rerun(to_jsonable(env.state()), frames=[frame_digest(np.concatenate(list(obs), axis=1))] if render else None)
    for i, step in enumerate(record["steps"]):
        action = step.get("action")
        if not isinstance(action, int) or isinstance(action, bool) or not env.action_space.contains(action):
            raise InvalidInputError(f"record step {i}: action {action!r} is not a valid action")
        before = env.node
        obs, _, _, _, info = env.step(action)
        run.steps.append({"action": action, "from": int(before), "node": int(info["node"]),
                          "success": not info["invalid_action"], "distance": round(info["distance"], 4)})
        if render:
            run.frames.append(frame_digest(np.concatenate(list(obs), axis=1)))
    run.final_state = to_jsonable(env.state())
    return run


# the step fields compared with the re-run: those the re-run reports (a field the record lacks is not compared)


def _init(record: dict) -> dict:
    init = (record.get("task") or {}).get("init")
    if not isinstance(init, dict):
        raise InvalidInputError(f"{record['world']} record has no task.init: cannot rebuild the start state")
    return init


# ---------------------------------------------------------------------------------------------- the checks
def check_integrity(record: dict) -> list[Difference]:
    """Fields and steps whose content no longer matches the digests taken when the record was saved."""
    saved = record.get("integrity")
    if not isinstance(saved, dict):
        return []  # an older record: nothing to check against
    now = integrity(record)
    out = []
    for name in sorted(set(saved.get("fields", {})) | set(now["fields"])):
        if name == "steps":
            continue  # step by step below
        if saved["fields"].get(name) != now["fields"].get(name):
            value = record.get(name, "<absent>")
            out.append(Difference("record", name, value, "<a different value: the saved digest does not match; "
                                  "the record was edited after it was saved>", "saved"))
    old_steps, new_steps = saved.get("steps", []), now["steps"]
    if len(old_steps) != len(new_steps):
        out.append(Difference("record", "steps (count)", len(new_steps), len(old_steps), "saved"))
    for i, (a, b) in enumerate(zip(old_steps, new_steps)):
        if a != b:
            out.append(Difference(f"step {i}", "content", record["steps"][i],
                                  "<a different step: the saved digest does not match; edited after saving>", "saved"))
    return out


def check_plan(record: dict, run: Rerun) -> list[Difference]:
    plan = record.get("plan")
    if isinstance(plan, dict):  # a navigation plan: the landmarks and the route driven
        route = plan.get("route")
        if route is None:
            return []
        return diff_values(route, run.final_state.get("route"), "record", "plan.route")
    if plan is None:
        return []
    executed = [s.get("skill") for s in record["steps"]]
    if plan != executed:
        return [Difference("record", "plan", plan, executed, "executed steps")]
    return []


def check_steps(record: dict, run: Rerun) -> list[Difference]:
    out = []
    steps = record["steps"]
    for i, step in enumerate(steps):
        if "index" in step and step["index"] != i:
            out.append(Difference(f"step {i}", "index", step["index"], i, "position"))
        if i >= len(run.steps):
            out.append(Difference(f"step {i}", "step", step, "<no step: the replay ended before it>"))
            continue
        for name in run.steps[i]:
            if name in step:
                out += diff_values(step[name], run.steps[i].get(name), f"step {i}", name)
    if len(run.steps) > len(steps):
        out.append(Difference("record", "steps (count)", len(steps), len(run.steps)))
    return out


def _frame_names(record: dict, n: int) -> list[str]:
    return [f"frames/{k:03d}.png" for k in range(n)]


def check_frames(record: dict, run: Rerun | None) -> list[Difference]:
    """Frame files vs recorded hashes vs re-rendered frames."""
    root = Path(record.get("_path", "."))
    hashes = record.get("frame_hashes")
    on_disk = sorted(p.relative_to(root).as_posix() for p in (root / "frames").glob("*.png")) \
        if (root / "frames").is_dir() else []
    out = []
    if hashes is not None:
        names = _frame_names(record, len(hashes))
        for k, (name, h) in enumerate(zip(names, hashes)):
            got = file_frame_digest(root / name)
            if got is None:
                out.append(Difference(f"frame {k}", f"file {name}", f"<sha256 {h}>", "<missing or unreadable>", "found"))
            elif got != h:
                out.append(Difference(f"frame {k}", f"file {name}", f"<sha256 {h}>", f"<sha256 {got}>", "found"))
        extra = sorted(set(on_disk) - set(names))
        if extra:
            out.append(Difference("frames", "files", f"<{len(hashes)} frames>", f"<also {', '.join(extra)}>", "found"))
        expected = hashes
    else:
        expected = [file_frame_digest(root / name) for name in on_disk] if on_disk else None
    if run is not None and run.frames is not None and expected is not None:
        if len(expected) != len(run.frames):
            out.append(Difference("frames", "count", len(expected), len(run.frames)))
        for k, (a, b) in enumerate(zip(expected, run.frames)):
            if a != b:
                out.append(Difference(f"frame {k}", "pixels", f"<sha256 {a}>", f"<sha256 {b}>"))
    return out


def differences(record: dict, rerun: bool = True) -> tuple[list[Difference], Rerun | None]:
    """Every difference between the record and its re-run (``rerun=False``: only what needs no simulator)."""
    spec = WORLDS.get(record["world"])
    if spec.trajectory_rerun is None:
        raise InvalidInputError(f"world {spec.name!r} has no step-by-step re-run (WorldSpec.trajectory_rerun)")
    out = check_integrity(record)
    run = None
    if rerun:
        render = record.get("frame_hashes") is not None or (Path(record.get("_path", ".")) / "frames").is_dir()
        run = load_entry(spec.trajectory_rerun)(record, render)
        if "initial_state" in record:
            out += diff_values(to_jsonable(record["initial_state"]), run.initial_state, "start (seed "
                               f"{record['seed']})", "initial_state")
        out += check_steps(record, run)
        out += check_plan(record, run)
        out += diff_values(to_jsonable(record["final_state"]), run.final_state, "end", "final_state")
    out += check_frames(record, run)
    return out, run


def verify_record(record: dict) -> dict:
    """Re-run ``record`` and compare the whole trajectory; return the replayed final state or raise
    ``ReplayMismatchError`` naming every difference (step, field, both values in full)."""
    from agents.replay import ReplayMismatchError

    diffs, run = differences(record)
    if diffs:
        listed = "\n  ".join(str(d) for d in diffs[:MAX_LISTED])
        more = f"\n  ... and {len(diffs) - MAX_LISTED} more" if len(diffs) > MAX_LISTED else ""
        raise ReplayMismatchError(f"replay does not reproduce the record ({len(diffs)} difference(s)):\n  "
                                  f"{listed}{more}")
    return run.final_state
