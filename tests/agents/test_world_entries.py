"""Every agents-side entry a WorldSpec names (runner, outcome printer, replay pages, config) resolves."""
import dataclasses
import importlib

from agents.config import episode_runner
from agents.saycan import WORLD_CHOICES
from compose.registry import load_entry
from envs.worlds import WORLDS


def test_world_entries_resolve():
    for name in WORLDS.names():
        spec = WORLDS.get(name)
        assert episode_runner(name) is spec.runner() and callable(spec.runner())
        config = spec.config_class()  # the world's knobs: a frozen dataclass whose defaults build it
        assert dataclasses.is_dataclass(config) and config.__dataclass_params__.frozen and config() == config()
        if spec.outcome_printer:
            assert callable(load_entry(spec.outcome_printer))
        if spec.replay_extras:
            module = importlib.import_module(spec.replay_extras)
            assert callable(module.html_parts) and callable(module.fallback_frames)
    assert WORLD_CHOICES == ["kitchen", "tabletop"]
