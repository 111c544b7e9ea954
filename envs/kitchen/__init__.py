"""SayCan's office kitchen as a physical PyBullet world.

- ``layout``: geometry (locations, parking poses, object shapes and colours)
- ``scene``: furniture and objects; ``robot``: mobile base + Panda arm; ``manipulation``: pick / place / drawer
- ``world``: ``KitchenWorld`` (reset from a task init, ``kitchen_state()`` from physics, driving, cameras)
- ``perception``: the mast camera's segmentation + depth -> objects seen, with a memory
- ``env``: the Gymnasium env ``socratic/Kitchen-v0`` (``KitchenEnv``; actions run a skill library's controllers)
- ``vocab``: objects, classes and places; ``language``: the skill sentences (``kitchen_skill_texts``, ``parse_skill``)
- ``state``: ``KitchenState`` and the symbolic effect of each skill; ``goals``: the task contract (docs/tasks.md)
- ``replay``: re-run a record; ``spec``: the kitchen's ``WorldSpec`` in the world registry (``envs.worlds``)
"""
