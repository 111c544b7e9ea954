"""The tabletop world: SayCan's and Socratic Models' pick-and-place table (blocks, bowls, regions) in PyBullet,
with perception from the camera, a physical pick-and-place controller and automatic goal checks.

Importing this package starts no simulator: ``envs.tabletop.goals`` (task-file semantics) is pure Python; the
simulator lives in ``envs.tabletop.world`` and the Gymnasium env in ``envs.tabletop.env``.
"""
