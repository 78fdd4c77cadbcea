"""Concept diagram of Chapter 4: the collective risk dilemma on a graph, with forecasts and trust.

:func:`draw_crd_loop` draws one round of the loop the chapter studies. A forecaster announces a
cooperation probability :math:`p_j` for every agent; each agent mixes the forecast with its innate
prior, weighted by its trust :math:`\\tau_i`, and cooperates or defects; a group succeeds when
enough of its members cooperate; the observed actions update every agent's trust (Bayes' rule)
and are the data the forecaster learns from next. Everything is drawn with matplotlib patches and
text, in the book's palette, with a second cue besides colour (cooperators are filled and marked
"C", defectors are hatched and marked "D").
"""

from __future__ import annotations

import numbers
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, Ellipse, FancyArrowPatch, FancyBboxPatch
from numpy.typing import ArrayLike, NDArray

from ..plotting import PALETTE
from .crd import CollectiveRiskDilemma
from .network import Network

__all__ = ["EXAMPLE", "draw_crd_loop", "example_network"]

#: The six-agent example of the diagram: edges, node positions (in the diagram's coordinates,
#: x in [0, 10], y in [0, 6]), forecasts, trust and actions. Agent 1's group is {0, 1, 2, 3}.
EXAMPLE: dict[str, tuple] = {
    "edges": ((0, 1), (0, 2), (1, 2), (1, 3), (3, 4), (3, 5), (4, 5)),
    "positions": ((0.8, 2.8), (2.0, 1.9), (0.8, 1.0), (3.3, 1.9), (4.6, 2.8), (4.6, 1.0)),
    "forecasts": (0.9, 0.6, 0.2, 0.9, 0.3, 0.8),
    "trust": (0.7, 0.5, 0.4, 0.8, 0.3, 0.6),
    "actions": (1, 1, 0, 1, 0, 0),
}

_RADIUS = 0.32
_COOPERATE, _DEFECT, _GROUP, _INK = PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[-1]
_LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 0.4, "alpha": 0.9}


def example_network() -> Network:
    """The six-agent graph of :data:`EXAMPLE` as a :class:`Network`."""
    adjacency = np.zeros((6, 6), dtype=bool)
    for i, j in EXAMPLE["edges"]:
        adjacency[i, j] = adjacency[j, i] = True
    return Network(adjacency, name="diagram example")


def _vector(values: ArrayLike, name: str, n: int, low: float, high: float) -> NDArray[np.float64]:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of {n} real numbers, got {values!r}.") from None
    if array.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one entry per agent, got {array.shape}.")
    if not np.isfinite(array).all() or (array < low).any() or (array > high).any():
        raise ValueError(f"{name} must lie in [{low}, {high}], got {array.tolist()}.")
    return array


def _checked(network, positions, forecasts, trust, actions, focus):
    if not isinstance(network, Network):
        raise ValueError(f"network must be an inloop.games.Network, got {type(network).__name__}.")
    n = network.size
    points = np.asarray(positions, dtype=np.float64)
    if points.shape != (n, 2) or not np.isfinite(points).all():
        raise ValueError(
            f"positions must be finite (x, y) pairs, shape ({n}, 2), got shape {points.shape}."
        )
    values = (
        _vector(forecasts, "forecasts", n, 0.0, 1.0),
        _vector(trust, "trust", n, 0.0, 1.0),
        _vector(actions, "actions", n, 0.0, 1.0),
    )
    if not np.isin(values[2], (0.0, 1.0)).all():
        raise ValueError(f"actions must be 0 (defect) or 1 (cooperate), got {values[2].tolist()}.")
    if isinstance(focus, bool) or not isinstance(focus, numbers.Integral) or not 0 <= focus < n:
        raise ValueError(f"focus must be an agent index in 0..{n - 1}, got {focus!r}.")
    return points, *values


def _draw_group(ax: Axes, network: Network, points, focus: int, need: int) -> None:
    members = np.flatnonzero(network.adjacency[focus] | (np.arange(network.size) == focus))
    low, high = points[members].min(axis=0), points[members].max(axis=0)
    ax.add_patch(
        Ellipse(
            (low + high) / 2,
            high[0] - low[0] + 1.3,
            high[1] - low[1] + 1.5,
            facecolor=_GROUP,
            alpha=0.12,
            edgecolor=_GROUP,
            linestyle="--",
            linewidth=1.2,
        )
    )
    ax.text(
        (low[0] + high[0]) / 2,
        low[1] - 0.95,
        f"group $G_{{{focus}}}$: succeeds if $\\geq T_{{{focus}}} = {need}$ of its"
        f" {members.size} cooperate",
        ha="center",
        va="top",
        fontsize=8,
        color=_INK,
    )


def _draw_agents(ax: Axes, network: Network, points, forecasts, trust, actions) -> None:
    rows, cols = np.nonzero(np.triu(network.adjacency))
    for i, j in zip(rows, cols, strict=True):
        ax.plot(*points[[i, j]].T, color="0.55", linewidth=1.2, zorder=1, linestyle="-")
    for (x, y), p, tau, y_i in zip(points, forecasts, trust, actions, strict=True):
        cooperates = y_i == 1
        ax.add_patch(
            Circle(
                (x, y),
                _RADIUS,
                facecolor=_COOPERATE if cooperates else "white",
                edgecolor=_COOPERATE if cooperates else _DEFECT,
                hatch=None if cooperates else "///",
                linewidth=1.6,
                zorder=2,
            )
        )
        ax.text(
            x, y, "C" if cooperates else "D", ha="center", va="center", zorder=3,
            fontsize=9, fontweight="bold", color="white" if cooperates else _DEFECT,
        )  # fmt: skip
        label: dict[str, Any] = {"ha": "center", "fontsize": 7.5, "zorder": 3, "bbox": _LABEL_BOX}
        ax.text(x, y + _RADIUS + 0.08, f"$p={p:.1f}$", va="bottom", **label)
        ax.text(x, y - _RADIUS - 0.08, f"$\\tau={tau:.1f}$", va="top", **label)


