"""Backend "vllm": offline ``vllm.LLM`` on a local transformers directory (normally on a GPU).

Scoring follows lm-evaluation-harness: trailing whitespace of the context moves to the continuation, the pair is
tokenized jointly, the context's own tokens (their common prefix with the joint ones) condition and the rest are
the continuation -- the same split as the transformers backend. One
``LLM.generate`` call with ``SamplingParams(max_tokens=1, prompt_logprobs=1)`` returns, per prompt position, a dict
``{token_id: Logprob(logprob, rank, decoded_token)}`` holding the actual token (plus the top-1); the continuation's
entries are summed, and it is greedy when every actual token has rank 1. vllm is imported lazily through
``optional_import``, so without it ``make_llm`` raises BackendUnavailableError with the install hint.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Sequence

from compose.errors import InvalidInputError, optional_import
from compose.llm.base import LanguageModel, LLMConfig, check_generate_args, check_text

GREEDY_TOLERANCE = 1e-5  # nats, used only when the server gives no rank


def split_request(encode: Callable[[str], list[int]], context: str, continuation: str, prefix_id: int | None):
    """(token ids to feed, number of conditioning tokens) for one pair, lm-eval style.

    ``encode`` returns a text's ids with a leading BOS if the tokenizer adds one. The split falls at the longest
    common prefix of the context's ids and the joint ids (normally all of the context's ids), so a token merged
    across the boundary is charged to the continuation. With nothing to condition on, ``prefix_id`` (BOS or EOS)
    goes in front.
    """
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        context, continuation = context[:-n_spaces], context[-n_spaces:] + continuation
    whole, ctx = list(encode(context + continuation)), list(encode(context))
    n_ctx = 0
    while n_ctx < min(len(ctx), len(whole)) and ctx[n_ctx] == whole[n_ctx]:
        n_ctx += 1
    if n_ctx >= len(whole):
        raise InvalidInputError(f"continuation {continuation!r} adds no tokens after the context")
    if n_ctx == 0:
        if prefix_id is None:
            raise InvalidInputError("nothing to condition on and the tokenizer has no BOS/EOS token")
        whole, n_ctx = [prefix_id] + whole, 1
    return whole, n_ctx


def _entry(prompt_logprobs: Any, position: int):
    entry = prompt_logprobs[position]
    if entry is None:
        raise InvalidInputError(f"vllm returned no prompt log-prob at position {position}")
    return entry


def continuation_logprob(prompt_logprobs: Any, token_ids: Sequence[int], n_ctx: int) -> tuple[float, bool]:
    """Sum ``prompt_logprobs[i][token_ids[i]].logprob`` for i >= n_ctx; greedy when each has rank 1.

    ``prompt_logprobs`` is a RequestOutput's list (entry 0 is None: the first token has no condition) of mappings
    token id -> Logprob-like objects with ``.logprob`` and ``.rank``.
    """
    if prompt_logprobs is None:
        raise InvalidInputError("vllm returned no prompt_logprobs (SamplingParams.prompt_logprobs was not set?)")
    total, greedy = 0.0, True
    for i in range(n_ctx, len(token_ids)):
        entry = _entry(prompt_logprobs, i)
        try:
            chosen = entry[token_ids[i]]
        except KeyError:
            raise InvalidInputError(f"vllm's prompt log-probs at position {i} lack the prompt token {token_ids[i]}")
        total += float(chosen.logprob)
        rank = getattr(chosen, "rank", None)
        if rank is not None:
            greedy = greedy and rank == 1
        else:
            best = max(float(v.logprob) for v in entry.values())
            greedy = greedy and float(chosen.logprob) >= best - GREEDY_TOLERANCE
    return total, greedy


class VLLMOfflineLM(LanguageModel):
    """``vllm.LLM`` behind the LanguageModel interface. Pass ``llm``/``sampling_params`` to inject test doubles."""

    name = "vllm"

    def __init__(
        self,
        model_dir: str | None = None,
        dtype: str = "float32",
        seed: int = 0,
        llm: Any = None,
        sampling_params: Callable[..., Any] | None = None,
        **engine_kwargs,
    ):
        super().__init__()
        if llm is None or sampling_params is None:
            vllm = optional_import("vllm", "vllm", "vllm")
            sampling_params = sampling_params or vllm.SamplingParams
            if llm is None:
                if not model_dir:
                    raise InvalidInputError("VLLMOfflineLM needs model_dir (a local transformers directory)")
                llm = vllm.LLM(model=model_dir, dtype=dtype, seed=seed, **engine_kwargs)
        self.llm, self._params = llm, sampling_params
        self.tokenizer = llm.get_tokenizer()
        self.seed = seed
        bos = getattr(self.tokenizer, "bos_token_id", None)
        adds_bos = bos is not None and list(self.tokenizer.encode("a"))[:1] == [bos]
        self._bos = [bos] if adds_bos else []
        self._prefix_id = bos if bos is not None else getattr(self.tokenizer, "eos_token_id", None)

    def _encode(self, text: str) -> list[int]:
        """Token ids with the tokenizer's leading BOS if it adds one (never a trailing EOS)."""
        return self._bos + list(self.tokenizer.encode(text, add_special_tokens=False))

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        requests = list(requests)
        if not requests:
            return []
        splits = []
        for i, (context, continuation) in enumerate(requests):
            check_text(context, f"context {i}")
            check_text(continuation, f"continuation {i}")
            if not continuation:
                raise InvalidInputError(f"request {i}: the continuation is empty")
            splits.append(split_request(self._encode, context, continuation, self._prefix_id))
        params = self._params(max_tokens=1, temperature=0.0, prompt_logprobs=1)
        started = time.perf_counter()
        outputs = self.llm.generate([{"prompt_token_ids": ids} for ids, _ in splits], params, use_tqdm=False)
        self._count(time.perf_counter() - started, sum(len(ids) for ids, _ in splits), len(splits))
        return [continuation_logprob(out.prompt_logprobs, ids, n) for out, (ids, n) in zip(outputs, splits)]

    def generate(
        self,
        prompts: Sequence[str],
        max_tokens: int = 64,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
        seed: int = 0,
    ) -> list[str]:
        prompts = check_generate_args(prompts, max_tokens, temperature, allow_empty=True)
        if not prompts:
            return []
        params = self._params(
            max_tokens=max_tokens, temperature=float(temperature), seed=int(seed), stop=list(stop) if stop else None
        )
        started = time.perf_counter()
        outputs = self.llm.generate(list(prompts), params, use_tqdm=False)
        texts = [out.outputs[0].text for out in outputs]
        self._count(time.perf_counter() - started, 0, len(prompts))
        self.stats.tokens_out += sum(len(out.outputs[0].token_ids) for out in outputs)
        return texts

    def _count(self, seconds: float, tokens_in: int, n: int) -> None:
        self.stats.calls += 1
        self.stats.forward_passes += n
        self.stats.tokens_in += tokens_in
        self.stats.seconds += seconds


def _model_dir(config: LLMConfig) -> str:
    from compose.models import resolve_model  # path > env var > package (converted once) > hub

    return str(resolve_model(config.model, config.path).path)


def build(config: LLMConfig) -> VLLMOfflineLM:
    """make_llm entry point: checks that vllm is importable before resolving (maybe converting) the weights."""
    optional_import("vllm", "vllm", "vllm")
    return VLLMOfflineLM(_model_dir(config), dtype=config.dtype, seed=config.seed)
