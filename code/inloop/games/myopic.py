"""A myopic welfare-seeking forecaster, and the trust oscillation it causes.

Each round it knows the agents' behaviour model and their current trust, and picks, from a grid of
candidate forecasts, the one whose induced actions give the most welfare *this round*, breaking
ties by accuracy:

.. math:: \\theta_t \\in \\arg\\max_{\\theta} \\; W\\big(y(\\theta; \\tau_t)\\big) + \\varepsilon\\,
    \\mathrm{acc}\\big(\\theta, y(\\theta; \\tau_t)\\big).

It ignores that a forecast which misleads agents lowers their trust for the next round.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .._checks import check_positive_int, check_real
from .agents import respond, update_trust
from .crd import CollectiveRiskDilemma
from .network import Network


@dataclass(frozen=True)
class MyopicRun:
    """Per-round records, each of shape ``(rounds, n)`` except ``welfare`` and ``accuracy`` (``(rounds,)``)."""

    trust: np.ndarray  # trust held when the round is played
    forecasts: np.ndarray
    actions: np.ndarray
    welfare: np.ndarray
    accuracy: np.ndarray


def forecast_grid(size: int, levels: int) -> np.ndarray:
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
    trust,
    candidates,
    alpha: float = 0.8,
    accuracy_weight: float = 1e-3,
):
    """Best candidate forecast for this round only, its induced actions, welfare and accuracy."""
    trust = np.broadcast_to(np.asarray(trust, dtype=np.float64), candidates.shape)
    actions = respond(game, network, candidates, trust, alpha)  # (candidates, n), all at once
    welfare = game.welfare(network, actions)
    accuracy = 1 - np.abs(candidates - actions).mean(axis=1)
    best = int(np.argmax(welfare + accuracy_weight * accuracy))
    return candidates[best], actions[best], welfare[best], accuracy[best]


def run_myopic(
    game: CollectiveRiskDilemma,
    network: Network,
    rounds: int,
    *,
    levels: int = 21,
    alpha: float = 0.8,
    prior_trust: float = 0.5,
    accuracy_weight: float = 1e-3,
) -> MyopicRun:
    """Deploy the myopic forecaster for ``rounds`` rounds, updating trust by Bayes' rule after each."""
    rounds = check_positive_int(rounds, "rounds")
    check_real(prior_trust, "prior_trust", low=0.0, high=1.0)
    check_real(accuracy_weight, "accuracy_weight", low=0.0)
    candidates = forecast_grid(network.size, levels)
    trust = np.full(network.size, prior_trust)
    records = []
    for _ in range(rounds):  # sequential: this round's trust depends on the last round
        forecast, actions, welfare, accuracy = myopic_forecast(
            game, network, trust, candidates, alpha, accuracy_weight
        )
        records.append((trust, forecast, actions, welfare, accuracy))
        trust = update_trust(network, trust, forecast, actions, alpha)
    return MyopicRun(*(np.array(column) for column in zip(*records)))
