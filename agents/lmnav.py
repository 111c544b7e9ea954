"""LM-Nav on navigation graphs: LLM landmarks -> dual-encoder node scores -> ordered graph search -> drive.

    python -m agents.lmnav landmarks "Go past the red car, turn at the mailbox, stop at the picnic table"
    python -m agents.lmnav --graph town --start 5 --instruction "..." [--record DIR] [--plot FILE] [--alpha A]

Scores: log P(node | landmark) = log-softmax over nodes of (logit scale x max-over-views cosine similarity); the
search maximises their sum minus alpha x route length (metres). Benchmark runner: ``run_episode`` (modes below).
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from agents.config import EpisodeConfig
from compose.errors import InvalidInputError, UnknownNameError
from envs.navgraph.config import NavGraphConfig

EXTRACTORS = ("llm", "spacy", "rules", "generate")  # compose.grounding.landmarks.EXTRACTORS
# benchmark --set knobs: envs.navgraph.config.NavGraphConfig (the world's config class)
MODES = ("lmnav", "lmnav-random", "lmnav-rules")  # rules: trained grounding, rule-based landmark extraction
SCORE_DECIMALS = 3  # node log-probs are rounded: near-ties are broken by route length, deterministically
GROUNDINGS = {"lmnav": "lit-minilm", "lmnav-random": "lit-random", "lmnav-rules": "lit-minilm"}
_LOCK = threading.Lock()
_ENCODERS: dict = {}
_SCORERS: dict = {}


@dataclass(frozen=True)
class LMNavOptions:
    grounding: str = "lit-minilm"  # a dual-encoder backend: lit-minilm | lit-random | clip | open-clip
    clip_model: str | None = None  # weights path or hub name for clip backends
    alpha: float = 0.0  # nats per metre of route (0: ties broken by length; see docs/lmnav.md for the sweep)
    extractor: str = "llm"  # llm (constrained) | spacy | rules | generate (free generation); see compose.grounding
    seed: int = 0  # seed of the random-weights baseline
    prompt: str = "a photo of the {}"
    score_norm: str = "texts"  # nodes: log-softmax over nodes | texts: per-view softmax over phrases + background


@dataclass
class NavPlan:
    landmarks: list[str]
    source: str  # the extractor that found the landmarks, or "given"
    route: list[int]
    chosen: list[int]
    objective: float
    length: float
    top: list[list[tuple[int, float]]] = field(default_factory=list)  # per landmark: best 5 (node, log-prob)
    best_view: list[int] = field(default_factory=list)  # per landmark: index of the best view at its chosen node
    cache_hit: bool = False
    timing: dict = field(default_factory=dict)
    node_scores: np.ndarray | None = None  # (L, N) the log-probs the search used

    def scores_at(self, node: int) -> dict:
        """{landmark: log P(node | landmark)} for one node (per-step scores of a record)."""
        return {lm: float(self.node_scores[i, node]) for i, lm in enumerate(self.landmarks)}


def get_encoder(opts: LMNavOptions):
    """Per-process cache of dual encoders (the only state kept between episodes)."""
    from compose.tools.dual_encoder import make_dual_encoder

    key = (opts.grounding, opts.clip_model, opts.seed)
    with _LOCK:
        if key not in _ENCODERS:
            if opts.grounding in ("clip", "open-clip"):
                if not opts.clip_model:
                    raise InvalidInputError("--grounding clip needs --clip-model PATH (a local CLIP dir or hub name)")
                kw = {"path": opts.clip_model} if opts.grounding == "clip" else {"pretrained": opts.clip_model}
                _ENCODERS[key] = make_dual_encoder(opts.grounding, **kw)
            elif opts.grounding == "lit-random":
                _ENCODERS[key] = make_dual_encoder("lit-random", seed=opts.seed)
            else:
                _ENCODERS[key] = make_dual_encoder(opts.grounding)
        return _ENCODERS[key]


def get_scorer(opts: LMNavOptions, graph: str):
    from compose.grounding.scores import NodeScorer
    from envs.navgraph.storage import load_graph

    key = (opts.grounding, opts.clip_model, opts.seed, graph)
    encoder = get_encoder(opts)
    with _LOCK:
        if key not in _SCORERS:
            _SCORERS[key] = NodeScorer(encoder, load_graph(graph), progress=sys.stderr.isatty())
        return _SCORERS[key]


class NoLandmarksError(InvalidInputError):
    """The instruction names no landmark: nothing to drive to (CLI: exit 2; benchmark: a failed record)."""


class LMNav:
    """The three-model pipeline. ``llm`` is needed only by the "llm" and "generate" extractors."""

    def __init__(self, options: LMNavOptions = LMNavOptions(), llm=None):
        from compose.grounding.landmarks import EXTRACTORS

        if options.extractor not in EXTRACTORS:
            raise UnknownNameError("landmark extractor", options.extractor, EXTRACTORS.names())
        self.options, self.llm = options, llm
        self._extractor = None

    @property
    def extractor(self):
        from compose.grounding.landmarks import make_extractor

        if self._extractor is None:
            self._extractor = make_extractor(self.options.extractor, self.llm)
        return self._extractor

    def landmarks(self, instruction: str) -> tuple[list[str], str]:
        """(ordered landmarks, extractor name); NoLandmarksError when the instruction names none."""
        if not isinstance(instruction, str) or not instruction.strip():
            raise InvalidInputError("instruction is empty: say where to go")
        found = self.extractor(instruction)
        if not found:
            raise NoLandmarksError(f"no landmarks found in the instruction {instruction!r} (extractor "
                                   f"{self.options.extractor!r}): name a place to go, e.g. 'go to the red car'; "
                                   f"the robot did not move")
        return found, self.options.extractor

    def plan(self, graph: str, start: int, instruction: str | None = None, landmarks=None) -> NavPlan:
        from compose.grounding.scores import log_probs, text_contrast_log_probs
        from envs.navgraph.search import search
        from envs.navgraph.storage import load_graph

        t0 = time.perf_counter()
        source = "given"
        if landmarks is None:
            landmarks, source = self.landmarks(instruction)
        t1 = time.perf_counter()
        world = load_graph(graph)
        if start not in world.graph:
            raise InvalidInputError(f"--start {start} is not a node of {graph!r} (nodes are 0..{len(world.nodes) - 1})")
        scorer = get_scorer(self.options, graph)
        scorer.image_embeddings()  # loads the encoder, whose logit_scale may only be known then
        scale = float(getattr(scorer.encoder, "logit_scale", 100.0))
        if self.options.score_norm == "texts":
            lp = text_contrast_log_probs(scorer, landmarks, scale, self.options.prompt)
        elif self.options.score_norm == "nodes":
            lp = log_probs(scorer.similarities(landmarks, self.options.prompt), scale)
        else:
            raise UnknownNameError("score normalisation", self.options.score_norm, ["nodes", "texts"])
        lp = np.round(lp, SCORE_DECIMALS)  # float noise must not pick between equally good places
        t2 = time.perf_counter()
        res = search(world.graph, int(start), lp, self.options.alpha)
        t3 = time.perf_counter()
        top = [[(int(n), round(float(lp[i, n]), 4)) for n in np.argsort(-lp[i])[:5]] for i in range(len(landmarks))]
        best_views = scorer.best_views(landmarks, self.options.prompt)
        views = [int(best_views[i, n]) for i, n in enumerate(res.chosen)]
        return NavPlan(landmarks, source, res.route, res.chosen, res.objective, res.length, top, views,
                       scorer.cache_hit, {"landmarks_s": t1 - t0, "scores_s": t2 - t1, "search_s": t3 - t2}, lp)


def drive(graph: str, start: int, route: list[int], seed: int, recorder=None, max_hops: int = 1000):
    """Follow ``route`` in NavGraphEnv; returns (final state, step dicts)."""
    from envs.navgraph.env import NavGraphEnv

    env = NavGraphEnv(graph=graph, max_steps=max_hops)
    obs, info = env.reset(seed=seed, options={"init": {"graph": graph, "start": int(start)}})
    steps = []
    if recorder is not None:
        recorder.add_frame(np.concatenate(list(obs), axis=1))
    for i, node in enumerate(route[1:]):
        if i >= max_hops:
            break
        action = env.action_to(int(node))
        before = env.node
        obs, reward, _, _, info = env.step(action)
        step = {"index": i, "action": int(action), "from": int(before), "node": int(info["node"]),
                "success": not info["invalid_action"], "distance": round(info["distance"], 4)}
        if recorder is not None:
            step["frame"] = recorder.add_frame(np.concatenate(list(obs), axis=1))
        steps.append(step)
    return env.state(), steps


def options_from(config: EpisodeConfig, seed: int) -> LMNavOptions:
    if config.mode not in MODES:
        raise UnknownNameError("lmnav mode", config.mode, MODES)
    knobs = config.knobs(NavGraphConfig)
    grounding = "lit-random" if config.mode == "lmnav-random" else knobs.grounding or GROUNDINGS[config.mode]
    extractor = "rules" if config.mode == "lmnav-rules" else knobs.extractor
    return LMNavOptions(grounding=grounding, clip_model=knobs.clip_model, alpha=knobs.alpha, extractor=extractor,
                        seed=knobs.random_seed, score_norm=knobs.score_norm)


def run_episode(task: dict, config: EpisodeConfig, seed: int, llm=None) -> dict:
    """One benchmark episode: plan from the instruction, drive the route, check it against the task's goal."""
    from envs.navgraph.goals import check_goal, plan_success, shortest_through, validate_goal, validate_init

    t0 = time.perf_counter()
    init, goal = task.get("init"), task.get("goal")
    validate_init(init, "init")
    validate_goal(goal, "goal", init)
    if not isinstance(task.get("instruction"), str) or not task["instruction"].strip():
        raise InvalidInputError("instruction is empty: say where to go")
    opts = options_from(config, seed)
    if opts.extractor in ("llm", "generate") and llm is None:
        from agents.runtime import get_llm

        llm = get_llm(config.llm)
    stats0 = dict(llm.stats.as_dict()) if llm is not None and hasattr(llm, "stats") else {}
    nav = LMNav(opts, llm)
    try:
        plan = nav.plan(init["graph"], int(init["start"]), task["instruction"])
    except NoLandmarksError as exc:  # no landmarks, no driving: a failed episode that says why
        return _no_landmarks_record(task, config, seed, str(exc), opts.extractor, time.perf_counter() - t0)
    recorder = None
    if config.record_dir:
        from envs.record import EpisodeRecorder

        recorder = EpisodeRecorder(config.record_dir)
    state, steps = drive(init["graph"], int(init["start"]), plan.route, seed, recorder,
                         config.knobs(NavGraphConfig).max_hops)
    for step in steps:
        step["scores"] = plan.scores_at(step["node"])
    exec_ok = check_goal(goal, state)
    shortest = shortest_through(init["graph"], int(init["start"]), goal["landmarks"], float(goal.get("radius", 0)))
    path_len = float(state["distance"])
    spl = float(exec_ok) * shortest / max(path_len, shortest, 1e-9)
    llm_stats = {}
    if llm is not None and hasattr(llm, "stats"):
        llm_stats = {k: v - stats0.get(k, 0) for k, v in llm.stats.as_dict().items()}
    out = {"id": task.get("id", "?"), "world": "navgraph", "mode": config.mode, "seed": seed,
           "instruction": task["instruction"], "family": task.get("family"), "plan": [str(n) for n in plan.route],
           "steps": steps, "plan_success": plan_success(task, plan.route), "exec_success": bool(exec_ok),
           "metrics": {"path_length": round(path_len, 4), "shortest_length": round(shortest, 4), "spl": round(spl, 4),
                       "landmarks_predicted": plan.landmarks, "landmark_source": plan.source,
                       "chosen_nodes": plan.chosen, "objective": round(plan.objective, 4),
                       **({"landmark_choice": nav.extractor.last} if getattr(nav.extractor, "last", None) else {})},
           "timing": {"total_s": round(time.perf_counter() - t0, 4), **{k: round(v, 4) for k, v in plan.timing.items()}},
           "llm_stats": llm_stats}
    if recorder is not None:
        recorder.save(_record(task, config, seed, plan, steps, state, out))
    return out


