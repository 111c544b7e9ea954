"""Option-token trie, tree attention layout and the prompt KV cache bookkeeping (no model needed)."""
import numpy as np
import pytest
import torch

from compose.llm.prefix_cache import PrefixCache, common_prefix
from compose.llm.trie import additive_masks, build_trie, tree_layout


def test_trie_shares_prefixes_and_keeps_paths():
    seqs = [[5, 6, 7], [5, 6, 8], [5, 9], [4], [5, 6, 7]]
    trie = build_trie(seqs)
    # nodes: 5, 6, 7, 8, 9, 4 -- the duplicate sequence adds nothing
    assert trie.tokens == [5, 6, 7, 8, 9, 4]
    assert trie.parents == [-1, 0, 1, 1, 0, -1]
    assert trie.depths == [1, 2, 3, 3, 2, 1]
    assert trie.paths == [[0, 1, 2], [0, 1, 3], [0, 4], [5], [0, 1, 2]]
    for path, seq in zip(trie.paths, seqs):
        assert [trie.tokens[i] for i in path] == seq
    assert trie.max_depth == 3
    assert trie.has_children().tolist() == [True, True, False, False, False, False]
    assert all(p < i for i, p in enumerate(trie.parents))  # parents first
    inner, row_of = trie.scoring_rows()
    assert inner.tolist() == [0, 1]  # row 0: last context token, row 1: node 0, row 2: node 1
    assert row_of.tolist() == [0, 1, 2, 2, 1, 0]


def test_trie_rejects_empty_sequence():
    with pytest.raises(ValueError):
        build_trie([[1], []])


def test_ancestors_matrix():
    trie = build_trie([[1, 2, 3], [1, 4]])
    anc = trie.ancestors()
    expected = np.array([
        [1, 0, 0, 0],  # 1
        [1, 1, 0, 0],  # 1 2
        [1, 1, 1, 0],  # 1 2 3
        [1, 0, 0, 1],  # 1 4
    ], dtype=bool)
    assert (anc == expected).all()


def test_tree_layout_positions_and_mask():
    trie = build_trie([[10, 11], [10, 12], [13]])  # nodes 10, 11, 12, 13
    past, n_new = 3, 2  # 3 cached context tokens, 2 new ones -> context length 5
    q_pos, kv_pos, allowed = tree_layout(trie, past, n_new)
    assert q_pos.tolist() == [3, 4, 5, 6, 6, 5]
    assert kv_pos.tolist() == [0, 1, 2, 3, 4, 5, 6, 6, 5]
    assert allowed.shape == (6, 9)
    # new context rows: causal over the context, never see nodes
    assert allowed[0].tolist() == [1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert allowed[1].tolist() == [1, 1, 1, 1, 1, 0, 0, 0, 0]
    # node rows: whole context + ancestors-or-self only (siblings hidden from each other)
    assert allowed[2].tolist() == [1, 1, 1, 1, 1, 1, 0, 0, 0]  # 10
    assert allowed[3].tolist() == [1, 1, 1, 1, 1, 1, 1, 0, 0]  # 10 -> 11
    assert allowed[4].tolist() == [1, 1, 1, 1, 1, 1, 0, 1, 0]  # 10 -> 12
    assert allowed[5].tolist() == [1, 1, 1, 1, 1, 0, 0, 0, 1]  # 13


def test_tree_layout_without_trie_is_causal():
    q_pos, kv_pos, allowed = tree_layout(build_trie([]), 2, 3)
    assert q_pos.tolist() == [2, 3, 4]
    assert (allowed == np.tril(np.ones((3, 5), dtype=bool), k=2)).all()


def test_additive_masks_and_sliding_window():
    trie = build_trie([[1, 2]])
    q_pos, kv_pos, allowed = tree_layout(trie, 0, 4)
    m = additive_masks(allowed, q_pos, kv_pos, torch.float32, "cpu")
    assert m.shape == (1, 1, 6, 6) and m.dtype == torch.float32
    assert ((m[0, 0] == 0).numpy() == allowed).all()
    assert (m[0, 0][~torch.from_numpy(allowed)] == torch.finfo(torch.float32).min).all()
    both = additive_masks(allowed, q_pos, kv_pos, torch.float32, "cpu", sliding_window=2)
    assert set(both) == {"full_attention", "sliding_attention"}
    sw = (both["sliding_attention"][0, 0] == 0).numpy()
    # node at depth 2 has position 5: with window 2 it sees positions 4 and 5 only
    assert sw[5].tolist() == [False, False, False, False, True, True]
    assert (sw <= allowed).all()


def test_common_prefix():
    a = list(range(200))
    assert common_prefix(a, a) == 200
    assert common_prefix(a, a[:150] + [-1]) == 150
    assert common_prefix(a, [7]) == 0
    assert common_prefix([], a) == 0


def _kv(n):
    return [(torch.full((1, 1, n, 2), float(n)), torch.zeros(1, 1, n, 2))]


def test_prefix_cache_lookup_supersede_and_evict():
    cache = PrefixCache(max_entries=2)
    assert cache.lookup([1, 2, 3]) == (0, None)
    cache.store([1, 2, 3], _kv(3))
    m, kv = cache.lookup([1, 2, 3, 4, 5])
    assert m == 3 and kv[0][0].shape[2] == 3
    cache.store([1, 2, 3, 4, 5], _kv(5))  # extends the first entry: supersedes it
    assert len(cache) == 1
    cache.store([9, 9], _kv(2))
    assert cache.lookup([9, 9, 1])[0] == 2  # [9, 9] is now the most recently used
    cache.store([1, 2, 7], _kv(3))  # not an extension: kept beside; the least recently used entry is evicted
    assert len(cache) == 2
    assert cache.lookup([1, 2, 3, 4, 6])[0] == 2  # [1..5] was evicted; [1, 2, 7] shares two tokens
    assert cache.lookup([9, 9])[0] == 2
    assert cache.lookup([1, 2, 7, 8])[0] == 3
    assert cache.hits == 5 and cache.misses == 1
