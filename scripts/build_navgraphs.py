"""Regenerate the shipped navigation graphs (images rendered with PyBullet TinyRenderer) and their task files.

    python scripts/build_navgraphs.py                 # everything into data/navgraph
    python scripts/build_navgraphs.py --tasks-only    # only data/navgraph/tasks_<graph>.jsonl
    python scripts/build_navgraphs.py --graph town --out /tmp/nav

Seeded: the same command gives byte-identical JSON and task files, and identical images.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compose.errors import run_cli  # noqa: E402


def _main(argv) -> int:
    from envs.navgraph import storage
    from envs.navgraph.build import SHIPPED, build_shipped
    from envs.navgraph.storage import DATA_DIR, read_meta
    from envs.navgraph.tasks import generate_tasks, write_tasks

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(DATA_DIR), help="output directory (default: data/navgraph)")
    ap.add_argument("--graph", action="append", choices=sorted(SHIPPED), help="only this graph (repeatable)")
    ap.add_argument("--tasks-only", action="store_true", help="keep the graphs, regenerate the task files")
    ap.add_argument("--n-tasks", type=int, default=45, help="tasks per graph")
    args = ap.parse_args(argv)
    out = Path(args.out)
    names = args.graph or sorted(SHIPPED)
    if not args.tasks_only:
        build_shipped(out, names)
    for i, name in enumerate(sorted(SHIPPED)):
        if name not in names:
            continue
        storage._read_meta.cache_clear()
        tasks = generate_tasks(name, args.n_tasks, seed=i + 1, directory=out)
        write_tasks(out / f"tasks_{name}.jsonl", tasks)
        print(f"{name}: {len(read_meta(name, out)['nodes'])} nodes, {len(tasks)} tasks -> {out}")
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
