"""A tiny name -> factory registry, one per extension point (LLM backends, tools, worlds, planners...)."""
from __future__ import annotations

from typing import Callable, Generic, TypeVar

from compose.errors import InvalidInputError, UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, Callable[..., T]] = {}

    def register(self, name: str):
        def deco(factory):
            if name in self._items and self._items[name] is not factory:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self._items[name] = factory
            return factory

        return deco

    def get(self, name: str) -> Callable[..., T]:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, self._items) from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: str) -> bool:
        return name in self._items


def load_entry(entry: str):
    """Resolve a lazy ``"module:attr"`` reference (``attr`` may be dotted), importing the module only now.

    Registries of a lower layer name things of a higher layer this way (e.g. a world's episode runner in agents),
    so importing the lower layer never imports the higher one.
    """
    import importlib

    if not isinstance(entry, str) or entry.count(":") != 1 or not all(entry.split(":")):
        raise InvalidInputError(f"an entry point is 'module:attr', got {entry!r}")
    module_name, attr = entry.split(":")
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidInputError(f"entry point {entry!r}: cannot import {module_name} ({exc})") from None
    try:
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        raise InvalidInputError(f"entry point {entry!r}: {module_name} has no attribute {attr!r}") from None
    return obj
