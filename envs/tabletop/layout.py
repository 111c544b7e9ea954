"""Seeded start layouts: where each block and bowl stands at reset. Pure numpy, so the symbolic model (plan success)
sees exactly the positions the simulator starts from."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from compose.errors import InvalidInputError
from envs.tabletop.vocab import X_RANGE, Y_RANGE

BLOCK_SIZE = 0.04  # cube edge (m)
BOWL_RADIUS = 0.06  # outer radius (m)
BOWL_HEIGHT = 0.035
BOWL_FLOOR = 0.008  # thickness of the bowl's bottom disc
MARGIN = 0.025  # extra free space between footprints
EDGE = 0.01  # keep footprints this far inside the workspace
_TRIES = 4000


@dataclass(frozen=True)
class Placement:
    name: str
    x: float
    y: float
    yaw: float


def footprint(name: str) -> float:
    """Radius of the disc an object covers on the table."""
    return BOWL_RADIUS if name.endswith(" bowl") else BLOCK_SIZE / math.sqrt(2)


def sample_layout(blocks, bowls, seed: int) -> list[Placement]:
    """Positions for the bowls then the blocks, uniformly in the workspace with a minimum separation.

    Deterministic in ``seed``. Raises InvalidInputError when the objects cannot be spread out on the table.
    """
    names = [f"{c} bowl" for c in bowls] + [f"{c} block" for c in blocks]
    rng = np.random.default_rng([int(seed) % (2**63), 7])
    for _attempt in range(20):
        placed: list[Placement] = []
        for name in names:
            r = footprint(name)
            for _ in range(_TRIES):
                x = rng.uniform(X_RANGE[0] + r + EDGE, X_RANGE[1] - r - EDGE)
                y = rng.uniform(Y_RANGE[0] + r + EDGE, Y_RANGE[1] - r - EDGE)
                if all(math.hypot(x - p.x, y - p.y) >= r + footprint(p.name) + MARGIN for p in placed):
                    yaw = 0.0 if name.endswith(" bowl") else rng.uniform(-math.pi / 4, math.pi / 4)
                    placed.append(Placement(name, round(float(x), 4), round(float(y), 4), round(float(yaw), 4)))
                    break
            else:
                break
        else:
            return placed
    raise InvalidInputError(f"cannot spread {len(blocks)} blocks and {len(bowls)} bowls apart on the table; use fewer")
