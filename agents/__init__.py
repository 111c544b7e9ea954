"""agents: planners and command lines (python -m agents.saycan | socratic | lmnav | replay | benchmark)."""
