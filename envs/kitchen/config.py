"""The kitchen's knobs (``--set KEY=VALUE``; ``WorldSpec.config``), read by its episode runner."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class KitchenConfig:
    # segmentation: objects are named by the simulator; learned: by the trained recogniser on segment crops
    perception: Literal["segmentation", "learned"] = "segmentation"
