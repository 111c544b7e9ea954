"""python -m agents.socratic {transcribe,plan-from-scene,caption,episode-qa}: Socratic pipelines from the shell.

  transcribe AUDIO                       Whisper transcript of a spoken instruction (bundled base by default)
  plan-from-scene --task TEXT            perceive the kitchen, let the LLM write steps, snap them to skills, act
  caption IMAGE                          dual encoder + LLM captions, re-ranked by the dual encoder
  episode-qa RECORD_DIR -q QUESTION      event log of a recorded episode, its summary, answers to questions

Add -v to see the intermediate language (prompts, answers) and --json for machine-readable output.
"""
from __future__ import annotations

import argparse
import json
import sys

from agents.cli import add_llm_args, json_arg, llm_config, run_main
from agents.preflight import check_llm_args, check_positive
from compose.errors import InvalidInputError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m agents.socratic", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("transcribe", help="speech -> text with Whisper")
    t.add_argument("audio", help="audio file (wav, mp3, flac, ...)")
    t.add_argument("--asr-backend", default="faster-whisper", help="faster-whisper (default) or openai-whisper")
    t.add_argument("--asr-model", default=None, help="Whisper weights: a bundled name (tiny.en, base) or a path "
                                                            "(default: base, the speech benchmark's best)")
    t.add_argument("--no-hint", action="store_true", help="do not prompt Whisper with the kitchen's vocabulary")

    s = sub.add_parser("plan-from-scene", help="scene description -> generative plan in the kitchen")
    s.add_argument("--task", required=True, help="the instruction, e.g. 'bring me the sponge'")
    s.add_argument("--init", help="kitchen start state as JSON or @FILE (default: the SayCan CLI's scene)")
    s.add_argument("--goal", help="goal predicate as JSON or @FILE, checked after executing the plan")
    s.add_argument("--survey", action="store_true", help="visit every place first so the scene lists all objects")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--max-steps", type=int, default=12)
    add_llm_args(s)

    c = sub.add_parser("caption", help="Socratic image captioning")
    c.add_argument("image", help="image file")
    c.add_argument("--dual-encoder", default=None,
                   help="dual-encoder backend (clip, open-clip, lit-minilm, ...; default: clip with --clip-model, "
                        "else lit-minilm)")
    c.add_argument("--clip-model", default=None, help="local CLIP directory (transformers save_pretrained layout)")
    c.add_argument("--n-captions", type=int, default=5)
    c.add_argument("--seed", type=int, default=0)
    add_llm_args(c)

    q = sub.add_parser("episode-qa", help="summary and answers about a recorded kitchen episode")
    q.add_argument("record", help="record directory (python -m agents.saycan ... --record DIR)")
    q.add_argument("-q", "--question", action="append", default=[], help="a question (repeatable)")
    q.add_argument("--no-summary", action="store_true", help="skip the LLM summary")
    q.add_argument("--log-only", action="store_true", help="print the event log and stop (no model)")
    add_llm_args(q)

    for sp in (t, s, c, q):
        sp.add_argument("-v", "--verbose", action="store_true", help="print the intermediate language")
        sp.add_argument("--json", action="store_true", help="print the result as JSON")
    return p


def _emit(args, result: dict, text: str) -> None:
    print(json.dumps(result, indent=1) if args.json else text)


def _llm(args):
    from agents.runtime import get_llm

    return get_llm(llm_config(args))


def cmd_transcribe(args) -> int:
    from agents.pipelines.speech import DEFAULT_ASR_MODEL, transcribe_instruction
    from compose.tools.asr import WhisperASR

    model = args.asr_model or (DEFAULT_ASR_MODEL if args.asr_backend == "faster-whisper" else None)
    asr = WhisperASR(backend=args.asr_backend, model=model)
    text = transcribe_instruction(args.audio, asr, vocabulary_hint=not args.no_hint)
    _emit(args, {"audio": args.audio, "text": text}, text)
    return 0