def _no_landmarks_record(task, config, seed, message: str, extractor: str, elapsed: float) -> dict:
    start = int(task["init"]["start"])
    return {"id": task.get("id", "?"), "world": "navgraph", "mode": config.mode, "seed": seed,
            "instruction": task["instruction"], "family": task.get("family"), "plan": [str(start)], "steps": [],
            "plan_success": False, "exec_success": False, "error": message, "failure": "no_landmarks",
            "metrics": {"path_length": 0.0, "landmarks_predicted": [], "landmark_source": extractor},
            "timing": {"total_s": round(elapsed, 4)}, "llm_stats": {}}


def _record(task, config, seed, plan: NavPlan, steps, state, out) -> dict:
    start = int(task["init"]["start"])
    return {"world": "navgraph", "task": task, "seed": seed,
            "config": {"mode": config.mode, "alpha": config.knobs(NavGraphConfig).alpha, "llm": asdict(config.llm)},
            "initial_state": {"graph": task["init"]["graph"], "node": start, "route": [start], "distance": 0.0},
            "plan": {"landmarks": plan.landmarks, "source": plan.source, "route": plan.route, "chosen": plan.chosen,
                     "top": plan.top, "best_view": plan.best_view, "objective": plan.objective},
            "steps": steps, "final_state": state,
            "outcome": {k: out[k] for k in ("plan_success", "exec_success", "metrics")}}


