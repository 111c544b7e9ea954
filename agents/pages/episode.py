"""The page of one episode, for any world: what was asked, how it ended, and every step with its frame and scores.

    write_episode_page(record, path, verified=None, failure=None, back=None)

``record`` is either a record folder's ``episode.json`` as ``envs.record.load_record`` returns it (frames come from
its ``frames/``) or a benchmark record from ``episodes.jsonl`` (no frames unless it ran with --record-episodes).
Per step: the frame after the step (click to enlarge), the planner's top candidates with p_LLM, affordance and
combined score as bars, the scene/perception text and the planner's extras (e.g. a chosen goal) where recorded,
success and reason.
"""
from __future__ import annotations

import math
from pathlib import Path

from agents.pages import text as T
from agents.pages.html import bar, data_uri, esc, file_uri, img, kv, page, table, tag, yes_no


def _frames_dir(record: dict) -> Path | None:
    root = record.get("_path")
    return Path(root) / "frames" if root and (Path(root) / "frames").is_dir() else None


def _frame(record: dict, name: str | None) -> str | None:
    root = record.get("_path")
    return file_uri(Path(root) / name) if root and name else None


def _step_frame(record: dict, i: int, step: dict) -> str | None:
    """The frame after step ``i``: navigation names it in the step; SayCan worlds number frames before each step."""
    if step.get("frame"):
        return _frame(record, step["frame"])
    return _frame(record, f"frames/{i + 1:03d}.png")


def title_of(record: dict) -> str:
    task = record.get("task") or {}
    instruction = record.get("instruction") or task.get("instruction") or "(no instruction)"
    return f"{instruction} -- {record.get('world', '?')} episode"


def _subtitle(record: dict) -> str:
    task = record.get("task") or {}
    config = record.get("config") or {}
    mode = record.get("mode") or config.get("mode")
    model = record.get("model") or (config.get("llm") or {}).get("model")
    family = record.get("family") or task.get("family")
    ident = record.get("id") or task.get("id")
    parts = [f"world <b>{esc(record.get('world', '?'))}</b>"]
    if mode:
        parts.append(f"mode <b>{esc(mode)}</b>")
    parts.append(f"seed {esc(record.get('seed', '?'))}")
    if model:
        parts.append(f"model {esc(model)}")
    if ident and ident != "cli":
        parts.append(f"task {esc(ident)}" + (f" ({esc(family)})" if family else ""))
    return " &middot; ".join(parts)


def _plan_line(record: dict) -> str:
    steps = record.get("steps") or []
    world_line = T.hook(record, "plan_line")
    if world_line:
        return world_line(record)
    runs: list[list] = []  # consecutive repeats collapse into one entry with a count
    for s in steps:
        key = (s.get("skill", s.get("action")), bool(s.get("success", True)))
        if runs and runs[-1][0] == key:
            runs[-1][1] += 1
        else:
            runs.append([key, 1])
    out = []
    for (name, ok), n in runs:
        text = esc(name) + ("" if ok else " (failed)") + (f" &times; {n}" if n > 1 else "")
        out.append(text if ok else f"<span class='bad-t'>{text}</span>")
    return " &rarr; ".join(out)


def _timing(record: dict) -> str:
    t = record.get("timing") or {}
    m = record.get("metrics") or {}
    if "total_s" not in t:
        return ""
    out = f"{t['total_s']:.1f} s wall"
    if "llm_s" in t:
        out += f" ({t['llm_s']:.1f} s planning)"
    if m.get("sim_time"):
        out += f", {m['sim_time']:.1f} s simulated"
    return out


def outcome_block(record: dict, verified: bool | None = None, failure: str | None = None) -> str:
    met, verdict = T.goal_verdict(record)
    cls = "none" if met is None else "ok" if met else "bad"
    if record.get("error"):
        cls = "bad"
    m = record.get("metrics") or (record.get("outcome") or {}).get("metrics") or {}
    pairs = [("goal", esc(T.goal_text(T.goal_of(record))) or "<span class='muted'>none given</span>"),
             ("plan", esc(T.plan_verdict(record))),
             ("ended because", esc(T.ending_text(record))),
             ("failure type", tag(failure, "bad") if failure else ""),
             ("plan executed", _plan_line(record))]
    world_pairs = T.hook(record, "outcome_pairs")
    extra = world_pairs(record, m) if world_pairs else None
    if extra is not None:
        pairs += extra
    else:
        fails = sum(1 for s in record.get("steps") or [] if not s.get("success", True))
        pairs.append(("skill failures", f"{fails} of {len(record.get('steps') or [])} steps"))
    pairs.append(("time", esc(_timing(record))))
    if verified is not None:
        pairs.append(("replay check", tag("re-run reproduces the recorded final state", "ok") if verified
                      else tag("re-run differs from the record", "bad")))
    if record.get("error"):
        pairs.append(("error", f"<code>{esc(record['error'])}</code>"))
    final = T.state_lines(record.get("world", ""), record.get("final_state"))
    if final:
        pairs.append(("final state", "<br>".join(esc(x) for x in final)))
    return (f"<section class='box {cls}' id='outcome'><div class='verdict {'ok-t' if met else 'bad-t' if met is False else ''}'>"
            f"{esc(verdict[0].upper() + verdict[1:])}</div>{kv(pairs)}</section>")


