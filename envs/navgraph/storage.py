"""On-disk format of a navigation graph: what LM-Nav keeps -- positions, images per node, the graph.

``data/navgraph/<name>.json`` holds nodes (id, 2-D position), edges (u, v, length), camera, headings, landmark ground
truth (kind, position, anchor node) and which landmarks each view shows; ``<name>.npz`` holds every view as PNG bytes
(``png``: one uint8 buffer, ``offsets``: where each image starts, row-major over (node, view)).
"""
from __future__ import annotations

import functools
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np

from compose.errors import InvalidInputError, UnknownNameError
from compose.paths import data_path

FORMAT = "socratic-navgraph/1"
DATA_DIR = Path(os.environ.get("SOCRATIC_NAVGRAPH_DIR", data_path("navgraph")))


@dataclass
class NavGraph:
    """A loaded graph world. ``views(node)`` decodes that node's images on demand (V, H, W, 3) uint8."""

    name: str
    graph: nx.Graph  # nodes carry pos=(x, y); edges carry length
    meta: dict  # the JSON document (camera, headings, landmarks, visible, seed...)
    png: np.ndarray = field(repr=False)
    offsets: np.ndarray = field(repr=False)
    source: str = ""  # the .npz file the images came from (named in error messages)

    @property
    def nodes(self) -> list[int]:
        return sorted(self.graph.nodes)

    @property
    def n_views(self) -> int:
        return len(self.meta["headings"])

    @property
    def image_size(self) -> int:
        return int(self.meta["camera"]["size"])

    @property
    def landmarks(self) -> list[dict]:
        return self.meta["landmarks"]

    def pos(self, node: int) -> np.ndarray:
        return np.asarray(self.graph.nodes[node]["pos"], dtype=float)

    def neighbours(self, node: int) -> list[int]:
        return sorted(self.graph.neighbors(node))

    def image(self, node: int, view: int) -> np.ndarray:
        from PIL import Image

        k = node * self.n_views + view
        data = self.png[self.offsets[k]: self.offsets[k + 1]].tobytes()
        try:
            return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.uint8)
        except (OSError, ValueError, SyntaxError) as exc:  # PIL: UnidentifiedImageError, truncated data...
            raise InvalidInputError(f"{self.source or self.name}: image of node {node}, view {view} is not a valid "
                                    f"PNG ({type(exc).__name__}: {exc}); regenerate the graph with "
                                    f"python scripts/build_navgraphs.py") from None

    def views(self, node: int) -> np.ndarray:
        if node not in self.graph:
            raise InvalidInputError(f"graph {self.name!r} has no node {node!r} (nodes are 0..{len(self.graph) - 1})")
        return np.stack([self.image(node, v) for v in range(self.n_views)])

    def all_images(self) -> list[np.ndarray]:
        """Every view, row-major over (node, view)."""
        return [self.image(n, v) for n in self.nodes for v in range(self.n_views)]


def encode_png(image: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def save_graph(directory: Path, name: str, graph: nx.Graph, meta: dict, images: list[list[np.ndarray]]) -> None:
    """Write ``<name>.json`` and ``<name>.npz``; ``images[node][view]`` are HxWx3 uint8 arrays."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    nodes = sorted(graph.nodes)
    if nodes != list(range(len(nodes))):
        raise ValueError("graph nodes must be 0..N-1")
    doc = dict(meta, format=FORMAT, name=name,
               nodes=[{"id": n, "pos": [round(float(c), 4) for c in graph.nodes[n]["pos"]]} for n in nodes],
               edges=[[int(u), int(v), round(float(d["length"]), 4)] for u, v, d in sorted(graph.edges(data=True))])
    blobs = [encode_png(im) for row in images for im in row]
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    np.savez(directory / f"{name}.npz", png=np.frombuffer(b"".join(blobs), dtype=np.uint8), offsets=offsets)
    (directory / f"{name}.json").write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n")


def list_graphs(directory: Path | None = None) -> list[str]:
    directory = Path(directory or DATA_DIR)
    return sorted(p.stem for p in directory.glob("*.json") if (directory / f"{p.stem}.npz").exists())


def read_meta(name: str, directory: Path | None = None) -> dict:
    """The JSON part only (cheap: no images); unknown names list the shipped graphs."""
    return _read_meta(name, str(directory or DATA_DIR))


@functools.lru_cache(maxsize=16)
def _read_meta(name: str, directory: str) -> dict:
    path = Path(directory) / f"{name}.json"
    if not isinstance(name, str) or not path.exists():
        raise UnknownNameError("navigation graph", str(name), list_graphs(Path(directory)))
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path}: corrupt graph file ({exc})") from None
    if doc.get("format") != FORMAT:
        raise InvalidInputError(f"{path}: unknown graph format {doc.get('format')!r} (expected {FORMAT!r})")
    return doc


def graph_from_meta(doc: dict) -> nx.Graph:
    g = nx.Graph()
    for nd in doc["nodes"]:
        g.add_node(int(nd["id"]), pos=tuple(nd["pos"]))
    for u, v, length in doc["edges"]:
        g.add_edge(int(u), int(v), length=float(length))
    return g


REGENERATE = "regenerate it with python scripts/build_navgraphs.py"


@functools.lru_cache(maxsize=8)
def _load(name: str, directory: str) -> NavGraph:
    import zipfile

    doc = _read_meta(name, directory)
    path = Path(directory) / f"{name}.npz"
    if not path.exists():
        raise InvalidInputError(f"{path}: missing (the images of graph {name!r}); {REGENERATE}")
    try:
        with np.load(path, allow_pickle=False) as z:
            png, offsets = np.asarray(z["png"]), np.asarray(z["offsets"])
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise InvalidInputError(f"{path}: corrupt or truncated graph images file ({type(exc).__name__}: {exc}); "
                                f"{REGENERATE}") from None
    try:
        g = graph_from_meta(doc)
        n_views = len(doc["headings"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError(f"{Path(directory) / f'{name}.json'}: corrupt graph file (bad or missing field: "
                                f"{exc})") from None
    if png.dtype != np.uint8 or png.ndim != 1 or offsets.ndim != 1 or len(offsets) != len(g) * n_views + 1:
        raise InvalidInputError(f"{path} does not match {name}.json (wrong number or type of images); {REGENERATE}")
    if offsets[0] != 0 or offsets[-1] != len(png) or (np.diff(offsets) <= 0).any():
        raise InvalidInputError(f"{path}: image offsets are inconsistent (truncated or edited file); {REGENERATE}")
    return NavGraph(name, g, doc, png, offsets, str(path))


def load_graph(name: str, directory: Path | None = None) -> NavGraph:
    """Load a shipped graph by name (cached per process)."""
    return _load(name, str(directory or DATA_DIR))
