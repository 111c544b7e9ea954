"""Per-family success bars with Wilson 95% error bars, one colour per mode (matplotlib, Agg backend)."""
from __future__ import annotations

from pathlib import Path

PLOTS = {"plan_success": "plan_success.png", "exec_success": "exec_success.png"}


def plot_results(results: dict, out_dir: str | Path) -> list[Path]:
    """Write one PNG per success kind; returns their paths."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    import numpy as np

    modes = list(results["modes"])
    families = sorted({f for s in results["modes"].values() for f in s["families"]})
    written = []
    if not modes:
        return written
    x = np.arange(len(families))
    width = 0.8 / len(modes)
    colours = plt.get_cmap("tab10").colors
    for what, name in PLOTS.items():
        fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(families) + 2), 4.2), dpi=110)
        for i, mode in enumerate(modes):
            fams = results["modes"][mode]["families"]
            vals, lo, hi = [], [], []
            for f in families:
                r = fams.get(f, {}).get(what)
                v = r["rate"] if r and r["rate"] is not None else 0.0
                vals.append(100 * v)
                lo.append(100 * (v - r["ci95"][0]) if r else 0.0)
                hi.append(100 * (r["ci95"][1] - v) if r else 0.0)
            ax.bar(x + (i - (len(modes) - 1) / 2) * width, vals, width, yerr=[lo, hi], capsize=3,
                   color=colours[i % len(colours)], label=mode)
        ax.set_xticks(x)
        ax.set_xticklabels(families, rotation=30, ha="right")
        ax.set_ylim(0, 119)
        ax.set_yticks(range(0, 101, 20))
        ax.set_ylabel(f"{what.replace('_', ' ')} (%)")
        ax.set_title(f"{what.replace('_', ' ')} per family (Wilson 95% intervals)")
        ax.legend(loc="upper center", ncol=len(modes), fontsize="small", frameon=False)
        fig.tight_layout()
        path = Path(out_dir) / name
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written
