"""Concept diagrams of Chapter 6, drawn with matplotlib from the quantities the chapter computes.

- :func:`draw_multi_exit_network`: a backbone of blocks with a head after each one, the decision a
  sample meets at every head, and the cost :math:`C_i` of leaving at exit :math:`i` (the cost
  of an exit in the chapter's definition) as bars drawn to scale.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from ..plotting import MAX_WIDTH, PALETTE
from .networks import ExitCosts

__all__ = ["draw_multi_exit_network"]

_BLOCK_COLOR = PALETTE[0]  # blue: the backbone
_HEAD_COLOR = PALETTE[3]  # orange: the exit heads
_COST_COLOR = PALETTE[1]  # vermillion: the cost bars
_STEP = 1.7  # horizontal distance between two blocks
_BAR_HEIGHT = 1.6  # height of the bar of the most expensive exit


def _check_costs(costs: ExitCosts | Any) -> tuple[np.ndarray, np.ndarray]:
    blocks = np.asarray(getattr(costs, "blocks", None), dtype=float)
    heads = np.asarray(getattr(costs, "heads", None), dtype=float)
    if blocks.ndim != 1 or blocks.size == 0 or blocks.shape != heads.shape:
        raise ValueError(
            "draw_multi_exit_network: costs must have 1-d `blocks` and `heads` of the same, "
            f"positive length (an ExitCosts), got shapes {blocks.shape} and {heads.shape}"
        )
    if not (np.all(np.isfinite(blocks)) and np.all(np.isfinite(heads))):
        raise ValueError("draw_multi_exit_network: costs must be finite numbers of multiply-adds")
    if np.any(blocks <= 0) or np.any(heads < 0):
        raise ValueError(
            "draw_multi_exit_network: block costs must be positive and head costs non-negative, "
            f"got blocks {blocks.tolist()} and heads {heads.tolist()}"
        )
    return blocks, heads


def _box(
    ax, x: float, y: float, width: float, height: float, text: str, color: str, ink: str = "white"
) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor=color,
            edgecolor="black",
            linewidth=0.8,
            alpha=0.9,
            gid="box",
        )
    )
    ax.text(x, y, text, ha="center", va="center", color=ink, fontsize=9, weight="bold")


def _arrow(ax, start: tuple[float, float], end: tuple[float, float], **kwargs) -> None:
    ax.add_patch(
        FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9, linewidth=1, **kwargs)
    )


def _kilo(value: float) -> str:
    return f"{value / 1e3:.1f}k" if value >= 1e3 else f"{value:.0f}"


def draw_multi_exit_network(costs: ExitCosts, ax=None, input_label: str = "image"):
    """Draw a multi-exit network with the cost of each exit, to scale.

    The top row is the backbone: blocks :math:`b_1, \\dots, b_E` (blue boxes), each feeding the
    next. Below each block sits its head :math:`h_i` (orange box), where a sample leaves if its
    score passes the threshold and otherwise continues to the next block; the last head always
    answers. Below the heads, one bar per exit shows :math:`C_i = \\sum_{j \\le i} (B_j + H_j)`,
    the cost of leaving there, with bar heights proportional to :math:`C_i`.

    Parameters
    ----------
    costs : ExitCosts
        Multiply-adds of each block ``blocks`` and head ``heads``, both of shape ``(E,)``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure ``MAX_WIDTH`` inches wide at most.
    input_label : str
        Text of the input box.

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with the axis frame switched off.
    """
    blocks, heads = _check_costs(costs)
    cumulative = np.cumsum(blocks + heads)
    n_exits = blocks.size
    if ax is None:
        width = min(1.2 + 1.45 * n_exits, MAX_WIDTH)
        _, ax = plt.subplots(figsize=(width, 3.3), constrained_layout=True)
    xs = _STEP * np.arange(1, n_exits + 1)
    block_y, head_y, bar_base = 2.0, 0.75, -1.9

    _box(ax, 0.0, block_y, 0.95, 0.55, input_label, "0.35")
    for i, x in enumerate(xs):
        _box(ax, x, block_y, 1.0, 0.6, f"$b_{i + 1}$", _BLOCK_COLOR)
        _box(ax, x, head_y, 0.75, 0.5, f"$h_{i + 1}$", _HEAD_COLOR, ink="black")
        previous = xs[i - 1] if i else 0.0
        width_before = 0.5 if i else 0.475
        _arrow(ax, (previous + width_before, block_y), (x - 0.5, block_y), color="black")
        _arrow(ax, (x, block_y - 0.3), (x, head_y + 0.25), color="black")
        last = i == n_exits - 1
        ax.text(
            x,
            head_y - 0.42,
            "answer" if last else "leave if\nscore $\\geq \\tau$",
            ha="center",
            va="top",
            fontsize=7.5,
        )
        height = _BAR_HEIGHT * cumulative[i] / cumulative[-1]
        ax.add_patch(
            Rectangle(
                (x - 0.35, bar_base),
                0.7,
                height,
                facecolor=_COST_COLOR,
                edgecolor="black",
                linewidth=0.6,
                hatch="//",
                alpha=0.85,
                gid="cost-bar",
            )
        )
        ax.text(
            x,
            bar_base + height + 0.05,
            f"$C_{i + 1}$ = {_kilo(cumulative[i])}",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.text(
        (xs[0] + xs[1]) / 2 if n_exits > 1 else xs[0],
        block_y + 0.45,
        "else continue",
        ha="center",
        va="bottom",
        fontsize=7.5,
        style="italic",
    )
    ax.text(
        0.0,
        bar_base + 0.3,
        "cost of\nleaving at\nexit $i$\n(multiply-\nadds)",
        ha="center",
        va="bottom",
        fontsize=7.5,
    )
    ax.plot([xs[0] - 0.6, xs[-1] + 0.6], [bar_base, bar_base], color="black", linewidth=0.8)
    ax.set_xlim(-0.6, xs[-1] + 0.7)
    ax.set_ylim(bar_base - 0.15, block_y + 0.8)
    ax.set_aspect("auto")
    ax.axis("off")
    return ax
