"""Typed knobs: ``--set KEY=VALUE`` settings read into frozen dataclasses.

A world declares its knobs as one frozen dataclass (``WorldSpec.config``, e.g. ``envs.tabletop.config``), a planner
strategy as its ``Options``. A field's type says how a value is read:

- ``str``, ``int``, ``float``, ``bool`` (true/false, yes/no, 1/0); ``Literal["a", "b"]``: one of the listed values;
- ``X | None``: also ``none``/``null``; ``object``: any JSON value (text that is not JSON stays text).

``field(metadata={"choices": ..., "min": ...})`` narrows a field further (``choices`` may be a callable returning
the allowed names, e.g. a registry's ``names``). Values may come as command-line text or already typed (Python
callers, JSON); either way the result has the field's type or the call raises ``InvalidInputError`` with one line
saying what was expected.
"""
from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from compose.errors import InvalidInputError

TRUE, FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")
NONE = ("none", "null")
_TYPE_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false", object: "a JSON value"}


@dataclass(frozen=True)
class Knob:
    """One field of a knob dataclass: its base type, whether None is allowed, and its narrowing."""

    name: str
    type: type  # str, int, float, bool or object
    optional: bool = False
    choices: Any = None  # tuple of allowed values, a callable returning them, or None
    minimum: float | None = None
    default: Any = None

    def allowed(self) -> tuple | None:
        return tuple(self.choices()) if callable(self.choices) else self.choices

    def describe(self) -> str:
        """What the knob accepts, e.g. ``one of scene, all`` or ``a whole number >= 0``."""
        allowed = self.allowed()
        what = f"one of {', '.join(map(str, allowed))}" if allowed else _TYPE_WORDS[self.type]
        if self.minimum is not None and self.type in (int, float):
            what += f" >= {self.minimum}"
        return what + (" (or none)" if self.optional else "")

    def convert(self, value: Any, flag: str = "--set") -> Any:
        """``value`` (text or typed) as this knob's type; InvalidInputError when it is not one."""
        out = self._typed(value)
        if out is _BAD:
            raise InvalidInputError(f"{flag} {self.name}={_shown(value)}: expected {self.describe()}")
        if out is None:
            return None
        allowed = self.allowed()
        if allowed and out not in allowed:
            raise InvalidInputError(f"{flag} {self.name}={_shown(value)}: expected {self.describe()}")
        if self.minimum is not None and self.type in (int, float) and out < self.minimum:
            raise InvalidInputError(f"{flag} {self.name}={_shown(value)}: expected {self.describe()}")
        return out

    def _typed(self, value: Any) -> Any:
        if value is None or (self.optional and isinstance(value, str) and value.strip().lower() in NONE):
            return None if self.optional else _BAD
        if self.type is object:
            return _json_or_text(value) if isinstance(value, str) else value
        if isinstance(value, str):
            return _from_text(self.type, value.strip())
        if self.type is bool:
            return value if isinstance(value, bool) else _BAD
        if self.type is int:
            return value if isinstance(value, int) and not isinstance(value, bool) else _BAD
        if self.type is float:
            return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else _BAD
        return _BAD  # a str field given a number or a list


class _Bad:
    pass


_BAD = _Bad()


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value) if _jsonable(value) else repr(value)


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _from_text(kind: type, text: str) -> Any:
    if kind is str:
        return text
    if kind is bool:
        low = text.lower()
        return True if low in TRUE else False if low in FALSE else _BAD
    try:
        return kind(text)
    except ValueError:
        return _BAD


def _base(hint: Any) -> tuple[type, bool, tuple | None]:
    """(base type, optional, Literal choices) of a resolved type hint."""
    optional = False
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        if len(args) != 1:
            raise TypeError(f"knob type {hint!r}: only X or X | None")
        hint, origin = args[0], typing.get_origin(args[0])
    if origin is typing.Literal:
        choices = typing.get_args(hint)
        kinds = {type(c) for c in choices}
        if len(kinds) != 1 or next(iter(kinds)) not in _TYPE_WORDS:
            raise TypeError(f"knob type {hint!r}: Literal values must share one of str, int, float, bool")
        return next(iter(kinds)), optional, choices
    if hint is typing.Any:
        hint = object
    if hint not in _TYPE_WORDS:
        raise TypeError(f"knob type {hint!r} is not one of str, int, float, bool, object, Literal[...]")
    return hint, optional, None


def knob_table(cls: type, constraints: Mapping[str, Mapping] | None = None) -> dict[str, Knob]:
    """The knobs of dataclass ``cls`` by name. ``constraints`` ({field: {"choices": ..., "min": ...}}) narrows fields
    for classes that cannot carry metadata themselves; a field's own metadata wins."""
    hints = typing.get_type_hints(cls, include_extras=False)
    table = {}
    for f in dataclasses.fields(cls):
        kind, optional, choices = _base(hints[f.name])
        extra = {**(constraints or {}).get(f.name, {}), **f.metadata}
        default = f.default if f.default is not dataclasses.MISSING else None
        table[f.name] = Knob(f.name, kind, optional, extra.get("choices", choices), extra.get("min"), default)
    return table


def build(cls: type, pairs: Iterable[tuple[str, Any]] = (), constraints: Mapping[str, Mapping] | None = None,
          flag: str = "--set"):
    """An instance of ``cls`` with the fields named in ``pairs`` converted (the last pair of a key wins); keys that are
    not fields of ``cls`` are left to the other classes that read the same settings."""
    table = knob_table(cls, constraints)
    values = {k: table[k].convert(v, flag) for k, v in pairs if k in table}
    return cls(**values)


def check(pairs: Iterable[tuple[str, Any]], classes: Sequence[tuple[type, Mapping | None]],
          flag: str = "--set", where: str = "") -> tuple[tuple[str, Any], ...]:
    """Every ``(key, value)`` converted; a key no class declares, or a value one of its classes refuses, raises
    InvalidInputError listing the valid keys. A key several classes declare must suit each; it gets the first one's
    type. Returns the pairs sorted by key, one per key (the last wins)."""
    tables = [knob_table(cls, constraints) for cls, constraints in classes]
    last = dict(pairs)
    out = {}
    for key in sorted(last):
        knobs = [t[key] for t in tables if key in t]
        if not knobs:
            raise InvalidInputError(f"{flag} {key}: unknown knob{where}; valid keys: {describe_keys(tables)}")
        out[key] = [k.convert(last[key], flag) for k in knobs][0]
    return tuple(out.items())


def describe_keys(tables: Sequence[Mapping[str, Knob]]) -> str:
    names: dict[str, str] = {}
    for table in tables:
        for name, knob in table.items():
            names.setdefault(name, knob.describe())
    return "; ".join(f"{n} ({names[n]})" for n in sorted(names)) or "(none)"


def split_assignments(items: Iterable[str], flag: str = "--set") -> list[tuple[str, str]]:
    """``["k=v", ...]`` -> ``[("k", "v"), ...]`` (text values); a missing ``=`` or key is an InvalidInputError."""
    out = []
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"{flag} must look like KEY=VALUE, got {item!r}")
        out.append((key.strip(), text))
    return out
