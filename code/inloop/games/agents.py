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
"""

from __future__ import annotations

import numpy as np
import torch

from .._checks import check_real
from .crd import CollectiveRiskDilemma
from .network import Network
from .poisson_binomial import pivotal_probability

#: Predictions are clipped to [CLIP, 1 - CLIP] inside the likelihood, so that one wrong 0/1 forecast
#: gives a very large but finite penalty instead of log(0).
CLIP = 1e-6


def innate_pivotal_probability(
    game: CollectiveRiskDilemma, network: Network, alpha: float
) -> np.ndarray:
    """:math:`g_i^{\\alpha}`: the pivotal probability when every neighbour cooperates with probability :math:`\\alpha`."""
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    return pivotal_probability(network, np.full(network.size, alpha), game.thresholds(network))


def expected_gain(game: CollectiveRiskDilemma, trust, g_pred, g_alpha):
    """:math:`\\Delta_i = e(r(\\tau_i g^{\\mathrm{pred}}_i + (1-\\tau_i) g^{\\alpha}_i) - c)` (works on arrays and tensors)."""
    belief = trust * g_pred + (1 - trust) * g_alpha
    return game.endowment * (game.risk * belief - game.cost)


def respond(game: CollectiveRiskDilemma, network: Network, predictions, trust, alpha: float = 0.8):
    """Actions (1 = cooperate) of all agents given predicted cooperation probabilities and trust.

    ``predictions`` and ``trust`` have shape ``(..., n)``; returns a 0/1 float array of that shape.
    """
    predictions = np.asarray(predictions, dtype=np.float64)
    trust = np.asarray(trust, dtype=np.float64)
    if trust.size and ((trust < 0) | (trust > 1)).any():
        raise ValueError("trust must lie in [0, 1].")
    g_pred = pivotal_probability(network, predictions, game.thresholds(network))
    g_alpha = innate_pivotal_probability(game, network, alpha)
    return (expected_gain(game, trust, g_pred, g_alpha) > 0).astype(np.float64)


def log_likelihood_ratio(network: Network, predictions, actions, alpha: float):
    """Evidence each agent gains for the predictor: :math:`\\sum_{j\\in\\mathcal N(i)} \\log\\frac{P_{\\mathrm{pred}}(y_j)}{P_\\alpha(y_j)}`.

    Works on tensors (differentiable in ``predictions``) and on arrays; shape ``(..., n)``.
    """
    if not isinstance(predictions, torch.Tensor):
        return log_likelihood_ratio(
            network,
            torch.as_tensor(np.asarray(predictions, dtype=np.float64)),
            torch.as_tensor(np.asarray(actions, dtype=np.float64)),
            alpha,
        ).numpy()
    p = predictions.clamp(CLIP, 1 - CLIP)
    alpha = torch.tensor(alpha, dtype=p.dtype).clamp(CLIP, 1 - CLIP)
    per_agent = actions * (torch.log(p) - torch.log(alpha)) + (1 - actions) * (
        torch.log1p(-p) - torch.log1p(-alpha)
    )
    return per_agent @ torch.as_tensor(network.adjacency, dtype=p.dtype)


def update_trust(network: Network, trust, predictions, actions, alpha: float = 0.8):
    """One Bayesian trust update from the neighbours' observed actions (Bayes' rule in log-odds).

    :math:`\\tau' = \\sigma(\\operatorname{logit}\\tau + \\sum_j \\log\\frac{P_{\\mathrm{pred}}(y_j)}{P_\\alpha(y_j)})`.
    Trust 0 and 1 are absorbing, as Bayes' rule makes them. Arrays or tensors, shape ``(..., n)``.
    """
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    is_tensor = isinstance(trust, torch.Tensor)
    trust_t = trust if is_tensor else torch.as_tensor(np.asarray(trust, dtype=np.float64))
    if ((trust_t.detach() < 0) | (trust_t.detach() > 1)).any():
        raise ValueError("trust must lie in [0, 1].")
    preds = (
        predictions
        if isinstance(predictions, torch.Tensor)
        else torch.as_tensor(np.asarray(predictions, dtype=np.float64))
    )
    acts = (
        actions
        if isinstance(actions, torch.Tensor)
        else torch.as_tensor(np.asarray(actions, dtype=np.float64))
    )
    evidence = log_likelihood_ratio(network, preds, acts, alpha)
    log_odds = torch.logit(trust_t) + evidence
    updated = torch.sigmoid(log_odds)
    updated = torch.where(
        trust_t <= 0,
        torch.zeros_like(updated),
        torch.where(trust_t >= 1, torch.ones_like(updated), updated),
    )
    return updated if is_tensor else updated.numpy()
