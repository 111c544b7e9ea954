"""Episode log -> summary and question answering (Socratic Models' egocentric recipe) over recorded kitchen episodes.

The record becomes an event log in language (agents.pipelines.event_log). The LLM then
- summarises it (free generation from compose/prompts/socratic_episode_summary.txt), and
- answers questions by CHOOSING among candidate answers drawn from the log's own vocabulary (the objects and places
  it mentions, yes/no, counts, step numbers), each scored by exact likelihood (``LanguageModel.score_options``). The
  question's first words pick the candidate set (where -> places; did/is/was -> yes/no; how many -> numbers; which
  step -> "step N"; what/which -> objects or "nothing"), and only candidates that the retrieved events mention stay
  in it (one left: that is the answer, no model call).

Two things make this work with a 135M-parameter model: (1) retrieval -- the log's atomic facts carry their step
number ("Step 3 failed: I tried to pick up the sponge."); only facts that mention a possible answer (and every object
the question names) compete; the MiniLM embedder compares their *relations* with the question's -- both with the
log's object and place names removed ("Where did find ?" vs "found at ." / "At end was at .") -- and picks the
``top_k`` (default 1) most similar, and only those go into the prompt, as a
numbered list, so the small model is not distracted by the rest of the episode (with two facts it picks the wrong one
more often than not: docs/benchmarks.md#episode-qa-set); (2) calibration -- each answer's score is
log p(answer | facts, question) - log p(answer | no facts, question), which removes the model's prior preference for
some answers ("no", short names) whatever the log says.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from compose.errors import InvalidInputError
from compose.llm.base import normalize
from compose.pipelines.base import Pipeline, load_template
from agents.pipelines.event_log import NUMBER_WORDS, EventLog, event_log
from compose.tools.embedder import TextEmbedder

YES_NO = ("yes", "no")
ORDERS = ("time", "relevance")  # retrieved facts in time order, or least to most relevant (most relevant last)
PRIORS = ("question", "no-facts")  # calibration prior: p(answer | question) or p(answer | empty facts, question)
_AUX = ("did", "does", "do", "is", "was", "were", "are", "has", "have", "can", "could")


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    kind: str  # place | yes/no | count | object
    candidates: tuple[str, ...]
    probabilities: tuple[float, ...]


def question_kind(question: str) -> str:
    q = question.strip().lower()
    first = re.split(r"\W+", q, maxsplit=1)[0] if q else ""
    if first == "where":
        return "place"
    if q.startswith("how many"):
        return "count"
    if re.match(r"(which|what) step\b", q) or re.match(r"at which step\b", q):
        return "step"
    if first in _AUX:
        return "yes/no"
    return "object"


def answer_candidates(question: str, log: EventLog) -> tuple[str, list[str]]:
    """(kind, candidate answers) for a question about the episode ``log``."""
    kind = question_kind(question)
    if kind == "place":
        places = [loc for loc in log.locations]
        return kind, [("the user" if p == "user" else f"the {p}") for p in places]
    if kind == "count":
        return kind, list(NUMBER_WORDS[: max(6, log.n_steps + 2)])
    if kind == "step":
        return kind, [f"step {k}" for k in range(1, log.n_steps + 1)] + ["none"]
    if kind == "yes/no":
        return kind, list(YES_NO)
    return kind, [f"the {o}" for o in log.objects] + ["nothing"]


def without_subject(text: str) -> str:
    """Drop the subject words ("the robot", "I", "I was") before embedding: every event and question has them, and in
    short sentences they would dominate the similarity; what is left is what happened ("picked up the sponge")."""
    return re.sub(r"\b(the robot|I am|I was|I)\b", " ", text)


def for_embedding(text: str) -> str:
    """What retrieval compares: without subject words and step numbers (an index, not content: "Step 2 failed: I
    tried to ..." -> "failed: tried to ...")."""
    return re.sub(r"\bstep \d+\b", " ", without_subject(text), flags=re.IGNORECASE)


def relation(text: str, names) -> str:
    """What a fact or question says about its things, with the things themselves removed ("Where did the robot find
    the apple?" -> "Where did find ?", "At the end the apple was at the trash can." -> "At end was at ."): retrieval
    compares relations (found / ended / picked up), since the names would otherwise dominate short sentences (both
    "I found the apple at ..." and "At the end the apple was at ..." share the question's object)."""
    text = for_embedding(text)
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", text, flags=re.IGNORECASE)
    return " ".join(re.sub(r"\b(the|an?)\b", " ", text, flags=re.IGNORECASE).split())


def mentions(text: str, candidate: str) -> bool:
    """Does ``text`` mention the candidate answer ("the far counter" -> "far counter", "step 3", "nothing", "six")?"""
    core = candidate[4:] if candidate.startswith("the ") else candidate
    return re.search(rf"(?<![\w-]){re.escape(core.lower())}(?![\w-])", text.lower()) is not None


def facts_text(facts: list[str]) -> str:
    """The facts as a numbered list (``(none)`` for no facts: the content-free prompt of the calibration prior)."""
    return "\n".join(f"{k}. {f}" for k, f in enumerate(facts, 1)) if facts else "(none)"


def load_episode_log(record_or_dir) -> EventLog:
    """An EventLog from a record dict or a record directory / episode.json path."""
    if isinstance(record_or_dir, (str, os.PathLike)):
        from envs.record import load_record

        record_or_dir = load_record(record_or_dir)
    if not isinstance(record_or_dir, dict):
        raise InvalidInputError("expected an episode record (dict) or the path of a record directory")
    return event_log(record_or_dir)


class EpisodeQA(Pipeline):
    def __init__(self, llm, embedder: TextEmbedder | None = None, top_k: int | None = 1, calibrate: bool = True,
                 summary_template: str = "socratic_episode_summary", qa_template: str = "socratic_episode_qa",
                 prior_template: str = "socratic_episode_qa_prior", order: str = "time", prior: str = "no-facts",
                 verbose: bool = False, stream=None):
        """``top_k=None`` puts the whole event list in the prompt (no retrieval)."""
        super().__init__(verbose, stream)
        if top_k is not None and top_k < 1:
            raise InvalidInputError(f"top_k must be >= 1 or None, got {top_k}")
        if order not in ORDERS:
            raise InvalidInputError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
        if prior not in PRIORS:
            raise InvalidInputError(f"prior must be one of {', '.join(PRIORS)}, got {prior!r}")
        self.llm, self.calibrate, self.top_k, self.order, self.prior = llm, calibrate, top_k, order, prior
        self.embedder = embedder if embedder is not None or top_k is None else TextEmbedder()
        self._prior_cache: dict[tuple, list[float]] = {}
        self.summary_template = load_template(summary_template)
        self.qa_template = load_template(qa_template)
        self.prior_template = load_template(prior_template)

    def relevant_events(self, log: EventLog, question: str, candidates=None) -> list[str]:
        """The ``top_k`` facts most similar to the question (all of them when top_k is None), in time order (or least
        to most relevant, see ``order``). With ``candidates``, only facts that mention one of them compete: a fact
        naming no possible answer cannot answer the question."""
        lines = [s for _, s in log.events]
        if not lines:
            raise InvalidInputError("the episode log has no events")
        if candidates:
            lines = [s for s in lines if any(mentions(s, c) for c in candidates)] or lines
        named = [o for o in log.objects if mentions(question, o)]  # the things the question is about
        lines = [s for s in lines if all(mentions(s, o) for o in named)] or lines
        if self.top_k is None or self.top_k >= len(lines):
            return lines
        names = list(log.objects) + list(log.locations)
        sims = self.embedder.similarities(relation(question, names), [relation(s, names) for s in lines])[0]
        best = sorted(range(len(lines)), key=lambda i: -sims[i])[: self.top_k]  # ties: the earlier fact
        keep = sorted(best) if self.order == "time" else best[::-1]
        return [lines[i] for i in keep]

    def summarize(self, log: EventLog, max_tokens: int = 48) -> str:
        prompt = self.summary_template.render(log=log.text).rstrip()
        self.log("prompt", prompt)
        text = self.llm.generate([prompt], max_tokens=max_tokens, stop=["\n\n"], temperature=0.0)[0]
        summary = "The robot " + " ".join(text.split())
        self.log("summary", summary)
        return summary

    def answer(self, log: EventLog, question: str) -> Answer:
        if not isinstance(question, str) or not question.strip():
            raise InvalidInputError("the question is empty")
        question = " ".join(question.split())
        kind, candidates = answer_candidates(question, log)
        if not candidates:
            raise InvalidInputError(f"the episode log mentions no {kind} to answer {question!r} with")
        events = self.relevant_events(log, question, candidates if kind != "yes/no" else None)
        if kind != "yes/no":  # candidates are drawn from the retrieved events (all of them if none is mentioned)
            mentioned = [c for c in candidates if mentions(" ".join(events), c)]
            candidates = mentioned or candidates
        if len(candidates) == 1:
            self.log("question", f"{question}  [{kind}: only {candidates[0]!r} is in the retrieved events]")
            self.log("answer", candidates[0])
            return Answer(question, candidates[0], kind, tuple(candidates), (1.0,))
        ctx = self.qa_template.render(log=facts_text(events), question=question).rstrip()
        self.log("prompt", ctx)
        options = [" " + c for c in candidates]
        scores = self.llm.score_options(ctx, options)
        if self.calibrate:  # the prior depends on the question and options only: cached across episodes
            key = (question, tuple(options))
            if key not in self._prior_cache:
                prior_ctx = (self.prior_template.render(question=question) if self.prior == "question" else
                             self.qa_template.render(log=facts_text([]), question=question)).rstrip()
                self._prior_cache[key] = self.llm.score_options(prior_ctx, options)
            prior = self._prior_cache[key]
            scores = [s - p for s, p in zip(scores, prior)]
        probs = normalize(scores)
        best = max(range(len(candidates)), key=lambda i: probs[i])
        self.log("question", f"{question}  [{kind}: {', '.join(candidates)}]")
        self.log("answer", f"{candidates[best]} (p={probs[best]:.2f})")
        return Answer(question, candidates[best], kind, tuple(candidates), tuple(probs))

    def run(self, record_or_dir, questions=(), summarize: bool = True) -> dict:
        log = load_episode_log(record_or_dir)
        self.log("event-log", log.text)
        out = {"log": log.text, "summary": self.summarize(log) if summarize else None,
               "answers": [self.answer(log, q) for q in questions]}
        return out
