"""The concept diagram of Chapter 2: one round of the resample-if-rejected (RIR) shift.

:func:`rir_round` draws a few individuals from a base population, scores them with a deployed
predictor ``f(x) = (1 - delta) * sigmoid(2x)``, flips each individual's rejection coin with
probability ``g = f(x) + delta`` (Proposition "Induced density of RIR") and redraws every rejected
individual uniformly from the base population. :func:`draw_rir_diagram` draws that round as three
columns (base draw, rejection by the deployed model, the induced sample) and the RRM loop that
retrains on the induced sample and deploys the new model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle

from .._checks import check_positive_int
from .._random import as_generator
from ..plotting import MAX_WIDTH, PALETTE, figure
from .rir import check_delta

__all__ = ["RIRRound", "draw_rir_diagram", "rir_round"]

_GREY = "#999999"


@dataclass(frozen=True)
class RIRRound:
    """One RIR round on ``n`` individuals (all arrays of shape ``(n,)``).

    Attributes
    ----------
    features:
        The base draws :math:`x_k` (standard normal).
    scores:
        The deployed predictor's scores :math:`f(x_k) \\in [0, 1-\\delta]`.
    coins:
        Uniform coins :math:`u_k`; individual ``k`` is rejected when :math:`u_k < f(x_k) + \\delta`.
    rejected:
        Which individuals were rejected.
    donors:
        Index of the base draw that replaces each individual (itself when kept).
    delta:
        The floor :math:`\\delta` of the rejection probability.
    """

    features: np.ndarray
    scores: np.ndarray
    coins: np.ndarray
    rejected: np.ndarray
    donors: np.ndarray
    delta: float

    @property
    def rejection_probabilities(self) -> np.ndarray:
        """:math:`g(f(x_k)) = f(x_k) + \\delta`, shape ``(n,)``."""
        return self.scores + self.delta

    @property
    def induced(self) -> np.ndarray:
        """The induced sample: kept draws stay, rejected ones take their donor's features."""
        return self.features[self.donors]


def rir_round(n: int = 6, delta: float = 0.3, seed=0, slope: float = 2.0) -> RIRRound:
    """Draw one RIR round on ``n`` individuals (the data behind :func:`draw_rir_diagram`).

    Parameters
    ----------
    n:
        Number of individuals (at least 2).
    delta:
        Floor of the rejection probability, in ``(0, 1)``.
    seed:
        Seed or generator for the base draws, the coins and the redraws.
    slope:
        Slope of the deployed predictor ``f(x) = (1 - delta) * sigmoid(slope * x)``.

    Returns
    -------
    RIRRound
        The draws, scores, coins, rejections and donors, each of shape ``(n,)``.
    """
    n = check_positive_int(n, "n", minimum=2)
    delta = check_delta(delta)
    rng = as_generator(seed)
    features = rng.standard_normal(n)
    scores = (1.0 - delta) / (1.0 + np.exp(-slope * features))
    coins = rng.uniform(size=n)
    rejected = coins < scores + delta
    redraws = rng.integers(n, size=n)
    donors = np.where(rejected, redraws, np.arange(n))
    return RIRRound(features, scores, coins, rejected, donors, delta)


def draw_rir_diagram(round_: RIRRound | None = None, width: float = 7.2, height: float = 3.4):
    """Draw one RIR round and the RRM loop around it.

    Left, the base draws :math:`x_k \\sim p`; middle, each draw's rejection probability
    :math:`f(x_k) + \\delta` as a bar (score in colour, the floor :math:`\\delta` hatched) with its
    coin, and the verdict written out ("kept" or "rejected"); right, the induced sample, where every
    rejected draw is replaced by a fresh draw from :math:`p` (dashed arrow from its donor). An arrow
    below closes the loop: retrain on the induced sample, deploy the new predictor.

    Parameters
    ----------
    round_:
        The round to draw (default: :func:`rir_round` with its defaults).
    width, height:
        Figure size in inches; ``width`` at most :data:`inloop.plotting.MAX_WIDTH`.

    Returns
    -------
    tuple
        The matplotlib figure and its one ``Axes``.
    """
    if not 0 < width <= MAX_WIDTH:
        raise ValueError(f"width must be in (0, {MAX_WIDTH}] inches, got {width!r}.")
    round_ = rir_round() if round_ is None else round_
    n = round_.features.size
    fig, ax = figure(width=width, height=height)
    ax.set_axis_off()
    ax.set(xlim=(0, 10), ylim=(-1.7, n + 1.1))
    ys = n - np.arange(n) - 0.5  # row k at height ys[k], first row on top
    _column_titles(ax, n)
    for k, y in enumerate(ys):
        _base_row(ax, y, k, round_.features[k])
        _rejection_bar(ax, y, round_, k)
        _induced_row(ax, y, k, round_, ys)
    _loop_arrow(ax)
    return fig, ax


