"""bfloat16 scoring on the real small model: within a tolerance of float32, same best option."""
import numpy as np
import pytest

from compose.llm import LLMConfig, make_llm

TOLERANCE = 0.75  # nats per option; benchmarks/dtype.py measured at most 0.35 on SmolLM2 (docs/scoring.md)
HEAD = ("Human: put the orange on the table\nRobot: 1. find an orange, 2. pick up the orange, 3. go to the table, "
        "4. put down the orange, 5. done.\n")
PROMPTS = [
    (HEAD + "Human: put the apple on the table\nRobot: 1. ",
     ["find an apple", "find a sponge", "done"]),
    (HEAD + "Human: put the apple on the table\nRobot: 1. find an apple, 2. pick up the apple, 3. ",
     ["go to the table", "find a coke can", "open the drawer"]),
    ("The capital of France is", [" Paris", " a banana", " seven"]),
]


@pytest.fixture(scope="module")
def pair():
    return make_llm(LLMConfig(dtype="float32")), make_llm(LLMConfig(dtype="bfloat16"))


@pytest.mark.slow
def test_bfloat16_matches_float32_within_tolerance(pair):
    lm32, lm16 = pair
    assert lm32.model.dtype.is_floating_point and str(lm16.model.dtype) == "torch.bfloat16"
    worst = 0.0
    for context, options in PROMPTS:
        s32 = np.asarray(lm32.score_options(context, options))
        s16 = np.asarray(lm16.score_options(context, options))
        assert np.all(np.isfinite(s16))
        worst = max(worst, float(np.max(np.abs(s32 - s16))))
        assert int(np.argmax(s32)) == int(np.argmax(s16)) == 0, (context[-40:], s32, s16)
    assert 0.0 < worst < TOLERANCE  # bf16 really ran (not the fp32 weights), and stayed close


def test_unknown_dtype_is_a_clear_error():
    from compose.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="unknown dtype"):
        make_llm(LLMConfig(dtype="float7"))
