"""Repeated play with a deployed predictor, trust updates, and differentiable welfare and accuracy.

Every round :math:`t`: the predictor sees the previous actions (code 2 before the first round) and
forecasts cooperation probabilities :math:`p_t`; agents respond with trust :math:`\\tau_t`; trust is
updated from the neighbours' actions. The hard actions :math:`y_t = [\\Delta_t > 0]` are what
happens. For training, each agent's response is also relaxed to
:math:`q_t = \\sigma(\\Delta_t / \\text{temperature})`, through which the expected welfare

.. math:: \\widetilde W_t = \\frac1n \\sum_i e\\,\\big(r\\, P_q(G_i \\text{ succeeds}) - c\\, q_{t,i}\\big)

(the expected payoff above its floor :math:`e(1-r)`) is differentiable in the predictor's weights,
both directly and through the trust the forecasts earn or lose.

Array types: an :class:`Episode` holds float64 tensors (so that training can differentiate
through them); its reported metrics :meth:`Episode.welfare` and :meth:`Episode.accuracy` are NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray

from .._checks import check_positive_int, check_real
from .agents import (
    CLIP,
    INNATE_PRIOR,
    expected_gain,
    innate_pivotal_probability,
    log_likelihood_ratio_tensor,
)
from .crd import CollectiveRiskDilemma
from .network import Network
from .poisson_binomial import pivotal_probability_tensor, success_probability_tensor

__all__ = ["NOT_PLAYED", "Episode", "play"]

#: Input code for "no action observed yet" (first round).
NOT_PLAYED = 2

Predictor = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class Episode:
    """Per-round tensors of one episode, each of shape ``(rounds, n)`` or ``(rounds, members, n)``."""

    predictions: torch.Tensor
    actions: torch.Tensor
    soft_actions: torch.Tensor
    trust: torch.Tensor  # trust *used* in each round (before that round's update)
    success_probability: torch.Tensor  # P(group succeeds) under the relaxed actions
    game: CollectiveRiskDilemma
    network: Network

    def expected_welfare(self) -> torch.Tensor:
        """:math:`\\widetilde W`: relaxed expected payoff above :math:`e(1-r)`, averaged over rounds and agents."""
        g = self.game
        return (
            g.endowment * (g.loss_fraction * self.success_probability - g.cost * self.soft_actions)
        ).mean(dim=(0, -1))

    def cross_entropy(self) -> torch.Tensor:
        """Binary cross-entropy of the forecasts on the realised actions, averaged over rounds and agents."""
        p = self.predictions.clamp(CLIP, 1 - CLIP)
        return torch.nn.functional.binary_cross_entropy(p, self.actions, reduction="none").mean(
            dim=(0, -1)
        )

    def welfare(self) -> NDArray[np.float64]:
        """Fraction of successful groups, averaged over rounds (the hard outcome); one value per member."""
        return np.asarray(
            self.game.welfare(self.network, self.actions.detach().numpy()).mean(axis=0)
        )

    def accuracy(self) -> NDArray[np.float64]:
        """Mean probability the forecasts gave to the actions that happened, averaged over rounds; one per member."""
        p = self.predictions.detach()
        return torch.where(self.actions > 0, p, 1 - p).mean(dim=(0, -1)).numpy()


def play(
    game: CollectiveRiskDilemma,
    network: Network,
    predictor: Predictor,
    rounds: int,
    *,
    alpha: float = INNATE_PRIOR,
    prior_trust: float = 0.5,
    temperature: float = 0.05,
    trust_gradient: bool = True,
) -> Episode:
    """Play ``rounds`` rounds with a deployed predictor.

    Parameters
    ----------
    game : CollectiveRiskDilemma
    network : Network
        The graph, with ``n`` agents.
    predictor : callable
        Maps the previous action codes, a long tensor ``(n,)`` or ``(members, n)`` with entries
        0, 1 or :data:`NOT_PLAYED`, to cooperation probabilities ``(n,)`` or ``(members, n)``.
    rounds : int
        Rounds of play.
    alpha : float
        The innate prior :math:`\\alpha`.
    prior_trust : float
        Every agent's trust before the first round; it then follows Bayes' rule, as in
        :func:`inloop.games.agents.update_trust`.
    temperature : float
        Temperature of the relaxed response :math:`q = \\sigma(\\Delta / \\text{temperature})`.
    trust_gradient : bool
        If false, trust is treated as a constant by autograd: training then cannot plan through
        the trust its forecasts earn or lose (the ablation of Góis et al., 2025).

    Returns
    -------
    Episode
        Tensors of shape ``(rounds, n)`` or ``(rounds, members, n)``.
    """
    rounds = check_positive_int(rounds, "rounds")
    check_real(prior_trust, "prior_trust", low=0.0, high=1.0)
    temperature = check_real(temperature, "temperature", low=0.0, low_open=True)
    thresholds = game.thresholds(network)
    g_alpha = torch.as_tensor(innate_pivotal_probability(game, network, alpha))
    previous = torch.full((network.size,), NOT_PLAYED, dtype=torch.long)
    # Trust is carried as log-odds, so that it never rounds to exactly 0 or 1 (which would stop gradients).
    log_odds = torch.logit(torch.full((network.size,), prior_trust, dtype=torch.float64))
    names = ("predictions", "actions", "soft_actions", "trust", "success_probability")
    record: dict[str, list[torch.Tensor]] = {key: [] for key in names}
    for _ in range(rounds):  # rounds are sequential: each depends on the last
        predictions = predictor(previous).to(torch.float64)
        trust = torch.sigmoid(log_odds).expand_as(predictions)
        if not trust_gradient:
            trust = trust.detach()
        g_pred = pivotal_probability_tensor(network, predictions, thresholds)
        gain = expected_gain(game, trust, g_pred, g_alpha)
        actions = (gain > 0).to(torch.float64).detach()
        soft = torch.sigmoid(gain / temperature)
        success = success_probability_tensor(network, soft, thresholds)
        for key, value in zip(names, (predictions, actions, soft, trust, success), strict=True):
            record[key].append(value)
        log_odds = log_odds + log_likelihood_ratio_tensor(network, predictions, actions, alpha)
        previous = actions.long()
    stacked = {key: torch.stack(values) for key, values in record.items()}
    return Episode(**stacked, game=game, network=network)
