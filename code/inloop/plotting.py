"""One figure style for the whole book, and the few plot helpers chapters share."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

PALETTE = ("#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#30343f")

BOOK_STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "font.size": 10,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style (call once at the top of a chapter)."""
    mpl.rcParams.update(BOOK_STYLE)


def figure(
    ncols: int = 1,
    nrows: int = 1,
    width: float | None = None,
    height: float | None = None,
    **kwargs,
):
    """Create a figure with ``nrows x ncols`` axes sized for the book's page width."""
    width = width or 3.3 * ncols + 0.6
    height = height or 2.9 * nrows + 0.3
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, height), constrained_layout=True, squeeze=False, **kwargs
    )
    return fig, axes.ravel() if axes.size > 1 else axes[0, 0]


def plot_band(ax, x, runs, label=None, color=None, quantiles=(0.1, 0.9), log=False):
    """Plot the median of ``runs`` (runs, len(x)) with a shaded band between two quantiles."""
    runs = np.asarray(runs, dtype=float)
    low, mid, high = np.quantile(runs, [quantiles[0], 0.5, quantiles[1]], axis=0)
    (line,) = ax.plot(x, mid, label=label, color=color)
    ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    if log:
        ax.set_yscale("log")
    return line
