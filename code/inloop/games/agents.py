"""How agents respond to a forecast, and how they learn whether to trust it.

Agent :math:`i` weighs two models of its neighbours: the predictor's probabilities :math:`p_j`, and
an innate prior under which every neighbour cooperates with probability :math:`\\alpha`. With trust
:math:`\\tau_i` in the predictor, its expected gain from cooperating rather than defecting is

.. math:: \\Delta_i = e\\,\\big(r\\,(\\tau_i\\, g_i^{\\mathrm{pred}} + (1 - \\tau_i)\\, g_i^{\\alpha}) - c\\big),

because cooperation changes its payoff by :math:`r e` only when it is pivotal (probability
:math:`g_i`) and always costs :math:`c e`. It cooperates iff :math:`\\Delta_i > 0`.

Trust is a Bayesian posterior on "the predictor is the right model of my neighbours" against "my
innate prior is": after neighbours act, with :math:`\\lambda_i` the log-odds of :math:`\\tau_i`,

.. math:: \\lambda_i \\leftarrow \\lambda_i + \\sum_{j \\in \\mathcal N(i)}
    \\log\\frac{p_j^{y_j}(1-p_j)^{1-y_j}}{\\alpha^{y_j}(1-\\alpha)^{1-y_j}} .

Array types: :func:`log_likelihood_ratio_tensor` works on float64 tensors (differentiable); the
other functions take array-likes and return NumPy arrays, except :func:`expected_gain`, a formula
that works elementwise on either and returns the type it is given.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

from .._checks import check_real
from .crd import CollectiveRiskDilemma
from .network import Network
from .poisson_binomial import _validated_probs, pivotal_probability

__all__ = [
    "CLIP",
    "INNATE_PRIOR",
    "expected_gain",
    "innate_pivotal_probability",
    "log_likelihood_ratio",
    "log_likelihood_ratio_tensor",
    "respond",
    "update_trust",
]

#: The agents' innate prior :math:`\alpha`: without a forecast, an agent believes each neighbour
#: cooperates with this probability (the value used by Góis et al., 2025).
INNATE_PRIOR = 0.8

#: Predictions are clipped to [CLIP, 1 - CLIP] inside the likelihood, so that one wrong 0/1 forecast
#: gives a very large but finite penalty instead of log(0).
CLIP = 1e-6

Value = TypeVar("Value", float, np.ndarray, torch.Tensor)


def innate_pivotal_probability(
    game: CollectiveRiskDilemma, network: Network, alpha: float = INNATE_PRIOR
) -> NDArray[np.float64]:
    """:math:`g_i^{\\alpha}`: the pivotal probability when every neighbour cooperates with probability :math:`\\alpha`.

    Returns a NumPy array of shape ``(n,)``.
    """
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    return pivotal_probability(network, np.full(network.size, alpha), game.thresholds(network))


def expected_gain(
    game: CollectiveRiskDilemma, trust: Value, g_pred: Value, g_alpha: Value
) -> Value:
    """:math:`\\Delta_i = e(r(\\tau_i g^{\\mathrm{pred}}_i + (1-\\tau_i) g^{\\alpha}_i) - c)`.

    Elementwise on floats, NumPy arrays or tensors (broadcasting as usual); returns the input type.
    """
    belief = trust * g_pred + (1 - trust) * g_alpha
    return game.endowment * (game.loss_fraction * belief - game.cost)


def _check_trust(trust: ArrayLike) -> NDArray[np.float64]:
    values = np.asarray(trust, dtype=np.float64)
    if values.size and (~np.isfinite(values) | (values < 0) | (values > 1)).any():
        raise ValueError("trust must lie in [0, 1].")
    return values


def respond(
    game: CollectiveRiskDilemma,
    network: Network,
    predictions: ArrayLike,
    trust: ArrayLike,
    alpha: float = INNATE_PRIOR,
) -> NDArray[np.float64]:
    """Actions (1 = cooperate) of all agents given predicted cooperation probabilities and trust.

    Parameters
    ----------
    game : CollectiveRiskDilemma
    network : Network
        The graph, with ``n`` agents.
    predictions : array_like, shape ``(..., n)``
        Forecast cooperation probability of every agent.
    trust : array_like, shape ``(..., n)`` (broadcast against ``predictions``)
        Every agent's trust :math:`\\tau_i \\in [0, 1]` in the forecast.
    alpha : float
        The innate prior :math:`\\alpha`.

    Returns
    -------
    numpy.ndarray, shape ``(..., n)``
        :math:`[\\Delta_i > 0]` as 0.0/1.0.
    """
    probs = _validated_probs(predictions, network, name="predictions").detach().numpy()
    checked_trust = _check_trust(trust)
    g_pred = pivotal_probability(network, probs, game.thresholds(network))
    g_alpha = innate_pivotal_probability(game, network, alpha)
    return (expected_gain(game, checked_trust, g_pred, g_alpha) > 0).astype(np.float64)


def log_likelihood_ratio_tensor(
    network: Network, predictions: torch.Tensor, actions: torch.Tensor, alpha: float
) -> torch.Tensor:
    """Differentiable :func:`log_likelihood_ratio` on float64 tensors, shape ``(..., n)``."""
    p = predictions.clamp(CLIP, 1 - CLIP)
    prior = float(np.clip(alpha, CLIP, 1 - CLIP))
    per_agent = actions * (torch.log(p) - np.log(prior)) + (1 - actions) * (
        torch.log1p(-p) - np.log1p(-prior)
    )
    return per_agent @ torch.as_tensor(network.adjacency, dtype=p.dtype)


def log_likelihood_ratio(
    network: Network, predictions: ArrayLike, actions: ArrayLike, alpha: float = INNATE_PRIOR
) -> NDArray[np.float64]:
    """Evidence each agent gains for the predictor: :math:`\\sum_{j\\in\\mathcal N(i)} \\log\\frac{P_{\\mathrm{pred}}(y_j)}{P_\\alpha(y_j)}`.

    Predictions and actions have shape ``(..., n)``; returns a NumPy array of that shape.
    """
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    probs = _validated_probs(predictions, network, name="predictions").detach()
    acts = torch.as_tensor(np.asarray(actions, dtype=np.float64))
    return log_likelihood_ratio_tensor(network, probs, acts, alpha).numpy()


def update_trust(
    network: Network,
    trust: ArrayLike,
    predictions: ArrayLike,
    actions: ArrayLike,
    alpha: float = INNATE_PRIOR,
) -> NDArray[np.float64]:
    """One Bayesian trust update from the neighbours' observed actions (Bayes' rule in log-odds).

    :math:`\\tau' = \\sigma(\\operatorname{logit}\\tau + \\sum_j \\log\\frac{P_{\\mathrm{pred}}(y_j)}{P_\\alpha(y_j)})`.
    Trust 0 and 1 are absorbing, as Bayes' rule makes them.

    Parameters
    ----------
    network : Network
    trust, predictions, actions : array_like, shape ``(..., n)``
        Trust before the round, the forecast, and the 0/1 actions that followed.
    alpha : float
        The innate prior :math:`\\alpha`.

    Returns
    -------
    numpy.ndarray, shape ``(..., n)``
        The trust after the round.
    """
    before = _check_trust(trust)
    evidence = log_likelihood_ratio(network, predictions, actions, alpha)
    with np.errstate(divide="ignore"):
        log_odds = np.log(before) - np.log1p(-before) + evidence
    updated = 1 / (1 + np.exp(-np.clip(log_odds, -700, 700)))
    return np.where(before <= 0, 0.0, np.where(before >= 1, 1.0, updated))
