"""The "openai" backend against an in-process fake OpenAI-compatible server on 127.0.0.1 (real sockets, real HTTP)."""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from compose.errors import InvalidInputError, ServerError
from compose.llm import LLMConfig, make_llm
from compose.llm.openai_server import OpenAICompatibleLM, continuation_logprob, normalize_base_url, split_point


def fake_tokens(text: str) -> list[str]:
    """GPT-2-like pre-tokenisation: a word with its leading space is one token."""
    return re.findall(r" ?[^ ]+| +", text)


def fake_logprob(token: str) -> float:
    return -0.25 * len(token) - 0.125


def echo_logprobs(prompt: str, greedy_words=("pick",), extra: int = 0) -> dict:
    """What a server returns for an echoed prompt; ``extra`` generated tokens are appended after the prompt."""
    tokens = fake_tokens(prompt) + ["<gen>"] * extra
    offsets, pos = [], 0
    for t in tokens:
        offsets.append(pos)
        pos += len(t)
    lps = [None] + [fake_logprob(t) for t in tokens[1:]]
    tops = [None]
    for t, lp in zip(tokens[1:], lps[1:]):
        best = lp if t.strip() in greedy_words else lp + 1.0  # another token is likelier unless greedy
        tops.append({t: lp} if t.strip() in greedy_words else {"<other>": best})
    return {"tokens": tokens, "token_logprobs": lps, "text_offset": offsets, "top_logprobs": tops}


