"""Rates and thresholds of the convergence theorems, as small functions used by chapters and tests.

Notation (Perdomo et al., 2020): the loss is :math:`\\gamma`-strongly convex in :math:`\\theta` and
:math:`\\beta`-jointly smooth; the distribution map is :math:`\\varepsilon`-sensitive in the
Wasserstein-1 distance.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_real


def _constants(epsilon, beta, gamma):
    epsilon = check_real(epsilon, "epsilon", low=0.0)
    beta = check_real(beta, "beta", low=0.0, low_open=True)
    gamma = check_real(gamma, "gamma", low=0.0, low_open=True)
    return epsilon, beta, gamma


def rrm_rate(epsilon: float, beta: float, gamma: float) -> float:
    """Contraction factor of repeated risk minimization, :math:`\\varepsilon\\beta/\\gamma` (Perdomo et al., 2020)."""
    epsilon, beta, gamma = _constants(epsilon, beta, gamma)
    return epsilon * beta / gamma


def rrm_threshold(beta: float, gamma: float) -> float:
    """Largest sensitivity for which RRM is guaranteed to converge: :math:`\\varepsilon < \\gamma/\\beta`."""
    _, beta, gamma = _constants(0.0, beta, gamma)
    return gamma / beta


def rgd_rate(epsilon: float, beta: float, gamma: float, step_size: float) -> float:
    """Contraction factor of repeated gradient descent (the book's version of the RGD theorem).

    .. math:: q(\\eta) = \\sqrt{1 - 2\\eta\\gamma + \\eta^2\\beta^2} + \\eta\\varepsilon\\beta.

    The square root bounds the gradient step on a fixed distribution (strong convexity and
    smoothness); :math:`\\eta\\varepsilon\\beta` bounds the change of the gradient caused by the shift
    of the distribution (joint smoothness and sensitivity). Requires :math:`\\beta \\ge \\gamma`.
    """
    epsilon, beta, gamma = _constants(epsilon, beta, gamma)
    step_size = check_real(step_size, "step_size", low=0.0, low_open=True)
    if beta < gamma:
        raise ValueError(f"beta must be at least gamma (smoothness >= strong convexity); got beta={beta}, gamma={gamma}.")
    return float(np.sqrt(1.0 - 2.0 * step_size * gamma + (step_size * beta) ** 2) + step_size * epsilon * beta)


def rgd_max_step(epsilon: float, beta: float, gamma: float) -> float:
    """Largest step size with :math:`q(\\eta) < 1`, for :math:`\\varepsilon < \\gamma/\\beta`.

    Solving :math:`q(\\eta) < 1` gives :math:`\\eta\\beta^2(1-\\varepsilon^2) < 2(\\gamma - \\varepsilon\\beta)` together
    with :math:`\\eta\\varepsilon\\beta < 1`. Returns 0 when no step size contracts (``epsilon >= gamma/beta``).
    """
    epsilon, beta, gamma = _constants(epsilon, beta, gamma)
    if epsilon * beta >= gamma:
        return 0.0
    limits = [1.0 / (epsilon * beta)] if epsilon > 0 else []
    if epsilon < 1.0:
        limits.append(2.0 * (gamma - epsilon * beta) / (beta**2 * (1.0 - epsilon**2)))
    return float(min(limits)) if limits else float("inf")


def stable_optimal_gap_bound(epsilon: float, gamma: float, lipschitz_in_z: float) -> float:
    """Bound :math:`\\lVert\\theta_{PO} - \\theta_{PS}\\rVert \\le 2L\\varepsilon/\\gamma` (Perdomo et al., 2020).

    ``lipschitz_in_z`` is :math:`L`, the Lipschitz constant of the loss in the data :math:`z`.
    """
    epsilon, _, gamma = _constants(epsilon, 1.0, gamma)
    lipschitz_in_z = check_real(lipschitz_in_z, "lipschitz_in_z", low=0.0)
    return 2.0 * lipschitz_in_z * epsilon / gamma
