"""Tools <-> LangChain tools.

``to_langchain(tool)`` gives a ``StructuredTool`` whose args schema is built from the tool's input dataclass and
whose result is the tool's output as JSON data; ``from_langchain(lc_tool)`` wraps any LangChain ``BaseTool`` as a
Tool (inputs from its args schema). A tool converted to LangChain and back is the same object.
"""
from __future__ import annotations

import dataclasses
import typing
from typing import Any

from compose.errors import InvalidInputError, SocraticError
from compose.tools.base import Tool, input_fields

_META_KEY = "socratic_tool"


def input_schema(tool: Tool):
    """A pydantic model mirroring the tool's input dataclass (names, types, defaults)."""
    import pydantic

    fields: dict[str, Any] = {}
    hints = input_fields(tool.input_type)
    if dataclasses.is_dataclass(tool.input_type):
        for f in dataclasses.fields(tool.input_type):
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                default = f.default_factory()  # type: ignore[misc]
            else:
                default = ...
            fields[f.name] = (hints.get(f.name, Any), default)
    model_name = "".join(p.capitalize() for p in tool.name.replace("-", "_").split("_")) + "Input"
    return pydantic.create_model(model_name, **fields)


def to_langchain(tool: Tool):
    """A LangChain StructuredTool that calls ``tool`` and returns ``tool.to_json(output)``."""
    from langchain_core.tools import StructuredTool

    def _run(**kwargs):
        return tool.to_json(tool(**kwargs))

    description = tool.description + (f" Returns: {tool.output_doc}." if tool.output_doc else "")
    return StructuredTool.from_function(func=_run, name=tool.name, description=description,
                                        args_schema=input_schema(tool), metadata={_META_KEY: tool})


class LangChainTool(Tool):
    """A LangChain tool seen through the Tool interface (output: whatever the LangChain tool returns)."""

    output_doc = "whatever the wrapped LangChain tool returns"

    def __init__(self, lc_tool):
        super().__init__()
        self.lc_tool = lc_tool
        self.name = lc_tool.name  # type: ignore[misc]
        self.description = lc_tool.description or ""  # type: ignore[misc]
        self.input_type = _dataclass_from_schema(lc_tool)  # type: ignore[misc]

    def run(self, inp) -> Any:
        import pydantic

        args = {f.name: getattr(inp, f.name) for f in dataclasses.fields(inp)}
        try:
            return self.lc_tool.invoke(args)
        except pydantic.ValidationError as exc:
            raise InvalidInputError(f"tool {self.name!r}: invalid arguments: {exc}") from None
        except SocraticError:
            raise
        except Exception as exc:
            from langchain_core.tools import ToolException

            if isinstance(exc, ToolException):
                raise InvalidInputError(f"tool {self.name!r} failed: {exc}") from None
            raise


def _dataclass_from_schema(lc_tool) -> type:
    schema = lc_tool.get_input_schema().model_json_schema()
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    spec = []
    for name in sorted(props, key=lambda n: n not in required):  # required fields first
        if name in required:
            spec.append((name, typing.Any))
        else:
            spec.append((name, typing.Any, dataclasses.field(default=props[name].get("default"))))
    cls_name = "".join(p.capitalize() for p in lc_tool.name.replace("-", "_").split("_")) + "Input"
    return dataclasses.make_dataclass(cls_name, spec, frozen=True)


def from_langchain(lc_tool) -> Tool:
    """Wrap a LangChain BaseTool as a Tool; a tool that came from ``to_langchain`` comes back as itself."""
    from langchain_core.tools import BaseTool

    if not isinstance(lc_tool, BaseTool):
        raise InvalidInputError(f"expected a langchain_core BaseTool, got {type(lc_tool).__name__}")
    original = (lc_tool.metadata or {}).get(_META_KEY)
    if isinstance(original, Tool):
        return original
    return LangChainTool(lc_tool)
