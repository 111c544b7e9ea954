"""Time LM-Nav's ordered landmark search on a 10,000-node graph with 5 landmarks (target: under 1 second).

    python benchmarks/lmnav_search.py [--side 100] [--landmarks 5] [--alpha 0.02] [--repeats 3] [--seed 0]

The graph is a jittered 100 x 100 street grid with some diagonal shortcuts (about 25,000 edges); scores are random
log-probabilities. Prints the graph size, conversion time and the best search time over the repeats.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_graph(side: int, seed: int):
    import networkx as nx
    import numpy as np

    rng = np.random.default_rng(seed)
    pos = {i: (i % side + rng.uniform(-0.3, 0.3), i // side + rng.uniform(-0.3, 0.3)) for i in range(side * side)}
    g = nx.Graph()
    g.add_nodes_from(range(side * side))
    for i in range(side * side):
        x, y = i % side, i // side
        nbrs = ([i + 1] if x + 1 < side else []) + ([i + side] if y + 1 < side else [])
        if x + 1 < side and y + 1 < side and rng.random() < 0.25:
            nbrs.append(i + side + 1)
        for j in nbrs:
            g.add_edge(i, j, length=5.0 * float(np.hypot(pos[i][0] - pos[j][0], pos[i][1] - pos[j][1])))
    return g


def main(argv=None) -> int:
    import numpy as np

    from envs.navgraph.search import CSRGraph, search

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--side", type=int, default=100)
    ap.add_argument("--landmarks", type=int, default=5)
    ap.add_argument("--alpha", type=float, default=0.02)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.side < 2 or args.landmarks < 1 or args.repeats < 1:
        print("error: --side >= 2, --landmarks >= 1 and --repeats >= 1 are required", file=sys.stderr)
        return 2
    g = make_graph(args.side, args.seed)
    t = time.perf_counter()
    csr = CSRGraph.from_networkx(g)
    t_csr = time.perf_counter() - t
    rng = np.random.default_rng(args.seed)
    z = rng.normal(size=(args.landmarks, csr.n)) * 3
    scores = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        res = search(csr, 0, scores, args.alpha)
        times.append(time.perf_counter() - t)
    print(f"graph: {csr.n} nodes, {len(csr.indices) // 2} edges; {args.landmarks} landmarks; alpha {args.alpha}")
    print(f"networkx -> CSR: {t_csr:.3f} s (once per graph)")
    print(f"search: best {min(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s over {args.repeats} runs "
          f"({'under' if min(times) < 1.0 else 'OVER'} 1 s); route {len(res.route)} nodes, {res.length:.0f} m")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
