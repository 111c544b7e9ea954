"""envs: simulated worlds (PyBullet kitchen and tabletop, navigation graphs), task files and goal predicates.

Every world is described once in the world registry (``envs.worlds``); its Gymnasium id is registered here with a
lazy entry point, so importing ``envs`` never starts a simulator.
"""
import gymnasium

from envs.worlds import WORLDS

for _name in WORLDS.names():
    _spec = WORLDS.get(_name)
    if _spec.env_id not in gymnasium.registry:
        gymnasium.register(id=_spec.env_id, entry_point=_spec.env_entry)
