"""Landmark kinds of the navigation worlds and the words used for them.

Three disjoint vocabularies per kind, so evaluation is honest:

- ``train_names``: the only names the grounding model's training captions use;
- ``eval_names``: paraphrases used by the held-out grounding evaluation, never seen in training;
- ``task_names``: how instructions in the shipped task files refer to the kind (canonical name first).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LandmarkKind:
    name: str  # canonical name, also the key in graph files
    train_names: tuple[str, ...]
    eval_names: tuple[str, ...]
    task_names: tuple[str, ...]


KINDS: tuple[LandmarkKind, ...] = (
    LandmarkKind("red car", ("red car", "red sedan", "parked red vehicle"),
                 ("automobile painted red", "crimson motorcar"), ("red car", "red automobile", "parked red car")),
    LandmarkKind("blue mailbox", ("blue mailbox", "blue postbox", "blue letter box"),
                 ("mail drop box painted blue", "navy blue post box"), ("blue mailbox", "mailbox", "blue postbox")),
    LandmarkKind("picnic table", ("picnic table", "wooden picnic table", "outdoor dining table"),
                 ("table with benches for eating outside", "wooden table for picnics"),
                 ("picnic table", "wooden picnic table", "picnic bench table")),
    LandmarkKind("stop sign", ("stop sign", "red stop sign", "traffic stop sign"),
                 ("octagonal sign telling drivers to halt", "red road sign that says stop"),
                 ("stop sign", "red stop sign", "stop signpost")),
    LandmarkKind("tree", ("tree", "green tree", "leafy tree"),
                 ("tall plant with a trunk and leaves", "oak with green foliage"), ("tree", "big tree", "leafy tree")),
    LandmarkKind("bench", ("bench", "park bench", "wooden bench"),
                 ("seat with a backrest for sitting in the park", "long outdoor seat"),
                 ("bench", "park bench", "wooden bench")),
    LandmarkKind("fire hydrant", ("fire hydrant", "red fire hydrant", "hydrant"),
                 ("water pipe for firefighters", "firefighters' water plug on the sidewalk"),
                 ("fire hydrant", "hydrant", "red hydrant")),
    LandmarkKind("traffic cone", ("traffic cone", "orange traffic cone", "road cone"),
                 ("orange pylon used for roadworks", "construction cone"),
                 ("traffic cone", "orange cone", "road cone")),
    LandmarkKind("lamp post", ("lamp post", "street lamp", "street light"),
                 ("tall pole with a light on top", "lamppost that lights the road"),
                 ("lamp post", "street lamp", "streetlight")),
    LandmarkKind("yellow duck statue", ("yellow duck statue", "duck sculpture", "yellow rubber duck statue"),
                 ("golden statue of a bird", "big yellow duckling figure"),
                 ("yellow duck statue", "duck statue", "yellow duck")),
    LandmarkKind("teddy bear statue", ("teddy bear statue", "teddy bear", "giant teddy bear"),
                 ("stuffed toy bear sculpture", "big plush bear"), ("teddy bear statue", "teddy bear", "giant teddy")),
    LandmarkKind("soccer ball", ("soccer ball", "giant soccer ball", "football"),
                 ("huge black and white ball", "ball used for playing futbol"),
                 ("soccer ball", "giant soccer ball", "big football")),
)
KIND_NAMES: tuple[str, ...] = tuple(k.name for k in KINDS)
BACKGROUND = "background"  # views that show no landmark
BACKGROUND_TRAIN = ("empty street", "road with houses", "empty road between buildings")
BACKGROUND_EVAL = ("deserted lane with some buildings",)


def kind(name: str) -> LandmarkKind:
    for k in KINDS:
        if k.name == name:
            return k
    from compose.errors import UnknownNameError

    raise UnknownNameError("landmark kind", name, KIND_NAMES)
