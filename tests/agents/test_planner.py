"""SayCan's planning rule on a deterministic fake LLM: scoring x affordance, closed loop, stopping, modes."""
import numpy as np
import pytest

from agents.config import EpisodeConfig
from agents.planner import SayCanPlanner, load_prompt
from compose.errors import InvalidInputError, UnknownNameError
from compose.llm import LLMConfig
from compose.llm.fake import FakeLLM
from envs.kitchen.goals import plan_success
from envs.kitchen.state import KitchenState, apply_skill
from envs.kitchen.language import kitchen_skill_texts

TEXTS = kitchen_skill_texts()
PROMPT = load_prompt("saycan_kitchen")


def scripted(plan):
    """A fake LLM that prefers, after k steps, the k-th step of ``plan`` (and 'done' afterwards)."""
    def scorer(context, option):
        k = context.count(", ") - PROMPT.count(", ")  # steps so far in this dialog turn
        want = plan[k] if k < len(plan) else "done"
        return -0.1 if option == want else -5.0 - 0.01 * len(option)
    return FakeLLM(scorer=scorer)


def test_context_is_saycan_dialog():
    ctx = SayCanPlanner.context("P\n", "bring me a coke", ["find a coke can", "pick up the coke can"])
    assert ctx == "P\nHuman: bring me a coke\nRobot: 1. find a coke can, 2. pick up the coke can, 3. "


def test_prompt_has_no_evaluation_instruction():
    import csv

    with open("data/saycan/saycan_initial_condition_for_dataset_v0.tsv", newline="") as f:
        queries = [row[1].strip().lower() for row in csv.reader(f, delimiter="\t")][1:]
    humans = [line[7:].strip().lower() for line in PROMPT.splitlines() if line.startswith("Human: ")]
    assert humans and not set(humans) & set(queries)


def test_affordance_overrides_the_llm():
    llm = FakeLLM(scorer=lambda c, o: -0.1 if o == "pick up the sponge" else -3.0)
    aff = np.full(len(TEXTS), 0.5)
    aff[TEXTS.index("pick up the sponge")] = 0.0  # not reachable here
    saycan = SayCanPlanner(llm, PROMPT, mode="saycan").choose("bring me a sponge", [], TEXTS, aff)
    llm_only = SayCanPlanner(llm, PROMPT, mode="llm").choose("bring me a sponge", [], TEXTS, aff)
    assert llm_only.skill == "pick up the sponge"
    assert saycan.skill != "pick up the sponge"
    assert saycan.combined == pytest.approx(saycan.llm_prob * saycan.affordance)
    assert len(saycan.top) == 5 and saycan.top[0].skill == saycan.skill
    assert sum(c.combined for c in saycan.top) <= 1.0


def test_closed_loop_on_symbolic_kitchen_reaches_goal_and_stops():
    plan = ["find a sponge", "pick up the sponge", "bring it to you", "put down the sponge"]
    planner = SayCanPlanner(scripted(plan), PROMPT, mode="saycan")
    state = KitchenState.from_init({"objects": [["sponge", "far counter"], ["coke can", "table"]]})
    history = []
    for _ in range(10):
        d = planner.choose("bring me a sponge", history, TEXTS, np.ones(len(TEXTS)))
        history.append(d.skill)
        if d.skill == "done":
            break
        state, ok, _ = apply_skill(state, d.skill)
        assert ok
    assert history == plan + ["done"]
    assert ("sponge", "user") in state.objects
    task = {"init": {"objects": [["sponge", "far counter"]]}, "goal": {"at": ["sponge", "user"]}}
    assert plan_success(task, history)


def test_same_inputs_same_decision():
    a = SayCanPlanner(FakeLLM(seed=3), PROMPT).choose("tidy up", ["go to the table"], TEXTS, np.ones(len(TEXTS)))
    b = SayCanPlanner(FakeLLM(seed=3), PROMPT).choose("tidy up", ["go to the table"], TEXTS, np.ones(len(TEXTS)))
    assert a.as_dict() == b.as_dict()


def test_generative_maps_free_text_to_nearest_skill():
    class Embedder:  # bag-of-words embedding, enough to test the mapping
        vocab = sorted({w for t in TEXTS + ["grab", "the"] for w in t.split()})

        def embed(self, texts):
            m = np.array([[t.split().count(w) for w in self.vocab] for t in texts], dtype=float)
            return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)

    llm = FakeLLM(responses=["pick up the sponge please"])
    d = SayCanPlanner(llm, PROMPT, mode="generative", embedder=Embedder()).choose("x", [], TEXTS, None)
    assert d.generated == "pick up the sponge please" and d.skill == "pick up the sponge"


def test_oracle_and_bad_modes():
    p = SayCanPlanner(None, PROMPT, mode="oracle-plan", oracle_plan=["go to the table"])
    assert p.choose("x", [], TEXTS, None).skill == "go to the table"
    assert p.choose("x", ["go to the table"], TEXTS, None).skill == "done"
    with pytest.raises(UnknownNameError, match="saycan"):
        SayCanPlanner(None, PROMPT, mode="nonsense")
    with pytest.raises(InvalidInputError):
        SayCanPlanner(FakeLLM(), PROMPT).choose("  ", [], TEXTS, np.ones(len(TEXTS)))
    with pytest.raises(InvalidInputError, match="not a skill"):
        SayCanPlanner(None, PROMPT, mode="oracle-plan", oracle_plan=["fly"]).choose("x", [], TEXTS, None)


@pytest.mark.slow
def test_physical_episode_with_fake_llm_is_deterministic():
    from agents.kitchen_episode import run_episode

    plan = ["find a sponge", "pick up the sponge", "bring it to you", "put down the sponge"]
    task = {"id": "t", "instruction": "bring me a sponge", "init": {"objects": [["sponge", "far counter"]]},
            "goal": {"at": ["sponge", "user"]}}
    config = EpisodeConfig(mode="saycan", llm=LLMConfig(backend="fake"), render=False)
    r1 = run_episode(task, config, seed=1, llm=scripted(plan))
    r2 = run_episode(task, config, seed=1, llm=scripted(plan))
    assert r1["plan"] == plan + ["done"] and r1["exec_success"] and r1["plan_success"]
    for r in (r1, r2):
        r.pop("timing")
    assert r1 == r2
