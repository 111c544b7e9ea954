"""python -m agents.saycan --task "bring me a sponge": plan with an LLM, ground each step in affordances, act.

The kitchen episode runner lives in agents.kitchen_episode; this module is the command line (and re-exports
``run_episode`` for the benchmark harness).
"""
from __future__ import annotations

import argparse
import sys

from agents.cli import add_llm_args, json_arg, llm_config, run_main
from agents.config import EpisodeConfig
from agents.kitchen_episode import check_instruction, run_episode  # noqa: F401  (re-exported for callers)
from agents.planners import PLANNERS
from compose.errors import InvalidInputError
from compose.tools.whisper_models import WHISPER_MODELS
from compose.registry import load_entry
from envs.worlds import WORLDS, worlds_run_by

WORLD_CHOICES = worlds_run_by("agents.saycan")  # the skill-based worlds of the registry


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m agents.saycan", description=__doc__.splitlines()[0])
    src = p.add_argument_group("what to do")
    src.add_argument("--task", help="the instruction, e.g. 'bring me a sponge'")
    src.add_argument("--audio", help="a WAV file with the spoken instruction (transcribed by Whisper, with the kitchen's "
                                     "names as vocabulary prompt)")
    src.add_argument("--asr-model", default=None, choices=WHISPER_MODELS.names(),
                     help="bundled Whisper model for --audio (default: base, the speech benchmark's best)")
    src.add_argument("--task-file", help="a task file (JSON lines, docs/tasks.md); use with --task-id")
    src.add_argument("--task-id", help="which line of --task-file to run")
    src.add_argument("--init", help="start state as JSON or @FILE (default: a kitchen scene where the task makes sense)")
    src.add_argument("--goal", help="goal predicate as JSON or @FILE, checked on the simulator's final state")
    p.add_argument("--world", default=WORLD_CHOICES[0], choices=WORLD_CHOICES)
    p.add_argument("--mode", default=None, choices=PLANNERS.names(),
                   help="planner strategy (default: the world's own -- goal for the kitchen, saycan for the tabletop)")
    p.add_argument("--perception", default="segmentation", choices=("segmentation", "learned"),
                   help="kitchen: name objects by the simulator (segmentation, default) or by the learned recogniser "
                        "(EfficientNet-Lite0 + trained head on segment crops)")
    p.add_argument("--plan", help="for --mode oracle-plan: the skills, separated by ';'")
    p.add_argument("--score-norm", choices=("sum", "mean", "pmi"), default=None,
                   help="LLM score normalisation of the goal and grounded modes (saycan keeps SayCan's sum)")
    p.add_argument("--examples", choices=("fixed", "retrieved"), default=None,
                   help="few-shot examples of the goal and grounded modes: the fixed prompt or the example bank")
    p.add_argument("--set", action="append", default=[], dest="knobs", metavar="KEY=VALUE",
                   help="a world or planner knob (repeatable), e.g. options=all or noise=none for the tabletop, k=4 "
                        "for the goal mode; converted to the knob's type (envs/<world>/config.py, the planners' "
                        "Options), an unknown key or bad value is refused")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-steps", type=int, default=20)
    p.add_argument("--record", metavar="DIR", help="save the episode (config, scores, actions, states, frames)")
    p.add_argument("--plot", metavar="FILE", help="bar charts of the scores per step (PNG)")
    p.add_argument("--quiet", action="store_true", help="print only the outcome")
    add_llm_args(p)
    return p


