"""Offline grounding: a LiT-style dual encoder (locked MiniLM text tower, small trained CNN image tower).

Importing this package registers the dual-encoder backends "lit-minilm" (trained weights from data/grounding) and
"lit-random" (same architecture, random weights) in compose.tools.dual_encoder.DUAL_ENCODERS. Torch loads lazily.
"""
from compose.grounding.encoder import LitMiniLM, lit_random

__all__ = ["LitMiniLM", "lit_random"]
