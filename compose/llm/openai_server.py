"""Backend "openai": any OpenAI-compatible completions server (``vllm serve``, llama.cpp server, TGI...).

Scoring asks the server to echo the prompt with per-token log-probs (``echo: true``, ``logprobs: 1``,
``max_tokens: 0``; servers that refuse 0 get 1 and the generated token is dropped) and sums the log-probs of the
tokens that carry the continuation, found from the returned ``text_offset`` values. The context/continuation split
follows lm-evaluation-harness: trailing whitespace of the context belongs to the continuation, so a token that
straddles the boundary (" pick" after "Robot:") counts as continuation. Every request has a timeout and bounded
retries with exponential backoff (connection errors, timeouts, 5xx, 408 and 429); a 4xx is not retried. Anything
that still fails becomes ``compose.errors.ServerError`` naming the URL, the status and what was tried.
"""
from __future__ import annotations

import contextlib
import os
import time
from typing import Any, Sequence
from urllib.parse import urlsplit

import httpx

from compose.errors import InvalidInputError, ServerError
from compose.llm.base import LanguageModel, LLMConfig, check_generate_args, check_text

_GATE = None  # a semaphore bounding this process's requests in flight; a harness may share one across processes


def set_request_gate(gate) -> None:
    """Bound the requests in flight: every client of this process holds ``gate`` (a threading or multiprocessing
    semaphore, or None for no bound) while one HTTP request is out -- never while backing off between retries."""
    global _GATE
    _GATE = gate


RETRY_STATUS = frozenset({408, 429})  # 4xx codes that mean "try again later"; every other 4xx is final
GREEDY_TOLERANCE = 1e-5  # nats: a token within this of the best top-logprob counts as greedy


