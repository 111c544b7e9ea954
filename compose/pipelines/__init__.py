"""Socratic pipelines: plain objects composing tools through language (prompts in compose/prompts/*.txt).

- ``speech.SpeechToPlan`` / ``speech.transcribe_instruction``: Whisper -> instruction -> SayCan plan
- ``scene_plan.SceneToPlan``: simulator perception -> ``objects = [...]`` -> LLM steps -> nearest skills
- ``caption.SocraticCaptioner``: dual encoder vocabulary ranking -> LLM captions -> dual-encoder re-ranking
- ``episode_qa.EpisodeQA``: recorded episode -> event log -> summary and answers by likelihood scoring

Each pipeline keeps a ``trace`` of its intermediate language (``verbose=True`` prints it as it happens).
"""
from compose.pipelines.base import Pipeline, TraceEntry, load_template, load_vocabulary, template_names

__all__ = ["Pipeline", "TraceEntry", "load_template", "load_vocabulary", "template_names"]
