"""report.html beside a benchmark's results.md: tables, plots, why episodes failed, and every episode's own page.

    write_report(out_dir, results, records, goals) -> Path       (called by agents.benchmark after each run)
    python -m agents.pages.report OUT_DIR [--tasks FILE ...]      (rebuild it from OUT_DIR's saved files)

Episode pages go to OUT_DIR/pages/<task>__<mode>__s<seed>.html. An episode recorded with --record-episodes
(OUT_DIR/episodes/<same name>/) gets its frames on the page; otherwise the page is built from the record in
episodes.jsonl (scores, perception, states; no frames).
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Mapping

from agents.bench.failures import CATEGORIES, DESCRIPTIONS, classify, taxonomy
from agents.pages.episode import write_episode_page
from agents.pages.html import bar, esc, file_uri, img, page, table, tag, yes_no

REPORT = "report.html"
PAGES = "pages"
EPISODES_DIR = "episodes"
COLOURS = {"stopped early": "#8c6bb1", "wrong object": "#e6550d", "wrong place": "#b8860b",
           "repeated step": "#3182bd", "skill failed physically": "#31a354", "step limit": "#636363",
           "error": "#000000"}


def episode_slug(task_id: str, mode: str, seed: int) -> str:
    """The file name (no suffix) of an episode's page and record folder."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in f"{task_id}__{mode}__s{seed}")
    return safe[:150]


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _rate(r: dict) -> str:
    lo, hi = r["ci95"]
    return (f"{bar(r['rate'], 'comb', digits=3)}<div class='muted'>{_pct(r['rate'])} [{_pct(lo)}, {_pct(hi)}] "
            f"({r['k']}/{r['n']})</div>")


def _overall(results: dict) -> str:
    rows = []
    for mode, s in results["modes"].items():
        rows.append((esc(mode), str(s["n"]), _rate(s["plan_success"]), _rate(s["exec_success"]),
                     _pct(s.get("exec_success_family_mean")),
                     f"{_pct(s['exec_success_over_seeds']['mean'])} &plusmn; {_pct(s['exec_success_over_seeds']['sd'])}",
                     str(s.get("errors", 0))))
    return table(["mode", "episodes", "plan success", "goal met (exec success)", "exec, family mean",
                  "exec over seeds", "errors"], rows, numeric=(1, 6))


def _families(results: dict) -> str:
    modes = list(results["modes"])
    families = sorted({f for s in results["modes"].values() for f in s["families"]})
    rows = []
    for f in families:
        cells = [esc(f)]
        for m in modes:
            r = results["modes"][m]["families"].get(f)
            cells.append(_rate(r["exec_success"]) if r else "")
        rows.append(cells)
    return table(["family"] + [f"{m}: goal met" for m in modes], rows)


def _taxonomy(tax: dict) -> str:
    legend = " ".join(f"<span class='tag' style='background:{COLOURS[c]};color:#fff'>{esc(c)}</span>"
                      f"<span class='muted'>{esc(DESCRIPTIONS[c])}</span><br>" for c in CATEGORIES)
    rows = []
    for mode, t in tax.items():
        failed = t["failed"]
        segs = "".join(f"<span title='{esc(c)}: {n}' style='width:{100 * n / failed:.2f}%;background:{COLOURS[c]}'>"
                       f"</span>" for c, n in t["counts"].items() if n and failed)
        cells = [esc(mode), f"{failed}/{t['episodes']}", f"<div class='stack'>{segs}</div>"]
        for c in CATEGORIES:
            n = t["counts"][c]
            cells.append(f"<a href='#episodes' class='pick' data-key='{esc(mode)}|{esc(c)}'>{n}</a>" if n else "0")
        rows.append(cells)
    sums = "".join(f"<li>{esc(m)}: {' + '.join(str(t['counts'][c]) for c in CATEGORIES)} = {t['failed']} failed</li>"
                   for m, t in tax.items())
    return (table(["mode", "failed", "share"] + list(CATEGORIES), rows, numeric=tuple(range(3, 3 + len(CATEGORIES))))
            + f"<p class='muted'>Each failed episode (goal not met) gets the first category that applies, in the "
              f"order: error, skill failed physically, wrong object, wrong place, repeated step, step limit, stopped "
              f"early; so the categories sum to the failed episodes:</p><ul class='muted'>{sums}</ul>"
            + f"<p>{legend}</p><p class='muted'>Click a count to list those episodes below.</p>")


