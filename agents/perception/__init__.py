"""Perception by learned models, joined to the simulated worlds (agents layer: renders worlds, runs models).

- ``kitchen_data``: object crops rendered from the kitchen robot's camera (segmentation + depth give the region
  proposals and the ground-truth names), with held-out layouts and camera poses;
- ``learned``: EfficientNet-Lite0 features of a crop + a small trained head -> (object name, confidence); plugs into
  the kitchen's perception as its namer (``--perception learned``);
- ``captions``: what a frame shows, in one sentence, from the world's perception (segmentation or learned).
"""
