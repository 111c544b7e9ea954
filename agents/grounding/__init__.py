"""Training data and evaluation of the grounding dual encoder on rendered navigation-graph worlds.

The model itself (``compose.grounding``) needs no world; rendering its training views (``data``), captions
(``captions``), training (``train``) and held-out evaluation (``evaluate``) read envs.navgraph, so they live here.
"""