def _arrow(ax: Axes, start, end, text: str, side: str) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=12, linewidth=1.4, color=_INK, zorder=1
        )
    )
    middle = (np.asarray(start) + np.asarray(end)) / 2
    offset = -0.12 if side == "left" else 0.12
    ax.text(
        middle[0] + offset, middle[1], text, ha="right" if side == "left" else "left",
        va="center", fontsize=8,
    )  # fmt: skip


def _draw_loop(ax: Axes, points) -> None:
    left, right = points[:, 0].min(), points[:, 0].max()
    top = points[:, 1].max() + _RADIUS + 0.45
    box = FancyBboxPatch(
        (left + 0.2, 4.55), right - left - 0.4, 0.85, boxstyle="round,pad=0.08",
        facecolor="white", edgecolor=_INK, linewidth=1.2,
    )  # fmt: skip
    ax.add_patch(box)
    ax.text(
        (left + right) / 2, 4.97, "forecaster",
        ha="center", va="center", fontsize=8.5,
    )  # fmt: skip
    _arrow(ax, (left + 0.9, 4.5), (left + 0.9, top), "forecasts $p$", "left")
    _arrow(ax, (right - 0.9, top), (right - 0.9, 4.5), "actions $y$: retrain", "right")


_STEPS = (
    "1. The forecaster announces $p_j$ for every agent.",
    "2. Agent $i$ mixes forecast and prior $\\alpha$ with\n"
    "    weight $\\tau_i$; it cooperates iff it is pivotal\n"
    "    often enough: $r\\,(\\tau_i g_i^{\\mathrm{pred}} + (1-\\tau_i)\\,g_i^{\\alpha}) > c$.",
    "3. Group $G_i$ succeeds iff at least $T_i$ of its\n    members cooperate.",
    "4. Each agent updates $\\tau_i$ by Bayes' rule from\n"
    "    its neighbours' actions; the forecaster\n"
    "    learns from the actions $y$ (RRM, or welfare).",
)


def _draw_steps(ax: Axes, x: float) -> None:
    y = 5.35
    for step in _STEPS:
        ax.text(x, y, step, ha="left", va="top", fontsize=7.8, linespacing=1.35)
        y -= 0.33 * (step.count("\n") + 1) + 0.3
    ax.text(x, y - 0.1, "C: cooperates (filled)\nD: defects (hatched)", va="top", fontsize=7.8)


def draw_crd_loop(
    ax: Axes | None = None,
    *,
    network: Network | None = None,
    positions: ArrayLike | None = None,
    forecasts: ArrayLike | None = None,
    trust: ArrayLike | None = None,
    actions: ArrayLike | None = None,
    focus: int = 1,
    game: CollectiveRiskDilemma | None = None,
) -> Axes:
    """Draw one round of the forecasting loop on a collective risk dilemma.

    Agents are circles on the graph's edges, each annotated with its forecast :math:`p_j` (above)
    and its trust :math:`\\tau_j` (below); the group :math:`G_{\\mathrm{focus}}` is shaded and
    labelled with its threshold :math:`T = \\lceil t M \\rceil`; arrows close the loop between the
    forecaster and the agents; a side column states the four steps of a round (the agents' rule is
    Proposition 4.1, the trust update Definition 4.2 of the chapter).

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure of 7.2 x 3.7 inches (narrower than
        :data:`inloop.plotting.MAX_WIDTH`).
    network : Network, optional
        The graph, ``n`` agents; by default :func:`example_network`. Pass ``positions`` with it.
    positions : array_like, shape ``(n, 2)``, optional
        Node coordinates in the diagram's frame (x in about [0, 5.5], y in about [0.5, 3.5]).
    forecasts, trust : array_like, shape ``(n,)``, optional
        Forecast cooperation probabilities and trust, each in [0, 1].
    actions : array_like, shape ``(n,)``, optional
        0 (defect) or 1 (cooperate) for every agent.
    focus : int
        The agent whose group is shaded.
    game : CollectiveRiskDilemma, optional
        Gives the threshold fraction :math:`t`; by default the book's game (:math:`t = 1/2`).

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with the diagram drawn and the frame switched off.
    """
    if network is None:
        network = example_network()
        positions = EXAMPLE["positions"] if positions is None else positions
    if positions is None:
        raise ValueError("positions are required when a network is given (shape (n, 2)).")
    n = network.size if isinstance(network, Network) else 0
    points, p, tau, y = _checked(
        network,
        positions,
        EXAMPLE["forecasts"] if forecasts is None and n == 6 else forecasts,
        EXAMPLE["trust"] if trust is None and n == 6 else trust,
        EXAMPLE["actions"] if actions is None and n == 6 else actions,
        focus,
    )
    game = CollectiveRiskDilemma() if game is None else game
    if not isinstance(game, CollectiveRiskDilemma):
        raise ValueError(f"game must be a CollectiveRiskDilemma, got {type(game).__name__}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.2, 3.7), constrained_layout=True)
    _draw_group(ax, network, points, focus, int(game.thresholds(network)[focus]))
    _draw_agents(ax, network, points, p, tau, y)
    _draw_loop(ax, points)
    _draw_steps(ax, points[:, 0].max() + 1.1)
    ax.set(xlim=(-0.2, 10.6), ylim=(-0.25, 5.65), aspect="equal")
    ax.axis("off")
    return ax
