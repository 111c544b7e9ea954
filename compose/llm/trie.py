"""Option-token trie and the tree-shaped attention mask that scores every trie node in one forward pass.

Options that share leading tokens ("pick up the apple", "pick up the sponge") share trie nodes, so each shared
token is run once. In the forward pass a node attends to the whole context and to its own ancestors only, at
position ``context_length + depth - 1``, which is exactly what it would see in a naive per-option forward.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np


@dataclass
class TokenTrie:
    """Nodes in creation order (a parent always precedes its children); the root (the context) is index -1."""

    tokens: list[int] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    depths: list[int] = field(default_factory=list)  # 1 for an option's first token
    paths: list[list[int]] = field(default_factory=list)  # per inserted sequence: its node indices
    _children: list[dict[int, int]] = field(default_factory=list)
    _root: dict[int, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.tokens)

    def insert(self, seq: Sequence[int]) -> int:
        """Add one token sequence (non-empty); returns its index in ``paths``."""
        if len(seq) == 0:
            raise ValueError("cannot insert an empty token sequence")
        parent, children, path = -1, self._root, []
        for tok in seq:
            node = children.get(tok)
            if node is None:
                node = len(self.tokens)
                children[tok] = node
                self.tokens.append(int(tok))
                self.parents.append(parent)
                self.depths.append(1 if parent < 0 else self.depths[parent] + 1)
                self._children.append({})
            path.append(node)
            parent, children = node, self._children[node]
        self.paths.append(path)
        return len(self.paths) - 1

    @property
    def max_depth(self) -> int:
        return max(self.depths, default=0)

    def has_children(self) -> np.ndarray:
        out = np.zeros(len(self.tokens), dtype=bool)
        par = np.asarray(self.parents, dtype=np.int64)
        out[par[par >= 0]] = True
        return out

    def scoring_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Which outputs to project onto the vocabulary, and which of them predicts each node.

        Returns (inner, row_of): ``inner`` are the nodes with children; output row 0 is the last context token and
        row r + 1 is ``inner[r]``; ``row_of[i]`` is the row holding node i's parent (its predictor).
        """
        inner = np.flatnonzero(self.has_children())
        parent_row = {-1: 0, **{int(p): r + 1 for r, p in enumerate(inner)}}
        return inner, np.array([parent_row[p] for p in self.parents], dtype=np.int64)

    def ancestors(self) -> np.ndarray:
        """(N, N) bool: ``[i, j]`` is True when node j is node i or one of its ancestors."""
        n = len(self.tokens)
        anc = np.eye(n, dtype=bool)
        rows = np.arange(n)
        cur = np.asarray(self.parents, dtype=np.int64)
        while n and (cur >= 0).any():
            live = cur >= 0
            anc[rows[live], cur[live]] = True
            cur = np.where(live, np.asarray(self.parents + [-1], dtype=np.int64)[cur], -1)
        return anc


def build_trie(seqs: Sequence[Sequence[int]]) -> TokenTrie:
    trie = TokenTrie()
    for seq in seqs:
        trie.insert(seq)
    return trie


def tree_layout(trie: TokenTrie, past: int, n_new: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions and the boolean mask for one forward over ``n_new`` context tokens followed by the trie nodes.

    ``past`` context tokens are already in the KV cache. Returns (q_positions (Q,), kv_positions (KV,),
    allowed (Q, KV) bool) with Q = n_new + len(trie) and KV = past + Q. Context rows are causal; node rows see
    the whole context (past + new) and their ancestors-or-self.
    """
    n_ctx = past + n_new
    n_nodes = len(trie)
    node_pos = n_ctx + np.asarray(trie.depths, dtype=np.int64) - 1
    q_pos = np.concatenate([np.arange(past, n_ctx, dtype=np.int64), node_pos])
    kv_pos = np.concatenate([np.arange(n_ctx, dtype=np.int64), node_pos])
    allowed = np.zeros((n_new + n_nodes, n_ctx + n_nodes), dtype=bool)
    if n_new:
        allowed[:n_new, :n_ctx] = np.arange(n_ctx)[None, :] <= np.arange(past, n_ctx)[:, None]
    if n_nodes:
        allowed[n_new:, :n_ctx] = True
        allowed[n_new:, n_ctx:] = trie.ancestors()
    return q_pos, kv_pos, allowed


def additive_masks(allowed: np.ndarray, q_pos: np.ndarray, kv_pos: np.ndarray, dtype, device,
                   sliding_window: int | None = None):
    """Turn the boolean layout into the 4-D float mask(s) transformers accepts (0 = attend, dtype-min = blocked).

    With a sliding window (Gemma 3 style layers) returns ``{"full_attention": m, "sliding_attention": m_sw}``.
    """
    import torch

    def to_mask(ok: np.ndarray):
        m = torch.zeros(ok.shape, dtype=dtype)
        m.masked_fill_(torch.from_numpy(~ok), torch.finfo(dtype).min)
        return m[None, None].to(device)

    full = to_mask(allowed)
    if not sliding_window:
        return full
    near = (q_pos[:, None] - kv_pos[None, :]) < sliding_window
    return {"full_attention": full, "sliding_attention": to_mask(allowed & near)}
