"""Task files (docs/tasks.md): load and validate JSON Lines of tasks for any world, check goals, score plans.

``load_tasks(path)`` validates every line before returning and reports every problem at once, each as
``FILE:LINE: FIELD: problem``. Per-world meaning comes from a small module per world (``WorldSpec.goals`` in the
world registry ``envs.worlds``), imported lazily, each providing::

    validate_init(init, where) -> None      # raise InvalidInputError("<field path>: <problem>")
    validate_goal(goal, where) -> None      # same, with paths like goal.all[1].at[0]; an optional ``init``
                                            # keyword receives the task's init once that is valid
    check_goal(goal, state) -> bool
    plan_success(task, plan: list[str]) -> bool   # the plan run with perfect skills reaches the goal
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable, Mapping, Sequence

from compose.errors import InvalidInputError, UnknownNameError
from envs.worlds import WORLDS
REQUIRED = ("id", "world", "instruction", "init", "goal")
KNOWN_FIELDS = REQUIRED + ("family", "seed")
SEED_MODULUS = 2**31


@dataclass(frozen=True)
class Task:
    """One validated task line. ``extra`` keeps unknown top-level fields; ``source``/``line`` say where it came from."""

    id: str
    world: str
    instruction: str
    init: dict
    goal: dict
    seed: int
    family: str | None = None
    extra: dict = field(default_factory=dict)
    source: str = "<memory>"
    line: int = 0

    __hash__ = None  # init/goal are dicts: compare by value, do not hash

    def to_dict(self) -> dict:
        """The task as a JSON-able dict (what episode runners receive), extra fields included."""
        d = {"id": self.id, "world": self.world, "instruction": self.instruction, "family": self.family,
             "init": self.init, "goal": self.goal, "seed": self.seed}
        d.update({k: v for k, v in self.extra.items() if k not in d})
        return d

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def default_seed(task_id: str) -> int:
    """A stable seed from the task id (sha256, not Python's salted ``hash``)."""
    digest = hashlib.sha256(task_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % SEED_MODULUS


_modules: dict[str, ModuleType] = {}


def world_module(world: str) -> ModuleType:
    """The module defining ``world``'s semantics (``WorldSpec.goals``).

    Unknown world -> UnknownNameError; a module that is missing or incomplete -> InvalidInputError.
    """
    spec = WORLDS.get(world)
    if world not in _modules:
        _modules[world] = spec.goals_module()
    return _modules[world]


def _type_name(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _check_fields(obj: dict) -> list[str]:
    """Problems with the common fields, each as ``FIELD: problem``."""
    problems = [f"{name}: missing required field" for name in REQUIRED if name not in obj]
    for name, kind in (("id", str), ("world", str), ("instruction", str), ("init", dict), ("goal", dict)):
        if name in obj and not isinstance(obj[name], kind):
            what = "a string" if kind is str else "an object"
            problems.append(f"{name}: must be {what}, got {_type_name(obj[name])}")
    for name in ("id", "instruction"):
        if isinstance(obj.get(name), str) and not obj[name].strip():
            problems.append(f"{name}: must not be empty")
    if obj.get("family") is not None and not isinstance(obj["family"], str):
        problems.append(f"family: must be a string, got {_type_name(obj['family'])}")
    if "seed" in obj:
        s = obj["seed"]
        if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < 2**63:
            problems.append(f"seed: must be an integer in [0, 2**63), got {s!r}")
    return problems


def _check_world(obj: dict) -> list[str]:
    world = obj.get("world")
    if not isinstance(world, str):
        return []
    try:
        module = world_module(world)
    except UnknownNameError as exc:
        return [f"world: {exc}"]
    except InvalidInputError as exc:
        return [f"world: {exc}"]
    problems = []
    init_ok = False
    if isinstance(obj.get("init"), dict):
        try:
            module.validate_init(obj["init"], "init")
            init_ok = True
        except InvalidInputError as exc:
            problems.append(_with_field(str(exc), "init"))
    if isinstance(obj.get("goal"), dict):
        kwargs = {"init": obj["init"]} if init_ok and _takes_init(module.validate_goal) else {}
        try:
            module.validate_goal(obj["goal"], "goal", **kwargs)
        except InvalidInputError as exc:
            problems.append(_with_field(str(exc), "goal"))
    return problems


def _with_field(message: str, field_name: str) -> str:
    return message if message.startswith(field_name) else f"{field_name}: {message}"


def _takes_init(func) -> bool:
    """World modules may validate a goal against the (valid) init, e.g. node ids of the init's graph."""
    import inspect

    try:
        return "init" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def _report(problems: list[str]) -> InvalidInputError:
    return InvalidInputError(f"{len(problems)} problem(s) in task file(s):\n" + "\n".join(problems))


def parse_task_lines(lines: Iterable[str], source: str = "<memory>") -> list[Task]:
    """Validate every line of a task file; return the tasks or raise one InvalidInputError listing all problems."""
    tasks, problems = _parse(lines, source)
    if problems:
        raise _report(problems)
    return tasks


def _parse(lines: Iterable[str], source: str) -> tuple[list[Task], list[str]]:
    """The valid tasks and the problems (``FILE:LINE: FIELD: problem``) of a file's lines."""
    tasks: list[Task] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue  # blank lines (e.g. a trailing newline) are allowed
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"{source}:{lineno}: line: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{source}:{lineno}: line: must be a JSON object, got {_type_name(obj)}")
            continue
        line_problems = _check_fields(obj) + _check_world(obj)
        task_id = obj.get("id")
        if isinstance(task_id, str):
            if task_id in seen:
                line_problems.append(f"id: duplicate id {task_id!r} (first on line {seen[task_id]})")
            else:
                seen[task_id] = lineno
        if line_problems:
            problems += [f"{source}:{lineno}: {p}" for p in line_problems]
            continue
        tasks.append(Task(
            id=obj["id"], world=obj["world"], instruction=obj["instruction"], init=obj["init"], goal=obj["goal"],
            seed=obj["seed"] if "seed" in obj else default_seed(obj["id"]), family=obj.get("family"),
            extra={k: v for k, v in obj.items() if k not in KNOWN_FIELDS}, source=source, line=lineno,
        ))
    return tasks, problems


def load_tasks(path: str | Path) -> list[Task]:
    """Read and validate one task file (JSON Lines, UTF-8). Raises InvalidInputError listing every problem."""
    tasks, problems = _load(path)
    if problems:
        raise _report(problems)
    return tasks


def _load(path: str | Path) -> tuple[list[Task], list[str]]:
    from compose.paths import shipped_file

    path = shipped_file(path)  # a relative data/tasks/... name also finds the installed copy (compose.paths)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], [f"{path}:0: file: no such task file"]
    except IsADirectoryError:
        return [], [f"{path}:0: file: is a directory, not a task file"]
    except OSError as exc:
        return [], [f"{path}:0: file: cannot be read ({exc.strerror})"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [f"{path}:{line}: line: not UTF-8 text ({exc.reason})"]
    return _parse(text.split("\n"), source=str(path))  # not splitlines(): JSON strings may hold U+2028


def load_task_files(paths: Sequence[str | Path]) -> list[Task]:
    """Load several files; collect the problems of all of them; task ids must be unique across files."""
    tasks: list[Task] = []
    problems: list[str] = []
    first: dict[str, Task] = {}
    for path in paths:
        loaded, file_problems = _load(path)
        problems += file_problems
        for task in loaded:
            if task.id in first:
                problems.append(f"{task.where}: id: duplicate id {task.id!r} (also at {first[task.id].where})")
            else:
                first[task.id] = task
                tasks.append(task)
    if problems:
        raise _report(problems)
    return tasks


def check_goal(goal: Mapping, state: Any, world: str = "kitchen") -> bool:
    """Is ``goal`` true in ``state`` (the world's state object)? Any goal and state may come in: the goal is
    validated first, and a state the world cannot read is an InvalidInputError, never another exception."""
    module = world_module(world)
    module.validate_goal(goal, "goal")
    try:
        return bool(module.check_goal(goal, state))
    except InvalidInputError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise InvalidInputError(f"state: not a valid {world} state ({type(exc).__name__}: {exc})") from None


def plan_success(task: Task | Mapping, plan: Sequence[str]) -> bool:
    """Does ``plan``, run with perfect skills from the task's init, reach its goal?"""
    world = task["world"] if isinstance(task, Mapping) else task.world
    return bool(world_module(world).plan_success(task, list(plan)))


__all__ = ["Task", "load_tasks", "load_task_files", "parse_task_lines", "default_seed", "world_module",
           "check_goal", "plan_success"]
