"""Episode log -> summary and answers (Socratic Models' egocentric recipe), offline.

Records a kitchen episode in the PyBullet simulator (a fixed plan: throw the coke can away, bring the sponge),
turns the record into a time-stamped event log in language, lets SmolLM2 summarise it and answer questions by
choosing among answers drawn from the log (exact likelihood scoring, MiniLM retrieval of the relevant events).

    python examples/episode_qa.py                               # record the demo episode, ask the demo questions
    python examples/episode_qa.py --record DIR -q "What did the robot pick up?"   # any recorded episode
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from agents.cli import run_main  # noqa: E402

TASK = {"id": "qa-demo", "world": "kitchen", "instruction": "Throw away the coke can and bring me the sponge.",
        "init": {"robot": "user", "holding": None, "drawer_open": False,
                 "objects": [["coke can", "table"], ["apple", "table"], ["sponge", "far counter"],
                             ["water bottle", "far counter"]]},
        "goal": {"all": [{"at": ["coke can", "trash can"]}, {"at": ["sponge", "user"]}]}}
PLAN = ("find a coke can", "pick up the coke can", "go to the trash can", "put down the coke can", "find a sponge",
        "pick up the sponge", "bring it to you", "put down the sponge", "done")
# the demo's questions and the answers the recorded episode supports
QUESTIONS = [("What did the robot throw away?", "the coke can"),
             ("What did the robot bring to the user?", "the sponge"),
             ("Where did the robot find the sponge?", "the far counter"),
             ("What is the robot holding at the end?", "nothing"),
             ("Where is the coke can now?", "the trash can"),
             ("Did the robot open the drawer?", "no"),
             ("Did the robot pick up the sponge?", "yes"),
             ("What did the robot see next to the coke can?", "the apple"),
             ("Where did the robot go first?", "the table")]


def record_demo(directory: str) -> None:
    from agents.config import EpisodeConfig
    from agents.kitchen_episode import run_episode

    rec = run_episode(TASK, EpisodeConfig(mode="oracle-plan", oracle_plan=PLAN, render=False, record_dir=directory),
                      seed=0)
    print(f"recorded the demo episode in {directory} (goal met: {rec['exec_success']})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--record", help="a record directory (default: record the demo episode first)")
    ap.add_argument("-q", "--question", action="append", help="a question (default: the demo's questions)")
    ap.add_argument("--no-summary", action="store_true")
    args = ap.parse_args(argv)

    from agents.runtime import get_llm
    from compose.llm import LLMConfig
    from agents.pipelines.episode_qa import EpisodeQA, load_episode_log

    directory = args.record
    if directory is None:
        directory = tempfile.mkdtemp(prefix="episode-")
        record_demo(directory)
    log = load_episode_log(directory)
    print("event log:\n" + log.text + "\n")
    qa = EpisodeQA(get_llm(LLMConfig()))
    if not args.no_summary:
        print(f"summary: {qa.summarize(log)}\n")
    questions = [(q, None) for q in args.question] if args.question else (QUESTIONS if args.record is None else [])
    correct = 0
    for q, want in questions:
        a = qa.answer(log, q)
        mark = "" if want is None else ("  [correct]" if a.answer == want else f"  [wrong: expected {want}]")
        correct += a.answer == want
        print(f"Q: {q}\nA: {a.answer}{mark}")
    if questions and all(w is not None for _, w in questions):
        print(f"accuracy: {correct}/{len(questions)}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
