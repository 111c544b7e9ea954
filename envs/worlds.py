"""The one registry of worlds: each world describes itself once in a frozen ``WorldSpec`` (``envs/<world>/spec.py``)
and is registered here by one line of ``SPECS``. Every table of worlds reads it: the Gymnasium ids
(``envs/__init__.py``), task validation and goal checks (``envs.tasks``), replayers (``envs.record``), episode runners
and command lines (``agents``).

Fields that name code are lazy ``"module:attr"`` strings resolved by ``compose.registry.load_entry``: importing the
registry imports no simulator, and the episode runner (in agents, a higher layer) is named, never imported, here.

Adding a world: write ``envs/<world>/`` with a ``spec.py`` defining ``WORLD = WorldSpec(...)`` and add its
``"envs.<world>.spec:WORLD"`` to ``SPECS``.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

from compose.errors import InvalidInputError
from compose.registry import Registry, load_entry

SEMANTICS = ("validate_init", "validate_goal", "check_goal", "plan_success")


@dataclass(frozen=True)
class WorldSpec:
    name: str
    env_id: str  # Gymnasium id, e.g. "socratic/Kitchen-v0"
    env_entry: str  # "module:Class" of the Gymnasium env
    goals: str  # module with the task contract (docs/tasks.md): validate_init, validate_goal, check_goal, plan_success
    replayer: str  # "module:function": replay(record) -> final state (envs.record, agents.replay)
    episode_runner: str  # "module:function" (agents): run_episode(task, config, seed, llm=None, on_step=None) -> dict
    command: str  # the command line that runs this world's tasks, e.g. "agents.saycan"
    default_init: str | None = None  # "module:ATTR": the start state used when a task gives none
    # "module:Class": the world's knobs, a frozen dataclass (``--set KEY=VALUE``, read typed by ``compose.knobs``);
    # None: the world has none
    config: str | None = None
    outcome_printer: str | None = None  # "module:function" (agents): print_outcome(console, record) for the CLI
    # module (agents) with the world's optional replay and page hooks: html_parts(record), fallback_frames(record),
    # plan_line(record), outcome_pairs(record, metrics), ending_text(record), placeholder_goal(record, goal),
    # START_FRAME_CLASS (agents.replay, agents.pages)
    replay_extras: str | None = None
    state_text: str | None = None  # "module:function" (agents): state_lines(state) -> list[str], a state as text
    # "module:function" (agents): failure(record, goal) -> category or None, the world's own failure checks
    failure_check: str | None = None
    # "module:function" (agents): rerun(record, render) -> agents.replay_verify.Rerun, the step-by-step re-run that
    # agents.replay verifies a whole trajectory with (issue 14)
    trajectory_rerun: str | None = None
    step_action: str = "skill"  # the key under which a record's step holds its action ("action" for navigation moves)
    # the planner mode used when none is asked for (``agents.saycan``, ``agents.benchmark`` without --mode): the
    # world's best configuration that keeps SayCan-101 under 15 minutes on 2 cores (docs/benchmarks.md)
    default_mode: str = "saycan"

    # -- lazy access ---------------------------------------------------------------------------------------------
    def goals_module(self) -> ModuleType:
        """The module with the world's task semantics; a missing or incomplete one is an InvalidInputError."""
        import importlib

        try:
            module = importlib.import_module(self.goals)
        except ImportError as exc:
            raise InvalidInputError(
                f"world {self.name!r} is not available: its module {self.goals} cannot be imported ({exc})") from None
        missing = [f for f in SEMANTICS if not hasattr(module, f)]
        if missing:
            raise InvalidInputError(f"world {self.name!r} is not available: {self.goals} lacks {', '.join(missing)}")
        return module

    def validate_init(self, init, where: str = "init") -> None:
        self.goals_module().validate_init(init, where)

    def validate_goal(self, goal, where: str = "goal", **kwargs) -> None:
        self.goals_module().validate_goal(goal, where, **kwargs)

    def check_goal(self, goal, state) -> bool:
        return bool(self.goals_module().check_goal(goal, state))

    def plan_success(self, task, plan) -> bool:
        return bool(self.goals_module().plan_success(task, list(plan)))

    def replay(self, record: dict) -> Any:
        return load_entry(self.replayer)(record)

    def runner(self) -> Callable[..., dict]:
        return load_entry(self.episode_runner)

    def start_state(self) -> dict | None:
        return None if self.default_init is None else load_entry(self.default_init)

    def config_class(self) -> type | None:
        return None if self.config is None else load_entry(self.config)


WORLDS: Registry[WorldSpec] = Registry("world")

# one line per world
SPECS = (
    "envs.kitchen.spec:WORLD",
    "envs.tabletop.spec:WORLD",
    "envs.navgraph.spec:WORLD",
)
for _entry in SPECS:
    _spec = load_entry(_entry)
    WORLDS.register(_spec.name)(_spec)


def world(name: str) -> WorldSpec:
    """The spec of world ``name`` (UnknownNameError listing the known worlds otherwise)."""
    return WORLDS.get(name)


def world_names() -> list[str]:
    return WORLDS.names()


def worlds_run_by(command: str) -> list[str]:
    """The worlds whose tasks ``command`` (e.g. "agents.saycan") runs, in registration order."""
    return [w for w in WORLDS.names() if WORLDS.get(w).command == command]
