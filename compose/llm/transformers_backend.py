"""The CPU default backend: a transformers causal LM in fp32, exact log-likelihoods, shared-work option scoring.

Tokenization follows lm-evaluation-harness: trailing whitespace of the context moves into the continuation, the
pair is encoded jointly and split at the context's token length. When the joint encoding does not start with the
context's own tokens (a merge across the boundary), the split falls at their longest common prefix, so the
straddling token is charged to the continuation. ``loglikelihood`` computes this with padded full-sequence
batches; ``score_options`` gives the same numbers with (1) a prompt KV cache reused across calls and (2) all
options arranged as a token trie, every node scored in one forward pass with a tree-shaped attention mask.
"""
from __future__ import annotations

import os
import time
from typing import Sequence

import numpy as np

from compose.errors import InvalidInputError
from compose.llm.base import LanguageModel, LLMConfig, check_generate_args, check_options, check_text
from compose.llm.prefix_cache import PrefixCache, common_prefix
from compose.llm.trie import additive_masks, build_trie, tree_layout

TAIL_TOKENS = 48  # joint option tokenization re-encodes only this many context tokens (checked, see _joint_fast)
LOGIT_CHUNK = 256  # vocabulary projections are done this many rows at a time


class TransformersLM(LanguageModel):
    """A local transformers model directory (see ``compose.models.resolve_model``) behind ``LanguageModel``."""

    name = "transformers"

    def __init__(self, model_dir: str, dtype: str = "float32", device: str = "cpu", batch_tokens: int = 4096,
                 cache_entries: int = 4, attn_implementation: str | None = None):
        super().__init__()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch = torch
        self.dtype = getattr(torch, dtype, None)
        if not isinstance(self.dtype, torch.dtype):
            raise InvalidInputError(f"unknown dtype {dtype!r}; use float32, bfloat16 or float16")
        self.device = torch.device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        kwargs = {"attn_implementation": attn_implementation} if attn_implementation else {}
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=self.dtype, **kwargs).to(self.device)
        self.model.eval().requires_grad_(False)
        self.decoder = self.model.get_decoder()
        self.lm_head = self.model.get_output_embeddings()
        cfg = self.model.config.get_text_config()
        self.softcap = getattr(cfg, "final_logit_softcapping", None)
        self.max_length = int(getattr(cfg, "max_position_embeddings", None) or 2048)
        self.sliding_window = (getattr(cfg, "sliding_window", None)
                               if "sliding_attention" in (getattr(cfg, "layer_types", None) or ()) else None)
        self.batch_tokens = batch_tokens
        self.cache = PrefixCache(max_entries=cache_entries)
        tok = self.tokenizer
        probe = tok("a", add_special_tokens=True)["input_ids"]
        self.bos = [tok.bos_token_id] if tok.bos_token_id is not None and probe[:1] == [tok.bos_token_id] else []
        self.start_id = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
        eos = self.model.generation_config.eos_token_id if self.model.generation_config else None
        self.eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else []) | (
            {tok.eos_token_id} if tok.eos_token_id is not None else set())
        self.pad_id = tok.pad_token_id if tok.pad_token_id is not None else (self.start_id or 0)

    # ----------------------------------------------------------------- tokenization
    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, with the tokenizer's leading BOS if it adds one (never a trailing EOS)."""
        ids = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"] if texts else []
        return [self.bos + list(x) for x in ids]

    @staticmethod
    def split_whitespace(context: str) -> tuple[str, str]:
        """lm-eval's rule: trailing whitespace of the context belongs to the continuation."""
        stripped = context.rstrip()
        return stripped, context[len(stripped):]

    def _plan(self, ctx_ids: list[int], whole: list[int], what: str) -> tuple[list[int], list[int]]:
        """(conditioning tokens, scored tokens) of one joint encoding."""
        k = common_prefix(ctx_ids, whole)
        if k >= len(whole):
            raise InvalidInputError(f"{what} tokenizes to nothing after the context: it has no tokens to score")
        if k == 0:  # the very first token merged across the boundary: condition on the start token
            if self.start_id is None:
                raise InvalidInputError(f"{what} merges with the whole context and the tokenizer has no BOS/EOS")
            return [self.start_id], whole
        return whole[:k], whole[k:]

    def _check_length(self, n: int, what: str) -> None:
        if n > self.max_length:
            raise InvalidInputError(f"{what} is {n} tokens long; the model's context window is {self.max_length}")

    def _joint(self, context: str, conts: Sequence[str], fast: bool) -> tuple[list[int], list[list[int]]]:
        """Context ids and, per continuation, the ids of context + continuation encoded together."""
        ctx_text, ws = self.split_whitespace(context)
        ctx_ids = self.encode([ctx_text])[0]
        if fast:
            wholes = self._joint_fast(ctx_text, ctx_ids, [ws + c for c in conts])
            if wholes is not None:
                return ctx_ids, wholes
        return ctx_ids, self.encode([ctx_text + ws + c for c in conts])

    def _joint_fast(self, ctx_text: str, ctx_ids: list[int], conts: list[str]) -> list[list[int]] | None:
        """Encode only the context's last TAIL_TOKENS tokens jointly with each continuation.

        Exact when appending text cannot change tokens far back in the context; checked per continuation: the
        re-encoded tail must reproduce the context's tokens up to a few before the boundary, else that
        continuation is encoded in full.
        """
        n = len(ctx_ids)
        t = n - TAIL_TOKENS
        if t <= len(self.bos) + 8:
            return None
        head = self.tokenizer.decode(ctx_ids[len(self.bos):t], skip_special_tokens=False,
                                     clean_up_tokenization_spaces=False)
        if not ctx_text.startswith(head) or self.encode([head])[0] != ctx_ids[:t]:
            return None
        tail_text = ctx_text[len(head):]
        tails = self.tokenizer([tail_text + c for c in conts], add_special_tokens=False)["input_ids"]
        keep, wholes, redo = ctx_ids[t:n - 8], [], []
        for i, tail in enumerate(tails):
            if list(tail[:len(keep)]) == keep:
                wholes.append(ctx_ids[:t] + list(tail))
            else:
                wholes.append(None)
                redo.append(i)
        if redo:
            for i, ids in zip(redo, self.encode([ctx_text + conts[i] for i in redo])):
                wholes[i] = ids
        return wholes

    # ----------------------------------------------------------------- model
    def _kv_cache(self, kv: list | None, length: int):
        """A fresh DynamicCache holding the first ``length`` positions of stored KV (never mutates ``kv``)."""
        from transformers import DynamicCache
        from transformers.cache_utils import DynamicLayer

        cache = DynamicCache()
        if kv is None or length == 0:
            return cache
        layers = []
        for k, v in kv:
            layer = DynamicLayer()
            layer.lazy_initialization(k, v)
            layer.keys, layer.values = k[..., :length, :], v[..., :length, :]
            layers.append(layer)
        cache.layers = layers
        return cache

    def _forward(self, ids: list[int], q_pos, mask, cache):
        torch = self.torch
        out = self.decoder(input_ids=torch.tensor([ids], device=self.device), attention_mask=mask,
                           position_ids=torch.as_tensor(q_pos, device=self.device)[None],
                           past_key_values=cache, use_cache=True)
        self.stats.forward_passes += 1
        self.stats.tokens_in += len(ids)
        return out.last_hidden_state[0]

    def _logprobs(self, hidden, rows, targets) -> tuple[np.ndarray, np.ndarray]:
        """log p(targets[i] | hidden[rows[i]]) and whether it is the argmax; each hidden row is projected once."""
        torch = self.torch
        rows, targets = np.asarray(rows, dtype=np.int64), np.asarray(targets, dtype=np.int64)
        lp, greedy = np.zeros(len(rows)), np.zeros(len(rows), dtype=bool)
        for s in range(0, hidden.shape[0], LOGIT_CHUNK):
            sel = np.flatnonzero((rows >= s) & (rows < s + LOGIT_CHUNK))
            if not len(sel):
                continue
            logits = self.lm_head(hidden[s:s + LOGIT_CHUNK]).float()
            if self.softcap:
                logits = torch.tanh(logits / self.softcap) * self.softcap
            r = torch.as_tensor(rows[sel] - s, device=self.device)
            tgt = torch.as_tensor(targets[sel], device=self.device)
            lp[sel] = (logits[r, tgt] - torch.logsumexp(logits, dim=-1)[r]).double().cpu().numpy()
            greedy[sel] = (logits.argmax(dim=-1)[r] == tgt).cpu().numpy()
        return lp, greedy

    def _run_context(self, ctx_ids: list[int], trie=None):
        """Run the context (reusing the prompt cache) plus optional trie nodes in ONE forward pass.

        Returns (hidden rows: last context token then every node, the cache after the pass). The context's KV
        is stored back into the prompt cache.
        """
        n = len(ctx_ids)
        m, kv = self.cache.lookup(ctx_ids)
        past = min(m, n - 1)  # always run the last context token: its output scores the options' first tokens
        new = ctx_ids[past:]
        nodes = trie.tokens if trie is not None else []
        q_pos, kv_pos, allowed = tree_layout(trie if trie is not None else build_trie([]), past, len(new))
        mask = additive_masks(allowed, q_pos, kv_pos, self.dtype, self.device, self.sliding_window)
        cache = self._kv_cache(kv, past)
        hidden = self._forward(new + list(nodes), q_pos, mask, cache)
        self.cache.store(ctx_ids, [(layer.keys[..., :n, :], layer.values[..., :n, :]) for layer in cache.layers])
        return hidden[len(new) - 1:], cache

    # ----------------------------------------------------------------- LanguageModel API
    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        """Exact (sum log p(continuation tokens), is_greedy) per pair, in padded full-sequence batches."""
        started = time.perf_counter()
        requests = list(requests)
        if not requests:
            raise InvalidInputError("loglikelihood needs at least one (context, continuation) pair")
        seqs = []
        for i, req in enumerate(requests):
            if not isinstance(req, (tuple, list)) or len(req) != 2:
                raise InvalidInputError(f"request {i} must be a (context, continuation) pair, got {req!r}")
            context, cont = req
            check_text(context, f"context of request {i}")
            check_text(cont, f"continuation of request {i}")
            if not context.strip():
                raise InvalidInputError(f"context of request {i} is empty: scoring needs something to condition on")
            if not cont.strip():
                raise InvalidInputError(f"continuation of request {i} is empty or whitespace: no tokens to score")
            ctx_ids, (whole,) = self._joint(context, [cont], fast=False)
            prefix, scored = self._plan(ctx_ids, whole, f"continuation of request {i}")
            self._check_length(len(prefix) + len(scored), f"request {i}")
            seqs.append((prefix + scored, len(prefix)))
        results: list[tuple[float, bool] | None] = [None] * len(seqs)
        with self.torch.inference_mode():
            for batch in self._batches(seqs):
                for i, res in zip(batch, self._score_batch([seqs[i] for i in batch])):
                    results[i] = res
        self.stats.calls += 1
        self.stats.seconds += time.perf_counter() - started
        return results  # type: ignore[return-value]

    def _batches(self, seqs):
        order = sorted(range(len(seqs)), key=lambda i: -len(seqs[i][0]))
        batch: list[int] = []
        for i in order:
            width = len(seqs[batch[0]][0]) if batch else len(seqs[i][0])
            if batch and (len(batch) + 1) * width > self.batch_tokens:
                yield batch
                batch = []
            batch.append(i)
        if batch:
            yield batch

    def _score_batch(self, seqs):
        torch = self.torch
        width = max(len(s) for s, _ in seqs) - 1
        ids = torch.full((len(seqs), width), self.pad_id, dtype=torch.long)
        att = torch.zeros((len(seqs), width), dtype=torch.long)
        rows, cols, targets = [], [], []
        for b, (seq, n_prefix) in enumerate(seqs):
            ids[b, :len(seq) - 1] = torch.tensor(seq[:-1])
            att[b, :len(seq) - 1] = 1
            rows += [b] * (len(seq) - n_prefix)
            cols += range(n_prefix - 1, len(seq) - 1)
            targets += seq[n_prefix:]
        out = self.decoder(input_ids=ids.to(self.device), attention_mask=att.to(self.device), use_cache=False)
        self.stats.forward_passes += 1
        self.stats.tokens_in += int(att.sum())
        hidden = out.last_hidden_state[torch.as_tensor(rows), torch.as_tensor(cols)]
        lp, greedy = self._logprobs(hidden, np.arange(len(targets)), targets)
        res, s = [], 0
        for seq, n_prefix in seqs:
            e = s + len(seq) - n_prefix
            res.append((float(lp[s:e].sum()), bool(greedy[s:e].all())))
            s = e
        return res

    def score_options(self, context: str, options: Sequence[str]) -> list[float]:
        """Exact log p(option | context) for every option: prompt cache + option trie in one forward pass."""
        started = time.perf_counter()
        options = check_options(context, options)
        if not context.strip():
            raise InvalidInputError("context is only whitespace: scoring needs something to condition on")
        ctx_ids, wholes = self._joint(context, options, fast=True)
        plans = [self._plan(ctx_ids, w, f"option {i} ({options[i]!r})") for i, w in enumerate(wholes)]
        in_trie = [i for i, (p, _) in enumerate(plans) if len(p) == len(ctx_ids)]
        fallback = [i for i in range(len(options)) if len(plans[i][0]) != len(ctx_ids)]
        trie = build_trie([plans[i][1] for i in in_trie])
        self._check_length(len(ctx_ids) + trie.max_depth, "context plus the longest option")
        for i in fallback:
            self._check_length(sum(map(len, plans[i])), f"context plus option {i}")
        scores = np.zeros(len(options))
        torch = self.torch
        with torch.inference_mode():
            hidden, _ = self._run_context(ctx_ids, trie)
            inner, row_of = trie.scoring_rows()  # project only rows that predict a node
            keep = torch.as_tensor(np.concatenate([[0], inner + 1]), device=self.device)
            lp, _ = self._logprobs(hidden[keep], row_of, trie.tokens)
            for j, i in enumerate(in_trie):
                scores[i] = lp[trie.paths[j]].sum()
            for i in fallback:
                scores[i] = self._score_one(*plans[i])
        self.stats.calls += 1
        self.stats.seconds += time.perf_counter() - started
        return [float(s) for s in scores]

    def _score_one(self, prefix: list[int], scored: list[int]) -> float:
        """Fallback for one option whose tokens straddle the context boundary: prefix cache + one forward."""
        seq = prefix + scored
        m, kv = self.cache.lookup(prefix)
        past = min(m, len(prefix) - 1)
        q_pos = np.arange(past, len(seq) - 1)
        hidden = self._forward(seq[past:-1], q_pos, None, self._kv_cache(kv, past))
        lp, _ = self._logprobs(hidden[len(prefix) - 1 - past:], np.arange(len(scored)), scored)
        return float(lp.sum())

    def generate(self, prompts: Sequence[str], max_tokens: int = 64, stop: Sequence[str] | None = None,
                 temperature: float = 0.0, seed: int = 0) -> list[str]:
        """Greedy at temperature 0, seeded sampling otherwise; output is cut before the first stop string."""
        started = time.perf_counter()
        prompts = check_generate_args(prompts, max_tokens, temperature)
        stop = [s for s in (stop or []) if s]
        outs = []
        with self.torch.inference_mode():
            for p in prompts:
                outs.append(self._generate_one(p, max_tokens, stop, float(temperature), seed))
        self.stats.calls += 1
        self.stats.seconds += time.perf_counter() - started
        return outs

    def _generate_one(self, prompt: str, max_tokens: int, stop: list[str], temperature: float, seed: int) -> str:
        torch = self.torch
        ids = self.encode([prompt])[0]
        self._check_length(len(ids) + max_tokens, "prompt plus max_tokens")
        hidden, cache = self._run_context(ids)
        gen = torch.Generator(device="cpu").manual_seed(int(seed))
        out: list[int] = []
        text = ""
        h = hidden[-1:]
        for step in range(max_tokens):
            logits = self.lm_head(h).float()[0]
            if self.softcap:
                logits = torch.tanh(logits / self.softcap) * self.softcap
            if temperature == 0:
                tok = int(logits.argmax())
            else:
                probs = torch.softmax(logits.double().cpu() / temperature, dim=-1)
                tok = int(torch.multinomial(probs, 1, generator=gen))
            if tok in self.eos_ids:
                break
            out.append(tok)
            self.stats.tokens_out += 1
            text = self.tokenizer.decode(out, skip_special_tokens=True)
            cut = min((text.find(s) for s in stop if s in text), default=-1)
            if cut >= 0:
                return text[:cut]
            if step + 1 < max_tokens:
                h = self._forward([tok], [len(ids) + step], None, cache)
        return text


def build(config: LLMConfig) -> TransformersLM:
    """make_llm entry point: resolve the weights offline-first (compose.models), load on CPU in fp32."""
    from compose.models import resolve_model

    resolved = resolve_model(config.model, config.path)
    return TransformersLM(str(resolved.path), dtype=config.dtype, device=os.environ.get("SOCRATIC_DEVICE", "cpu"))
