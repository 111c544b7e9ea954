"""Tools that need a world: simulator perception (registered as "simulator_perception" on import), tiny test
checkpoints whose vocabulary is the kitchen's."""
from agents.tools import sim_perception  # noqa: F401  (registers the tool)
