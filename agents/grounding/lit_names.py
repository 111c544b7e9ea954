"""Names and caption templates for the three worlds' labels, in two disjoint vocabularies.

``train`` names and templates are the only words training captions use; ``eval`` names (paraphrases) and templates
are used only by the held-out "paraphrased names" split. Navigation landmarks take theirs from envs.navgraph.kinds;
kitchen objects and tabletop blocks / bowls are defined here (envs name them by one canonical name only).
"""
from __future__ import annotations

from dataclasses import dataclass

# kitchen object -> (training names, held-out paraphrases); every kitchen object appears exactly once
KITCHEN_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "coke can": (("coke can", "can of coke", "coca-cola can"), ("red cola tin", "tin of coca cola")),
    "pepsi can": (("pepsi can", "can of pepsi", "pepsi soda can"), ("blue cola tin", "tin of pepsi cola")),
    "7up can": (("7up can", "can of 7up", "seven up can"), ("green lemon-lime soda tin", "tin of seven-up")),
    "sprite can": (("sprite can", "can of sprite", "sprite soda can"), ("lemon-lime sprite tin", "tin of sprite pop")),
    "redbull can": (("redbull can", "can of red bull", "red bull energy drink"), ("slim energy drink tin",
                                                                                 "tin of redbull")),
    "lime soda": (("lime soda", "lime soda can", "lime flavored soda"), ("fizzy lime drink", "soft drink with lime")),
    "grapefruit soda": (("grapefruit soda", "grapefruit soda can", "grapefruit flavored soda"),
                        ("fizzy grapefruit drink", "pink citrus soft drink")),
    "tea": (("tea", "bottle of tea", "iced tea"), ("bottled tea drink", "tea beverage")),
    "water bottle": (("water bottle", "bottle of water", "plastic water bottle"), ("bottled drinking water",
                                                                                 "clear drink bottle")),
    "apple": (("apple", "red apple", "fresh apple"), ("crisp round fruit", "apple fruit")),
    "orange": (("orange", "orange fruit", "fresh orange"), ("citrus fruit", "round mandarin-like fruit")),
    "banana": (("banana", "yellow banana", "ripe banana"), ("curved yellow fruit", "plantain-like fruit")),
    "energy bar": (("energy bar", "granola bar", "protein bar"), ("cereal snack bar", "wrapped snack bar")),
    "jalapeno chips": (("jalapeno chips", "bag of jalapeno chips", "spicy jalapeno crisps"),
                       ("hot pepper potato crisps", "spicy chips packet")),
    "multigrain chips": (("multigrain chips", "bag of multigrain chips", "multigrain crisps"),
                         ("whole grain crisps", "packet of grain chips")),
    "rice chips": (("rice chips", "bag of rice chips", "rice crisps"), ("puffed rice crackers", "packet of rice snacks")),
    "sea salt chips": (("sea salt chips", "bag of sea salt chips", "salted potato chips"),
                       ("lightly salted crisps", "packet of salty chips")),
    "sponge": (("sponge", "kitchen sponge", "cleaning sponge"), ("scrubber for dishes", "dish scrub pad")),
}

# tabletop colour -> (training words, held-out words); object kinds likewise
TABLETOP_COLOURS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "blue": (("blue",), ("azure", "navy")), "red": (("red",), ("scarlet", "crimson")),
    "green": (("green",), ("emerald", "grass-coloured")), "yellow": (("yellow",), ("lemon-coloured", "golden")),
    "orange": (("orange",), ("tangerine", "amber")), "purple": (("purple",), ("violet", "lilac")),
    "pink": (("pink",), ("rose-coloured", "salmon")), "cyan": (("cyan",), ("turquoise", "aqua")),
    "brown": (("brown",), ("chocolate-coloured", "tan")), "gray": (("gray",), ("grey", "silver")),
}
TABLETOP_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "block": (("block", "cube"), ("brick", "square box")), "bowl": (("bowl", "dish"), ("basin", "round container")),
}