def candidates_table(step: dict) -> str:
    """The planner's top candidates of one step as rows of bars (chosen one highlighted)."""
    top = step.get("top") or []
    if not top:
        return "<p class='muted'>no candidate scores recorded for this step</p>"
    generative = step.get("generated") is not None
    last = "similarity" if generative else "combined"
    rows = []
    for c in top:
        chosen = c.get("skill") == step.get("skill")
        name = ("&#9654; " if chosen else "") + esc(c.get("skill"))
        rows.append((f"<tr class='{'chosen' if chosen else ''}'><td>{name}</td>"
                     f"<td>{bar(c.get('llm_prob'), 'llm')}</td><td>{bar(c.get('affordance'), 'aff', digits=2)}</td>"
                     f"<td>{bar(c.get('combined'), 'comb')}</td></tr>"))
    head = f"<tr><th>candidate</th><th>p_LLM</th><th>affordance</th><th>{last}</th></tr>"
    return f"<table class='cands'><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _value(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, dict):
        return T.goal_text(v)
    if isinstance(v, (list, tuple)):
        return ", ".join(_value(x) for x in v)
    return str(v)


def _extras(step: dict) -> str:
    """What the planner recorded besides scores (``Decision.extras``): a chosen goal, its plan, alternatives..."""
    extras = dict(step.get("extras") or {})
    if not extras:
        return ""
    out = []
    sentence, goal, score = extras.pop("goal_sentence", None), extras.pop("goal", None), extras.pop("goal_score", None)
    logprob = extras.pop("goal_logprob", None)
    if sentence or goal is not None:
        line = "chosen goal: " + (f"&ldquo;{esc(sentence)}&rdquo;" if sentence else "")
        if goal is not None:
            line += (" = " if sentence else "") + esc(T.goal_text(goal) if isinstance(goal, dict) else goal)
        if isinstance(score, (int, float)):
            line += f"; score {score:.3f}"
        if isinstance(logprob, (int, float)):
            line += f" (log-prob {logprob:.2f})"
        out.append(f"<p>{line}</p>")
    alternatives = extras.pop("goal_alternatives", None)
    if isinstance(alternatives, list) and alternatives:
        pairs = [a for a in alternatives if isinstance(a, (list, tuple)) and len(a) == 2]
        top = max([abs(float(v)) for _, v in pairs if isinstance(v, (int, float))] + [1e-9])
        rows = [(esc(n), bar(v, "comb", scale=top if top > 1 else 1.0)) for n, v in pairs
                if isinstance(v, (int, float))]
        if rows:
            out.append("<details><summary>other goals considered</summary>" + table(["goal", "score"], rows)
                       + "</details>")
    plan = extras.pop("plan", None)
    if isinstance(plan, list) and plan:
        cost = extras.pop("plan_cost", None)
        out.append(f"<p>planned from here: {' &rarr; '.join(esc(x) for x in plan)}"
                   + (f" (cost {cost:.2f})" if isinstance(cost, (int, float)) else "") + "</p>")
    if extras.pop("unreachable", False):
        out.append("<p class='bad-t'>no plan reaches the chosen goal from here</p>")
    scene = extras.pop("scene", None)
    if scene:
        out.append(f"<div class='scene'>scene: {esc(scene)}</div>")
    rest = [f"{esc(k.replace('_', ' '))}: {esc(_value(v))}" for k, v in extras.items() if v is not None]
    if rest:
        out.append("<p>planner: " + "; ".join(rest) + "</p>")
    return "".join(out)


def _step_card(record: dict, i: int, step: dict) -> str:
    ok = step.get("success", True)
    action = step.get("skill", step.get("action"))
    if "from" in step and "node" in step:
        action = f"move {step['from']} -> {step['node']}"
    head = f"<h3>Step {i + 1}: {esc(action)} {yes_no(ok, 'ok', 'failed')}</h3>"
    detail = []
    if not ok or step.get("reason"):
        detail.append(f"<p>{'why it failed' if not ok else 'note'}: {esc(step.get('reason') or 'no reason recorded')}</p>")
    if step.get("generated") is not None:
        detail.append(f"<p>the LLM wrote <q>{esc(step['generated'])}</q>, mapped to the nearest skill</p>")
    scene = step.get("scene") or T.perception_text(step.get("perception"))
    if scene:
        detail.append(f"<div class='scene'>planner saw: {esc(scene)}</div>")
    detail.append(_extras(step))
    if isinstance(step.get("scores"), dict) and not step.get("top"):  # other planners' per-option scores
        flat = {n: (v.get("combined") if isinstance(v, dict) else v) for n, v in step["scores"].items()}
        rows = [(esc(n), bar(v, "comb")) for n, v in sorted(flat.items(), key=lambda kv: -(kv[1] or 0))
                if isinstance(v, (int, float))]
        detail.append(table(["option", "score"], rows))
    else:
        detail.append(candidates_table(step))
    if "t" in step and "t_end" in step:
        detail.append(f"<p class='muted'>simulated time {step['t']:.1f} s &rarr; {step['t_end']:.1f} s</p>")
    elif isinstance(step.get("distance"), (int, float)):
        detail.append(f"<p class='muted'>{step['distance']:.1f} m driven so far</p>")
    frame = _step_frame(record, i, step)
    cls = "okstep" if ok else "failed"
    if not frame:
        return f"<section class='step {cls} noframe' id='step-{i + 1}'><div>{head}{''.join(detail)}</div></section>"
    pic = (f"<figure>{img(frame, f'frame after step {i + 1}', 'frame')}"
           f"<figcaption>after step {i + 1} (click to enlarge)</figcaption></figure>")
    return (f"<section class='step {cls}' id='step-{i + 1}'><div class='frames'>{pic}</div>"
            f"<div>{head}{''.join(detail)}</div></section>")


