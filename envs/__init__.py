"""envs: simulated worlds (PyBullet kitchen and tabletop, navigation graphs), task files and goal predicates.

Gymnasium ids are registered here with lazy entry points, so importing ``envs`` never starts a simulator.
"""
import gymnasium

_ENVS = {
    "socratic/Kitchen-v0": "envs.kitchen.env:KitchenEnv",
    "socratic/Tabletop-v0": "envs.tabletop.env:TabletopEnv",
    "socratic/NavGraph-v0": "envs.navgraph.env:NavGraphEnv",
}
for _id, _entry in _ENVS.items():
    if _id not in gymnasium.registry:
        gymnasium.register(id=_id, entry_point=_entry)