TRAIN_TEMPLATES: dict[str, tuple[str, ...]] = {
    "navgraph": ("a photo of the {}", "a photo of a {}", "{}", "a {} next to the road", "a view of a {}",
                 "there is a {} here"),
    "kitchen": ("a photo of the {}", "a photo of a {}", "{}", "a {} on the counter", "a close-up of a {}"),
    "tabletop": ("a photo of the {}", "a photo of a {}", "{}", "a {} on the table", "a close-up of a {}"),
}
EVAL_TEMPLATES: dict[str, tuple[str, ...]] = {
    "navgraph": ("an image showing {}", "i am standing near {}"),
    "kitchen": ("an image showing {}", "the robot sees {}"),
    "tabletop": ("an image showing {}", "the robot sees {}"),
}
DEFAULT_PROMPT = "a photo of the {}"  # a training template: the in-vocabulary splits' captions


@dataclass(frozen=True)
class Vocabulary:
    world: str
    labels: tuple[str, ...]  # canonical names, label index order
    train_names: tuple[tuple[str, ...], ...]  # per label
    eval_names: tuple[tuple[str, ...], ...]  # per label, disjoint from every training name

    def train_captions(self) -> list[list[str]]:
        """Per label: every training caption (training names x training templates)."""
        return [[t.format(n) for n in names for t in TRAIN_TEMPLATES[self.world]] for names in self.train_names]

    def caption_sets(self, paraphrase: bool) -> list[list[str]]:
        """Sets of one caption per label. In-vocabulary: each training name in the default prompt; paraphrased:
        each held-out name in each held-out template."""
        if not paraphrase:
            n = max(len(x) for x in self.train_names)
            return [[DEFAULT_PROMPT.format(names[min(p, len(names) - 1)]) for names in self.train_names]
                    for p in range(n)]
        n = max(len(x) for x in self.eval_names)
        return [[t.format(names[min(p, len(names) - 1)]) for names in self.eval_names]
                for p in range(n) for t in EVAL_TEMPLATES[self.world]]


def _navgraph() -> Vocabulary:
    from envs.navgraph.kinds import BACKGROUND, BACKGROUND_EVAL, BACKGROUND_TRAIN, KINDS

    return Vocabulary("navgraph", tuple(k.name for k in KINDS) + (BACKGROUND,),
                      tuple(k.train_names for k in KINDS) + (BACKGROUND_TRAIN,),
                      tuple(k.eval_names for k in KINDS) + (BACKGROUND_EVAL,))


def _kitchen() -> Vocabulary:
    from envs.kitchen.vocab import OBJECTS

    return Vocabulary("kitchen", OBJECTS, tuple(KITCHEN_NAMES[o][0] for o in OBJECTS),
                      tuple(KITCHEN_NAMES[o][1] for o in OBJECTS))


def _tabletop() -> Vocabulary:
    from envs.tabletop.vocab import OBJECTS

    def names(obj: str, which: int) -> tuple[str, ...]:
        colour, kind = obj.split(" ")
        return tuple(f"{c} {k}" for k in TABLETOP_KINDS[kind][which] for c in TABLETOP_COLOURS[colour][which])

    return Vocabulary("tabletop", OBJECTS, tuple(names(o, 0) for o in OBJECTS), tuple(names(o, 1) for o in OBJECTS))


_VOCABULARIES = {"kitchen": _kitchen, "tabletop": _tabletop, "navgraph": _navgraph}
WORLDS: tuple[str, ...] = tuple(_VOCABULARIES)


def vocabulary(world: str) -> Vocabulary:
    """The labels and both vocabularies of ``world`` (kitchen, tabletop or navgraph)."""
    if world not in _VOCABULARIES:
        from compose.errors import UnknownNameError

        raise UnknownNameError("world", world, WORLDS)
    return _VOCABULARIES[world]()
