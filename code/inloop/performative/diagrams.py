"""Concept diagrams for the performative-prediction chapters, drawn with matplotlib.

Two pictures recur in Chapters 1–3:

- :func:`deployment_loop_diagram`: the loop of performative prediction. A model is deployed, the
  population responds to it, the data the learner then observes come from the *induced*
  distribution :math:`\\mathcal D(\\theta_t)`, and retraining on those data gives the next model.
- :func:`rrm_vs_arm_diagram`: which induced distributions each round retrains on. Repeated risk
  minimization (RRM) uses only the newest snapshot :math:`\\mathcal D(\\theta_t)`; an affine risk
  minimizer (ARM) mixes the last :math:`\\tau` snapshots with weights :math:`\\alpha_j` summing to one.

Both functions draw on a given ``Axes`` (or create a figure no wider than
``inloop.plotting.MAX_WIDTH``), use colours from the colour-blind-safe
``inloop.plotting.PALETTE``, mark every arrow kind by a line style as well as a colour, and return
the ``Axes``. Boxes and arrows carry a ``gid`` (``"node"``, ``"deploy"``, ``"respond"``, ``"retrain"``)
so that tests and readers can find them.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..plotting import MAX_WIDTH, PALETTE

__all__ = ["deployment_loop_diagram", "rrm_vs_arm_diagram"]

#: Default labels of the loop's three stages (model, population, data) and of its three arrows.
LOOP_NODES = (
    "model $\\theta_t$",
    "population\nresponds",
    "data\n$Z \\sim \\mathcal{D}(\\theta_t)$",
)
LOOP_ARROWS = ("deploy", "shift", "retrain: $\\theta_{t+1}$")

_MODEL, _DATA = PALETTE[0], PALETTE[1]  # blue for models, vermillion for distributions


def _axes(ax: Axes | None, width: float, height: float) -> Axes:
    """``ax`` itself, or the axes of a new figure of the given size (at most ``MAX_WIDTH`` wide)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(min(width, MAX_WIDTH), height), constrained_layout=True)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax


def _box(ax: Axes, x: float, y: float, text: str, color: str, size: tuple[float, float]) -> None:
    """A rounded box of ``size`` (width, height) centred at ``(x, y)`` with ``text`` inside."""
    width, height = size
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor="white",
            edgecolor=color,
            linewidth=1.6,
            gid="node",
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def _arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    kind: str,
    color: str,
    linestyle: str = "-",
    curve: float = 0.0,
    linewidth: float = 1.4,
) -> FancyArrowPatch:
    arrow = FancyArrowPatch(
        start,
        end,
        arrowstyle="-|>",
        mutation_scale=12,
        connectionstyle=f"arc3,rad={curve}",
        color=color,
        linestyle=linestyle,
        linewidth=linewidth,
        shrinkA=2,
        shrinkB=2,
        gid=kind,
    )
    ax.add_patch(arrow)
    return arrow


def _check_labels(values: Sequence[str], name: str) -> tuple[str, str, str]:
    if isinstance(values, str) or len(values) != 3 or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{name} must be three strings, got {values!r}")
    return values[0], values[1], values[2]


