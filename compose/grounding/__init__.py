"""Offline grounding: a LiT-style dual encoder (locked MiniLM text tower, small trained CNN image tower).

Importing this package registers the dual-encoder backends "lit-minilm" (trained weights from data/grounding) and
"lit-random" (same architecture, random weights) and "lit-efficientnet" (locked ImageNet EfficientNet-Lite0 +
trained head, data/grounding_lit) in compose.tools.dual_encoder.DUAL_ENCODERS. Torch loads lazily.
"""
from compose.grounding.encoder import LitMiniLM, lit_random
from compose.grounding.lit import LitEfficientNet

__all__ = ["LitEfficientNet", "LitMiniLM", "lit_random"]
