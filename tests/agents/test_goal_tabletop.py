"""The tabletop's goal mode: grammar, mention check, perceived state, shortest plans (exhaustive small cases), the
chooser and planner on a scripted LLM, and one episode with the real small model in the real simulator."""
from __future__ import annotations

import itertools

import pytest

from agents.planners.goal import GoalChooser, GoalPlanner
from agents.planners.goal_tabletop import (TableMentions, belief_from_detections, plan_on_table, tabletop_atoms,
                                           tabletop_clash)
from compose.llm.fake import FakeLLM
from envs.tabletop.goals import check_goal, validate_goal
from envs.tabletop.layout import BLOCK_SIZE
from envs.tabletop.symbolic import initial_state, run_plan
from envs.tabletop.vocab import skill_texts

INIT = {"blocks": ["red", "green", "blue"], "bowls": ["blue", "yellow"]}
NAMES = ["red block", "green block", "blue block", "blue bowl", "yellow bowl"]


def _detections(state):
    return [{"name": n, "x": o["pos"][0], "y": o["pos"][1], "top": o["pos"][2] + BLOCK_SIZE / 2}
            for n, o in state["objects"].items()]


def test_every_atom_is_a_valid_goal_with_a_unique_sentence_and_a_plan_that_reaches_it():
    atoms = tabletop_atoms(NAMES)
    assert len({a.sentence for a in atoms}) == len(atoms)
    assert {a.kind for a in atoms} == {"tt-on", "tt-count", "tt-each", "tt-stack"}  # one colour pair: no sorting
    state = initial_state(INIT, 3)
    skills = skill_texts(INIT["blocks"], INIT["bowls"])
    for a in atoms:
        validate_goal(a.goal)
        plan = plan_on_table(state, a.goal, skills)
        assert plan is not None, a.sentence
        assert check_goal(a.goal, run_plan(INIT, 3, plan)[0]), a.sentence


def test_sorting_needs_two_colour_pairs_and_is_reached():
    init = {"blocks": ["red", "blue"], "bowls": ["red", "blue"]}
    names = ["red block", "blue block", "red bowl", "blue bowl"]
    sort = [a for a in tabletop_atoms(names) if a.kind == "tt-sort"]
    assert [a.sentence for a in sort] == ["put each block in the bowl of its colour"]
    plan = plan_on_table(initial_state(init, 0), sort[0].goal, skill_texts(init["blocks"], init["bowls"]))
    assert len(plan) == 2 and check_goal(sort[0].goal, run_plan(init, 0, plan)[0])


def test_clash_rejects_two_places_for_one_block_and_two_towers():
    by = {a.sentence: a for a in tabletop_atoms(NAMES)}
    red_blue = by["put the red block in the blue bowl"]
    assert tabletop_clash([red_blue], by["put the red block in the yellow bowl"])
    assert not tabletop_clash([red_blue], by["put the red block in the top left corner"])  # a bowl can be there
    assert not tabletop_clash([red_blue], by["put the green block on the red block"])
    assert tabletop_clash([by["stack two blocks"]], by["stack all the blocks"])
    assert tabletop_clash([by["put a block in the blue bowl"]], by["put two blocks in the blue bowl"])
    for a, b in itertools.combinations(tabletop_atoms(NAMES), 2):
        if not tabletop_clash([a], b):  # what may be joined is a valid goal
            validate_goal({"all": [a.goal, b.goal]})


def test_belief_from_detections_reads_stacks_and_bowls():
    state, results = run_plan(INIT, 1, ["pick the red block and place it on the green block",
                                        "pick the blue block and place it on the yellow bowl"])
    assert all(ok for ok, _ in results)
    belief = belief_from_detections(_detections(state))
    assert belief["objects"]["red block"]["support"] == "green block"
    assert belief["objects"]["blue block"]["support"] == "yellow bowl"
    assert belief["objects"]["green block"]["support"] == "table" and belief["holding"] is None


def test_mentions_colours_typos_negations_regions_order_and_counts():
    m = TableMentions("move the gren block to the top left and the red one to the bottom right corner", NAMES)
    assert m.colours == {"green", "red"} and not m.ruled_out
    assert m.regions == {"top left corner", "bottom right corner"}
    assert m.order == ["colour:green:block", "region:top left corner", "colour:red", "region:bottom right corner"]
    assert m.need == {"obj:green block", "colour:red", "region:top left corner", "region:bottom right corner"}
    by = {a.sentence: a for a in tabletop_atoms(NAMES)}
    assert m.bonus(by["put the green block in the top left corner"]) > m.bonus(
        by["put the green block in the bottom right corner"])
    assert not m.allowed(by["put the green block in the middle"])  # a region nobody named
    names = ["yellow block", "blue block", "green block", "blue bowl", "yellow bowl"]
    k = TableMentions("put the yellow block in the blue bowl and the green one in the middle", names)
    assert k.need == {"obj:yellow block", "obj:blue bowl", "colour:green", "region:middle"}
    by2 = {a.sentence: a for a in tabletop_atoms(names)}
    assert k.bonus(by2["put the blue block in the yellow bowl"]) < k.bonus(by2["put the yellow block in the blue bowl"])
    assert not k.covers(by2["put the blue block on the green block"]) >= {"obj:blue bowl"}  # the blue *bowl* was named
    n = TableMentions("put every block except the yellow one in the gray bowl",
                      ["yellow block", "cyan block", "purple block", "gray bowl"])
    assert n.ruled_out == {"yellow"} and n.all and n.n_wanted == 2
    atoms = {a.sentence: a for a in tabletop_atoms(["yellow block", "cyan block", "purple block", "gray bowl"])}
    assert not n.allowed(atoms["put all the blocks in the gray bowl"])
    assert n.allowed(atoms["put two blocks in the gray bowl"])
    assert not n.allowed(atoms["put the yellow block in the gray bowl"])
    assert n.avoid(["pick the yellow block and place it on the gray bowl",
                    "pick the cyan block and place it on the yellow block",
                    "pick the cyan block and place it on the gray bowl"]) == {
        "pick the yellow block and place it on the gray bowl", "pick the cyan block and place it on the yellow block"}
    g = TableMentions("move the green block into a bowl that isn't green", ["green block", "green bowl", "red bowl"])
    assert g.excluded == {"green bowl"} and g.colours == {"green"}
    r = TableMentions("put any block that isn't red in the blue bowl", NAMES)
    assert r.excluded == {"red block"} and r.colours == {"blue"}
    y = TableMentions("don't put anything in the yellow bowl; put the cyan block in the other bowl")
    assert y.excluded == {"yellow bowl"}
    o = TableMentions("the blue block in the blue bowl and the other block in the top right corner", NAMES)
    blue_bowl, blue_corner = by["put the blue block in the blue bowl"], by["put the blue block in the top right corner"]
    assert o.bonus(blue_corner, [blue_bowl]) < o.bonus(by["put the red block in the top right corner"], [blue_bowl])
    assert TableMentions("put a block in each of the top corners").regions == {"top left corner", "top right corner"}
    assert TableMentions("stack two blocks").number == 2 and not TableMentions("stack two blocks").all
    assert TableMentions("sort them into the matching bowls").sort


