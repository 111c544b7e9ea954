"""Goal-directed planning (``--mode goal``): the LLM chooses *what should be true*, a symbolic planner does the rest.

1. The robot's perception becomes a scene line (``agents.planners.scene``); the few-shot prompt maps requests to
   goal sentences (fixed examples, or the k most similar ones of the example bank, ``--set examples=retrieved``).
2. Every single-predicate sentence of the goal grammar (``agents.planners.goal_grammar``) is scored exactly in one
   trie pass, with the chosen normalisation (``--set score_norm=sum|mean|pmi``); a beam over predicates extends
   the best ones with `` and <predicate>`` only where that beats ending them with ``.`` (exact log-probs). Goals
   are ranked by their first predicate's calibrated score, then by how much their extensions beat ending.
3. Each step, Dijkstra over the symbolic model plans from the perceived belief to the goal
   (``agents.planners.kitchen_search``) and the first skill is executed; after a failure the next call replans from
   what the robot now perceives, with a growing penalty on the skill that failed (a repetition guard).

The chosen goal (sentence, JSON, score, runners-up) goes into ``Decision.extras`` at every step.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from typing import Protocol

import numpy as np

from agents.planners.base import Decision, Planner, StepContext, register_planner
from agents.planners.kitchen_check import KitchenCheck
from agents.planners.goal_prior import form_bonus, length_bonus
from agents.planners.goal_grammar import (AND, END, GoalAtom, atom_table, combine, goal_atoms,
                                          resolve_here, resolve_near, sentence_of)
from agents.planners.goal_tabletop import (TableMentions, belief_from_detections, plan_on_table, tabletop_atoms,
                                           tabletop_clash)
from agents.planners.scene import kitchen_scene_text, tabletop_scene_text
from agents.planners.norms import OptionScorer, n_words
from compose.errors import InvalidInputError

FAIL_PENALTY = 2.0
MAX_FAILS = 3  # a skill that failed this often in a row is not tried again
REVISIT_PENALTY = 1.0  # per earlier visit, on going to a place again


@dataclass
class GoalChoice:
    sentence: str
    goal: dict
    score: float
    logprob: float
    alternatives: list[tuple[str, float]]


def request_block(scene: str, instruction: str) -> str:
    return f"Scene: {scene}\nRequest: {instruction}\nGoal:"


class MentionCheck(Protocol):
    """What a request asks of a goal (``KitchenCheck``, ``goal_tabletop.TableMentions``): ``need``, the terms a goal
    must cover; which predicates it allows; what a predicate covers; what may follow once all is covered; whether a
    complete goal keeps the order the request said things in."""

    need: set[str]

    def allowed(self, atom: GoalAtom) -> bool: ...

    def covers(self, atom: GoalAtom) -> set[str]: ...

    def after_all(self, atom: GoalAtom) -> bool: ...

    def in_order(self, chain: list[GoalAtom]) -> bool: ...


class GoalChooser:
    """Chooses a goal sentence for a request by exact scoring of grammar candidates.

    ``shortlist``: MiniLM (the ``embedder``) proposes that many single-predicate sentences most similar to the
    request (0: score every one; exact but slow on a CPU). A beam of ``beam`` sentences is extended up to ``depth``
    predicates; each extension call scores ``.`` (end the goal here) against `` and <predicate>``.
    """

    def __init__(self, llm, norm: str = "mean", beam: int = 2, depth: int = 3, propose: int = 12,
                 shortlist: int = 48, atoms: list[GoalAtom] | None = None, embedder=None, votes=None,
                 vote_weight: float = 1.0, extend: str = "whole", mentions: str = "none", rank: str = "first",
                 prior=None, prior_weight: float = 0.0, binding: str = "none"):
        self.scorer = OptionScorer(llm, norm)
        self.beam, self.depth, self.propose, self.shortlist = beam, depth, propose, shortlist
        self.atoms = atoms if atoms is not None else goal_atoms()
        self.table = atom_table(self.atoms)
        self.embedder = embedder
        self._atom_emb = None
        self.votes, self.vote_weight = votes, vote_weight  # agents.planners.goal_prior.FormVotes, or None
        self.extend = extend  # whole: " and <predicate>" vs "."; first: " and" vs ".", then the predicate
        self.mentions = mentions  # none | constrain: candidates checked against what the request names
        self.rank = rank  # first: first predicate's calibrated score, then margins; whole: per-word mean of it all
        self.prior, self.prior_weight = prior, prior_weight  # prior(atom, chain) -> agreement units, times weight
        self.binding = binding  # constrain: with the mention check, objects go where their clause sends them

    def candidates(self, instruction: str) -> list[GoalAtom]:
        if not self.shortlist or self.shortlist >= len(self.atoms) or self.embedder is None:
            return list(self.atoms)
        if self._atom_emb is None:
            self._atom_emb = _atom_embeddings(self.embedder, tuple(a.sentence for a in self.atoms))
        q = np.asarray(self.embedder.embed([instruction]), dtype=np.float32)[0]
        top = np.argsort(-(self._atom_emb @ q), kind="stable")[: self.shortlist]
        keep = [self.atoms[i] for i in sorted(top)]
        return keep + [a for a in self.atoms if a.kind == "drawer" and a not in keep]

    def choose(self, prompt: str, scene: str, instruction: str, known: set[str] | None = None,
               holding: str | None = None, check: MentionCheck | None = None) -> GoalChoice:
        """The best goal for ``instruction``. ``check`` (a ``MentionCheck``) says which predicates the request allows
        and what a goal must account for; by default the kitchen's (``mentions="constrain"``) or none."""
        ctx = prompt + request_block(scene, instruction) + " "
        null_ctx = prompt + request_block(scene, "") + " " if self.scorer.norm == "pmi" else None
        if check is None and self.mentions == "constrain":
            check = KitchenCheck(instruction, holding, known, binding=self.binding == "constrain")
        need = set(check.need) if check is not None else set()
        atoms = [a for a in self.atoms if check.allowed(a)] if check is not None else []
        if not atoms:  # unchecked, or the check leaves nothing (a request that rules out all there is)
            check, need, atoms = None, set(), self.candidates(instruction)
        sents = [a.sentence for a in atoms]
        lp1 = self.scorer.raw(ctx, sents)
        s1 = self.scorer.normalise(lp1, sents, null_ctx)
        counts: dict[int, float] = {}
        if self.votes is not None:
            forms, counts = self.votes.vote(instruction)
            s1 = s1 + self.vote_weight * np.array([form_bonus(forms, a) for a in atoms])
        if self.prior is not None:
            s1 = s1 + self.prior_weight * np.array([self.prior(a, []) for a in atoms])
        order = np.argsort(-s1, kind="stable")
        proposals = [atoms[i] for i in order[: self.propose]]
        proposals += [a for a in atoms if a.kind == "drawer" and a not in proposals]
        # a beam entry: (chain, summed log-prob, calibrated score of its first predicate, summed margins)
        starts = list(order[: self.beam])
        if need:  # and the best predicate about something the request asks for, if none of those is
            about = [i for i in order if check.covers(atoms[i]) & need]
            if about and about[0] not in starts:
                starts.append(about[0])
        beams = [([atoms[i]], float(lp1[i]), float(s1[i]), 0.0) for i in starts]
        complete: list[tuple[list[GoalAtom], float, float, float]] = []
        depth = max(self.depth, len(need) + 1) if need else self.depth
        for d in range(1, depth + 1):
            grown: list[tuple[float, list[GoalAtom], float, float, float]] = []
            for chain, lp, first, margins in beams:
                missing = need - set().union(*map(check.covers, chain)) if check is not None else set()
                ext = _extensions(chain, atoms, proposals, check, missing) if d < depth else []
                first_tok = self.extend == "first"
                opts = [END] + ([AND.rstrip()] if first_tok else []) + [AND + q.sentence for q in ext]
                lps = self.scorer.raw(ctx + sentence_of(chain), opts)
                if not missing:
                    complete.append((chain, lp + float(lps[0]), first, margins))
                go_on = 0.0
                if counts:
                    go_on = self.vote_weight * length_bonus(counts, d)
                if first_tok:  # go on at all? p(" and") against p("."); then which predicate, given " and"
                    cont = float(lps[1] - lps[0]) + go_on
                    if cont > 0 or missing:
                        for q, v in zip(ext, lps[2:]):
                            cond = float(v - lps[1])
                            rank = cond / n_words(q.sentence) if self.scorer.norm == "mean" else cond
                            grown.append((rank, chain + [q], lp + float(v), first, margins + cont))
                else:  # the whole extension " and <predicate>" against "."
                    for q, v in zip(ext, lps[1:]):
                        m = float(v - lps[0]) + go_on
                        if self.prior is not None:
                            m += self.prior_weight * self.prior(q, chain)
                        if m > 0 or missing:
                            grown.append((m, chain + [q], lp + float(v), first, margins + m))
            grown.sort(key=lambda t: -t[0])
            beams = [(chain, lp, first, m) for _, chain, lp, first, m in grown[: self.beam]]
            if not beams:
                break
        if not complete:  # nothing named everything the request asks for: the best first predicates stand alone
            complete = [([atoms[i]], float(lp1[i]), float(s1[i]), 0.0) for i in order[: self.beam]]
        if check is not None:  # goals in the order the request said (when any is)
            complete = [c for c in complete if check.in_order(c[0])] or complete
        # Rank (rank=first): the calibrated score of the first predicate decides; among goals that start alike, the
        # one whose every extension beat ending the sentence (the largest summed margin) wins. rank=whole: the
        # whole goal's per-word mean, fair once the mentions check fixes how many predicates a goal has (without
        # it, long goals whose later words are easy to predict would win).
        texts = [sentence_of(c) + END for c, *_ in complete]
        lp = np.array([v for _, v, _, _ in complete])
        if self.rank == "whole":  # the whole goal's log-prob per word (with its final period)
            keys = [(float(v) / n_words(t), 0.0) for t, v in zip(texts, lp)]
        else:
            keys = [(first, m) for _, _, first, m in complete]
        ranked = sorted(range(len(complete)), key=lambda i: (-keys[i][0], -keys[i][1]))
        best = ranked[0]
        return GoalChoice(texts[best], combine(complete[best][0]), float(keys[best][0] + keys[best][1]),
                          float(lp[best]), [(texts[i], round(float(keys[i][0] + keys[i][1]), 4)) for i in ranked[:5]])