def cmd_plan_from_scene(args) -> int:
    from agents.kitchen_episode import check_instruction
    from envs.kitchen.state import DEFAULT_INIT
    from agents.pipelines.scene_plan import SceneToPlan

    check_positive(args.max_steps, "--max-steps")
    check_llm_args(args)
    task = {"id": "cli", "world": "kitchen", "instruction": check_instruction(args.task),
            "init": json_arg(args.init, "--init") or DEFAULT_INIT}
    goal = json_arg(args.goal, "--goal")
    if goal is not None:
        from envs.kitchen.goals import validate_goal

        validate_goal(goal, "--goal")
        task["goal"] = goal
    pipe = SceneToPlan(_llm(args), max_steps=args.max_steps, verbose=args.verbose)
    out = pipe.run_in_sim(task, seed=args.seed, survey=args.survey)
    lines = [f"objects = {out['objects']}", "plan:"]
    lines += [f"  {i + 1}. {e['skill']}  ({'ok' if e['success'] else 'failed: ' + e['reason']})"
              for i, e in enumerate(out["executed"])]
    from agents.pages.text import goal_text, kitchen_state_lines

    lines.append("final state:")
    lines += [f"  {x}" for x in kitchen_state_lines(out["final_state"])]
    if out["goal_met"] is None:
        lines.append("goal: none given (pass --goal to have it checked)")
    else:
        lines.append(f"goal: {'met' if out['goal_met'] else 'not met'} ({goal_text(goal)})")
    _emit(args, out, "\n".join(lines))
    return 0


def cmd_caption(args) -> int:
    from compose.pipelines.caption import SocraticCaptioner
    from compose.tools.dual_encoder import make_dual_encoder
    from compose.tools.images import load_image

    image = load_image(args.image)
    name = args.dual_encoder or ("clip" if args.clip_model else "lit-minilm")
    if args.clip_model and name not in ("clip", "open-clip"):
        raise InvalidInputError(f"--clip-model needs --dual-encoder clip or open-clip, not {name!r}")
    kwargs = {}
    if args.clip_model:
        kwargs = {"path": args.clip_model} if name == "clip" else {"pretrained": args.clip_model}
    encoder = make_dual_encoder(name, **kwargs)
    pipe = SocraticCaptioner(encoder, _llm(args), n_captions=args.n_captions, seed=args.seed, verbose=args.verbose)
    res = pipe(image)
    result = {"image": args.image, "dual_encoder": name, "image_type": res.image_type, "places": res.places,
              "objects": res.objects, "candidates": res.candidates, "ranked": res.ranked, "caption": res.caption}
    _emit(args, result, res.caption)
    return 0


def cmd_episode_qa(args) -> int:
    from agents.pipelines.episode_qa import EpisodeQA, load_episode_log

    for q in args.question:  # refuse a bad question before the (slow) summary, not after it
        if not q.strip():
            raise InvalidInputError("-q/--question is empty: ask something, e.g. 'what did the robot pick up?'")
    if not args.log_only:
        check_llm_args(args)
    log = load_episode_log(args.record)
    if args.log_only:
        _emit(args, {"log": log.lines}, log.text)
        return 0
    if args.no_summary and not args.question:
        raise InvalidInputError("nothing to do: give -q QUESTION, or drop --no-summary")
    pipe = EpisodeQA(_llm(args), verbose=args.verbose)
    summary = None if args.no_summary else pipe.summarize(log)
    answers = [pipe.answer(log, q) for q in args.question]
    lines = [log.text, ""] + ([f"summary: {summary}"] if summary else [])
    lines += [f"Q: {a.question}\nA: {a.answer}" for a in answers]
    result = {"log": log.lines, "summary": summary,
              "answers": [{"question": a.question, "answer": a.answer, "kind": a.kind,
                           "candidates": list(a.candidates), "probabilities": list(a.probabilities)} for a in answers]}
    _emit(args, result, "\n".join(lines))
    return 0


COMMANDS = {"transcribe": cmd_transcribe, "plan-from-scene": cmd_plan_from_scene, "caption": cmd_caption,
            "episode-qa": cmd_episode_qa}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(run_main(main))
