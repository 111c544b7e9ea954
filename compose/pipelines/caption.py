"""Image captioning, Socratic Models' recipe: the dual encoder describes, the LLM writes, the dual encoder judges.

1. The dual encoder ranks an image-type vocabulary, a place vocabulary and an object vocabulary (small word lists
   shipped as compose/prompts/vocab_*.txt) by zero-shot classification with prompt-template ensembling.
2. The top entries fill the prompt compose/prompts/socratic_caption.txt; the LLM writes several candidate captions
   (seeded sampling: candidate i uses seed + i, so the same seed gives the same captions).
3. The dual encoder re-ranks the candidates by image-text similarity; the best one is the caption.

With real CLIP weights (``make_dual_encoder("clip", path=...)``) this is the paper's pipeline; with the offline
LiT model (``lit-minilm``) it runs on the project's rendered worlds; with a random tiny checkpoint only the mechanics
are meaningful.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from compose.errors import InvalidInputError
from compose.pipelines.base import Pipeline, load_template, load_vocabulary
from compose.tools.dual_encoder import DualEncoder
from compose.tools.images import check_image

PLACE_TEMPLATES = ("a photo of a {label}.", "a picture taken in a {label}.", "the view of a {label}.")
OBJECT_TEMPLATES = ("a photo of a {label}.", "a picture of a {label}.", "there is a {label} here.")
TYPE_TEMPLATES = ("this is a {label}.", "a {label} of something.")


@dataclass
class CaptionResult:
    image_type: str
    places: list[tuple[str, float]]
    objects: list[tuple[str, float]]
    prompt: str
    candidates: list[str]
    ranked: list[tuple[str, float]] = field(default_factory=list)  # (caption, similarity), best first

    @property
    def caption(self) -> str:
        return self.ranked[0][0] if self.ranked else ""


def _top(probs: np.ndarray, labels: Sequence[str], k: int) -> list[tuple[str, float]]:
    order = np.argsort(-probs, kind="stable")[:k]
    return [(labels[i], float(probs[i])) for i in order]


class SocraticCaptioner(Pipeline):
    def __init__(self, encoder: DualEncoder, llm, image_types: Sequence[str] | None = None,
                 places: Sequence[str] | None = None, objects: Sequence[str] | None = None, n_places: int = 3,
                 n_objects: int = 5, n_captions: int = 5, temperature: float = 0.9, max_tokens: int = 30,
                 seed: int = 0, template: str = "socratic_caption", verbose: bool = False, stream=None):
        super().__init__(verbose, stream)
        if n_captions < 1 or n_places < 1 or n_objects < 1:
            raise InvalidInputError("n_captions, n_places and n_objects must be >= 1")
        self.encoder, self.llm = encoder, llm
        self.image_types = list(image_types or load_vocabulary("image_types"))
        self.places = list(places or load_vocabulary("places"))
        self.objects = list(objects or load_vocabulary("objects"))
        self.n_places, self.n_objects, self.n_captions = n_places, n_objects, n_captions
        self.temperature, self.max_tokens, self.seed = temperature, max_tokens, seed
        self.template = load_template(template)

    def describe(self, image: np.ndarray) -> tuple[str, list[tuple[str, float]], list[tuple[str, float]]]:
        """(image type, top places, top objects) by zero-shot ranking of the vocabularies."""
        image = check_image(image)
        kind = _top(self.encoder.zero_shot(image, self.image_types, TYPE_TEMPLATES), self.image_types, 1)[0][0]
        places = _top(self.encoder.zero_shot(image, self.places, PLACE_TEMPLATES), self.places, self.n_places)
        objects = _top(self.encoder.zero_shot(image, self.objects, OBJECT_TEMPLATES), self.objects, self.n_objects)
        self.log("image type", kind)
        self.log("places", ", ".join(f"{p} ({s:.2f})" for p, s in places))
        self.log("objects", ", ".join(f"{o} ({s:.2f})" for o, s in objects))
        return kind, places, objects

    def __call__(self, image: np.ndarray) -> CaptionResult:
        kind, places, objects = self.describe(image)
        prompt = self.template.render(image_type=kind, place=" or ".join(p for p, _ in places),
                                      objects=", ".join(o for o, _ in objects)).rstrip()
        self.log("prompt", prompt)
        candidates: list[str] = []
        for i in range(self.n_captions):
            text = self.llm.generate([prompt], max_tokens=self.max_tokens, stop=["\n"],
                                     temperature=self.temperature, seed=self.seed + i)[0]
            text = " ".join(text.split()).strip(" \"'")
            if text and text not in candidates:
                candidates.append(text)
        if not candidates:
            raise InvalidInputError("the language model wrote no caption (all candidates were empty)")
        for c in candidates:
            self.log("candidate", c)
        ranked = [(candidates[i], s) for i, s in self.encoder.rank_texts(image, candidates)]
        self.log("caption", f"{ranked[0][0]} (similarity {ranked[0][1]:.3f})")
        return CaptionResult(kind, places, objects, prompt, candidates, ranked)
