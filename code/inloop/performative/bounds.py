"""Rates and thresholds of the convergence theorems, as small functions used by chapters and tests.

Notation (Perdomo et al., 2020): the loss is :math:`\\gamma`-strongly convex in :math:`\\theta` and
:math:`\\beta`-jointly smooth; the distribution map is :math:`\\varepsilon`-sensitive in the
Wasserstein-1 distance.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive_int, check_real
from .objectives import check_affine_weights


def _constants(epsilon, beta, gamma, beta_name: str = "beta"):
    """Validate a sensitivity (>= 0), a smoothness or Lipschitz constant (> 0) and a curvature (> 0)."""
    epsilon = check_real(epsilon, "epsilon", low=0.0)
    beta = check_real(beta, beta_name, low=0.0, low_open=True)
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
        raise ValueError(
            f"beta must be at least gamma (smoothness >= strong convexity); got beta={beta}, gamma={gamma}."
        )
    return float(
        np.sqrt(1.0 - 2.0 * step_size * gamma + (step_size * beta) ** 2)
        + step_size * epsilon * beta
    )


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


# ---------------------------------------------------------------------------------------------
# Chapter 3: prediction-space rates, affine risk minimizers and lower bounds (Khorsandi et al., 2025).
#
# Notation of the prediction-space framework: the loss is gamma-strongly convex in the prediction
# and its derivative in the prediction is bounded by M; the distribution map is epsilon-sensitive in
# the chi-square divergence, measured with the norm weighted by the induced distribution.
# ---------------------------------------------------------------------------------------------


def _prediction_constants(epsilon, lipschitz, gamma):
    return _constants(epsilon, lipschitz, gamma, beta_name="lipschitz")


def prediction_rrm_rate(epsilon: float, lipschitz: float, gamma: float) -> float:
    """Contraction factor of RRM in prediction space, :math:`\\sqrt{\\varepsilon}\\,M/\\gamma` (Khorsandi et al., 2025).

    ``lipschitz`` is :math:`M`, the bound on the derivative of the loss in the prediction.
    """
    epsilon, lipschitz, gamma = _prediction_constants(epsilon, lipschitz, gamma)
    return float(np.sqrt(epsilon) * lipschitz / gamma)


def prediction_rrm_rate_2023(
    epsilon: float, lipschitz: float, gamma: float, norm_constant: float
) -> float:
    """The earlier rate :math:`\\sqrt{C\\varepsilon}\\,M/\\gamma` of Mofakhami et al. (2023), with norm-equivalence constant :math:`C \\ge 1`."""
    epsilon, lipschitz, gamma = _prediction_constants(epsilon, lipschitz, gamma)
    norm_constant = check_real(norm_constant, "norm_constant", low=1.0)
    return float(np.sqrt(norm_constant * epsilon) * lipschitz / gamma)


def prediction_rrm_threshold(lipschitz: float, gamma: float) -> float:
    """Largest sensitivity with a guaranteed contraction: :math:`\\sqrt{\\varepsilon} M/\\gamma < 1 \\iff \\varepsilon < (\\gamma/M)^2`."""
    _, lipschitz, gamma = _prediction_constants(0.0, lipschitz, gamma)
    return (gamma / lipschitz) ** 2


def prediction_lower_rate(epsilon: float, lipschitz: float, gamma: float, radius: float) -> float:
    """Exact RRM factor of the book's lower-bound instance, :math:`\\sqrt{\\varepsilon}\\,(M - \\gamma r)/\\gamma`.

    The instance (:class:`~inloop.performative.lower_bounds.TwoPointInstance`) lets the constant
    predictor move in the ball :math:`[-r, r]`; as :math:`r \\to 0` the factor tends to the upper rate
    :math:`\\sqrt{\\varepsilon}M/\\gamma`, which is therefore tight. Requires :math:`\\gamma r < M`.
    """
    epsilon, lipschitz, gamma = _prediction_constants(epsilon, lipschitz, gamma)
    radius = check_real(radius, "radius", low=0.0, low_open=True)
    if gamma * radius >= lipschitz:
        raise ValueError(
            f"radius must satisfy gamma * radius < M (= {lipschitz}), got gamma * radius = {gamma * radius}."
        )
    return float(np.sqrt(epsilon) * (lipschitz - gamma * radius) / gamma)


def two_snapshot_arm_factor(epsilon: float, lipschitz: float, gamma: float) -> float:
    """The factor :math:`(\\sqrt3/2)\\sqrt{\\varepsilon}M/\\gamma` of the two-snapshot step recurrence stated by Khorsandi et al. (2025, Lemma 1).

    As stated, the recurrence fails on the book's two-point instance for both signs of the feedback
    (Chapter 3); the convergence it is meant to give holds for overshooting linear feedback
    (:func:`~inloop.performative.linear_arm.convergent_interval`), not for reinforcing feedback.
    """
    return float(np.sqrt(3.0) / 2.0 * prediction_rrm_rate(epsilon, lipschitz, gamma))


def two_snapshot_arm_threshold(lipschitz: float, gamma: float) -> float:
    """Largest sensitivity covered by the two-snapshot ARM guarantee as stated: :math:`\\varepsilon < \\tfrac43(\\gamma/M)^2` (see :func:`two_snapshot_arm_factor`)."""
    return 4.0 / 3.0 * prediction_rrm_threshold(lipschitz, gamma)


def arm_lower_rate(epsilon: float, beta: float, gamma: float) -> float:
    """Rate :math:`\\varepsilon\\beta/(2\\gamma)` below which no affine risk minimizer converges in Perdomo's framework (Khorsandi et al., 2025)."""
    epsilon, beta, gamma = _constants(epsilon, beta, gamma)
    return epsilon * beta / (2.0 * gamma)


