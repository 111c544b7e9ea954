"""Socratic pipelines that join models to a world (the generic base lives in compose.pipelines).

- ``speech.SpeechToPlan`` / ``speech.transcribe_instruction``: Whisper -> instruction -> SayCan plan
- ``scene_plan.SceneToPlan``: simulator perception -> ``objects = [...]`` -> LLM steps -> nearest skills
- ``episode_qa.EpisodeQA``: recorded episode -> event log -> summary and answers by likelihood scoring
"""