def _landmarks_main(argv) -> int:
    from agents.cli import add_llm_args, llm_config

    ap = argparse.ArgumentParser(prog="python -m agents.lmnav landmarks",
                                 description="Print an instruction's ordered landmarks as a JSON list.")
    ap.add_argument("instruction")
    ap.add_argument("--extractor", default="llm", choices=EXTRACTORS,
                    help="llm: the model picks among the instruction's phrases (default); spacy / rules: no model; "
                         "generate: free generation (baseline)")
    ap.add_argument("--timing", action="store_true", help="also print the seconds taken after the model loaded")
    add_llm_args(ap)
    args = ap.parse_args(argv)
    if not args.instruction.strip():
        raise InvalidInputError("the instruction is empty: say where to go")
    llm = None
    if args.extractor in ("llm", "generate"):
        from agents.runtime import get_llm

        llm = get_llm(llm_config(args))
    nav = LMNav(LMNavOptions(extractor=args.extractor), llm)
    if args.extractor in ("llm", "spacy"):
        from compose.grounding.candidates import load_spacy

        load_spacy()  # a model too: load it before the clock starts
    if hasattr(nav.extractor, "warm"):
        nav.extractor.warm()  # the prompts' constant few-shot part, computed once per process
    t0 = time.perf_counter()
    found, _ = nav.landmarks(args.instruction)
    print(json.dumps(found))
    if args.timing:
        print(f"landmarks in {time.perf_counter() - t0:.2f} s after the model loaded", file=sys.stderr)
    return 0