def _column_titles(ax, n: int) -> None:
    titles = (
        (1.2, "1. draw $x \\sim p$"),
        (4.9, "2. deployed $f$ rejects\nwith prob. $f(x) + \\delta$"),
        (8.6, "3. induced sample $\\mathcal{D}(f)$"),
    )
    for x, text in titles:
        ax.text(x, n + 0.55, text, ha="center", va="center", fontsize=9, weight="bold")


def _base_row(ax, y: float, k: int, value: float) -> None:
    ax.add_patch(Rectangle((0.5, y - 0.35), 1.4, 0.7, facecolor="white", edgecolor="black"))
    ax.text(1.2, y, f"$x_{k + 1}$ = {value:+.2f}", ha="center", va="center", fontsize=8)


def _rejection_bar(ax, y: float, round_: RIRRound, k: int) -> None:
    left, length = 2.8, 3.6  # the bar spans probabilities 0..1
    score, delta = round_.scores[k], round_.delta
    ax.add_patch(Rectangle((left, y - 0.2), length, 0.4, facecolor="white", edgecolor=_GREY))
    ax.add_patch(Rectangle((left, y - 0.2), length * score, 0.4, color=PALETTE[0], alpha=0.8))
    ax.add_patch(
        Rectangle(
            (left + length * score, y - 0.2),
            length * delta,
            0.4,
            facecolor="white",
            edgecolor=PALETTE[0],
            hatch="////",
        )
    )
    coin = left + length * round_.coins[k]
    ax.plot([coin, coin], [y - 0.3, y + 0.3], color="black", linestyle="-", lw=1.5)
    rejected = bool(round_.rejected[k])
    ax.text(
        left + length + 0.15,
        y,
        "rejected" if rejected else "kept",
        ha="left",
        va="center",
        fontsize=8,
        color=PALETTE[1] if rejected else PALETTE[2],
        style="italic" if rejected else "normal",
        weight="bold",
    )


def _induced_row(ax, y: float, k: int, round_: RIRRound, ys: np.ndarray) -> None:
    rejected = bool(round_.rejected[k])
    donor = int(round_.donors[k])
    ax.add_patch(
        Rectangle(
            (7.9, y - 0.35),
            1.4,
            0.7,
            facecolor="white",
            edgecolor=PALETTE[1] if rejected else "black",
            linestyle="--" if rejected else "-",
            lw=1.5 if rejected else 1.0,
        )
    )
    label = f"$x_{donor + 1}$" + (" (redrawn)" if rejected else "")
    ax.text(8.6, y, label, ha="center", va="center", fontsize=8)
    if rejected:
        ax.add_patch(
            FancyArrowPatch(
                (1.9, ys[donor]),
                (7.9, y),
                connectionstyle="arc3,rad=-0.12",
                arrowstyle="-|>",
                mutation_scale=8,
                color=PALETTE[1],
                linestyle="--",
                lw=0.9,
                alpha=0.6,
                zorder=0,
            )
        )


def _loop_arrow(ax) -> None:
    ax.text(
        4.6,
        -0.35,
        "bar: score $f(x)$ (filled) + floor $\\delta$ (hatched); tick: coin $u \\sim U[0, 1]$",
        ha="center",
        va="center",
        fontsize=7.5,
    )
    ax.add_patch(
        FancyArrowPatch(
            (8.6, 0.0),
            (6.9, -1.2),
            connectionstyle="arc3,rad=-0.3",
            arrowstyle="-|>",
            mutation_scale=12,
            color="black",
            lw=1.2,
        )
    )
    ax.text(
        6.8,
        -1.2,
        "4. RRM: retrain on the induced sample, deploy the new $f$, repeat",
        ha="right",
        va="center",
        fontsize=8.5,
    )
