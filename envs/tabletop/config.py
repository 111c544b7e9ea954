"""The tabletop's knobs (``--set KEY=VALUE``; ``WorldSpec.config``), read by its episode runner and replayers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


def classifier_names() -> list[str]:
    from envs.tabletop.perception import CLASSIFIERS

    return CLASSIFIERS.names()


@dataclass(frozen=True)
class TabletopConfig:
    options: Literal["scene", "all"] = "scene"  # scene: skills for the task's blocks and bowls; all: every colour
    noise: Literal["default", "none"] = "default"  # the controller's noise (envs.tabletop.controller.Noise)
    classifier: str = field(default="colour", metadata={"choices": classifier_names})  # perception's colour classifier

    def make_noise(self):
        from envs.tabletop.controller import Noise

        return Noise.none() if self.noise == "none" else Noise()


def config_of_record(record: dict) -> TabletopConfig:
    """The knobs an episode record ran with (its ``config.extra`` pairs; other keys belong to planners)."""
    from compose.errors import InvalidInputError
    from compose.knobs import build

    extra = (record.get("config") or {}).get("extra") or []
    try:
        pairs = [(k, v) for k, v in extra]
    except (TypeError, ValueError):
        raise InvalidInputError("episode record: config.extra must be a list of [key, value] pairs") from None
    return build(TabletopConfig, pairs, flag="episode record: config.extra")
