#!/usr/bin/env python3
"""Count every import between the project's top-level packages -- also imports inside functions -- and report cycles.

    python scripts/pkg_imports.py            # edges with counts and where; exit 1 when the packages form a cycle

The layer order itself is checked by import-linter (pyproject.toml [tool.importlinter], ``lint-imports``); this
script adds the plain count, independent of any import machinery (it only parses the source).
"""
from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("compose", "envs", "skills", "agents")


def imported_modules(tree: ast.AST):
    """(module name, line) of every absolute import anywhere in the tree (relative imports stay in their package)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno


def package_edges(root: Path = ROOT, packages=PACKAGES) -> dict[tuple[str, str], list[str]]:
    """{(importer, imported): ["path:line", ...]} for every import from one package into another."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for name, line in imported_modules(tree):
                top = name.split(".")[0]
                if top in packages and top != pkg:
                    edges[(pkg, top)].append(f"{path.relative_to(root)}:{line}")
    return dict(edges)


def package_cycles(edges) -> list[list[str]]:
    graph = nx.DiGraph(list(edges))
    return [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]


def main() -> int:
    edges = package_edges()
    for (a, b), where in sorted(edges.items()):
        print(f"{a} -> {b}: {len(where)} ({', '.join(where[:3])}{' ...' if len(where) > 3 else ''})")
    cycles = package_cycles(edges)
    for cycle in cycles:
        print("cycle: " + " <-> ".join(cycle))
    if not cycles:
        print(f"no package cycles among {', '.join(PACKAGES)}")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