_ATOM_EMB: dict = {}


def _atom_embeddings(embedder, sentences: tuple[str, ...]) -> np.ndarray:
    key = (id(embedder), sentences)
    if key not in _ATOM_EMB:
        _ATOM_EMB[key] = np.asarray(embedder.embed(list(sentences)), dtype=np.float32)
    return _ATOM_EMB[key]


def _extensions(chain, atoms, proposals, check, missing) -> list[GoalAtom]:
    """Predicates that may follow ``chain``: unchecked, any proposal that does not clash; checked, a predicate
    about something still missing, or -- once all is accounted for -- what ``check.after_all`` allows, keeping the
    order the request said (``check.in_order``)."""
    if check is None:
        return [q for q in proposals if q not in chain and not _clash(chain, q)]
    pool = atoms if missing else proposals
    return [q for q in pool if q not in chain and not _clash(chain, q)
            and (bool(check.covers(q) & missing) if missing else check.after_all(q)) and check.in_order(chain + [q])]


def _clash(atoms: list[GoalAtom], q: GoalAtom) -> bool:
    if q.kind.startswith("tt-"):
        return tabletop_clash(atoms, q)
    if q.kind == "drawer" and any(a.kind == "drawer" for a in atoms):
        return True
    if q.kind in ("holding", "find") and any(a.kind == q.kind for a in atoms):
        return True
    return any(a.goal == q.goal for a in atoms)


