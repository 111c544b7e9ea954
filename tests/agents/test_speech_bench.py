"""Speech benchmark helpers: word error rate and the instruction list (the run itself is a benchmark, not a test)."""
from __future__ import annotations

import pytest

from agents.speech_bench import audio_file, load_tasks, normalise, wer, words
from compose.errors import InvalidInputError


def test_wer_counts_word_edits():
    assert words("Bring me the 7up-can, please!") == ["bring", "me", "the", "7up", "can", "please"]
    assert wer("bring me the sponge", "bring me the sponge.") == (0, 4)
    assert wer("bring me the sponge", "bring the advantage") == (2, 4)  # one deletion, one substitution
    assert wer("go", "") == (1, 1)


def test_tasks_are_a_fixed_seeded_subset_of_the_dev_file_not_saycan_101():
    every = load_tasks(limit=0)
    assert len(every) == len({t["instruction"] for t in every}) and all(t["id"].startswith("dev-kitchen") for t in every)
    a, b = load_tasks(limit=12, seed=0), load_tasks(limit=12, seed=0)
    assert [t["id"] for t in a] == [t["id"] for t in b] and len(a) == 12
    assert [t["id"] for t in a] != [t["id"] for t in load_tasks(limit=12, seed=1)]
    assert normalise("Bring me the 7up-can, please!") == "bring me the 7up can please"
    with pytest.raises(InvalidInputError, match="no task file"):
        load_tasks("data/tasks/none.jsonl")
    with pytest.raises(InvalidInputError, match="--limit"):
        load_tasks(limit=-1)


def test_synthesised_audio_is_cached(tmp_path):
    import shutil

    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed")
    first = audio_file(tmp_path, "pick up the sponge", "en-us", 150)
    stamp = first.stat().st_mtime_ns
    again = audio_file(tmp_path, "pick up the sponge", "en-us", 150)
    assert again == first and again.stat().st_mtime_ns == stamp and first.stat().st_size > 1000
    assert audio_file(tmp_path, "pick up the sponge", "en-gb", 150) != first


def test_spoken_form_wer_counts_hearing_not_spelling():
    assert words("can u bring 2 chips pls", spoken=True) == ["can", "you", "bring", "two", "chips", "please"]
    assert wer("can u bring 2 chips pls", "Can you bring two chips, please?", spoken=True) == (0, 6)
    assert wer("can u bring 2 chips pls", "Can you bring two chips, please?") == (3, 6)
    assert words("7up", spoken=True) == ["7up"]
