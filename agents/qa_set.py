"""The episode Q&A set: kitchen episodes recorded in the real simulator with oracle plans, and questions whose answers
come from the records' ground truth (never from the pipeline under test).

    python -m agents.qa_set record --out data/qa --episodes 24 --seed 0   # simulate + write records and qa.jsonl
    python -m agents.qa_set eval --data data/qa [--json FILE]             # accuracy of EpisodeQA, per question kind

Episodes: random start states (2-5 objects on the counters and the table), oracle plans of four families (fetch,
throw away, move, throw away + fetch), a quarter with an injected failing step (picking up something that is not
there). Records are small: no frames, no score lists. Questions per episode (when the record supports them): what was
picked up (first), where X was found, which step failed / did a step fail, where X ended, what the robot held at the
end, how many steps it took, what it threw away / brought to the user.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from compose.errors import InvalidInputError, run_cli
from envs.kitchen.vocab import OBJECTS, article

PLACES = ("close counter", "far counter", "table")
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen", "sixteen")


def _fetch(x):
    return [f"find {article(x)} {x}", f"pick up the {x}", "bring it to you", f"put down the {x}"]


def _trash(x):
    return [f"find {article(x)} {x}", f"pick up the {x}", "go to the trash can", f"put down the {x}"]


def _move(x, place):
    return [f"find {article(x)} {x}", f"pick up the {x}", f"go to the {place}", f"put down the {x}"]


def make_task(rng: np.random.Generator, i: int) -> tuple[dict, list[str]]:
    """One random start state, instruction and oracle plan (seeded)."""
    n = int(rng.integers(2, 6))
    objs = [OBJECTS[k] for k in rng.choice(len(OBJECTS), size=n, replace=False)]
    init = {"robot": "user", "holding": None, "drawer_open": False,
            "objects": [[o, PLACES[int(rng.integers(len(PLACES)))]] for o in objs]}
    family = ("fetch", "trash", "move", "trash+fetch")[i % 4]
    x, y = objs[0], objs[1]
    where = dict(map(tuple, init["objects"]))
    if family == "fetch":
        plan, text, goal = _fetch(x), f"Bring me the {x}.", {"at": [x, "user"]}
    elif family == "trash":
        plan, text, goal = _trash(x), f"Throw away the {x}.", {"at": [x, "trash can"]}
    elif family == "move":
        dest = [p for p in PLACES if p != where[x]][int(rng.integers(2))]
        plan, text, goal = _move(x, dest), f"Put the {x} on the {dest}.", {"at": [x, dest]}
    else:
        plan = _trash(x) + _fetch(y)
        text, goal = f"Throw away the {x} and bring me the {y}.", {"all": [{"at": [x, "trash can"]}, {"at": [y, "user"]}]}
    if i % 4 == 1 or i % 7 == 3:  # inject a failing step: pick up an object that is not in the scene
        absent = [o for o in OBJECTS if o not in objs]
        k = int(rng.integers(1, len(plan)))
        plan.insert(k, f"pick up the {absent[int(rng.integers(len(absent)))]}")
    plan.append("done")
    task = {"id": f"qa-{i:02d}", "world": "kitchen", "instruction": text, "family": family, "init": init, "goal": goal}
    return task, plan


def record_episodes(out: Path, n: int, seed: int, progress: bool = True) -> list[Path]:
    from tqdm import tqdm

    from agents.config import EpisodeConfig
    from agents.kitchen_episode import run_episode
    from envs.record import EpisodeRecorder

    rng = np.random.default_rng(seed)
    dirs = []
    for i in tqdm(range(n), desc="record episodes", disable=not progress):
        task, plan = make_task(rng, i)
        rec = run_episode(task, EpisodeConfig(mode="oracle-plan", render=False, oracle_plan=tuple(plan),
                                              max_steps=len(plan) + 2), seed=seed + i)
        for step in rec["steps"]:  # keep the record small: the oracle's score lists carry nothing
            step.pop("top", None)
        d = out / "episodes" / task["id"]
        EpisodeRecorder(d).save({**rec, "task": task, "outcome": {"goal_met": rec.get("exec_success")}})
        dirs.append(d)
    return dirs


def _the(x: str) -> str:
    return "the user" if x == "user" else f"the {x}"


def questions_for(record: dict) -> list[dict]:
    """Question/answer pairs from one record's ground truth (steps, states and final state)."""
    from envs.kitchen.language import parse_skill

    steps, final = record["steps"], record["final_state"]
    qa: list[dict] = []

    def add(kind, q, a):
        qa.append({"episode": record["task"]["id"], "kind": kind, "question": q, "answer": a})

    picks = [parse_skill(s["skill"])[1] for s in steps if s["success"] and parse_skill(s["skill"])[0] == "pick"]
    if picks:
        add("object", "What did the robot pick up first?", _the(picks[0]))
    finds = [(parse_skill(s["skill"])[1], s["state"]["robot"]) for s in steps
             if s["success"] and parse_skill(s["skill"])[0] == "find"]
    for obj, loc in finds[-1:]:
        add("place", f"Where did the robot find the {obj}?", _the(loc))
    failed = [k for k, s in enumerate(steps) if not s["success"]]
    if failed:
        add("step", "Which step failed?", f"step {failed[0] + 1}")
    add("yes/no", "Did any step fail?", "yes" if failed else "no")
    ends = {o: loc for o, loc in final["objects"]}
    if final.get("holding"):
        ends[final["holding"]] = "robot"
    moved = [o for o, _ in record["task"]["init"]["objects"] if ends.get(o) and ends[o] != dict(
        map(tuple, record["task"]["init"]["objects"]))[o]]
    for obj in moved[:1]:
        add("place", f"Where is the {obj} at the end?", _the(ends[obj]))
    add("object", "What is the robot holding at the end?", _the(final["holding"]) if final.get("holding") else "nothing")
    add("count", "How many steps did the robot take?", NUMBER_WORDS[len(steps)])
    trashed = [o for o in moved if ends[o] == "trash can"]
    if trashed:
        add("object", "What did the robot throw away?", _the(trashed[0]))
    given = [o for o in moved if ends[o] == "user"]
    if given:
        add("object", "What did the robot bring to the user?", _the(given[0]))
    return qa


