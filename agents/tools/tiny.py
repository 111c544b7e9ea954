"""Tiny randomly initialised vision-language checkpoints, written in the standard save_pretrained layout.

No CLIP or captioning weights ship offline, so tests and offline demos build these to exercise the real loading and
inference code (shapes, normalisation, batching, ranking mechanics) -- their outputs carry no meaning.
"""
from __future__ import annotations

import os
from pathlib import Path

from envs.kitchen.vocab import LOCATIONS, OBJECTS

_WORDS = sorted({w for t in OBJECTS + LOCATIONS for w in t.split()} | set(
    "a an the of in on at with photo picture image showing and is robot kitchen counter table red green blue yellow "
    "white black there this some two one".split()))


def _tokenizer(max_length: int):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<unk>", "<bos>", "<eos>"]
    vocab = {t: i for i, t in enumerate(specials + _WORDS)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="<bos> $A <eos>", special_tokens=[("<bos>", vocab["<bos>"]), ("<eos>", vocab["<eos>"])])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
                                   unk_token="<unk>", model_max_length=max_length)


def _write_preprocessor(out: Path, size: int) -> None:
    import json

    (out / "preprocessor_config.json").write_text(json.dumps(
        {"crop_size": {"height": size, "width": size}, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}))


def make_tiny_clip(directory: str | os.PathLike, seed: int = 0, image_size: int = 32, dim: int = 16) -> Path:
    """A random CLIPModel (2 layers per tower, ``dim`` hidden) + tokenizer saved to ``directory``."""
    import torch
    from transformers import CLIPConfig, CLIPModel

    tok = _tokenizer(max_length=24)
    torch.manual_seed(seed)
    config = CLIPConfig(
        text_config=dict(vocab_size=len(tok), hidden_size=dim, intermediate_size=2 * dim, num_hidden_layers=2,
                         num_attention_heads=2, max_position_embeddings=24, bos_token_id=tok.bos_token_id,
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id),
        vision_config=dict(hidden_size=dim, intermediate_size=2 * dim, num_hidden_layers=2, num_attention_heads=2,
                           image_size=image_size, patch_size=8),
        projection_dim=dim)
    model = CLIPModel(config).eval()
    out = Path(directory)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    _write_preprocessor(out, image_size)
    return out


def make_tiny_captioner(directory: str | os.PathLike, seed: int = 0, image_size: int = 32, dim: int = 16) -> Path:
    """A random VisionEncoderDecoderModel (ViT encoder + GPT-2 decoder) + tokenizer saved to ``directory``."""
    import torch
    from transformers import GPT2Config, ViTConfig, VisionEncoderDecoderConfig, VisionEncoderDecoderModel

    tok = _tokenizer(max_length=32)
    torch.manual_seed(seed)
    enc = ViTConfig(hidden_size=dim, intermediate_size=2 * dim, num_hidden_layers=2, num_attention_heads=2,
                    image_size=image_size, patch_size=8, initializer_range=1.0)
    dec = GPT2Config(vocab_size=len(tok), n_embd=dim, n_layer=2, n_head=2, n_positions=32,
                     bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                     add_cross_attention=True, is_decoder=True, initializer_range=1.0)
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
    config.decoder_start_token_id = tok.bos_token_id
    config.pad_token_id = tok.pad_token_id
    config.eos_token_id = tok.eos_token_id
    model = VisionEncoderDecoderModel(config=config).eval()
    model.generation_config.decoder_start_token_id = tok.bos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    out = Path(directory)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    _write_preprocessor(out, image_size)
    return out
