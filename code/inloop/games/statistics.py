"""Small statistics for Chapter 4: intervals over seeds, and the anarchic baseline.

Every function here returns NumPy arrays (or floats).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from .._checks import check_real
from .agents import expected_gain
from .crd import CollectiveRiskDilemma
from .network import Network
from .poisson_binomial import pivotal_probability

__all__ = ["anarchic_success", "mean_with_interval"]


def mean_with_interval(
    values: ArrayLike, axis: int = 0, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean over ``axis`` and the half-width of a Student-t confidence interval for it.

    :math:`\\bar x \\pm t_{(1+\\text{confidence})/2,\\, m-1}\\, s / \\sqrt m` for ``m`` values along
    ``axis`` (independent seeds).

    Parameters
    ----------
    values : array_like
        At least two values along ``axis``.
    axis : int
    confidence : float
        In (0, 1).

    Returns
    -------
    mean, half_width : numpy.ndarray
        Shape of ``values`` without ``axis``.
    """
    data = np.asarray(values, dtype=np.float64)
    confidence = check_real(
        confidence, "confidence", low=0.0, high=1.0, low_open=True, high_open=True
    )
    if data.ndim == 0 or data.shape[axis] < 2:
        raise ValueError(f"need at least two values along axis {axis}, got shape {data.shape}.")
    m = data.shape[axis]
    quantile = stats.t.ppf((1 + confidence) / 2, m - 1)
    spread = data.std(axis=axis, ddof=1) / np.sqrt(m)
    return np.asarray(data.mean(axis=axis)), np.asarray(quantile * spread)


def anarchic_success(
    game: CollectiveRiskDilemma, networks: Sequence[Network], alphas: ArrayLike
) -> NDArray[np.float64]:
    """Fraction of successful groups when nobody reads a forecast (trust 0), for every prior.

    Each agent cooperates iff :math:`r\\, g_i^{\\alpha} > c` (the anarchic baseline of Góis et al.,
    2025); the result is averaged over ``networks``.

    Parameters
    ----------
    game : CollectiveRiskDilemma
    networks : sequence of Network
    alphas : array_like, shape ``(m,)``
        Innate priors :math:`\\alpha \\in [0, 1]`.

    Returns
    -------
    numpy.ndarray, shape ``(m,)``
    """
    priors = np.asarray(alphas, dtype=np.float64)
    if priors.ndim != 1 or (priors < 0).any() or (priors > 1).any():
        raise ValueError("alphas must be a 1-d array of priors in [0, 1].")
    if not networks:
        raise ValueError("give at least one network.")
    welfare = np.zeros(priors.size)
    for net in networks:  # a handful of graphs; each call is vectorised over priors and agents
        beliefs = np.broadcast_to(priors[:, None], (priors.size, net.size))
        g_alpha = pivotal_probability(net, beliefs, game.thresholds(net))  # (priors, n)
        no_trust = np.zeros_like(g_alpha)
        actions = (expected_gain(game, no_trust, no_trust, g_alpha) > 0).astype(np.float64)
        welfare += game.welfare(net, actions)
    return welfare / len(networks)
