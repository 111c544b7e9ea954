"""Generate LM-Nav style instructions for a graph from its landmark ground truth (seeded).

Two styles: clause chains ("Go past the red car, turn at the mailbox, stop at the picnic table") and whole-sentence
paraphrases ("First the tree, then the bench, and finally the stop sign."). Landmark names vary too
(``LandmarkKind.task_names``). Each task's goal lists the landmark objects (by kind) in order, with
``GOAL_RADIUS``: reaching a landmark means coming within that distance of the object itself, as a person judges it.
"""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np

from envs.navgraph.kinds import kind
from envs.navgraph.storage import graph_from_meta, read_meta

GOAL_RADIUS = 6.0  # metres from the landmark object itself (its anchor place is 2.8 m from it)

FIRST = ("Go past the {}", "Head towards the {}", "Drive to the {}", "Start by going to the {}",
         "Make your way to the {}", "Go straight until you see the {}", "Pass the {}", "Find the {}",
         "Go to the {}")
MIDDLE = ("turn at the {}", "then go to the {}", "continue to the {}", "take a left at the {}",
          "take a right after the {}", "keep going past the {}", "head over to the {}", "after that look for the {}")
LAST = ("stop at the {}", "and stop when you reach the {}", "park next to the {}", "wait by the {}",
        "your destination is the {}", "finally go to the {}", "end at the {}")
JOINERS = (", ", ". Then ", ", and then ", "; ")
PARAPHRASES = {
    2: ("I need you to visit the {} and then the {}.", "Could you go to the {}? After that, continue on to the {}.",
        "Take me to the {} first, then to the {}.", "Drive by the {} and pull over at the {}."),
    3: ("First the {}, then the {}, and finally the {}.", "Visit the {}, the {} and the {}, in that order.",
        "Please head to the {}, swing by the {}, and stop once you get to the {}.",
        "Pass the {}, then look for the {}; the {} is where you should stop."),
    4: ("Go to the {}, then the {}, then the {}, and finish at the {}.",
        "On your way, pass the {} and the {}, then turn at the {} and stop at the {}.",
        "Visit these in order: the {}, the {}, the {}, the {}."),
}


def _chain(names: list[str], rng: np.random.Generator) -> str:
    parts = [FIRST[int(rng.integers(len(FIRST)))].format(names[0])]
    for n in names[1:-1]:
        parts.append(MIDDLE[int(rng.integers(len(MIDDLE)))].format(n))
    parts.append(LAST[int(rng.integers(len(LAST)))].format(names[-1]))
    text = parts[0]
    for p in parts[1:]:
        joiner = JOINERS[int(rng.integers(len(JOINERS)))]
        if joiner == ". Then " and p.startswith(("and ", "then ")):
            joiner = ", "
        text += joiner + p
    return text + "."


def generate_tasks(graph: str, n: int = 45, seed: int = 0, directory=None) -> list[dict]:
    """``n`` tasks for ``graph``: 2-4 distinct landmark kinds each, start away from the first landmark."""
    meta = read_meta(graph, directory)
    g = graph_from_meta(meta)
    rng = np.random.default_rng(seed)
    lms = meta["landmarks"]
    pos = {v: np.array(g.nodes[v]["pos"]) for v in g}
    tasks = []
    for i in range(n):
        k = (2, 3, 3, 4)[i % 4]
        chosen = [lms[j] for j in rng.permutation(len(lms))[:k]]
        names = [kind(lm["kind"]).task_names[int(rng.integers(3)) if rng.random() < 0.5 else 0] for lm in chosen]
        if rng.random() < 0.35:
            forms = PARAPHRASES[k]
            text, style = forms[int(rng.integers(len(forms)))].format(*names), "paraphrase"
        else:
            text, style = _chain(names, rng), "chain"
        far = [v for v in sorted(g) if np.linalg.norm(pos[v] - pos[chosen[0]["anchor"]]) > 12.0]
        start = int(far[int(rng.integers(len(far)))])
        anchors = [int(lm["anchor"]) for lm in chosen]
        tasks.append({"id": f"{graph}-{i:03d}", "world": "navgraph", "instruction": text, "family": f"{k}_landmarks",
                      "init": {"graph": graph, "start": start},
                      "goal": {"landmarks": [lm["kind"] for lm in chosen], "radius": GOAL_RADIUS},
                      "seed": int(seed * 1000 + i), "style": style,
                      "landmark_kinds": [lm["kind"] for lm in chosen], "landmark_names": names})
        assert nx.has_path(g, start, anchors[0])
    return tasks


def write_tasks(path: Path, tasks: list[dict]) -> None:
    Path(path).write_text("".join(json.dumps(t) + "\n" for t in tasks))