def _chooser_llm(target: str):
    """Prefers the words of ``target`` and the period after it (as in test_goal_planner)."""
    want = target.rstrip(".")

    def scorer(ctx, option):
        tail = (ctx.split("Goal:")[-1].strip() + option).strip()
        if want.startswith(tail.rstrip(".")) or tail == want + ".":
            return -0.1 if (tail == want + "." or not option.endswith(".")) else -5.0
        if tail in want.split(" and "):
            return -0.5
        return -8.0 - 0.1 * len(option.split())

    return FakeLLM(scorer=scorer)


def test_a_block_goes_where_its_clause_puts_it():
    names = NAMES + ["yellow block"]
    m = TableMentions("put the red block on the green block, then the blue one into the yellow bowl", names)
    assert m.pairs == {"red": "colour:green:block", "blue": "colour:yellow:bowl"}
    by_sentence = {a.sentence: a for a in tabletop_atoms(names)}
    assert m.allowed(by_sentence["put the red block on the green block"])
    assert m.allowed(by_sentence["put the green block on the red block"])  # green is not paired
    assert not m.allowed(by_sentence["put the red block in the yellow bowl"])
    assert not m.allowed(by_sentence["put the blue block on the green block"])
    # a target said by reference or relation, or in another clause, binds nothing
    assert TableMentions("put the red block in the bowl of the same colour as the blue block", names).pairs == {}
    assert TableMentions("put the red block and the green block in the blue bowl", names).pairs == {
        "green": "colour:blue:bowl"}


@pytest.mark.parametrize("target, request_", [
    ("put the red block in the yellow bowl", "the red one in the yellow bowl"),
    ("stack all the blocks", "make one tower"),
    ("put the green block in the top left corner and put the red block in the bottom right corner",
     "green to the top left, red to the bottom right"),
])
def test_chooser_with_the_mention_check_finds_singles_and_conjunctions(target, request_):
    atoms = tabletop_atoms(NAMES)
    men = TableMentions(request_, NAMES)
    chooser = GoalChooser(_chooser_llm(target), norm="mean", shortlist=0, atoms=atoms, rank="first",
                          prior=men.bonus, prior_weight=0.3)
    choice = chooser.choose("Header.\n\n", "objects = [...]", request_, check=men)
    assert choice.sentence == target + "."


def test_goal_planner_plans_from_the_perceived_table_and_avoids_what_is_ruled_out():
    from agents.planners import StepContext

    target = "put a block in the blue bowl"
    planner = GoalPlanner(_chooser_llm(target), options=GoalPlanner.Options(score_norm="mean"))
    state = initial_state(INIT, 2)
    request = "put any block that isn't red in the blue bowl"
    planner.reset(request, _detections(state))
    assert planner.choice.sentence == target + "."
    texts = tuple(skill_texts())
    ctx = StepContext(request, (), (), texts, None, _detections(state), "tabletop")
    d = planner.choose(ctx)
    assert d.extras["plan"][-1] == "done" and len(d.extras["plan"]) == 2
    assert d.skill == texts[d.index] and "red" not in d.skill.split(" and ")[0]
    after = run_plan(INIT, 2, [d.skill])[0]
    assert check_goal({"on": ["class:block", "blue bowl"]}, after)
    assert planner.choose(StepContext(request, (d.skill,), ((True, "ok"),), texts, None, _detections(after),
                                      "tabletop")).skill == "done"


@pytest.mark.slow
def test_real_model_goal_episode_on_the_tabletop():
    """SmolLM2 chooses the goal, the shortest plan is executed in PyBullet."""
    from agents.config import EpisodeConfig
    from agents.tabletop import run_episode

    task = {"id": "t-goal", "world": "tabletop", "instruction": "could you put the green block onto the yellow bowl",
            "init": {"blocks": ["red", "green"], "bowls": ["blue", "yellow"]},
            "goal": {"on": ["green block", "yellow bowl"]}}
    rec = run_episode(task, EpisodeConfig(mode="goal", max_steps=4, render=False), seed=0)
    assert rec["steps"][0]["extras"]["goal_sentence"] == "put the green block in the yellow bowl."
    assert rec["plan"] == ["pick the green block and place it on the yellow bowl", "done"]
    assert rec["plan_success"] and rec["exec_success"]