def _plots(out: Path) -> str:
    parts = []
    for name, what in (("exec_success.png", "goal met per family"), ("plan_success.png", "plan success per family")):
        uri = file_uri(out / name)
        if uri:
            parts.append(f"<figure style='flex:1 1 48%;margin:0'>{img(uri, what, 'wide')}"
                         f"<figcaption>{esc(what)} (click to enlarge)</figcaption></figure>")
    return f"<div style='display:flex;gap:12px;flex-wrap:wrap'>{''.join(parts)}</div>" if parts else ""


def _cost(results: dict) -> str:
    rows = [(esc(m), f"{s['wall_s']['mean']:.2f}" if s["wall_s"]["mean"] is not None else "n/a",
             f"{s['llm_calls']['mean']:.1f}" if s["llm_calls"]["mean"] is not None else "n/a")
            for m, s in results["modes"].items()]
    return table(["mode", "wall time per episode (s)", "LLM calls per episode"], rows, numeric=(1, 2))


def _episode_rows(records: list[dict], cats: list, links: list) -> list:
    rows = []
    for r, cat, link in zip(records, cats, links):
        steps = len(r.get("steps") or [])
        cells = [(f"<a href='{esc(link)}'>{esc(r['id'])}</a>", r["id"]), esc(r.get("family") or ""), esc(r["mode"]),
                 str(r["seed"]), (yes_no(r.get("exec_success")), int(bool(r.get("exec_success")))),
                 (yes_no(r.get("plan_success")), int(bool(r.get("plan_success")))),
                 (tag(cat, "bad") if cat else "", cat or ""), str(steps),
                 f"{r.get('wall_s', 0.0):.1f}", esc(r.get("instruction", ""))]
        rows.append((f"{r['mode']}|{cat or ''}", cells))
    return rows


def _episodes_table(rows: list) -> str:
    headers = ["task", "family", "mode", "seed", "goal met", "plan ok", "why it failed", "steps", "wall s",
               "instruction"]
    html = table(headers, [cells for _, cells in rows], table_id="episodes", sortable=True, numeric=(3, 7, 8))
    # tag each row with mode|category so a click in the taxonomy can filter on it
    body_start = html.index("<tbody>") + len("<tbody>")
    parts = html[body_start:].split("<tr>")
    out = [parts[0]] + [f"<tr data-key='{esc(key)}'>" + p for (key, _), p in zip(rows, parts[1:])]
    return html[:body_start] + "".join(out)


FILTER_SCRIPT = """<script>
document.querySelectorAll('a.pick').forEach(function(a){a.addEventListener('click',function(){
  var k=a.getAttribute('data-key'),inp=document.querySelector('input.filter');inp.value='';
  Array.prototype.forEach.call(document.getElementById('episodes').tBodies[0].rows,function(r){
    r.style.display=r.getAttribute('data-key')===k?'':'none';});
  document.getElementById('shown').textContent='showing '+k.replace('|',': ')+' (type in the box to reset)';});});
</script>"""


