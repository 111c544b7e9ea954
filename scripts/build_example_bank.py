"""Build data/examples/kitchen_bank.jsonl: request -> (scene, goal sentence, goal JSON, plan) examples for retrieval.

Requests come from the templates below (written for this project: verbs, object and class words, places,
multi-object, counting, negation, drawer and start-state requests); start states are drawn with a seed; the goal
sentence comes from the goal grammar and the plan from the symbolic planner (``agents.planners.kitchen_search``, knowing the start state).
The generator never reads SayCan's 101 (data/tasks/saycan_101.jsonl), the evaluation set: a last pass drops
generated requests that equal, or nearly copy (MiniLM cosine >= 0.9), an instruction of the project's *own* dev
and smoke files (every other data/tasks/*.jsonl and data/navgraph/tasks_*.jsonl), so that tuning on them stays
honest. tests/agents/test_example_bank.py checks the result against every shipped file, the 101 included; the
default seed (5) is the first of 0..5 whose bank passes that test with the templates below (the test reports only
the bank's side of a clash).

    python scripts/build_example_bank.py [--n 600] [--seed 5] [--out data/examples/kitchen_bank.jsonl]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.planners.goal_grammar import CLASS_PLURALS, goal_sentence  # noqa: E402
from agents.planners.scene import initial_perception, kitchen_scene_text  # noqa: E402
from agents.planners.kitchen_search import plan_to_goal  # noqa: E402
from envs.kitchen.goals import check_goal, replay_plan, validate_goal, validate_init  # noqa: E402
from envs.kitchen.state import KitchenState  # noqa: E402
from envs.kitchen.vocab import CLASSES, LOCATIONS, OBJECTS  # noqa: E402

# how people name the objects (first entry: the plain name)
NAMES = {
    "coke can": ["coke", "coke can", "can of coke", "coca-cola"], "pepsi can": ["pepsi", "pepsi can", "can of pepsi"],
    "7up can": ["7up", "7up can", "seven up"], "sprite can": ["sprite", "sprite can", "can of sprite"],
    "redbull can": ["redbull", "red bull", "energy drink", "redbull can"], "lime soda": ["lime soda", "green can",
                                                                                       "lime flavoured soda"],
    "grapefruit soda": ["grapefruit soda", "grapefruit sparkling water", "grapefruit can"], "tea": ["tea", "iced tea",
                                                                                                   "bottle of tea"],
    "water bottle": ["water bottle", "water", "bottle of water"], "apple": ["apple"], "orange": ["orange"],
    "banana": ["banana"], "energy bar": ["energy bar", "protein bar", "granola bar"],
    "jalapeno chips": ["jalapeno chips", "spicy chips", "jalapeno crisps"],
    "multigrain chips": ["multigrain chips", "multigrain crisps", "whole grain chips"],
    "rice chips": ["rice chips", "rice crisps"], "sea salt chips": ["sea salt chips", "salted chips", "sea salt crisps"],
    "sponge": ["sponge", "cleaning sponge", "scrubber"],
}
CLASS_WORDS = {
    "drink": ["something to drink", "a drink", "a beverage", "anything to drink"],
    "soda": ["a soda", "a soft drink", "a fizzy drink", "something carbonated"],
    "caffeinated": ["something with caffeine", "a caffeinated drink", "something to wake me up"],
    "fruit": ["a fruit", "some fruit", "a piece of fruit", "something fruity"],
    "chips": ["some chips", "a bag of chips", "some crisps", "something crunchy"],
    "snack": ["a snack", "something to eat", "a bite to eat", "something to nibble on"],
    "cleaning": ["something to clean with", "something to wipe up a spill", "something to scrub with"],
    "can": ["a can", "any canned drink"],
}
PLACE_WORDS = {"close counter": ["close counter", "near counter", "counter close by"],
               "far counter": ["far counter", "counter over there", "far-away counter"],
               "table": ["table", "dining table"], "trash can": ["trash can", "bin", "garbage"],
               "drawer": ["drawer"], "user": ["me"]}
SURFACES = ("close counter", "far counter", "table")

GIVE = ["bring me the {o}", "can you fetch me the {o}", "hand me the {o} please", "I'd like the {o}",
        "get the {o} for me", "pass me the {o}", "could you give me the {o}", "go get me the {o}",
        "I need the {o} over here", "deliver the {o} to me"]
TRASH = ["toss the {o} in the bin", "get rid of the {o}", "dispose of the {o}",
         "the {o} is garbage, please bin it", "put the {o} in the trash", "discard the {o}", "the {o} is old, trash it"]
PUT = ["move the {o} to the {p}", "put the {o} on the {p}", "take the {o} over to the {p}",
       "set the {o} down on the {p}", "pick up the {o} and move it to the {p}", "carry the {o} to the {p}",
       "relocate the {o} so it ends up on the {p}", "the {o} belongs on the {p}, put it there"]
DRAWER = ["put the {o} in the drawer", "stash the {o} in the drawer", "store the {o} inside the drawer",
          "pick up the {o} and place it in the drawer", "file the {o} away in the drawer"]
DRAWER_CLOSE = ["put the {o} in the drawer and close it", "store the {o} in the drawer, then shut the drawer",
                "stash the {o} in the drawer and close the drawer afterwards"]
HOLD = ["I'll need the {o} in a minute, pick it up and keep it", "grab the {o} and wait there with it",
        "keep the {o} in the gripper until further notice", "take hold of the {o} and stay put",
        "pick the {o} up and hold onto it for a while", "get a grip on the {o} and don't let go"]
PICK = ["pick up the {o}", "grab the {o}", "take the {o} in your hand", "could you pick up the {o}",
        "get hold of the {o}", "pick the {o} up please"]
FIND = ["find the {o}", "look for the {o}", "locate the {o}", "where is the {o}? go find it", "search for the {o}",
        "can you find the {o}", "go and look for the {o}"]
DOWN = ["put the {o} down", "set the {o} down here", "drop the {o} here", "leave the {o} where you are",
        "place the {o} down right here", "let go of the {o} here"]
GO = ["go to the {p}", "drive to the {p}", "head over to the {p}", "move to the {p}", "navigate to the {p}",
      "make your way to the {p}", "roll over to the {p}"]
COME = ["come back to me", "return to me", "come over here", "come to me please"]
OPEN = ["open the drawer", "pull the drawer open", "could you open the drawer"]
CLOSE = ["close the drawer", "shut the drawer", "push the drawer closed"]
CLASS_GIVE = ["bring me {c}", "I want {c}", "can I have {c}", "fetch me {c} please", "get me {c}"]
CLASS_CONTEXT = {"drink": ["I'm thirsty", "my throat is dry"], "snack": ["I'm hungry", "my stomach is growling"],
                 "cleaning": ["I spilled juice on my desk", "there's a mess on the floor"],
                 "caffeinated": ["I'm so sleepy", "I need energy for the meeting"],
                 "fruit": ["I want something healthy"], "chips": ["I feel like something salty"],
                 "soda": ["I want something bubbly"], "can": ["I want a canned drink"]}
CLASS_TRASH = ["throw away {c}", "toss {c} in the trash"]
COUNT_GIVE = ["bring me two {cs}", "get us two {cs}", "I need two {cs}, one for me and one for my friend",
              "fetch two {cs}", "grab me three {cs}", "we need three {cs}"]
EXCEPT = ["bring me {c} but not the {o}", "I'd like {c}, anything but the {o}", "get me {c} other than the {o}",
          "give me {c}, I don't want the {o}", "any {cw} is fine except the {o}"]
TWO_GIVE = ["bring me the {o} and the {o2}", "I want the {o} and also the {o2}", "fetch the {o} and the {o2} for me",
            "hand me the {o}, then the {o2}"]
TWO_TRASH = ["throw away the {o} and the {o2}", "get rid of the {o} and the {o2}", "bin both the {o} and the {o2}"]
TWO_PUT = ["move the {o} and the {o2} to the {p}", "put the {o} and the {o2} on the {p}"]
PUT_COME = ["put the {o} on the {p} and come back to me", "take the {o} to the {p}, then return to me"]
PUT_GO = ["move the {o} to the {p} and then go to the {p2}", "leave the {o} on the {p} and drive to the {p2}"]
GO_GO = ["go to the {p} and then to the {p2}", "visit the {p} and then the {p2}", "drive to the {p}, then the {p2}"]
GIVE_TRASH = ["bring me the {o} and throw away the {o2}", "give me the {o} and toss the {o2}"]
HELD_PUT = ["put this on the {p}", "set what you're holding on the {p}", "leave it on the {p}"]
HELD_TRASH = ["throw this away", "toss what you are holding", "put that in the bin"]
HELD_GIVE = ["give me what you're holding", "hand that to me", "bring that over to me"]


def _name(rng, o):
    return rng.choice(NAMES[o])


def _place(rng, p):
    return rng.choice(PLACE_WORDS[p])


def _init(rng, needed, robot=None, holding=None, drawer_objects=(), n_distract=(1, 3)):
    objects = []
    for o in needed:
        if o == holding:
            continue
        loc = "drawer" if o in drawer_objects else rng.choice([L for L in LOCATIONS if L not in ("user", "trash can",
                                                                                             "drawer")])
        objects.append([o, loc])
    pool = [o for o in OBJECTS if o not in needed and o != holding]
    for o in rng.sample(pool, rng.randint(*n_distract)):
        objects.append([o, rng.choice(["close counter", "far counter", "table"])])
    rng.shuffle(objects)
    robot = robot or rng.choice(["user"] * 4 + ["close counter", "far counter", "table", "trash can"])
    return {"robot": robot, "holding": holding, "drawer_open": False, "objects": objects}


def make_example(rng: random.Random, kind: str) -> dict:
    o, o2 = rng.sample(OBJECTS, 2)
    p, p2 = rng.sample(SURFACES, 2)
    c = rng.choice(list(CLASSES))
    holding = None
    robot = None
    drawer_objects = ()
    needed = [o]
    if kind == "give":
        text, goal = rng.choice(GIVE).format(o=_name(rng, o)), {"at": [o, "user"]}
    elif kind == "trash":
        text, goal = rng.choice(TRASH).format(o=_name(rng, o)), {"at": [o, "trash can"]}
    elif kind == "put":
        text, goal = rng.choice(PUT).format(o=_name(rng, o), p=_place(rng, p)), {"at": [o, p]}
    elif kind == "drawer":
        text, goal = rng.choice(DRAWER).format(o=_name(rng, o)), {"at": [o, "drawer"]}
    elif kind == "drawer_close":
        text = rng.choice(DRAWER_CLOSE).format(o=_name(rng, o))
        goal = {"all": [{"at": [o, "drawer"]}, {"drawer_open": False}]}
    elif kind == "from_drawer":
        drawer_objects = (o,)
        text, goal = rng.choice(["the {o} is in the drawer, bring it to me", "get me the {o} out of the drawer",
                                 "take the {o} out of the drawer and give it to me"]).format(o=_name(rng, o)), \
            {"at": [o, "user"]}
    elif kind == "hold":
        text, goal = rng.choice(HOLD).format(o=_name(rng, o)), {"holding": o}
    elif kind == "pick":
        text, goal = rng.choice(PICK).format(o=_name(rng, o)), {"holding": o}
    elif kind == "find":  # the goal is where the object is, known once the start state is drawn (below)
        text, goal = rng.choice(FIND).format(o=_name(rng, o)), None
    elif kind == "down":
        holding, robot = o, rng.choice(SURFACES)
        text, goal = rng.choice(DOWN).format(o=_name(rng, o)), {"at": [o, robot]}
    elif kind == "go":
        needed = []
        text, goal = rng.choice(GO).format(p=_place(rng, p)), {"robot_at": p}
    elif kind == "go_other":
        needed = []
        L = rng.choice(["trash can", "drawer"])
        text, goal = rng.choice(GO).format(p=_place(rng, L)), {"robot_at": L}
    elif kind == "come":
        needed, robot = [], rng.choice(SURFACES)
        text, goal = rng.choice(COME), {"robot_at": "user"}
    elif kind in ("open", "close"):
        needed = []
        text, goal = rng.choice(OPEN if kind == "open" else CLOSE), {"drawer_open": kind == "open"}
    elif kind == "class_give":
        members = CLASSES[c]
        needed = [rng.choice(members)]
        words = rng.choice(CLASS_WORDS[c])
        text = rng.choice(CLASS_GIVE).format(c=words)
        if rng.random() < 0.5 and c in CLASS_CONTEXT:
            text = rng.choice(CLASS_CONTEXT[c]) + ", " + text
        goal = {"at": [f"class:{c}", "user"]}
    elif kind == "class_need":
        members = CLASSES[c]
        needed = [rng.choice(members)]
        text = rng.choice(CLASS_CONTEXT[c]) + rng.choice([", can you help?", ", bring me something", ""])
        goal = {"at": [f"class:{c}", "user"]}
    elif kind == "class_trash":
        needed = [rng.choice(CLASSES[c])]
        text = rng.choice(CLASS_TRASH).format(c=rng.choice(CLASS_WORDS[c]))
        goal = {"at": [f"class:{c}", "trash can"]}
    elif kind == "count":
        c = rng.choice(["drink", "soda", "fruit", "chips", "snack", "can", "caffeinated"])
        n = 3 if "three" in (t := rng.choice(COUNT_GIVE)) else 2
        needed = rng.sample(CLASSES[c], min(n, len(CLASSES[c])))
        if len(needed) < n:
            return make_example(rng, kind)
        text, goal = t.format(cs=CLASS_PLURALS[c]), {"at": [f"class:{c}", "user"], "count": n}
    elif kind == "except":
        c = rng.choice(["drink", "soda", "fruit", "chips", "snack", "caffeinated"])
        bad, good = rng.sample(CLASSES[c], 2)
        needed = [bad, good]
        cw = {"drink": "drink", "soda": "soda", "fruit": "fruit", "chips": "chips", "snack": "snack",
              "caffeinated": "caffeinated drink"}[c]
        text = rng.choice(EXCEPT).format(c=rng.choice(CLASS_WORDS[c]), o=_name(rng, bad), cw=cw)
        goal = {"all": [{"at": [f"class:{c}", "user"]}, {"none_at": [bad, "user"]}]}
    elif kind == "two_give":
        needed = [o, o2]
        text = rng.choice(TWO_GIVE).format(o=_name(rng, o), o2=_name(rng, o2))
        goal = {"all": [{"at": [o, "user"]}, {"at": [o2, "user"]}]}
    elif kind == "two_trash":
        needed = [o, o2]
        text = rng.choice(TWO_TRASH).format(o=_name(rng, o), o2=_name(rng, o2))
        goal = {"all": [{"at": [o, "trash can"]}, {"at": [o2, "trash can"]}]}
    elif kind == "two_put":
        needed = [o, o2]
        text = rng.choice(TWO_PUT).format(o=_name(rng, o), o2=_name(rng, o2), p=_place(rng, p))
        goal = {"all": [{"at": [o, p]}, {"at": [o2, p]}]}
    elif kind == "put_come":
        text = rng.choice(PUT_COME).format(o=_name(rng, o), p=_place(rng, p))
        goal = {"all": [{"at": [o, p]}, {"robot_at": "user"}]}
    elif kind == "put_go":
        text = rng.choice(PUT_GO).format(o=_name(rng, o), p=_place(rng, p), p2=_place(rng, p2))
        goal = {"all": [{"at": [o, p]}, {"robot_at": p2}]}
    elif kind == "go_go":
        needed = []
        text = rng.choice(GO_GO).format(p=_place(rng, p), p2=_place(rng, p2))
        goal = {"all": [{"visited": [p]}, {"robot_at": p2}]}
    elif kind == "give_trash":
        needed = [o, o2]
        text = rng.choice(GIVE_TRASH).format(o=_name(rng, o), o2=_name(rng, o2))
        goal = {"all": [{"at": [o, "user"]}, {"at": [o2, "trash can"]}]}
    elif kind == "held_put":
        holding, robot = o, rng.choice(["user", "close counter", "table"])
        text, goal = rng.choice(HELD_PUT).format(p=_place(rng, p)), {"at": [o, p]}
    elif kind == "held_trash":
        holding, robot = o, rng.choice(["user", "far counter", "table"])
        text, goal = rng.choice(HELD_TRASH), {"at": [o, "trash can"]}
    elif kind == "held_give":
        holding, robot = o, rng.choice(SURFACES)
        text, goal = rng.choice(HELD_GIVE), {"at": [o, "user"]}
    else:
        raise ValueError(kind)
    init = _init(rng, needed, robot=robot, holding=holding, drawer_objects=drawer_objects)
    validate_init(init)
    if kind == "find":
        goal = {"robot_at": dict(map(tuple, init["objects"]))[o]}
        sentence = f"find the {o}"
    elif kind == "down":  # said where the robot is: the grammar's 'here', resolved to the robot's place
        sentence = f"put the {o} down here"
    else:
        sentence = goal_sentence(goal)
    validate_goal(goal)
    if sentence is None:
        raise AssertionError(f"the grammar cannot say {goal}")
    found = plan_to_goal(KitchenState.from_init(init), goal)  # full knowledge of the start state
    if found is None or not check_goal(goal, replay_plan(init, found[0])[0]):
        raise AssertionError(f"no plan for {text!r} from {init}")
    plan = found[0]
    scene = kitchen_scene_text(initial_perception(init))
    return {"instruction": text, "kind": kind, "init": init, "scene": scene, "goal_sentence": sentence + ".",
            "goal": goal, "plan": plan}


KINDS = {"give": 3, "trash": 2, "put": 2, "drawer": 1, "drawer_close": 1, "from_drawer": 1, "hold": 1, "pick": 2,
         "find": 2, "down": 1, "go": 1,
         "go_other": 1, "open": 1, "close": 1, "class_give": 3, "class_need": 2, "class_trash": 1,
         "count": 2, "except": 2, "two_give": 2, "two_trash": 1, "two_put": 1, "put_go": 1,
         "go_go": 1, "give_trash": 1, "held_put": 1, "held_trash": 1, "held_give": 1}


def build(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    kinds = [k for k, w in KINDS.items() for _ in range(w)]
    out, seen = [], set()
    while len(out) < n:
        ex = make_example(rng, kinds[len(out) % len(kinds)] if len(out) < len(kinds) else rng.choice(kinds))
        key = ex["instruction"].lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(ex)
    return out


EVALUATION_FILES = frozenset({"saycan_101.jsonl"})
# bank texts the overlap test (tests/agents/test_example_bank.py, every shipped file) flagged as near copies of
# an instruction the builder does not read: dropped, never rewritten towards it (the test prints counts only;
# these are our own generated texts)
FLAGGED_BY_OVERLAP_TEST = frozenset({"pick the coke can up please",
                                     "keep the coke can in the gripper until further notice"})


def own_dev_instructions() -> list[str]:
    import glob

    root = Path(__file__).resolve().parents[1]
    out = []
    files = sorted(glob.glob(str(root / "data/tasks/*.jsonl")) + glob.glob(str(root / "data/navgraph/tasks_*.jsonl")))
    for f in files:
        if Path(f).name in EVALUATION_FILES:  # never read: the bank must not be built by looking at them
            continue
        with open(f, encoding="utf-8") as fh:
            out += [json.loads(line)["instruction"] for line in fh if line.strip()]
    return out


def _norm(t: str) -> str:
    return " ".join(t.lower().replace(",", " ").replace(".", " ").replace("?", " ").replace("!", " ").split())


def decontaminate(rows: list[dict], near: float = 0.85) -> tuple[list[dict], int, int]:
    """Drop exact and near copies of the project's own dev instructions; returns (kept rows, n exact, n near).

    Near is cosine >= 0.85, a margin under the 0.9 the overlap test enforces on every shipped file: requests
    written in the same style as our dev sets, which the builder never reads, sit about as close to the bank."""
    import numpy as np

    from compose.tools.embedder import TextEmbedder

    shipped = own_dev_instructions()
    exact = {_norm(t) for t in shipped}
    kept = [r for r in rows if _norm(r["instruction"]) not in exact and r["instruction"] not in FLAGGED_BY_OVERLAP_TEST]
    n_exact = len(rows) - len(kept)
    emb = TextEmbedder()
    sims = np.asarray(emb.embed([r["instruction"] for r in kept])) @ np.asarray(emb.embed(shipped)).T
    close = (sims >= near).any(axis=1)
    return [r for r, c in zip(kept, close) if not c], n_exact, int(close.sum())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--out", default="data/examples/kitchen_bank.jsonl")
    ap.add_argument("--filter-only", action="store_true",
                    help="only decontaminate the existing --out file (what a full build of the same --n/--seed gives)")
    a = ap.parse_args(argv)
    if a.filter_only:
        with open(a.out, encoding="utf-8") as f:
            generated = [json.loads(line) for line in f if line.strip()]
    else:
        generated = build(a.n, a.seed)
    rows, n_exact, n_near = decontaminate(generated)
    print(f"decontamination: dropped {n_exact} exact and {n_near} near copies of the project's dev instructions")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print(f"wrote {len(rows)} examples to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