def resolve_task(args) -> dict:
    if sum(x is not None for x in (args.task, args.audio, args.task_file)) != 1:
        raise InvalidInputError("give exactly one of --task, --audio or --task-file")
    if args.task_file:
        from envs.tasks import load_tasks

        if not args.task_id:
            raise InvalidInputError("--task-file needs --task-id")
        tasks = {t.id: t for t in load_tasks(args.task_file)}
        if args.task_id not in tasks:
            raise InvalidInputError(f"no task {args.task_id!r} in {args.task_file}")
        task = tasks[args.task_id].to_dict()
        if task["world"] != args.world:
            raise InvalidInputError(f"task {args.task_id} is for world {task['world']!r}; pass --world {task['world']}")
        return task
    if args.audio:
        from agents.pipelines.speech import transcribe_instruction

        text = transcribe_instruction(args.audio, model=args.asr_model)
        print(f"heard: {text!r}")
        from agents.pipelines.speech import known_names_note

        note = known_names_note(text)
        if note:
            print(f"warning: {note}")
    else:
        text = args.task
    task = {"id": "cli", "world": args.world, "instruction": check_instruction(text)}
    init = json_arg(args.init, "--init")
    goal = json_arg(args.goal, "--goal")
    if init is None:
        init = WORLDS.get(args.world).start_state()
    if init is not None:
        task["init"] = init
    if goal is not None:
        task["goal"] = goal
    _validate(task)
    return task


def _validate(task: dict) -> None:
    """Check init and goal with the world's own rules before any model is loaded."""
    spec = WORLDS.get(task["world"])
    if "init" in task:
        spec.validate_init(task["init"], "--init")
    if "goal" in task:
        spec.validate_goal(task["goal"], "--goal")


def preflight(args) -> None:
    """Everything that can be checked without a model: numbers, output paths, model flags (issue 14)."""
    from agents.preflight import PLOT_SUFFIXES, check_llm_args, check_positive, output_dir, output_file

    check_positive(args.max_steps, "--max-steps")
    strategy = PLANNERS.get(args.mode)
    if strategy.follows_given_plan and not args.plan:
        raise InvalidInputError(f"--mode {args.mode} needs --plan 'skill; skill; ...'")
    if args.record is not None:
        output_dir(args.record, "--record")
    if args.plot is not None:
        output_file(args.plot, "--plot", PLOT_SUFFIXES)
    check_llm_args(args, needs_llm="llm" in strategy.needs)
    knob_pairs(args)


def knob_pairs(args) -> tuple[tuple[str, object], ...]:
    """The flags that set knobs (--examples, --perception, --score-norm) and the --set pairs (which win), converted
    to the types of the world's config class and the planners' Options; unknown keys and bad values are refused."""
    from agents.config import check_knobs
    from compose.knobs import split_assignments

    flags = [(k, v) for k, v in (("examples", args.examples), ("perception", args.perception),
                                 ("score_norm", args.score_norm)) if v and not (k == "perception" and v == "segmentation")]
    return check_knobs(flags + split_assignments(args.knobs), [args.world], [args.mode])


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    defaulted = args.mode is None
    if defaulted:
        args.mode = WORLDS.get(args.world).default_mode
    from rich.console import Console

    from agents.display import plot_episode, step_table
    from agents.runtime import get_llm

    console = Console(stderr=False)
    preflight(args)
    task = resolve_task(args)
    if defaulted and task["world"] != args.world:  # a task file's line of another world: that world's default
        args.mode = WORLDS.get(task["world"]).default_mode
    plan = tuple(s.strip() for s in args.plan.split(";")) if args.plan else None
    extra = knob_pairs(args)
    config = EpisodeConfig(mode=args.mode, llm=llm_config(args), max_steps=args.max_steps,
                           render=bool(args.record), record_dir=args.record, oracle_plan=plan, extra=extra)
    llm = None
    if "llm" in PLANNERS.get(args.mode).needs:
        with console.status(f"loading {config.llm.model} ({config.llm.backend})..."):
            llm = get_llm(config.llm)
    console.print(f"[bold]task[/bold]: {task['instruction']}   (world {args.world}, mode {args.mode}, seed {args.seed})")
    on_step = None if args.quiet else (lambda step: console.print(step_table(step)))
    spec = WORLDS.get(args.world)
    record = spec.runner()(task, config, args.seed, llm=llm, on_step=on_step)
    load_entry(spec.outcome_printer)(console, {**record, "goal": task.get("goal")})
    if args.plot:
        plot_episode(record, args.plot)
        console.print(f"plot written to {args.plot}")
    if args.record:
        console.print(f"episode recorded in {args.record} (replay: python -m agents.replay {args.record})")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