def bidiagonal_lower_bound(
    rounds, epsilon: float, beta: float, gamma: float, horizon: int
) -> np.ndarray:
    """Exact lower bound on :math:`\\lVert\\theta_t - \\theta_{PS}\\rVert` for every ARM on the bidiagonal instance.

    On :func:`~inloop.performative.lower_bounds.bidiagonal_instance` (dimension :math:`2T`), with
    :math:`\\kappa = \\varepsilon\\beta/(2\\gamma) < 1/2` and :math:`q = \\kappa/(1-\\kappa)`, the stable point is
    :math:`\\theta_{PS,k} = \\tfrac{\\beta}{\\gamma(1-\\kappa)} q^{k-1}` and every ARM iterate :math:`\\theta_t`
    vanishes beyond coordinate :math:`t+1`, so

    .. math:: \\lVert\\theta_t - \\theta_{PS}\\rVert \\ge \\frac{\\beta}{\\gamma(1-\\kappa)}\\Big(\\sum_{k=t+2}^{2T} q^{2(k-1)}\\Big)^{1/2} \\ge c\\, q^{t} \\ge c \\Big(\\frac{\\varepsilon\\beta}{2\\gamma}\\Big)^t.
    """
    kappa = arm_lower_rate(epsilon, beta, gamma)
    if kappa >= 0.5:
        raise ValueError(
            f"The bidiagonal bound needs epsilon * beta / gamma < 1 (a stable point), got {2 * kappa}."
        )
    horizon = check_positive_int(horizon, "horizon")
    rounds = np.asarray(rounds)
    if rounds.ndim > 1 or not np.issubdtype(rounds.dtype, np.integer) or rounds.min(initial=0) < 0:
        raise ValueError(f"rounds must be non-negative integers, got {rounds!r}.")
    q = kappa / (1.0 - kappa)
    tail = np.cumsum((q ** (2 * np.arange(2 * horizon)))[::-1])[
        ::-1
    ]  # tail[j] = sum_{k >= j} q^{2k}
    index = rounds + 1  # zero-based index of coordinate t + 2
    squared = np.where(index < 2 * horizon, tail[np.minimum(index, 2 * horizon - 1)], 0.0)
    return beta / (gamma * (1.0 - kappa)) * np.sqrt(squared)


def proximal_rrm_rate(epsilon: float, beta: float, gamma: float, proximal_weight: float) -> float:
    """Contraction factor of proximal RRM, :math:`(\\varepsilon\\beta + \\lambda)/(\\gamma + \\lambda)` (Khorsandi et al., 2025)."""
    epsilon, beta, gamma = _constants(epsilon, beta, gamma)
    proximal_weight = check_real(proximal_weight, "proximal_weight", low=0.0)
    return (epsilon * beta + proximal_weight) / (gamma + proximal_weight)


def linear_arm_rate(factor: float, weights) -> float:
    """Asymptotic rate of an ARM with fixed ``weights`` on a scalar linear feedback :math:`G(\\theta) = \\rho\\theta`.

    The iteration :math:`\\theta_{t+1} = \\rho\\sum_{j=0}^{k-1}\\alpha_j\\theta_{t-j}` (``weights[0]`` on the newest
    snapshot) converges iff every root of :math:`\\lambda^k - \\rho\\sum_j \\alpha_j\\lambda^{k-1-j}` lies in the
    unit disc; the rate is the largest root modulus (the spectral radius of the companion matrix).
    """
    factor = check_real(factor, "factor")
    weights = check_affine_weights(weights)
    polynomial = np.concatenate(([1.0], -factor * weights))
    return (
        float(np.max(np.abs(np.roots(polynomial))))
        if weights.size > 1
        else abs(factor * weights[0])
    )
