"""Forecasting policies that see the agents' trust, and the trust dynamics they cause.

A *policy* maps the agents' current trust to this round's forecast; :func:`run_policy` deploys one
for several rounds, updating trust by Bayes' rule after each. Two policies:

- the book's *myopic* forecaster (:func:`run_myopic`): each round it knows the agents' behaviour
  model and their current trust, and picks, from a grid of candidate forecasts, the one whose
  induced actions give the most welfare *this round*, breaking ties by accuracy:

  .. math:: \\theta_t \\in \\arg\\max_{\\theta} \\; W\\big(y(\\theta; \\tau_t)\\big) + \\varepsilon\\,
      \\mathrm{acc}\\big(\\theta, y(\\theta; \\tau_t)\\big).

  It ignores that a forecast which misleads agents lowers their trust for the next round.
- the hand-designed policy of Góis et al. (2025) on a path of three agents
  (:func:`paper_trust_policy`): persuade the middle agent with the least false forecast that still
  works, and when its trust is too low for that, forecast honestly ("everybody defects") for a
  round, which rebuilds trust at the price of that round's welfare.

Every function here returns NumPy arrays.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive_int, check_real
from .agents import INNATE_PRIOR, innate_pivotal_probability, respond, update_trust
from .crd import CollectiveRiskDilemma
from .network import Network

__all__ = [
    "MyopicRun",
    "forecast_grid",
    "myopic_forecast",
    "paper_trust_policy",
    "run_myopic",
    "run_policy",
]

Policy = Callable[[NDArray[np.float64]], NDArray[np.float64]]


@dataclass(frozen=True)
class MyopicRun:
    """Per-round records of a deployed policy.

    Attributes
    ----------
    trust, forecasts, actions : numpy.ndarray, shape ``(rounds, n)``
        Trust held when the round is played, the forecast, and the actions that followed.
    welfare, accuracy : numpy.ndarray, shape ``(rounds,)``
        Fraction of successful groups, and :math:`1 - \\frac1n\\sum_i |\\theta_i - y_i|`.
    """

    trust: NDArray[np.float64]
    forecasts: NDArray[np.float64]
    actions: NDArray[np.float64]
    welfare: NDArray[np.float64]
    accuracy: NDArray[np.float64]


def forecast_grid(size: int, levels: int) -> NDArray[np.float64]:
    """All forecasts with every entry on ``levels`` evenly spaced values of [0, 1], shape ``(levels**size, size)``."""
    size = check_positive_int(size, "size")
    levels = check_positive_int(levels, "levels", minimum=2)
    if levels**size > 200_000:
        raise ValueError(
            f"the grid would hold {levels}**{size} forecasts; use fewer levels or a smaller network."
        )
    return np.array(list(itertools.product(np.linspace(0, 1, levels), repeat=size)))


def myopic_forecast(
    game: CollectiveRiskDilemma,
    network: Network,
    trust: ArrayLike,
    candidates: NDArray[np.float64],
    alpha: float = INNATE_PRIOR,
    accuracy_weight: float = 1e-3,
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float]:
    """Best candidate forecast for this round only: (forecast, induced actions, welfare, accuracy)."""
    trust_all = np.broadcast_to(np.asarray(trust, dtype=np.float64), candidates.shape)
    actions = respond(game, network, candidates, trust_all, alpha)  # (candidates, n), all at once
    welfare = game.welfare(network, actions)
    accuracy = 1 - np.abs(candidates - actions).mean(axis=1)
    best = int(np.argmax(welfare + accuracy_weight * accuracy))
    return candidates[best], actions[best], float(welfare[best]), float(accuracy[best])


def run_policy(
    game: CollectiveRiskDilemma,
    network: Network,
    policy: Policy,
    rounds: int,
    *,
    alpha: float = INNATE_PRIOR,
    prior_trust: float = 0.5,
) -> MyopicRun:
    """Deploy ``policy`` (trust ``(n,)`` -> forecast ``(n,)``) for ``rounds`` rounds.

    Parameters
    ----------
    game, network : the game and its graph (``n`` agents).
    policy : callable
        Maps the agents' current trust to this round's forecast.
    rounds : int
    alpha : float
        The innate prior :math:`\\alpha`.
    prior_trust : float
        Every agent's trust before the first round.

    Returns
    -------
    MyopicRun
    """
    rounds = check_positive_int(rounds, "rounds")
    check_real(prior_trust, "prior_trust", low=0.0, high=1.0)
    trust = np.full(network.size, float(prior_trust))
    records = []
    for _ in range(rounds):  # sequential: this round's trust depends on the last
        forecast = np.asarray(policy(trust), dtype=np.float64)
        actions = respond(game, network, forecast, trust, alpha)
        welfare = float(game.welfare(network, actions))
        accuracy = float(1 - np.abs(forecast - actions).mean())
        records.append((trust, forecast, actions, welfare, accuracy))
        trust = update_trust(network, trust, forecast, actions, alpha)
    trusts, forecasts, actions_, welfares, accuracies = zip(*records, strict=True)
    return MyopicRun(
        np.array(trusts), np.array(forecasts), np.array(actions_), np.array(welfares),
        np.array(accuracies),
    )  # fmt: skip


def run_myopic(
    game: CollectiveRiskDilemma,
    network: Network,
    rounds: int,
    *,
    levels: int = 21,
    alpha: float = INNATE_PRIOR,
    prior_trust: float = 0.5,
    accuracy_weight: float = 1e-3,
) -> MyopicRun:
    """Deploy the myopic forecaster (best forecast on a grid of ``levels`` values per agent)."""
    check_real(accuracy_weight, "accuracy_weight", low=0.0)
    candidates = forecast_grid(network.size, levels)

    def policy(trust: NDArray[np.float64]) -> NDArray[np.float64]:
        return myopic_forecast(game, network, trust, candidates, alpha, accuracy_weight)[0]

    return run_policy(game, network, policy, rounds, alpha=alpha, prior_trust=prior_trust)


def paper_trust_policy(
    game: CollectiveRiskDilemma,
    network: Network,
    alpha: float = INNATE_PRIOR,
    margin: float = 0.01,
) -> Policy:
    """The hand-designed policy of Góis et al. (2025) for a path of three agents ``0 - 1 - 2``.

    With the middle agent's trust :math:`\\tau_1`, it forecasts :math:`(1, 1, \\theta_2)` with the
    largest :math:`\\theta_2` that still makes the middle agent cooperate,

    .. math:: \\theta_2 = 1 - \\frac{c/r - (1 - \\tau_1)\\, g_1^{\\alpha}}{\\tau_1} - \\text{margin},

    (the middle agent then believes it is pivotal with probability :math:`1 - \\theta_2`), so that
    every group succeeds while the middle agent's trust falls as little as possible. When no such
    :math:`\\theta_2 > 0` exists it forecasts the honest :math:`(0, 0, 0)`: everybody defects, the
    forecast comes true, and every agent's trust rises.
    """
    if (
        network.size != 3
        or sorted(network.degrees.tolist()) != [1, 1, 2]
        or network.degrees[1] != 2
    ):
        raise ValueError(
            "the paper's trust policy is defined on the path 0 - 1 - 2 of three agents."
        )
    margin = check_real(margin, "margin", low=0.0, high=1.0)
    ratio = game.cost / game.loss_fraction
    g_alpha = float(innate_pivotal_probability(game, network, alpha)[1])

    def policy(trust: NDArray[np.float64]) -> NDArray[np.float64]:
        tau = float(trust[1])
        theta2 = 1 - (ratio - (1 - tau) * g_alpha) / tau - margin if tau > 0 else -1.0
        return np.array([1.0, 1.0, theta2]) if theta2 > 0 else np.zeros(3)

    return policy
