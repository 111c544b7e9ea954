"""Socratic image captioning, offline: a dual encoder ranks image types, places and objects, SmolLM2 writes
candidate captions from them, and the dual encoder picks the caption that fits the image best.

By default the image is a rendered view of the shipped "campus" navigation world that shows a landmark, and the
dual encoder is the offline LiT model trained on such renders (lit-minilm). With real CLIP weights:

    python examples/socratic_caption.py --image photo.jpg --clip-model /path/to/clip-vit-base-patch32
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from agents.cli import run_main  # noqa: E402


def landmark_view(graph_name: str = "campus"):
    """(image, landmark kind) of the view that shows a landmark largest."""
    from envs.navgraph.storage import load_graph

    g = load_graph(graph_name)
    best = max(((pixels, node, view, lm) for node, views in enumerate(g.meta["visible"])
                for view, seen in enumerate(views) for lm, pixels in seen))
    _, node, view, lm = best
    return g.image(node, view), g.landmarks[lm]["kind"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", help="image file (default: a rendered view of the campus world)")
    ap.add_argument("--clip-model", help="local CLIP directory (transformers layout); default: the lit-minilm model")
    ap.add_argument("--n-captions", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from agents.runtime import get_llm
    from compose.llm import LLMConfig
    from compose.pipelines.caption import SocraticCaptioner
    from compose.tools.dual_encoder import make_dual_encoder
    from compose.tools.images import load_image

    if args.image:
        image, truth = load_image(args.image), None
    else:
        image, truth = landmark_view()
        print(f"image: a {image.shape[1]}x{image.shape[0]} render of the campus world showing a {truth}")
    encoder = make_dual_encoder("clip", path=args.clip_model) if args.clip_model else make_dual_encoder("lit-minilm")
    cap = SocraticCaptioner(encoder, get_llm(LLMConfig()), n_captions=args.n_captions, seed=args.seed,
                            verbose=True, stream=sys.stdout)
    res = cap(image)
    print(f"objects: {', '.join(o for o, _ in res.objects)}")
    for text, sim in res.ranked:
        print(f"  {sim:+.3f}  {text}")
    print(f"caption: {res.caption}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