def write_report(out_dir, results: dict, records: list[dict], goals: Mapping[str, object] | None = None,
                 pages: bool = True) -> Path:
    """Write OUT/report.html (and OUT/pages/*.html); returns the report's path."""
    from envs.record import load_record

    out = Path(out_dir)
    goals = dict(goals or {})
    tax = taxonomy(records, goals, modes=results["modes"])
    cats = [classify(r, goals.get(r.get("id"))) for r in records]
    links = []
    for r, cat in zip(records, cats):
        slug = episode_slug(r["id"], r["mode"], r["seed"])
        links.append(f"{PAGES}/{slug}.html")
        if not pages:
            continue
        folder = out / EPISODES_DIR / slug
        if (folder / "episode.json").exists():
            rec = load_record(folder)
            rec.setdefault("error", r.get("error"))
        else:
            rec = dict(r)
            rec.setdefault("task", {"id": r["id"], "instruction": r.get("instruction"), "goal": goals.get(r["id"])})
        write_episode_page(rec, out / links[-1], failure=cat, back=f"../{REPORT}")
    cfg = results["config"]
    git = results.get("git") or {}
    sub = (f"{esc(', '.join(cfg['tasks']))}: {results['n_tasks']} tasks, {results['n_episodes']} episodes; modes "
           f"{esc(', '.join(cfg['modes']))}; seeds {cfg['seeds']}; model {esc(results['model']['name'])} "
           f"({esc(results['model']['backend'])}); git {esc((git.get('commit') or 'unknown')[:10])}"
           f"{' (uncommitted changes)' if git.get('dirty') else ''}; {esc(results['date'])}")
    body = [f"<h1>Benchmark report</h1><p class='sub'>{sub}</p>",
            "<h2>Overall</h2>", _overall(results),
            "<h2 id='failures'>Why episodes failed</h2>", _taxonomy(tax),
            "<h2>Per family</h2>", _plots(out), _families(results),
            "<h2>Cost</h2>", _cost(results),
            f"<h2 id='episodes-h'>Episodes ({len(records)})</h2><p class='muted'>Click a column to sort; click a task "
            f"for its page (steps, frames, scores).</p><input class='filter' data-table='episodes' "
            f"placeholder='filter: task, mode, family, instruction...'> <span id='shown' class='muted'></span>",
            _episodes_table(_episode_rows(records, cats, links)), FILTER_SCRIPT]
    path = out / REPORT
    path.write_text(page(f"Benchmark report: {', '.join(cfg['tasks'])}", "\n".join(body)), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------- from saved files
def read_records(out: Path) -> list[dict]:
    for name in ("episodes.jsonl", "episodes.jsonl.gz"):
        path = out / name
        if path.exists():
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as fh:
                return [json.loads(line) for line in fh if line.strip()]
    from compose.errors import InvalidInputError

    raise InvalidInputError(f"no episodes.jsonl in {out}")


def goals_from(task_files) -> dict:
    from envs.tasks import load_task_files

    return {t.id: t.goal for t in load_task_files(list(task_files))}


def _main(argv) -> int:
    from compose.errors import InvalidInputError

    ap = argparse.ArgumentParser(prog="python -m agents.pages.report",
                                 description="Rebuild OUT/report.html and OUT/pages/ from a benchmark's saved files.")
    ap.add_argument("out", metavar="OUT_DIR", help="a benchmark --out folder (results.json, episodes.jsonl[.gz])")
    ap.add_argument("--tasks", action="append", metavar="FILE",
                    help="task file(s) with the goals (default: those results.json names)")
    ap.add_argument("--no-pages", action="store_true", help="only report.html, no per-episode pages")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if not (out / "results.json").exists():
        raise InvalidInputError(f"no results.json in {out}: is it a benchmark --out folder?")
    results = json.loads((out / "results.json").read_text("utf-8"))
    records = read_records(out)
    goals = goals_from(args.tasks or results["config"]["tasks"])
    path = write_report(out, results, records, goals, pages=not args.no_pages)
    print(f"wrote {path}" + ("" if args.no_pages else f" and {len(records)} episode pages in {out / PAGES}"))
    return 0


def main(argv=None) -> int:
    from agents.cli import run_main

    return run_main(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