@register_planner
class GoalPlanner(Planner):
    """The goal-directed kitchen strategy: choose a goal once, then plan to it symbolically at every step."""

    name = "goal"
    needs = frozenset({"llm", "embedder", "affordances", "scene"})

    @dataclass(frozen=True)
    class Options:
        score_norm: str = "mean"
        examples: str = "retrieved"  # retrieved: the example bank's k nearest; fixed: compose/prompts/goal_kitchen.txt
        k: int = 8
        beam: int = 2
        depth: int = 3
        shortlist: int = 48
        votes: str = "none"  # none | examples: the nearest bank examples vote on the goal's form (goal_prior)
        vote_weight: float = 1.0
        extend: str = "whole"  # whole | first (see GoalChooser)
        mentions: str = "constrain"  # constrain | none: goals about what the request names, all of it (mentions.py)
        retrieve: str = "masked"  # masked | text: examples retrieved by the request with its objects masked
        rank: str = "whole"  # whole | first (see GoalChooser)
        binding: str = "constrain"  # constrain | none: each named object goes where its clause says (binding.py)
        tabletop_prior: float = 0.3  # nats per unit of agreement with the colours/regions/counts named
        tabletop_rank: str = "first"  # the tabletop's (no mentions check there, so goals' lengths are free)

    @classmethod
    def options_from(cls, config):
        from agents.planners.options import options_from_knobs

        return options_from_knobs(cls.Options, config)

    def __init__(self, llm=None, prompt: str = "", embedder=None, options=None, top_k: int = 5):
        super().__init__(llm=llm, prompt=prompt, embedder=embedder, options=options, top_k=top_k)
        from agents.planner import load_prompt
        from agents.planners.options import example_bank_for

        o = self.options
        if self._embedder is None and (o.shortlist or o.examples == "retrieved" or o.votes == "examples"):
            from agents.runtime import get_embedder

            self._embedder = get_embedder()
        self.goal_prompt = load_prompt("goal_kitchen")  # the world's step-wise prompt is not used here
        self.examples = example_bank_for(o.examples, o.k, self._embedder, mask=o.retrieve == "masked")
        votes = None
        if o.votes == "examples":
            from agents.planners.examples import example_bank
            from agents.planners.goal_grammar import atom_table as _table, goal_atoms as _atoms
            from agents.planners.goal_prior import FormVotes

            votes = FormVotes(example_bank("kitchen", k=o.k, embedder=self._embedder), _table(_atoms()))
        self.chooser = GoalChooser(llm, norm=o.score_norm, beam=o.beam, depth=o.depth, shortlist=o.shortlist,
                                   embedder=self._embedder, votes=votes, vote_weight=o.vote_weight,
                                   extend=o.extend, mentions=o.mentions, rank=o.rank, binding=o.binding)
        self.choice: GoalChoice | None = None
        self.visited: list[str] = []
        self.tabletop = False

    def _reset_tabletop(self, instruction: str, detections: list) -> None:
        """The tabletop: the grammar over the perceived blocks and bowls, scored after the fixed tabletop prompt."""
        from agents.planner import load_prompt
        from envs.tabletop.vocab import COLOURS, KINDS

        o = self.options
        seen = {d["name"] for d in detections}
        names = [f"{c} {k}" for k in KINDS for c in COLOURS if f"{c} {k}" in seen]
        men = TableMentions(instruction, names)
        self.table_mentions = men
        chooser = GoalChooser(self.llm, norm=o.score_norm, beam=o.beam, depth=o.depth, shortlist=0,
                              atoms=tabletop_atoms(names), extend=o.extend, rank=o.tabletop_rank,
                              prior=men.bonus,
                              prior_weight=o.tabletop_prior)
        self.tabletop = True
        self.choice = chooser.choose(load_prompt("goal_tabletop"), tabletop_scene_text(names), instruction,
                                     check=men if o.mentions == "constrain" else None)

    def _choose_tabletop(self, ctx: StepContext) -> Decision:
        texts = list(ctx.skill_texts)
        banned = {k for k, v in _failure_penalties(ctx.history, ctx.outcomes).items() if v >= 1e6}
        banned |= self.table_mentions.avoid(texts)
        plan = plan_on_table(belief_from_detections(ctx.scene), self.choice.goal, texts, banned)
        steps = ["done"] if plan is None else plan + ["done"]
        idx = texts.index(steps[0])
        c = self.choice
        extras = {"goal_sentence": c.sentence, "goal": c.goal, "goal_score": round(c.score, 4),
                  "goal_logprob": round(c.logprob, 4), "goal_alternatives": c.alternatives, "plan": steps,
                  "unreachable": plan is None}
        a = None if ctx.affordances is None else float(ctx.affordances[idx])
        return Decision(steps[0], idx, None, None, a, 0.0, top=[], extras=extras)

    def reset(self, instruction: str, scene: dict | list | None) -> None:
        if isinstance(scene, list):  # the tabletop's detections
            return self._reset_tabletop(instruction, scene)
        self.tabletop = False
        if scene is None or "location" not in scene:
            raise InvalidInputError("the goal planner needs the robot's kitchen perception (scene)")
        self.visited = [scene["location"]]
        prompt = self.goal_prompt if self.examples is None else self.examples.prompt_for(instruction,
                                                                                         self.goal_prompt)
        known = {o for objs in scene.get("seen", {}).values() for o in objs} | set(scene.get("visible", []))
        if scene.get("holding"):
            known.add(scene["holding"])
        choice = self.chooser.choose(prompt, kitchen_scene_text(scene), instruction, known=known,
                                     holding=scene.get("holding"))
        self.choice = dataclasses.replace(choice, goal=resolve_here(choice.goal, scene["location"]))

    def choose(self, ctx: StepContext) -> Decision:
        from agents.planners.kitchen_search import belief_from_perception, plan_to_goal

        if self.choice is None:
            self.reset(ctx.instruction, ctx.scene)
        if self.tabletop:
            return self._choose_tabletop(ctx)
        scene = ctx.scene
        if not self.visited or self.visited[-1] != scene["location"]:
            self.visited.append(scene["location"])
        texts = list(ctx.skill_texts)
        aff = None if ctx.affordances is None else np.asarray(ctx.affordances, dtype=float)
        penalties = _failure_penalties(ctx.history, ctx.outcomes)

        def first_affordance(text):
            if aff is None or text not in texts:
                return None
            return float(aff[texts.index(text)])

        belief, unexplored = belief_from_perception(scene, self.visited)
        goal = resolve_near(self.choice.goal, belief.robot, belief.holding, belief.objects, unexplored)
        found = plan_to_goal(belief, goal, unexplored=unexplored, first_affordance=first_affordance,
                             penalties=penalties)
        plan, cost = found if found is not None else (["done"], float("nan"))
        skill = plan[0]
        idx = texts.index(skill)
        c = self.choice
        extras = {"goal_sentence": c.sentence, "goal": c.goal, "goal_score": round(c.score, 4),
                  "goal_logprob": round(c.logprob, 4), "goal_alternatives": c.alternatives,
                  "resolved_goal": goal, "plan": plan, "plan_cost": None if found is None else round(cost, 4),
                  "unreachable": found is None}
        a = None if aff is None else float(aff[idx])
        return Decision(skill, idx, None, None, a, float(-cost) if found is not None else 0.0, top=[],
                        extras=extras)


def _failure_penalties(history, outcomes) -> dict[str, float]:
    """Every skill that failed in this episode gets a penalty that grows with each failure; after ``MAX_FAILS``
    failures it is not planned again (the repetition guard). Going again to a place already gone to costs
    ``REVISIT_PENALTY`` per earlier visit, so the plan can not swing between two places (a failed grasp at one,
    a drawer that will not open at the other) until the step limit."""
    pen: dict[str, float] = {}
    for skill, (ok, _) in zip(history, outcomes):
        if not ok:
            pen[skill] = pen.get(skill, 0.0) + FAIL_PENALTY
        elif skill.startswith("go to the "):
            pen[skill] = pen.get(skill, 0.0) + REVISIT_PENALTY
    return {k: (1e6 if v >= FAIL_PENALTY * MAX_FAILS and not k.startswith("go to the ") else v)
            for k, v in pen.items()}
