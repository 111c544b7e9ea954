"""The one shape every specialist tool has, and the registry that finds tools by name.

A tool is a small object with

- ``name`` and ``description``: what an LLM agent (or a person) reads to decide when to call it;
- ``input_type``: a frozen dataclass whose fields are the typed inputs (validated in ``__post_init__``);
- ``output_doc``: the documented output type (``run`` returns it; ``to_json`` turns it into JSON data);
- lazy loading: ``load()`` runs once, on the first call, so building a tool is free;
- ``__call__(...)`` for one input and ``batch([...])`` for many (tools whose model batches override ``run_batch``).

``get_tool(name, **kwargs)`` builds a registered tool; an unknown name raises UnknownNameError listing the known ones.
Every tool converts to a LangChain tool and back (``compose.tools.langchain_bridge``).
"""
from __future__ import annotations

import dataclasses
import importlib
import threading
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Sequence

import numpy as np

from compose.errors import InvalidInputError
from compose.registry import Registry

TOOLS: Registry["Tool"] = Registry("tool")

# modules that register the built-in tools; imported on the first lookup (they import no heavy library at import time)
BUILTIN_TOOL_MODULES = (
    "compose.tools.asr",
    "compose.tools.llm_tool",
    "compose.tools.embedder",
    "compose.tools.dual_encoder",
    "compose.tools.captioner",
)
# tools that need a world (e.g. simulator perception) live in agents.tools and register when that package is imported


class Tool(ABC):
    """Base class of every tool. Subclasses set the class attributes and implement ``run``."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    input_type: ClassVar[type] = type(None)
    output_doc: ClassVar[str] = ""

    def __init__(self) -> None:
        self._loaded = False
        self._load_lock = threading.Lock()

    # -- loading ---------------------------------------------------------------------------------------------
    def load(self) -> None:
        """Load weights / start the simulator. Called once, before the first ``run``; override when needed."""

    def ensure_loaded(self) -> "Tool":
        if not self._loaded:
            with self._load_lock:
                if not self._loaded:
                    self.load()
                    self._loaded = True
        return self

    @property
    def loaded(self) -> bool:
        return self._loaded

    # -- calling ---------------------------------------------------------------------------------------------
    @abstractmethod
    def run(self, inp) -> Any:
        """Compute the output for one validated input (an ``input_type`` instance)."""

    def run_batch(self, inputs: list) -> list:
        """Outputs for many inputs; tools whose model batches override this."""
        return [self.run(i) for i in inputs]

    def make_input(self, *args, **kwargs):
        """Build (and so validate) an ``input_type`` from call arguments, a dict, or an instance."""
        if len(args) == 1 and not kwargs:
            if isinstance(args[0], self.input_type):
                return args[0]
            if isinstance(args[0], dict) and not _accepts_dict(self.input_type):
                return self.make_input(**args[0])
        try:
            return self.input_type(*args, **kwargs)
        except TypeError as exc:
            fields = ", ".join(input_fields(self.input_type))
            raise InvalidInputError(f"tool {self.name!r}: bad arguments ({exc}); its inputs are: {fields}") from None

    def __call__(self, *args, **kwargs):
        inp = self.make_input(*args, **kwargs)
        self.ensure_loaded()
        return self.run(inp)

    def batch(self, inputs: Sequence) -> list:
        """Run many inputs (instances of ``input_type`` or dicts of its fields) in as few model calls as possible."""
        items = [self.make_input(i) for i in inputs]
        if not items:
            return []
        self.ensure_loaded()
        return self.run_batch(items)

    # -- serialisation -----------------------------------------------------------------------------------------
    def to_json(self, output) -> Any:
        """The output as JSON data (what a LangChain agent sees)."""
        return to_jsonable(output)

    def __repr__(self) -> str:
        return f"<tool {self.name}: {type(self).__name__}>"


def _accepts_dict(input_type: type) -> bool:
    fields = input_fields(input_type)
    return len(fields) == 1 and "dict" in str(next(iter(fields.values())))


def input_fields(input_type: type) -> dict[str, Any]:
    """Field name -> annotation for a dataclass (or pydantic model) input type."""
    if dataclasses.is_dataclass(input_type):
        import typing

        hints = typing.get_type_hints(input_type)
        return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(input_type)}
    if hasattr(input_type, "model_fields"):
        return {k: v.annotation for k, v in input_type.model_fields.items()}
    return {}


def to_jsonable(obj) -> Any:
    """Dataclasses, numpy arrays/scalars, tuples and pydantic models -> plain JSON data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if hasattr(obj, "model_dump"):
        return to_jsonable(obj.model_dump())
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    return obj


def register_tool(cls):
    """Class decorator: register a Tool subclass under its ``name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    return TOOLS.register(cls.name)(cls)


_builtins_loaded = False


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        for module in BUILTIN_TOOL_MODULES:
            importlib.import_module(module)
        _builtins_loaded = True


def get_tool(name: str, **kwargs) -> Tool:
    """Build the tool registered as ``name`` (keyword arguments go to its constructor). Loads nothing yet."""
    _load_builtins()
    return TOOLS.get(name)(**kwargs)


def tool_names() -> list[str]:
    _load_builtins()
    return TOOLS.names()


def check_texts(texts, what: str = "texts", allow_empty_list: bool = False) -> list[str]:
    """A list of non-empty strings (a single string is NOT accepted: wrap it in a list)."""
    if isinstance(texts, str) or not isinstance(texts, (list, tuple)):
        raise InvalidInputError(f"{what} must be a list of strings, got {type(texts).__name__}")
    texts = list(texts)
    if not texts and not allow_empty_list:
        raise InvalidInputError(f"{what} is empty")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InvalidInputError(f"{what}[{i}] must be a string, got {type(t).__name__}")
        if not t.strip():
            raise InvalidInputError(f"{what}[{i}] is empty or whitespace")
    return texts
