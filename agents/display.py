"""How an episode looks to a person: a table per planning step, an outcome line, and SayCan-style score plots."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _fmt(x, spec=".3f") -> str:
    return "-" if x is None else format(x, spec)


def step_table(step: dict) -> Table:
    mark = "[green]ok[/green]" if step["success"] else f"[red]failed[/red] ({step.get('reason') or 'no reason'})"
    title = f"step {step['index'] + 1}: [bold]{step['skill']}[/bold]  {mark}"
    if step.get("generated"):
        title += f"   (LLM wrote: {step['generated']!r})"
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


def print_plan_outcome(console: Console, record: dict) -> None:
    """The outcome of a world without a kitchen-style state: the plan and whether the goal was met."""
    console.print(f"plan: {', '.join(record['plan'])}\ngoal met: {record['exec_success']}")


def print_outcome(console: Console, record: dict) -> None:
    final = record["final_state"]
    where: dict[str, list[str]] = {}
    for obj, loc in final["objects"]:
        where.setdefault(loc, []).append(obj)
    console.print(f"\n[bold]plan[/bold]: {', '.join(record['plan'])}")
    console.print(f"robot at the {final['robot']}, holding {final['holding'] or 'nothing'}; "
                  f"drawer {'open' if final['drawer_open'] else 'closed'}")
    handed = where.pop("user", [])
    console.print("handed to the user: " + (", ".join(handed) if handed else "nothing"))
    for loc, objs in sorted(where.items()):
        console.print(f"  {loc}: {', '.join(objs)}")
    if record.get("exec_success") is None:
        console.print("goal: none given (use --goal or --task-file to have the result checked)")
    else:
        met = "[green]goal met[/green]" if record["exec_success"] else "[red]goal not met[/red]"
        console.print(f"goal: {met} in the simulator; plan with perfect skills: "
                      f"{'succeeds' if record['plan_success'] else 'fails'}")
    t = record["timing"]
    console.print(f"{len(record['steps'])} steps, {t['total_s']:.1f} s wall ({t['llm_s']:.1f} s planning), "
                  f"{record['metrics']['sim_time']:.1f} s simulated")


def plot_episode(record: dict, path: str, top_k: int = 5) -> None:
    """One row per step: the top candidates' p_LLM, affordance and combined score, like SayCan's figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    steps = record["steps"]
    fig, axes = plt.subplots(len(steps), 1, figsize=(8, 1.9 * max(len(steps), 1)), squeeze=False)
    for ax, step in zip(axes[:, 0], steps):
        top = step.get("top", [])[:top_k][::-1]
        names = [c["skill"] for c in top]
        y = np.arange(len(top))
        series = [("p_LLM", "llm_prob", "#4c72b0"), ("affordance", "affordance", "#55a868"),
                  ("combined", "combined", "#c44e52")]
        for j, (label, key, colour) in enumerate(series):
            vals = [c[key] if c[key] is not None else 0.0 for c in top]
            ax.barh(y + (j - 1) * 0.27, vals, height=0.26, color=colour, label=label)
        ax.set_yticks(y, names, fontsize=8)
        ax.set_xlim(0, 1.05)
        ax.set_title(f"step {step['index'] + 1}: {step['skill']}" + ("" if step["success"] else " (failed)"),
                     fontsize=9, loc="left")
    axes[0, 0].legend(loc="lower right", fontsize=7)
    fig.suptitle(record["instruction"], fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