def _moves_table(record: dict, steps: list[dict]) -> str:
    """Navigation: one row per move -- the views after it, and how well this node matches each landmark."""
    rows = []
    for i, step in enumerate(steps):
        frame = _step_frame(record, i, step)
        pic = img(frame, f"views after move {i + 1}", "strip") if frame else "<span class='muted'>no frame</span>"
        scores = step.get("scores") or {}
        bars = "".join(f"<div class='muted'>{esc(lm)}</div>{bar(math.exp(v), 'comb')}" for lm, v in scores.items())
        ok = "" if step.get("success", True) else " " + tag("invalid move", "bad")
        dist = f"{step['distance']:.1f}" if isinstance(step.get("distance"), (int, float)) else ""
        rows.append((str(i + 1), f"{esc(step.get('from'))} &rarr; {esc(step.get('node'))}{ok}", pic, bars, dist))
    return ("<p class='muted'>each row: the camera views after the move (click to enlarge) and P(this node | "
            "landmark) for every landmark</p>"
            + table(["#", "move", "views after the move", "P(node | landmark)", "driven (m)"], rows,
                    table_id="steps", numeric=(0, 4)))


def _world_sections(record: dict) -> str:
    """The world's own parts of the page (``WorldSpec.replay_extras``: ``html_parts(record)``), e.g. the route map."""
    import importlib

    from envs.worlds import WORLDS

    world = record.get("world")
    if world not in WORLDS:
        return ""
    module = WORLDS.get(world).replay_extras
    extras = importlib.import_module(module) if module else None
    return "".join(extras.html_parts(record)) if extras is not None and hasattr(extras, "html_parts") else ""


def render_episode(record: dict, verified: bool | None = None, failure: str | None = None,
                   back: str | None = None) -> str:
    steps = record.get("steps") or []
    body = []
    if back:
        body.append(f"<p><a href='{esc(back)}'>&larr; benchmark report</a></p>")
    instruction = record.get("instruction") or (record.get("task") or {}).get("instruction") or ""
    body.append(f"<h1>&ldquo;{esc(instruction)}&rdquo;</h1><p class='sub'>{_subtitle(record)}</p>")
    body.append(outcome_block(record, verified, failure))
    body.append(_world_sections(record))
    start = _frame(record, "frames/000.png")
    body.append(f"<h2>Steps ({len(steps)})</h2>")
    if steps and steps[0].get("top"):
        mode = record.get("mode") or (record.get("config") or {}).get("mode")
        last = {"llm": "combined (= p_LLM: this mode ignores affordances)",
                "generative": "similarity of the LLM's text to the candidate (MiniLM)",
                "oracle-plan": "combined (1 for the given plan's step)"}.get(
            mode, "combined (p_LLM &times; affordance)")
        body.append("<p class='legend muted'>bars per candidate:<span style='background:var(--llm)'></span>p_LLM"
                    "<span style='background:var(--aff)'></span>affordance<span style='background:var(--comb)'></span>"
                    f"{last}; the planner runs the highest</p>")
    if not start and steps:
        body.append("<p class='muted'>no frames in this record (the benchmark keeps them with --record-episodes; "
                    "the command lines with --record)</p>")
    if start:
        body.append(f"<section class='step' id='start'><div class='frames'><figure>"
                    f"{img(start, 'start frame', getattr(T.world_hooks(record), 'START_FRAME_CLASS', 'frame'))}"
                    f"<figcaption>start (click to enlarge)</figcaption></figure></div><div><h3>Start</h3>"
                    f"{kv([('state', '<br>'.join(esc(x) for x in T.state_lines(record.get('world', ''), record.get('initial_state'))))])}"
                    f"</div></section>")
    if steps and all("from" in s and "node" in s for s in steps):  # moves on a graph
        body.append(_moves_table(record, steps))
    else:
        body += [_step_card(record, i, s) for i, s in enumerate(steps)]
    if not steps:
        body.append("<p class='muted'>no steps were run</p>")
    return page(title_of(record), "\n".join(body))


def write_episode_page(record: dict, path, verified: bool | None = None, failure: str | None = None,
                       back: str | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_episode(record, verified, failure, back), encoding="utf-8")
    return path
