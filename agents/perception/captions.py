"""Captions of kitchen and tabletop frames that name what is there, from the world's perception.

The perception is either the simulator's (segmentation -> names) or learned (segmentation -> regions, the learned
model -> names, see agents.perception.learned). The caption is written from the perceived names only:

    kitchen:  "At the far counter I see a sponge and a water bottle. I am holding nothing."
    tabletop: "On the table there are a red block, a blue block and a green bowl."

``evaluate_kitchen`` / ``evaluate_tabletop`` render random scenes, caption each frame and compare the named objects
with the ground truth of what the camera shows (objects with enough pixels in the segmentation image).
"""
from __future__ import annotations

import re

import numpy as np

from envs.kitchen.vocab import OBJECTS, article


def _list(names) -> str:
    items = [f"{article(n)} {n}" for n in names]
    if not items:
        return "nothing"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def kitchen_caption(perception: dict) -> str:
    loc = perception.get("location", "?")
    where = "With the user" if loc == "user" else f"At the {loc}"
    held = perception.get("holding")
    return (f"{where} I see {_list(perception.get('visible', []))}. "
            f"I am holding {'the ' + held if held else 'nothing'}.")


def tabletop_caption(names) -> str:
    return f"On the table there {'is' if len(names) == 1 else 'are'} {_list(sorted(names))}."


def named_objects(caption: str, vocabulary) -> set[str]:
    """Which vocabulary names a caption mentions (longest names first, whole words)."""
    found, text = set(), caption.lower()
    for name in sorted(vocabulary, key=len, reverse=True):
        pat = rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])"
        if re.search(pat, text):
            found.add(name)
            text = re.sub(pat, " ", text)
    return found


def _score(rows) -> dict:
    """rows: (visible set, named set) per caption -> recall of visible objects, captions with a hallucination."""
    visible = sum(len(v) for v, _ in rows)
    named = sum(len(v & n) for v, n in rows)
    halluc = sum(1 for v, n in rows if n - v)
    return {"captions": len(rows), "visible_objects": visible, "recall": named / max(1, visible),
            "hallucinating_captions": halluc / max(1, len(rows))}


def evaluate_kitchen(perception: str = "segmentation", n_layouts: int = 10, seed: int = 0,
                     progress: bool = True) -> dict:
    """Caption the robot's view at every place of ``n_layouts`` held-out random kitchens."""
    from tqdm import tqdm

    from agents.perception.kitchen_data import EVAL_SEED_BASE, VIEW_PLACES, random_init
    from envs.kitchen.perception import MIN_PIXELS, SIZE
    from envs.kitchen.world import KitchenWorld

    world = KitchenWorld()
    if perception == "learned":
        from agents.perception.learned import use_learned_perception

        use_learned_perception(world)
    rows, examples = [], []
    try:
        for i in tqdm(range(n_layouts), desc=f"caption kitchen ({perception})", disable=not progress):
            rng = np.random.default_rng(EVAL_SEED_BASE + 500 + 1000 * seed + i)
            world.reset(random_init(rng), rng)
            for place in VIEW_PLACES:
                world.drive_to(place)
                _, _, seg, _, _ = world.camera_image(SIZE, seg=True)
                truth = {world.names[b] for b in world.bodies if (seg == b).sum() >= MIN_PIXELS
                         and world.rests_at(b) == place}
                cap = kitchen_caption(world.look())
                rows.append((truth, named_objects(cap, OBJECTS)))
                if len(examples) < 4:
                    examples.append({"truth": sorted(truth), "caption": cap})
    finally:
        world.close()
    return {**_score(rows), "perception": perception, "examples": examples}


def evaluate_tabletop(classifier: str = "colour", n_scenes: int = 10, seed: int = 0, progress: bool = True) -> dict:
    """Caption ``n_scenes`` random tabletop scenes (blocks and bowls of random colours)."""
    from tqdm import tqdm

    from envs.tabletop.vocab import COLOURS
    from envs.tabletop.world import TabletopWorld

    rng = np.random.default_rng(70_000 + seed)
    world = TabletopWorld(classifier=classifier)
    rows, examples = [], []
    try:
        for i in tqdm(range(n_scenes), desc=f"caption tabletop ({classifier})", disable=not progress):
            blocks = [COLOURS[k] for k in rng.choice(len(COLOURS), size=int(rng.integers(1, 5)), replace=False)]
            bowls = [COLOURS[k] for k in rng.choice(len(COLOURS), size=int(rng.integers(0, 4)), replace=False)]
            world.reset(int(rng.integers(1 << 30)), {"blocks": blocks, "bowls": bowls})
            truth = set(world.bodies)
            cap = tabletop_caption(world.perceive().names())
            vocab = [f"{c} {k}" for c in COLOURS for k in ("block", "bowl")]
            rows.append((truth, named_objects(cap, vocab)))
            if len(examples) < 3:
                examples.append({"truth": sorted(truth), "caption": cap})
    finally:
        world.close()
    return {**_score(rows), "classifier": classifier, "examples": examples}
