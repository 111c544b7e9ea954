"""The example bank and the goal prompts' examples hold no instruction of any shipped task file, nor a near copy of
one (MiniLM cosine >= 0.9)."""
from __future__ import annotations

import glob
import json
from pathlib import Path

import numpy as np
import pytest

from agents.planners.examples import ExampleBank, load_bank
from agents.planners.goal_grammar import goal_of_sentence, resolve_here, resolve_near
from envs.kitchen.goals import validate_goal, validate_init

ROOT = Path(__file__).resolve().parents[2]
NEAR = 0.9


def shipped_instructions() -> list[str]:
    files = sorted(glob.glob(str(ROOT / "data/tasks/*.jsonl")) + glob.glob(str(ROOT / "data/navgraph/tasks_*.jsonl")))
    assert any(f.endswith("saycan_101.jsonl") for f in files)
    out = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            out += [json.loads(line)["instruction"] for line in fh if line.strip()]
    return out


def _norm(t: str) -> str:
    return " ".join(t.lower().replace(",", " ").replace(".", " ").replace("?", " ").replace("!", " ").split())


def test_bank_is_large_valid_and_covers_every_kind():
    bank = load_bank("kitchen")
    assert len(bank) >= 300
    kinds = {r["kind"] for r in bank}
    assert {"give", "trash", "put", "drawer_close", "hold", "go", "class_give", "count", "except", "two_give",
            "held_put", "from_drawer", "pick", "find", "down"} <= kinds
    for r in bank:
        validate_init(r["init"])
        validate_goal(r["goal"])
        i = r["init"]  # a 'find' sentence's goal is where the object is in the start state
        assert resolve_here(resolve_near(goal_of_sentence(r["goal_sentence"]), i["robot"], i["holding"],
                                         [tuple(p) for p in i["objects"]]), i["robot"]) == r["goal"]
        assert r["plan"][-1] == "done"


def prompt_requests() -> list[str]:
    """The requests of the goal prompts' fixed examples ('Request: ...' lines of compose/prompts/goal_*.txt)."""
    out = []
    for f in sorted(glob.glob(str(ROOT / "compose/prompts/goal_*.txt"))):
        out += [line.split(":", 1)[1].strip() for line in Path(f).read_text(encoding="utf-8").splitlines()
                if line.startswith("Request:") and line.split(":", 1)[1].strip()]
    return out


def test_no_shipped_instruction_is_a_goal_prompt_example():
    requests = prompt_requests()
    assert len(requests) >= 25  # the kitchen's and the tabletop's
    shipped = {_norm(t) for t in shipped_instructions()}
    assert not [r for r in requests if _norm(r) in shipped]


def test_no_shipped_instruction_is_in_the_bank():
    bank = {_norm(r["instruction"]) for r in load_bank("kitchen")}
    clashes = [t for t in shipped_instructions() if _norm(t) in bank]
    assert not clashes, f"{len(clashes)} shipped instruction(s) are in the bank"


@pytest.mark.slow
def test_no_bank_instruction_is_a_near_copy_of_a_shipped_one():
    from compose.tools.embedder import TextEmbedder

    emb = TextEmbedder()
    bank = [r["instruction"] for r in load_bank("kitchen")] + prompt_requests()
    shipped = shipped_instructions()
    sims = np.asarray(emb.embed(bank)) @ np.asarray(emb.embed(shipped)).T
    n_near = int((sims >= NEAR).any(axis=1).sum())
    # only a count is reported: the evaluation instructions are not printed next to the bank
    assert n_near == 0, f"{n_near} bank or prompt instruction(s) are near copies (cosine >= {NEAR}) of shipped ones"


def test_retrieval_orders_most_similar_last():
    class Bag:  # a bag-of-words embedder: enough to check the ordering logic
        vocab = ["apple", "drawer", "trash", "table"]

        def embed(self, texts):
            v = np.array([[t.count(w) for w in self.vocab] for t in texts], dtype=float) + 1e-3
            return v / np.linalg.norm(v, axis=1, keepdims=True)

    rows = [{"instruction": t, "scene": "s", "goal_sentence": "g.", "plan": ["done"]}
            for t in ("apple to the trash", "drawer drawer", "table table")]
    bank = ExampleBank(rows, Bag(), k=2)
    near = bank.nearest("the apple please, trash")
    assert near[-1]["instruction"] == "apple to the trash" and len(near) == 2
    assert bank.prompt_for("apple", "Header line\nrest").startswith("Header line\n\n")
    assert "Human: apple to the trash\nRobot: 1. done." in bank.dialog_for("apple trash", "intro1\nintro2\nx\n")


def test_masked_retrieval_finds_the_same_kind_of_request_not_the_same_object():
    class Bag:
        vocab = ["find", "bring", "apple", "sponge", "item"]

        def embed(self, texts):
            v = np.array([[t.split().count(w) for w in self.vocab] for t in texts], dtype=float) + 1e-3
            return v / np.linalg.norm(v, axis=1, keepdims=True)

    rows = [{"instruction": t, "scene": "s", "goal_sentence": "g.", "plan": ["done"]}
            for t in ("bring the apple", "find the sponge")]
    assert ExampleBank(rows, Bag(), k=1).nearest("find the apple")[0]["instruction"] == "bring the apple"
    assert ExampleBank(rows, Bag(), k=1, mask=True).nearest("find the apple")[0]["instruction"] == "find the sponge"
