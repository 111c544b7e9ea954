"""Vocabulary and geometry of the tabletop world (docs/tasks.md): colours, objects, regions, classes, skill sentences.

Frame: the robot's base is at the origin, the table top at z = 0, the robot faces +x. The camera looks at the table
from the far side, so in its image the *top* of the table is the robot's side (small x) and *left* is -y -- the
same convention as SayCan's tabletop notebook, where "top" is the edge nearest the robot. The workspace is split
into a 3 x 3 grid of cells; each region name is one cell (``top side`` is the top-middle cell, ``middle`` the centre).
"""
from __future__ import annotations

import re

from compose.errors import InvalidInputError

COLOURS: tuple[str, ...] = ("blue", "red", "green", "yellow", "orange", "purple", "pink", "cyan", "brown", "gray")

# RGB in [0, 1]; chosen to stay distinguishable under the renderer's shading
RGB: dict[str, tuple[float, float, float]] = {
    "blue": (0.10, 0.25, 0.90),
    "red": (0.88, 0.08, 0.08),
    "green": (0.10, 0.65, 0.15),
    "yellow": (0.95, 0.88, 0.10),
    "orange": (1.00, 0.50, 0.00),
    "purple": (0.50, 0.15, 0.70),
    "pink": (1.00, 0.50, 0.78),
    "cyan": (0.10, 0.85, 0.90),
    "brown": (0.45, 0.27, 0.10),
    "gray": (0.50, 0.50, 0.50),
}

KINDS = ("block", "bowl")
BLOCKS: tuple[str, ...] = tuple(f"{c} block" for c in COLOURS)
BOWLS: tuple[str, ...] = tuple(f"{c} bowl" for c in COLOURS)
OBJECTS: tuple[str, ...] = BLOCKS + BOWLS

REGIONS: tuple[str, ...] = (
    "top left corner", "top side", "top right corner",
    "left side", "middle", "right side",
    "bottom left corner", "bottom side", "bottom right corner",
)
CLASSES: tuple[str, ...] = ("block", "bowl") + COLOURS

# workspace on the table (metres): x is depth away from the robot, y is lateral
X_RANGE = (0.22, 0.70)
Y_RANGE = (-0.30, 0.30)
_ROWS = ("top", "middle", "bottom")  # increasing x
_COLS = ("left", "centre", "right")  # increasing y


def _cell_name(row: str, col: str) -> str:
    if row == "middle" and col == "centre":
        return "middle"
    if row == "middle":
        return f"{col} side"
    if col == "centre":
        return f"{row} side"
    return f"{row} {col} corner"


def region_cell(name: str) -> tuple[int, int]:
    """(row, column) of a region in the 3 x 3 grid."""
    for r, row in enumerate(_ROWS):
        for c, col in enumerate(_COLS):
            if _cell_name(row, col) == name:
                return r, c
    raise InvalidInputError(f"unknown region {name!r}; known: {', '.join(REGIONS)}")


def region_bounds(name: str) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) of a region's cell."""
    r, c = region_cell(name)
    dx = (X_RANGE[1] - X_RANGE[0]) / 3
    dy = (Y_RANGE[1] - Y_RANGE[0]) / 3
    return X_RANGE[0] + r * dx, X_RANGE[0] + (r + 1) * dx, Y_RANGE[0] + c * dy, Y_RANGE[0] + (c + 1) * dy


def region_anchor(name: str) -> tuple[float, float]:
    """Where a block is put when told to place it on a region: the cell's centre."""
    x0, x1, y0, y1 = region_bounds(name)
    return (x0 + x1) / 2, (y0 + y1) / 2


def region_of(x: float, y: float) -> str:
    """The region containing table point (x, y); points beyond the workspace belong to the nearest cell."""
    r = min(max(int((x - X_RANGE[0]) // ((X_RANGE[1] - X_RANGE[0]) / 3)), 0), 2)
    c = min(max(int((y - Y_RANGE[0]) // ((Y_RANGE[1] - Y_RANGE[0]) / 3)), 0), 2)
    return _cell_name(_ROWS[r], _COLS[c])


def kind_of(name: str) -> str:
    return name.rsplit(" ", 1)[1]


def colour_of(name: str) -> str:
    return name.rsplit(" ", 1)[0]


def matches(obj: str, spec: str) -> bool:
    """Does object ``obj`` match ``spec`` (an object name or ``class:block|bowl|<colour>``)?"""
    if spec.startswith("class:"):
        cls = spec[6:]
        return kind_of(obj) == cls if cls in KINDS else colour_of(obj) == cls
    return obj == spec


# ------------------------------------------------------------------------------------------------ skill language
DONE = "done"
_SKILL = re.compile(r"^pick the (?P<pick>.+?) and place it on the (?P<place>.+)$")


def skill_text(pick: str, place: str) -> str:
    return f"pick the {pick} and place it on the {place}"


def place_targets(blocks, bowls) -> list[str]:
    """Everything a block can be placed on: blocks, bowls, then the regions."""
    return [f"{c} block" for c in blocks] + [f"{c} bowl" for c in bowls] + list(REGIONS)


def skill_texts(blocks=COLOURS, bowls=COLOURS) -> list[str]:
    """All pick-and-place sentences for the given block and bowl colours (never a block onto itself), then done."""
    targets = place_targets(blocks, bowls)
    texts = [skill_text(f"{b} block", t) for b in blocks for t in targets if t != f"{b} block"]
    return texts + [DONE]


ALL_SKILL_TEXTS: tuple[str, ...] = tuple(skill_texts())


def parse_skill(text: str) -> tuple[str, str] | None:
    """'pick the red block and place it on the blue bowl' -> ('red block', 'blue bowl'); 'done' -> None."""
    t = " ".join(str(text).strip().lower().rstrip(".,").split())
    if t == DONE:
        return None
    m = _SKILL.match(t)
    if not m:
        raise InvalidInputError(f"not a tabletop skill: {text!r} "
                                "(expected 'pick the X block and place it on the Y' or 'done')")
    pick, place = m["pick"], m["place"]
    if pick not in BLOCKS:
        raise InvalidInputError(f"unknown block {pick!r} in skill {text!r}; known: {', '.join(BLOCKS)}")
    if place not in OBJECTS and place not in REGIONS:
        raise InvalidInputError(f"unknown place {place!r} in skill {text!r}; "
                                f"known: blocks, bowls and {', '.join(REGIONS)}")
    if place == pick:
        raise InvalidInputError(f"skill {text!r} places a block on itself")
    return pick, place