class FakeServer:
    """A tiny OpenAI-compatible server. ``mode`` picks a behaviour; ``hits`` counts requests per path."""

    def __init__(self, mode: str = "ok", delay: float = 0.0, echo=None):
        self.mode, self.delay, self.echo = mode, delay, echo or echo_logprobs
        self.hits: dict[str, int] = {}
        self.payloads: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def _send(self, status: int, body: dict | str):
                data = (json.dumps(body) if isinstance(body, dict) else body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                if self.path == "/v1/models":
                    return self._send(200, {"object": "list", "data": [{"id": "/models/smollm2-135m"}]})
                self._send(404, {"error": "not found"})

            def do_POST(self):
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.payloads.append(body)
                if server.delay:
                    time.sleep(server.delay)
                if server.mode == "500":
                    return self._send(500, {"error": "engine crashed"})
                if server.mode == "400":
                    return self._send(400, {"error": "bad request"})
                if server.mode == "no-zero" and body.get("echo") and body["max_tokens"] == 0:
                    return self._send(400, {"error": "max_tokens must be at least 1"})
                if self.path != "/v1/completions":
                    return self._send(404, {"error": "not found"})
                return self._send(200, server.complete(body))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def complete(self, body: dict):
        prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
        if body.get("echo"):
            extra = body["max_tokens"]
            choices = [
                {"index": i, "text": p + "<gen>" * extra, "logprobs": self.echo(p, extra=extra)}
                for i, p in enumerate(prompts)
            ]
        else:
            choices = [{"index": i, "text": f" reply {i} then STOP more"} for i in range(len(prompts))]
        choices.reverse()  # servers may answer out of order: the client sorts by index
        return {"choices": choices, "usage": {"prompt_tokens": 3 * len(prompts), "completion_tokens": 1}}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def expected(context: str, continuation: str) -> float:
    prompt = context + continuation
    tokens, pos, total = fake_tokens(prompt), 0, 0.0
    boundary = len(context.rstrip())
    for t in tokens:
        if pos + len(t) > boundary:
            total += fake_logprob(t)
        pos += len(t)
    return total


def test_sums_continuation_logprobs_including_straddling_token():
    with FakeServer() as srv, OpenAICompatibleLM(srv.url, max_retries=0) as lm:
        # "Robot: " + "pick up the sponge": the token " pick" straddles the boundary and belongs to the continuation
        pairs = [("Robot:", " pick up the sponge"), ("Robot: ", "pick up the sponge"), ("I want a", " coke can")]
        out = lm.loglikelihood(pairs)
        assert [round(lp, 9) for lp, _ in out] == [round(expected(c, x), 9) for c, x in pairs]
        assert out[0][0] == pytest.approx(fake_logprob(" pick") + fake_logprob(" up") + fake_logprob(" the")
                                          + fake_logprob(" sponge"))
        assert out[0][0] == pytest.approx(out[1][0])  # same tokens, the space moved across the boundary
        assert [g for _, g in out] == [False, False, False]
        body = srv.payloads[-1]
        assert body["echo"] is True and body["max_tokens"] == 0 and body["logprobs"] >= 1
        assert body["prompt"] == [c + x for c, x in pairs]  # one batched request
        assert body["model"] == "/models/smollm2-135m"  # asked /v1/models: the only served model
        assert lm.stats.forward_passes == 1 and lm.stats.tokens_in == 9


def test_greedy_flag_and_score_options():
    with FakeServer() as srv, OpenAICompatibleLM(srv.url, max_retries=0) as lm:
        (lp, greedy), = lm.loglikelihood([("Robot: I will", " pick")])
        assert greedy and lp == pytest.approx(fake_logprob(" pick"))
        scores = lm.score_options("Robot: I will", [" pick", " pick up", " find"])
        assert scores == pytest.approx([fake_logprob(" pick"), fake_logprob(" pick") + fake_logprob(" up"),
                                        fake_logprob(" find")])


def test_straddling_token_inside_a_word():
    # "abc" + "def" tokenised as "ab" | "cde" | "f": "cde" carries continuation text, so it is scored
    data = {"tokens": ["ab", "cde", "f"], "token_logprobs": [None, -1.0, -2.0], "text_offset": [0, 2, 5],
            "top_logprobs": [None, {"cde": -1.0}, {"x": -0.5}]}
    assert continuation_logprob(data, prompt_len=6, boundary=3) == (-3.0, False)
    # a generated token after the prompt is ignored (max_tokens=1 fallback)
    data2 = {k: v + [w] for (k, v), w in zip(data.items(), ["g", -9.0, 6, {"g": -9.0}])}
    assert continuation_logprob(data2, prompt_len=6, boundary=3, drop_last=1) == (-3.0, False)
    assert continuation_logprob(data2, prompt_len=6, boundary=5) == (-2.0, False)
    assert split_point("Robot:  ") == 6 and split_point("   ") == 3


def test_batches_requests_in_order():
    pairs = [(f"context number {i}", f" option {'x' * i}") for i in range(7)]
    with FakeServer() as srv, OpenAICompatibleLM(srv.url, max_retries=0, batch_size=3) as lm:
        out = lm.loglikelihood(pairs)
        assert srv.hits["/v1/completions"] == 3
    assert [lp for lp, _ in out] == pytest.approx([expected(c, x) for c, x in pairs])


def test_falls_back_to_max_tokens_1_when_0_is_refused():
    with FakeServer("no-zero") as srv, OpenAICompatibleLM(srv.url, max_retries=0) as lm:
        out = lm.loglikelihood([("Robot:", " pick up the sponge")])
        assert out[0][0] == pytest.approx(expected("Robot:", " pick up the sponge"))
        assert [p["max_tokens"] for p in srv.payloads] == [0, 1]
        lm.loglikelihood([("Robot:", " find")])
        assert srv.payloads[-1]["max_tokens"] == 1  # remembered


def test_generate_sends_sampling_fields_and_cuts_stop():
    with FakeServer() as srv, OpenAICompatibleLM(srv.url, model="/models/smollm2-135m", max_retries=0) as lm:
        out = lm.generate(["a", "b"], max_tokens=5, stop=["STOP"], temperature=0.7, seed=3)
        assert out == [" reply 0 then ", " reply 1 then "]
        body = srv.payloads[-1]
        assert (body["max_tokens"], body["stop"], body["temperature"], body["seed"]) == (5, ["STOP"], 0.7, 3)
        with pytest.raises(InvalidInputError):
            lm.generate(["a"], max_tokens=0)


def test_server_500_raises_after_bounded_retries():
    with FakeServer("500") as srv, OpenAICompatibleLM(srv.url, model="m", max_retries=2, backoff_s=0.01) as lm:
        with pytest.raises(ServerError, match=r"HTTP 500.*engine crashed") as err:
            lm.generate(["hello"])
        assert srv.hits["/v1/completions"] == 3
        assert "3 attempt" in str(err.value) and srv.url in str(err.value)


def test_4xx_is_not_retried():
    with FakeServer("400") as srv, OpenAICompatibleLM(srv.url, model="m", max_retries=3, backoff_s=0.01) as lm:
        with pytest.raises(ServerError, match="rejected.*HTTP 400"):
            lm.generate(["hello"])
        assert srv.hits["/v1/completions"] == 1


def test_slow_server_times_out():
    with FakeServer(delay=3.0) as srv:
        lm = OpenAICompatibleLM(srv.url, model="m", timeout_s=0.3, max_retries=1, backoff_s=0.01)
        started = time.monotonic()
        with pytest.raises(ServerError, match=r"no answer within 0.3 s"):
            lm.loglikelihood([("a b", " c")])
        assert time.monotonic() - started < 2.5
        assert srv.hits["/v1/completions"] == 2
        lm.close()


def test_down_server_raises_server_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    lm = OpenAICompatibleLM(f"http://127.0.0.1:{port}", max_retries=1, backoff_s=0.01, timeout_s=2)
    assert lm.base_url.endswith(f":{port}/v1")
    with pytest.raises(ServerError, match=r"cannot connect.*ConnectError") as err:
        lm.score_options("Robot:", [" pick up the sponge"])
    assert f"127.0.0.1:{port}/v1/models" in str(err.value) and "2 attempt" in str(err.value)


def test_make_llm_and_config_errors():
    with FakeServer() as srv:
        lm = make_llm(LLMConfig(backend="openai", base_url=srv.url, model="smollm2-135m", timeout_s=5))
        assert isinstance(lm, OpenAICompatibleLM) and lm.timeout_s == 5
        assert lm.model == "/models/smollm2-135m"  # configured name not served; the only served one is used
        lm.close()
    with pytest.raises(InvalidInputError, match="base_url"):
        make_llm(LLMConfig(backend="openai", base_url=None))
    with pytest.raises(InvalidInputError, match="not an http"):
        normalize_base_url("ftp://x")
    with FakeServer() as srv, OpenAICompatibleLM(srv.url) as lm:
        with pytest.raises(InvalidInputError):
            lm.loglikelihood([("", "x")])


@pytest.mark.slow
def test_real_model_behind_the_fake_server_matches_transformers(monkeypatch):
    """Echo log-probs computed vLLM-style (offsets from decoded tokens) by the real smollm2-135m."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import torch

    from envs.kitchen.language import kitchen_skill_texts

    ref = make_llm(LLMConfig(backend="transformers", model="smollm2-135m"))
    tok = ref.tokenizer

    def echo(prompt: str, extra: int = 0) -> dict:
        ids = ref.bos + tok(prompt, add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            logp = torch.log_softmax(ref.model(torch.tensor([ids])).logits[0].float(), -1)
        tokens = [tok.decode([i]) for i in ids]
        offsets = [sum(len(t) for t in tokens[:j]) for j in range(len(ids))]
        lps = [None] + [logp[j - 1, ids[j]].item() for j in range(1, len(ids))]
        tops = [None] + [{tok.decode([int(logp[j - 1].argmax())]): logp[j - 1].max().item()} for j in range(1, len(ids))]
        return {"tokens": tokens, "token_logprobs": lps, "text_offset": offsets, "top_logprobs": tops}

    options = kitchen_skill_texts()[::12]
    contexts = ["Human: I spilled my coke, can you help?\nRobot: I would 1. ", "Human: throw away the apple\nRobot:"]
    with FakeServer(echo=echo) as srv, OpenAICompatibleLM(srv.url, timeout_s=600, max_retries=0) as lm:
        for context in contexts:
            opts = options if context.endswith(" ") else [" " + o for o in options]
            got, want = lm.loglikelihood([(context, o) for o in opts]), ref.loglikelihood([(context, o) for o in opts])
            assert [g for _, g in got] == [w for _, w in want]
            assert [lp for lp, _ in got] == pytest.approx([lp for lp, _ in want], abs=1e-3)
        (lp, greedy), = lm.loglikelihood([("The capital of France is", " Paris")])
        assert greedy and lp > -3
