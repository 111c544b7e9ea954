"""compose: what talks to models -- LLM backends and exact scoring, model resolution, tools, pipelines."""
