"""What every Socratic pipeline shares: prompt templates loaded by name and a trace of its intermediate language.

A pipeline is a plain object built from tools and templates. Each stage's text -- the prompt sent, the model's
answer, a transcript, a ranked vocabulary -- goes into ``pipeline.trace`` (and is printed when ``verbose=True``), so
users see exactly how the models were composed.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import resources

from compose.errors import UnknownNameError
from compose.tools.templating import PromptTemplate, TemplateError

__all__ = ["Pipeline", "TraceEntry", "load_template", "template_names", "PromptTemplate", "TemplateError"]


def template_names() -> list[str]:
    root = resources.files("compose").joinpath("prompts")
    return sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".txt"))


def load_template(name: str) -> PromptTemplate:
    """The template compose/prompts/NAME.txt; an unknown name lists the known ones."""
    try:
        text = resources.files("compose").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        raise UnknownNameError("prompt template", name, template_names()) from None
    return PromptTemplate(text, name)


def load_vocabulary(name: str) -> list[str]:
    """A word list shipped as compose/prompts/vocab_NAME.txt (one entry a line; '#' starts a comment)."""
    try:
        text = resources.files("compose").joinpath("prompts", f"vocab_{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        known = [n[6:] for n in template_names() if n.startswith("vocab_")]
        raise UnknownNameError("vocabulary", name, known) from None
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


@dataclass(frozen=True)
class TraceEntry:
    stage: str  # e.g. "prompt", "llm", "transcript", "mapped"
    text: str


class Pipeline:
    """Base class: a ``trace`` of the language passed between models, printed as it happens when verbose."""

    def __init__(self, verbose: bool = False, stream=None):
        self.verbose = verbose
        self.stream = stream
        self.trace: list[TraceEntry] = []

    def log(self, stage: str, text: str) -> None:
        self.trace.append(TraceEntry(stage, text))
        if self.verbose:
            out = self.stream or sys.stderr
            body = text if "\n" not in text else "\n    " + text.replace("\n", "\n    ")
            print(f"[{stage}] {body}", file=out, flush=True)

    def reset_trace(self) -> None:
        self.trace = []

    def trace_text(self) -> str:
        return "\n".join(f"[{e.stage}] {e.text}" for e in self.trace)