def _preflight(args) -> None:
    """What can be refused before any model or graph loads (issue 14)."""
    from agents.preflight import PLOT_SUFFIXES, check_llm_args, output_dir, output_file

    if not args.instruction.strip():
        raise InvalidInputError("--instruction is empty: say where to go")
    if args.record is not None:
        output_dir(args.record, "--record")
    if args.plot is not None:
        output_file(args.plot, "--plot", PLOT_SUFFIXES)
    check_llm_args(args, needs_llm=args.extractor == "llm")


def _navigate_main(argv) -> int:
    from agents.cli import add_llm_args, json_arg, llm_config
    from envs.navgraph.goals import validate_goal

    ap = argparse.ArgumentParser(prog="python -m agents.lmnav", description=__doc__.split("\n")[0])
    ap.add_argument("--graph", required=True, help="a shipped graph (town, campus)")
    ap.add_argument("--start", type=int, required=True, help="start node id")
    ap.add_argument("--instruction", required=True)
    ap.add_argument("--goal", default=None, help='ground truth as JSON ({"landmarks": [ids], "radius": m}) or @FILE')
    ap.add_argument("--alpha", type=float, default=LMNavOptions.alpha, help="cost per metre of route (nats)")
    ap.add_argument("--grounding", default="lit-minilm", help="dual encoder: lit-minilm | lit-random | clip")
    ap.add_argument("--clip-model", default=None, help="CLIP weights (local dir or hub name) for --grounding clip")
    ap.add_argument("--extractor", default="llm", choices=EXTRACTORS, help="landmark extraction (default llm)")
    ap.add_argument("--score-norm", default=LMNavOptions.score_norm, choices=["nodes", "texts"],
                    help="node scores: log-softmax over nodes, or per-view softmax over phrases + background")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--record", default=None, metavar="DIR", help="save the episode for agents.replay")
    ap.add_argument("--plot", default=None, metavar="FILE", help="draw the map, route and chosen views (PNG)")
    add_llm_args(ap)
    args = ap.parse_args(argv)
    _preflight(args)
    goal = json_arg(args.goal, "--goal")
    init = {"graph": args.graph, "start": args.start}
    from envs.navgraph.goals import validate_init

    validate_init(init, "--graph/--start")
    from envs.navgraph.storage import load_graph

    load_graph(args.graph)  # a missing or corrupt graph is refused before any model loads (cached for the run)
    if goal is not None:
        validate_goal(goal, "--goal", init)
    if args.alpha < 0:
        raise InvalidInputError(f"--alpha must be >= 0, got {args.alpha}")
    if args.grounding == "clip" and not args.clip_model:
        raise InvalidInputError("--grounding clip needs --clip-model PATH")
    task = {"id": "cli", "world": "navgraph", "instruction": args.instruction, "init": init,
            "goal": goal or {"landmarks": [args.start], "radius": 0}}
    extra = (("alpha", args.alpha), ("extractor", args.extractor), ("grounding", args.grounding),
             ("clip_model", args.clip_model), ("score_norm", args.score_norm))
    config = EpisodeConfig(mode="lmnav", llm=llm_config(args), record_dir=args.record, extra=extra)
    out = run_episode(task, config, args.seed)
    if out.get("failure") == "no_landmarks":
        raise NoLandmarksError(out["error"])
    m = out["metrics"]
    print(f"landmarks ({m['landmark_source']}): {json.dumps(m['landmarks_predicted'])}")
    print(f"chosen nodes: {m['chosen_nodes']}")
    print(f"route: {' -> '.join(out['plan'])}")
    print(f"path length: {m['path_length']:.1f} m, planning {out['timing']['total_s']:.2f} s")
    if goal is not None:
        print(f"success: {out['exec_success']} (shortest {m['shortest_length']:.1f} m, SPL {m['spl']:.3f})")
    if args.record:
        print(f"recorded to {args.record}")
    if args.plot:
        from envs.navgraph.plot import plot_route
        from envs.navgraph.storage import load_graph

        world = load_graph(args.graph)
        opts = LMNavOptions(grounding=args.grounding, clip_model=args.clip_model)
        best = get_scorer(opts, args.graph).best_views(m["landmarks_predicted"], opts.prompt)
        chosen = m["chosen_nodes"]
        views = [world.image(n, int(best[i, n])) for i, n in enumerate(chosen)]
        plot_route(world, [int(n) for n in out["plan"]], chosen, m["landmarks_predicted"], args.plot, views,
                   title=args.instruction[:90], goal=goal)
        print(f"map written to {args.plot}")
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from agents.cli import run_main

    if argv[:1] == ["landmarks"]:
        return run_main(_landmarks_main, argv[1:])
    return run_main(_navigate_main, argv)


if __name__ == "__main__":
    sys.exit(main())