def build_qa(data: Path) -> list[dict]:
    from envs.record import load_record

    out = []
    for d in sorted((data / "episodes").iterdir()):
        out += questions_for(load_record(d))
    return out


def evaluate(data: Path, llm=None, progress: bool = True, partial=None) -> dict:
    from tqdm import tqdm

    from agents.runtime import get_llm
    from compose.llm import LLMConfig
    from agents.pipelines.episode_qa import EpisodeQA, load_episode_log

    qa = [json.loads(line) for line in (data / "qa.jsonl").read_text().splitlines() if line.strip()]
    pipe = EpisodeQA(llm or get_llm(LLMConfig()))
    logs: dict[str, object] = {}
    rows = []
    for item in tqdm(qa, desc="episode Q&A", disable=not progress):
        if item["episode"] not in logs:
            logs[item["episode"]] = load_episode_log(data / "episodes" / item["episode"])
        ans = pipe.answer(logs[item["episode"]], item["question"])
        rows.append({**item, "predicted": ans.answer, "correct": ans.answer == item["answer"]})
        if partial is not None:  # running tally, so a long run can be read while it goes
            partial.write(json.dumps(rows[-1]) + "\n")
            partial.flush()
    return {**tally(rows), "episodes": len(logs), "halves": {
        h: tally([r for r in rows if episode_half(r["episode"]) == h]) for h in ("tune", "held-out")}, "rows": rows}


def episode_half(episode: str) -> str:
    """The split kept honest while tuning the pipeline: even-numbered episodes tune, odd ones are held out."""
    return "tune" if int(episode.rsplit("-", 1)[1]) % 2 == 0 else "held-out"


def tally(rows: list[dict]) -> dict:
    kinds = sorted({r["kind"] for r in rows})
    per_kind = {k: [sum(r["correct"] for r in rows if r["kind"] == k), sum(r["kind"] == k for r in rows)] for k in kinds}
    return {"accuracy": sum(r["correct"] for r in rows) / max(1, len(rows)), "n": len(rows), "per_kind": per_kind}


def _main(argv) -> int:
    ap = argparse.ArgumentParser(prog="python -m agents.qa_set", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="simulate episodes with oracle plans; write records and qa.jsonl")
    r.add_argument("--out", default="data/qa")
    r.add_argument("--episodes", type=int, default=24)
    r.add_argument("--seed", type=int, default=0)
    e = sub.add_parser("eval", help="accuracy of the episode Q&A pipeline on the set")
    e.add_argument("--data", default="data/qa")
    e.add_argument("--json", help="write every answer to this file")
    args = ap.parse_args(argv)
    if args.cmd == "record":
        if args.episodes < 1:
            raise InvalidInputError("--episodes must be >= 1")
        out = Path(args.out)
        record_episodes(out, args.episodes, args.seed)
        qa = build_qa(out)
        (out / "qa.jsonl").write_text("".join(json.dumps(q) + "\n" for q in qa))
        print(f"{args.episodes} episodes, {len(qa)} questions in {out}")
        return 0
    data = Path(args.data)
    if not (data / "qa.jsonl").is_file():
        raise InvalidInputError(f"no qa.jsonl in {data}: run `python -m agents.qa_set record --out {data}` first")
    with open(args.json + ".partial.jsonl", "w") if args.json else open(os.devnull, "w") as partial:
        res = evaluate(data, partial=partial if args.json else None)
    print(f"accuracy {res['accuracy']:.3f} on {res['n']} questions over {res['episodes']} episodes")
    for k, (c, n) in res["per_kind"].items():
        print(f"  {k:8s} {c}/{n}")
    for h, t in res["halves"].items():
        print(f"  {h} episodes: {t['accuracy']:.3f} on {t['n']} questions")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
