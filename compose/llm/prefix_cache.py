"""Prompt KV cache kept across calls: the longest token prefix shared with an earlier context is not recomputed.

Entries are (token ids, per-layer key/value tensors for exactly those tokens). A lookup returns the entry sharing
the longest prefix with the new ids; the caller builds a fresh ``DynamicCache`` from slices of it, so stored
tensors are never mutated (transformers' DynamicLayer grows by concatenation, i.e. a copy).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two token sequences."""
    n = min(len(a), len(b))
    i = 0
    # compare in chunks first: contexts share hundreds of tokens
    step = 64
    while i + step <= n and list(a[i:i + step]) == list(b[i:i + step]):
        i += step
    while i < n and a[i] == b[i]:
        i += 1
    return i


@dataclass
class _Entry:
    ids: tuple[int, ...]
    kv: list  # [(keys, values)] per layer, each [batch=1, heads, len(ids), head_dim]


class PrefixCache:
    """A small LRU of prompt KV caches (``max_entries`` contexts, ``max_tokens`` tokens in all)."""

    def __init__(self, max_entries: int = 4, max_tokens: int = 32768):
        self.max_entries, self.max_tokens = max_entries, max_tokens
        self._entries: list[_Entry] = []  # most recently used last
        self.hits = self.misses = self.reused_tokens = 0

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def lookup(self, ids: Sequence[int]) -> tuple[int, list | None]:
        """(number of leading ``ids`` whose KV is cached, that entry's per-layer KV or None)."""
        best, best_len = None, 0
        for entry in self._entries:
            m = common_prefix(entry.ids, ids)
            if m > best_len:
                best, best_len = entry, m
        if best is None:
            self.misses += 1
            return 0, None
        self._entries.remove(best)
        self._entries.append(best)
        self.hits += 1
        self.reused_tokens += best_len
        return best_len, best.kv

    def store(self, ids: Sequence[int], kv: list) -> None:
        """Remember the KV of ``ids``; entries that are a prefix of ``ids`` are superseded by it."""
        ids = tuple(int(t) for t in ids)
        if not ids:
            return
        self._entries = [e for e in self._entries if not (len(e.ids) <= len(ids) and ids[:len(e.ids)] == e.ids)]
        self._entries.append(_Entry(ids, kv))
        while len(self._entries) > self.max_entries or (
                len(self._entries) > 1 and sum(len(e.ids) for e in self._entries) > self.max_tokens):
            self._entries.pop(0)
