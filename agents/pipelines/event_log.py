"""A recorded kitchen episode as a time-stamped event log in language (Socratic Models' egocentric recipe).

One line per step, from what the robot perceived before acting and what the step did::

    12.0 s: at the far counter; I see a sponge, a water bottle. I picked up the sponge.

The record is the directory format of envs/record.py (``episode.json``, format "socratic-episode/1"); only fields
of that schema are read: task.instruction, steps[*].{t, t_end, skill, success, reason, perception, state},
final_state and the top-level t of the last step.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from compose.errors import InvalidInputError
from envs.kitchen.spec import WORLD as KITCHEN
from envs.kitchen.vocab import LOCATIONS, OBJECTS, article


@dataclass
class EventLog:
    lines: list[str]  # one line per step (what people read, and what the summary prompt shows)
    events: list[tuple[float, str]] = field(default_factory=list)  # atomic facts (time, sentence), for retrieval
    instruction: str | None = None
    objects: list[str] = field(default_factory=list)  # object names the log mentions, first mention first
    locations: list[str] = field(default_factory=list)  # place names the log mentions
    n_steps: int = 0  # steps the episode executed

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _things(names) -> str:
    items = [f"{article(n)} {n}" for n in names]
    if not items:
        return "nothing"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _place(loc: str) -> str:
    return "the user" if loc == "user" else f"the {loc}"


def _action(skill: str, ok: bool, reason: str, before: dict, after: dict) -> str:
    from envs.kitchen.language import parse_skill

    verb, arg = parse_skill(skill)
    where = after.get("robot") or before.get("location") or "?"
    held = before.get("holding")
    if not ok:
        why = f" ({reason})" if reason else ""
        return f"I tried to {skill} but failed{why}."
    if verb == "find":
        return f"I found the {arg} at {_place(where)}."
    if verb == "pick":
        return f"I picked up the {arg}."
    if verb == "go":
        return f"I went to {_place(arg)}."
    if verb == "put":
        if where == "trash can":
            return f"I threw the {arg} away into the trash can."
        if where == "user":
            return f"I handed the {arg} to the user."
        if where == "drawer":
            return f"I put the {arg} in the drawer."
        return f"I put the {arg} down on the {where}."
    if verb == "bring":
        return f"I brought the {held} to the user." if held else "I went to the user."
    if verb in ("open", "close"):
        return f"I {verb}ed the drawer." if verb == "open" else "I closed the drawer."
    return "I said I was done."


def event_log(record: dict) -> EventLog:
    """Build the event log of a kitchen episode record (the dict ``envs.record.load_record`` returns)."""
    if record.get("world", KITCHEN.name) != KITCHEN.name:
        raise InvalidInputError(f"event logs are written for kitchen episodes, not {record.get('world')!r}")
    steps = record.get("steps")
    if not isinstance(steps, list):
        raise InvalidInputError("the episode record has no list of steps")
    instruction = (record.get("task") or {}).get("instruction") or record.get("instruction")
    lines: list[str] = []
    events: list[tuple[float, str]] = []
    if instruction:
        lines.append(f"0.0 s: the user asked me: \"{instruction}\"")
        events.append((0.0, f"The user asked me: \"{instruction}\""))
    for i, step in enumerate(steps):
        for key in ("skill", "success", "perception"):
            if key not in step:
                raise InvalidInputError(f"episode step {i} lacks {key!r}")
        p = step["perception"] or {}
        loc = p.get("location", "?")
        seen = [o for o in p.get("visible", []) if o != p.get("holding")]
        t = float(step.get("t", 0.0))
        holding = f" I am holding the {p['holding']}." if p.get("holding") else ""
        act = _action(step["skill"], bool(step["success"]), step.get("reason", ""), p, step.get("state") or {})
        lines.append(f"{t:.1f} s: at {_place(loc)}; I see {_things(dict.fromkeys(seen))}.{holding} {act}")
        n = i + 1  # facts carry their step number: "first", "which step" and order questions read it directly
        seen = list(dict.fromkeys(seen))  # "in view", not "saw": seeing is not finding, and retrieval must tell them apart
        events.append((t, f"Step {n}: I was at {_place(loc)}"
                          + (f"; {_things(seen)} {'was' if len(seen) == 1 else 'were'} in view." if seen else ".")))
        if step["success"]:
            events.append((t, f"Step {n}: {act}"))
        else:  # short atomic facts: what failed, and (apart) why -- a long reason would drown the failure in retrieval
            events.append((t, f"Step {n} failed: I tried to {step['skill']}."))
            if step.get("reason"):
                events.append((t, f"Step {n} failed because {step['reason']}."))
    final = record.get("final_state") or {}
    if final:
        t_end = float(steps[-1].get("t_end", steps[-1].get("t", 0.0))) if steps else 0.0
        held = final.get("holding")
        lines.append(f"{t_end:.1f} s: I ended at {_place(final.get('robot', '?'))}, holding "
                     f"{'the ' + held if held else 'nothing'}.")
        events.append((t_end, f"At the end I was at {_place(final.get('robot', '?'))}."))
        events.append((t_end, f"At the end I was holding {'the ' + held if held else 'nothing'}."))
        for obj, loc in final.get("objects") or []:
            events.append((t_end, f"At the end the {obj} was at {_place(loc)}."))
        n = len(steps)
        failed = sum(1 for s in steps if not s["success"])
        events.append((t_end, f"I took {_number(n)} steps in total, and "
                              + (f"{_number(failed)} of them failed." if failed else "none of them failed.")))
    text = "\n".join(lines)
    objects = [o for o in sorted(OBJECTS, key=lambda o: _first(text, o)) if _first(text, o) < len(text)]
    locations = [loc for loc in sorted(LOCATIONS, key=lambda x: _first(text, x)) if _first(text, loc) < len(text)]
    return EventLog(lines, events, instruction, objects, locations, len(steps))


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")


def _number(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def _first(text: str, name: str) -> int:
    """Position of the first whole-word mention of ``name`` (len(text) when absent)."""
    import re

    m = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)
    return m.start() if m else len(text)
