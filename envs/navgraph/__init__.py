"""LM-Nav's navigation-graph worlds: PyBullet-rendered places joined by traversable links.

Shipped graphs live in data/navgraph (``list_graphs()``, ``load_graph(name)``); ``NavGraphEnv`` (gym id
"socratic/NavGraph-v0") moves between neighbours; ``goals`` implements the task contract of docs/tasks.md;
``search`` is the ordered landmark search; ``build`` / scripts/build_navgraphs.py regenerate the data.
Nothing heavy is imported here: PyBullet loads only when a scene is built.
"""
from envs.navgraph.storage import list_graphs, load_graph

__all__ = ["list_graphs", "load_graph"]
