"""Speech benchmark helpers: word error rate and the instruction list (the run itself is a benchmark, not a test)."""
from __future__ import annotations

import pytest

from agents.speech_bench import instructions, wer, words
from compose.errors import InvalidInputError


def test_wer_counts_word_edits():
    assert words("Bring me the 7up-can, please!") == ["bring", "me", "the", "7up", "can", "please"]
    assert wer("bring me the sponge", "bring me the sponge.") == (0, 4)
    assert wer("bring me the sponge", "bring the advantage") == (2, 4)  # one deletion, one substitution
    assert wer("go", "") == (1, 1)


def test_instructions_come_from_task_files_not_saycan_101():
    texts = instructions(8)
    assert len(texts) == 8 and texts[0] == "Could you fetch the sponge for me?"
    with pytest.raises(InvalidInputError, match="no task file"):
        instructions(4, "data/tasks/none.jsonl")
