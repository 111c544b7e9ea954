"""Socratic pipelines: plain objects composing tools through language (prompts in compose/prompts/*.txt).

- ``caption.SocraticCaptioner``: dual encoder vocabulary ranking -> LLM captions -> dual-encoder re-ranking

Pipelines that join models to a world (speech -> plan, scene -> plan, episode QA) live in ``agents.pipelines``.

Each pipeline keeps a ``trace`` of its intermediate language (``verbose=True`` prints it as it happens).
"""
from compose.pipelines.base import Pipeline, TraceEntry, load_template, load_vocabulary, template_names

__all__ = ["Pipeline", "TraceEntry", "load_template", "load_vocabulary", "template_names"]