def deployment_loop_diagram(
    ax: Axes | None = None,
    *,
    nodes: Sequence[str] = LOOP_NODES,
    arrows: Sequence[str] = LOOP_ARROWS,
    title: str | None = None,
) -> Axes:
    """Draw the loop of performative prediction: deploy, respond, observe, retrain.

    Three boxes sit on a triangle: the deployed model (top), the population that responds to it
    (bottom right) and the data the learner observes, drawn from the induced distribution
    (bottom left). Curved arrows go model -> population (``arrows[0]``, solid), population ->
    data (``arrows[1]``, dashed: the distribution shift the model itself causes) and data -> model
    (``arrows[2]``, dash-dotted: retraining, which closes the loop).

    Parameters
    ----------
    ax:
        Axes to draw on; by default a new figure 4.2 x 3.0 inches.
    nodes:
        Three labels: the model, the population, the data (matplotlib mathtext allowed).
    arrows:
        Three labels for the arrows model -> population, population -> data, data -> model.
    title:
        Optional title above the diagram.

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with three boxes (``gid="node"``) and three arrows (``gid`` ``"deploy"``,
        ``"respond"``, ``"retrain"``).
    """
    model, population, data = _check_labels(nodes, "nodes")
    deploy, respond, retrain = _check_labels(arrows, "arrows")
    ax = _axes(ax, 4.2, 3.0)
    size = (1.7, 0.7)
    top, right, left = (0.0, 1.15), (1.35, -0.6), (-1.35, -0.6)
    _box(ax, *top, model, _MODEL, size)
    _box(ax, *right, population, _DATA, size)
    _box(ax, *left, data, _DATA, size)
    _arrow(ax, (0.85, 1.15), (1.45, -0.25), "deploy", _MODEL, "-", curve=-0.3)
    _arrow(ax, (0.5, -0.6), (-0.5, -0.6), "respond", _DATA, "--", curve=-0.35)
    _arrow(ax, (-1.45, -0.25), (-0.85, 1.15), "retrain", PALETTE[2], "-.", curve=-0.3)
    ax.text(1.4, 0.55, deploy, ha="left", va="center", fontsize=8.5)
    ax.text(0.0, -1.15, respond, ha="center", va="top", fontsize=8.5)
    ax.text(-1.4, 0.55, retrain, ha="right", va="center", fontsize=8.5)
    ax.set_xlim(-2.6, 2.6)
    ax.set_ylim(-1.55, 1.65)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def _check_window(rounds: int, window: int, weights: Sequence[float] | None) -> np.ndarray:
    for name, value, low in (("rounds", rounds, 2), ("window", window, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if window > rounds:
        raise ValueError(f"window must be at most rounds ({rounds}), got {window}")
    if weights is None:
        return np.full(window, 1.0 / window)
    values = np.asarray(weights, dtype=float)
    if values.shape != (window,) or not np.all(np.isfinite(values)):
        raise ValueError(
            f"weights must be {window} finite numbers (one per snapshot), got {weights!r}"
        )
    if not np.isclose(values.sum(), 1.0):
        raise ValueError(f"weights must sum to 1 (an affine mixture), got sum {values.sum():g}")
    return values


def rrm_vs_arm_diagram(
    ax: Axes | None = None,
    *,
    rounds: int = 4,
    window: int = 2,
    weights: Sequence[float] | None = None,
) -> Axes:
    """Draw which snapshots RRM and an ARM retrain on, round by round.

    Two rows of the same timeline, RRM on top and the ARM below. In each row, round ``t`` shows the
    deployed model :math:`\\theta_t` (blue box) above the distribution it induces,
    :math:`\\mathcal D(\\theta_t)` (vermillion box), joined by a solid "deploy" arrow. Dashed
    "retrain" arrows go from distributions to the next model: in the RRM row only from
    :math:`\\mathcal D(\\theta_t)`; in the ARM row from the last ``window`` snapshots
    :math:`\\mathcal D(\\theta_{t-j})`, :math:`j < \\texttt{window}`, each labelled with its weight
    :math:`\\alpha_j` (early rounds with fewer snapshots mix the ones they have, as the uniform rules
    of ``inloop.performative.mixture_weights`` do; only the full-window arrows are labelled).

    Parameters
    ----------
    ax:
        Axes to draw on; by default a new figure (at most ``MAX_WIDTH`` wide).
    rounds:
        Number of deployed models per row, an integer >= 2.
    window:
        Number of snapshots the ARM mixes, ``1 <= window <= rounds`` (1 draws RRM twice).
    weights:
        The ARM's weights :math:`\\alpha_0, \\dots, \\alpha_{\\tau-1}` (``weights[0]`` on the newest
        snapshot), ``window`` finite numbers summing to one; by default uniform.

    Returns
    -------
    matplotlib.axes.Axes
        The axes. Boxes have ``gid="node"``; arrows ``gid="deploy"`` (``2 * rounds``) and
        ``gid="retrain"`` (``rounds - 1`` for RRM plus one per snapshot each ARM round mixes).

    Raises
    ------
    ValueError
        If ``rounds``, ``window`` or ``weights`` are not as described.
    """
    alphas = _check_window(rounds, window, weights)
    ax = _axes(ax, 1.5 * rounds + 1.4, 4.8)
    size, dx, gap = (0.95, 0.5), 1.5, 1.45
    rows = (("RRM", 2.75, 1), (f"ARM, $\\tau = {window}$", 0.0, window))
    for name, y_model, tau in rows:
        y_data = y_model - gap
        ax.text(-0.75, y_model - gap / 2, name, ha="right", va="center", fontsize=9.5)
        for t in range(rounds):
            x = t * dx
            _box(ax, x, y_model, f"$\\theta_{{{t}}}$", _MODEL, size)
            _box(ax, x, y_data, f"$\\mathcal{{D}}(\\theta_{{{t}}})$", _DATA, size)
            _arrow(ax, (x, y_model - 0.26), (x, y_data + 0.26), "deploy", _MODEL, "-")
        for t in range(rounds - 1):
            used = min(tau, t + 1)
            for j in range(used):
                start = np.array([(t - j) * dx + 0.15 + 0.15 * j, y_data + 0.26])
                end = np.array([(t + 1) * dx - 0.15 - 0.15 * j, y_model - 0.26])
                _arrow(ax, tuple(start), tuple(end), "retrain", PALETTE[2], "--", linewidth=1.1)
                if tau > 1 and used == tau:
                    x_label, y_label = start + (0.3 + 0.4 * j / max(tau - 1, 1)) * (end - start)
                    ax.text(
                        x_label,
                        y_label,
                        f"$\\alpha_{{{j}}}$",
                        fontsize=8,
                        color=PALETTE[2],
                        ha="center",
                        va="center",
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
                    )
    if window > 1:
        legend = ", ".join(f"$\\alpha_{{{j}}} = {a:.3g}$" for j, a in enumerate(alphas))
        ax.text((rounds - 1) * dx / 2, -gap - 0.55, f"weights: {legend}", ha="center", fontsize=8.5)
    ax.text(
        (rounds - 1) * dx / 2,
        3.2,
        "solid: deploy (the model induces its distribution); dashed: retrain on these snapshots",
        ha="center",
        fontsize=8,
    )
    ax.set_xlim(-2.0, (rounds - 1) * dx + 0.6)
    ax.set_ylim(-gap - 0.75, 3.4)
    return ax