class _RejectedError(ServerError):
    """A 4xx answer: final, never retried (carries the status so callers can adapt, e.g. max_tokens 0 -> 1)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def normalize_base_url(url: str) -> str:
    """'http://host:8000' -> 'http://host:8000/v1'; a URL with a path is kept (minus a trailing slash)."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInputError(f"server base_url {url!r} is not an http(s) URL (e.g. http://127.0.0.1:8000/v1)")
    return url if parts.path not in ("", "/") else url + "/v1"


def continuation_logprob(
    logprobs: dict, prompt_len: int, boundary: int, drop_last: int = 0
) -> tuple[float, bool]:
    """Sum the log-probs of the tokens covering ``prompt[boundary:]`` in one echoed choice's ``logprobs`` object.

    ``logprobs`` has ``tokens``, ``token_logprobs``, ``text_offset`` and ``top_logprobs`` (lists, one entry per
    token). A token belongs to the continuation when it ends after ``boundary`` (so a straddling token does);
    tokens starting at or after ``prompt_len`` were generated and are ignored, as are the last ``drop_last`` ones.
    Returns (sum in nats, whether every continuation token was the model's top choice).
    """
    try:
        tokens = list(logprobs["tokens"])
        lps = list(logprobs["token_logprobs"])
        offsets = [int(o) for o in logprobs["text_offset"]]
        tops = list(logprobs.get("top_logprobs") or [None] * len(tokens))
    except (KeyError, TypeError, ValueError) as exc:
        raise ServerError(f"server answer has no usable echo log-probs ({exc!r}); is echo+logprobs supported?") from None
    n = len(tokens) - drop_last
    if not (len(lps) >= n and len(offsets) >= n and len(tops) >= n):
        raise ServerError("server answer has log-prob lists of different lengths")
    n = min(n, sum(1 for o in offsets[:n] if o < prompt_len))  # generated tokens start at prompt_len or later
    total, greedy, found = 0.0, True, 0
    for i in range(n):
        end = offsets[i + 1] if i + 1 < n else prompt_len
        if end <= boundary:
            continue  # a context token
        lp = lps[i]
        if lp is None:
            raise ServerError(
                "server returned no log-prob for a continuation token (the first token of a prompt has none); "
                "give a non-empty context"
            )
        total += float(lp)
        found += 1
        top = tops[i]
        if top:
            best = max(float(v) for v in top.values())
            greedy = greedy and float(lp) >= best - GREEDY_TOLERANCE
        else:
            greedy = False  # no top-logprobs: cannot claim greedy
    if found == 0:
        raise ServerError("no continuation tokens found in the server's echo (text offsets do not reach the boundary)")
    return total, greedy


def split_point(context: str) -> int:
    """Character index where the scored continuation starts: trailing whitespace of the context moves to it."""
    return len(context.rstrip()) if context.strip() else len(context)


class OpenAICompatibleLM(LanguageModel):
    """Client of an OpenAI-compatible ``/completions`` endpoint (see module docstring)."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 2,
        batch_size: int = 16,
        backoff_s: float = 0.5,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        super().__init__()
        if timeout_s <= 0 or max_retries < 0 or batch_size < 1:
            raise InvalidInputError("timeout_s must be > 0, max_retries >= 0 and batch_size >= 1")
        self.base_url = normalize_base_url(base_url)
        self.requested_model = model
        self.timeout_s, self.max_retries, self.batch_size, self.backoff_s = timeout_s, max_retries, batch_size, backoff_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s), headers=headers, transport=transport)
        self._model: str | None = None
        self._echo_max_tokens = 0  # becomes 1 if the server refuses max_tokens=0

    # ------------------------------------------------------------------ HTTP
    def _request(self, method: str, path: str, payload: dict | None = None) -> dict:
        url = f"{self.base_url}/{path.lstrip('/')}"
        attempts = self.max_retries + 1
        last = "no attempt made"
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(self.backoff_s * 2 ** (attempt - 1), 10.0))
            try:
                with _GATE if _GATE is not None else contextlib.nullcontext():
                    response = self._client.request(method, url, json=payload)
            except httpx.TimeoutException as exc:
                last = f"no answer within {self.timeout_s:g} s ({type(exc).__name__})"
                continue
            except httpx.TransportError as exc:
                last = f"cannot connect ({type(exc).__name__}: {exc})"
                continue
            if response.status_code < 400:
                try:
                    return response.json()
                except ValueError:
                    raise ServerError(f"{method} {url}: answer is not JSON: {response.text[:200]!r}") from None
            detail = f"HTTP {response.status_code}: {response.text[:300].strip()}"
            if response.status_code < 500 and response.status_code not in RETRY_STATUS:
                raise _RejectedError(f"{method} {url} was rejected ({detail})", response.status_code)
            last = detail
        raise ServerError(
            f"{method} {url} failed after {attempts} attempt(s) (timeout {self.timeout_s:g} s, "
            f"{self.max_retries} retries with backoff): {last}"
        )

    @property
    def model(self) -> str:
        """The served model id: the configured name if the server lists it, else the server's only model."""
        if self._model is None:
            try:
                served = [m["id"] for m in self._request("GET", "models").get("data", [])]
            except _RejectedError:
                served = []  # no /models endpoint: trust the configured name
            except (TypeError, KeyError, AttributeError):
                raise ServerError(f"{self.base_url}/models answered in an unknown format") from None
            if self.requested_model and (self.requested_model in served or not served):
                self._model = self.requested_model
            elif len(served) == 1:
                self._model = served[0]
            elif not served:
                raise ServerError(f"{self.base_url}/models lists no model and none was configured")
            else:
                raise InvalidInputError(
                    f"model {self.requested_model!r} is not served at {self.base_url}; served: {', '.join(served)}"
                )
        return self._model

    def _completions(self, payload: dict, generated: bool = True) -> list[dict]:
        started = time.perf_counter()
        answer = self._request("POST", "completions", {"model": self.model, **payload})
        self.stats.forward_passes += 1
        self.stats.seconds += time.perf_counter() - started
        usage = answer.get("usage") or {}
        self.stats.tokens_in += int(usage.get("prompt_tokens") or 0)
        if generated:  # an echo request generates nothing we keep
            self.stats.tokens_out += int(usage.get("completion_tokens") or 0)
        try:
            choices = sorted(answer["choices"], key=lambda c: c.get("index", 0))
        except (KeyError, TypeError):
            raise ServerError(f"{self.base_url}/completions answered without 'choices': {str(answer)[:200]}") from None
        if len(choices) != len(payload["prompt"]):
            raise ServerError(f"sent {len(payload['prompt'])} prompts, got {len(choices)} choices back")
        return choices

    # ------------------------------------------------------------------ LanguageModel
    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        requests = list(requests)
        for i, (context, continuation) in enumerate(requests):
            check_text(context, f"context {i}")
            check_text(continuation, f"continuation {i}")
            if not context or not continuation:
                raise InvalidInputError(f"request {i}: context and continuation must both be non-empty")
        self.stats.calls += 1
        results: list[tuple[float, bool]] = []
        for start in range(0, len(requests), self.batch_size):
            batch = requests[start : start + self.batch_size]
            prompts = [c + x for c, x in batch]
            choices = self._echo(prompts)
            for (context, _), prompt, choice in zip(batch, prompts, choices):
                logprob, greedy = continuation_logprob(
                    choice.get("logprobs") or {}, len(prompt), split_point(context), drop_last=self._echo_max_tokens
                )
                results.append((logprob, greedy))
        return results

    def _echo(self, prompts: list[str]) -> list[dict]:
        payload = {"prompt": prompts, "echo": True, "logprobs": 1, "temperature": 0.0}
        try:
            return self._completions({**payload, "max_tokens": self._echo_max_tokens}, generated=False)
        except _RejectedError:
            if self._echo_max_tokens:
                raise
            self._echo_max_tokens = 1  # this server refuses max_tokens=0: generate one token and drop it
            return self._completions({**payload, "max_tokens": 1}, generated=False)

    def generate(
        self,
        prompts: Sequence[str],
        max_tokens: int = 64,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
        seed: int = 0,
    ) -> list[str]:
        prompts = check_generate_args(prompts, max_tokens, temperature, allow_empty=True)
        self.stats.calls += 1
        out: list[str] = []
        for start in range(0, len(prompts), self.batch_size):
            payload: dict[str, Any] = {
                "prompt": prompts[start : start + self.batch_size],
                "max_tokens": max_tokens,
                "temperature": float(temperature),
                "seed": int(seed),
            }
            if stop:
                payload["stop"] = list(stop)
            out += [str(c.get("text", "")) for c in self._completions(payload)]
        if stop:  # servers apply stop strings, but cut again in case one ignores them
            out = [_cut(text, stop) for text in out]
        return out

    def close(self) -> None:
        self._client.close()


def _cut(text: str, stop: Sequence[str]) -> str:
    cuts = [text.find(s) for s in stop if s and s in text]
    return text[: min(cuts)] if cuts else text


def build(config: LLMConfig) -> OpenAICompatibleLM:
    """make_llm entry point: needs ``config.base_url`` (or $OPENAI_BASE_URL); $OPENAI_API_KEY is sent if set."""
    base_url = config.base_url or os.environ.get("OPENAI_BASE_URL")
    if not base_url:
        raise InvalidInputError(
            "backend 'openai' needs a server URL: set LLMConfig.base_url (e.g. http://127.0.0.1:8000/v1) "
            "or the OPENAI_BASE_URL environment variable"
        )
    return OpenAICompatibleLM(
        base_url,
        model=config.model,
        timeout_s=config.timeout_s,
        max_retries=config.max_retries,
        api_key=os.environ.get("OPENAI_API_KEY"),
    )
