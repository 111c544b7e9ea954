"""Filling text templates with a check that names every missing (or unexpected) variable.

Two syntaxes, each where it fits:
- label templates for dual encoders use ``str.format`` fields: ``"a photo of a {label}."`` (``{}`` also works);
- prompt templates (compose/prompts/*.txt) use ``string.Template``: ``$instruction`` / ``${objects}``, so prompts
  may contain braces and brackets freely (``$$`` is a literal dollar sign).
"""
from __future__ import annotations

import string

from compose.errors import InvalidInputError


class TemplateError(InvalidInputError):
    """A template variable is missing or unexpected, or the template text is malformed."""


def format_label(template: str, label: str) -> str:
    """``template`` with its one field (``{label}`` or ``{}``) set to ``label``."""
    if not isinstance(template, str):
        raise TemplateError(f"template must be a string, got {type(template).__name__}")
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise TemplateError(f"malformed template {template!r}: {exc}") from None
    others = sorted({f for f in fields if f not in ("", "label")})
    if others:
        raise TemplateError(f"template {template!r} uses variable(s) {', '.join(others)} that are never set; "
                            "use {label} (or {}) for the label")
    if not fields:
        raise TemplateError(f"template {template!r} has no {{label}} field: every label would get the same text")
    return template.format(label, label=label) if "" in fields else template.format(label=label)


class PromptTemplate:
    """A ``string.Template`` prompt that refuses to render with missing or unexpected variables."""

    def __init__(self, text: str, name: str = "<inline>"):
        self.text, self.name = text, name
        self._template = string.Template(text)
        if not self._template.is_valid():
            raise TemplateError(f"prompt template {name!r} has a malformed $placeholder (write $$ for a dollar sign)")
        self.variables = tuple(dict.fromkeys(self._template.get_identifiers()))

    def render(self, **values) -> str:
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise TemplateError(f"prompt template {self.name!r}: variable(s) {', '.join(missing)} not set "
                                f"(it needs: {', '.join(self.variables)})")
        extra = sorted(set(values) - set(self.variables))
        if extra:
            raise TemplateError(f"prompt template {self.name!r} has no variable(s) {', '.join(extra)} "
                                f"(it uses: {', '.join(self.variables) or 'none'})")
        return self._template.substitute({k: str(v) for k, v in values.items()})

    def __repr__(self) -> str:
        return f"PromptTemplate({self.name!r}, variables={self.variables})"
