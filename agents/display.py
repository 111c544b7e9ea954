"""How an episode looks to a person: a table per planning step, an outcome line, and SayCan-style score plots."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _fmt(x, spec=".3f") -> str:
    return "-" if x is None else format(x, spec)


def step_table(step: dict):
    """A rich Table of the step's top candidates under a title line; only the title (rich Text) when the planner
    scored no candidate skills (goal mode chooses a goal once, then plans)."""
    mark = "[green]ok[/green]" if step["success"] else f"[red]failed[/red] ({step.get('reason') or 'no reason'})"
    title = f"step {step['index'] + 1}: [bold]{step['skill']}[/bold]  {mark}"
    if step.get("generated"):
        title += f"   (LLM wrote: {step['generated']!r})"
    extras = step.get("extras") or {}
    if extras.get("goal_sentence") and step["index"] == 0:  # chosen once per episode
        title += f"\n  goal: [bold]{extras['goal_sentence']}[/bold] (score {extras.get('goal_score')})"
    if extras.get("plan"):
        title += f"\n  plan from here: {', '.join(extras['plan'])}"
    if not step.get("top"):
        from rich.text import Text

        return Text.from_markup(title)
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("candidate")
    table.add_column("LLM log-prob", justify="right")
    table.add_column("p_LLM", justify="right")
    table.add_column("affordance", justify="right")
    table.add_column("combined", justify="right")
    for c in step.get("top", []):
        style = "bold cyan" if c["skill"] == step["skill"] else None
        table.add_row(c["skill"], _fmt(c["llm_logprob"], ".2f"), _fmt(c["llm_prob"]), _fmt(c["affordance"], ".2f"),
                      _fmt(c["combined"]), style=style)
    return table


def print_outcome(console: Console, record: dict) -> None:
    """Plan, final state, goal verdict, why the episode ended and its cost -- for any world, in sentences."""
    from agents.pages.text import ending_text, goal_verdict, plan_verdict, state_lines

    console.print(f"\n[bold]plan[/bold]: {', '.join(record['plan'])}")
    lines = state_lines(record.get("world", ""), record.get("final_state"))
    if lines:
        console.print("[bold]final state[/bold]:")
        for line in lines:
            console.print(f"  {line}")
    met, verdict = goal_verdict(record)
    if met is not None:
        verdict = f"[green]{verdict}[/green]" if met else f"[red]{verdict}[/red]"
        plan = plan_verdict(record)
        verdict += f"; {plan}" if plan else ""
    console.print(f"[bold]goal[/bold]: {verdict}")
    console.print(f"[bold]ended[/bold]: {ending_text(record)}")
    t = record.get("timing") or {}
    if "total_s" in t:
        sim = (record.get("metrics") or {}).get("sim_time")
        console.print(f"{len(record['steps'])} steps, {t['total_s']:.1f} s wall ({t.get('llm_s', 0.0):.1f} s planning)"
                      + (f", {sim:.1f} s simulated" if sim is not None else ""))


def plot_episode(record: dict, path: str, top_k: int = 5) -> None:
    """One row per step: the top candidates' p_LLM, affordance and combined score, like SayCan's figures."""
    import matplotlib.pyplot as plt

    fig = episode_figure(record, top_k)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def episode_figure(record: dict, top_k: int = 5):
    """The figure ``plot_episode`` saves (a matplotlib Figure; the caller closes it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    steps = record["steps"]
    n = max(len(steps), 1)
    # fixed inches per step plus a fixed header: the title never grows into the first panel, however many steps
    row_h, head_h = 1.9, 0.3
    fig, axes = plt.subplots(n, 1, figsize=(8.5, row_h * n + head_h), squeeze=False)
    for ax, step in zip(axes[:, 0], steps):
        top = step.get("top", [])[:top_k][::-1]
        names = [c["skill"] if len(c["skill"]) <= 48 else c["skill"][:46] + "..." for c in top]
        y = np.arange(len(top))
        series = [("p_LLM", "llm_prob", "#4c72b0"), ("affordance", "affordance", "#55a868"),
                  ("combined", "combined", "#c44e52")]
        for j, (label, key, colour) in enumerate(series):
            vals = [c[key] if c.get(key) is not None else 0.0 for c in top]
            ax.barh(y + (j - 1) * 0.27, vals, height=0.26, color=colour, label=label)
        ax.set_yticks(y, names, fontsize=8)
        ax.set_xlim(0, 1.05)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(f"step {step['index'] + 1}: {step['skill']}" + ("" if step["success"] else " (failed)"),
                     fontsize=9, loc="left")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=3, fontsize=8, frameon=False,
               bbox_to_anchor=(0.99, 1 - 0.05 / (row_h * n + head_h)))
    fig.suptitle(record["instruction"], fontsize=10, x=0.01, ha="left",
                 y=1 - 0.12 / (row_h * n + head_h), va="top")
    fig.tight_layout(rect=(0, 0, 1, 1 - head_h / (row_h * n + head_h)))
    return fig
