"""Affine risk minimizers and proximal RRM on a scalar linear feedback, in closed form.

On a feedback :math:`G(\\theta) = \\rho\\theta` (the RRM map of the instances of Chapter 3, and the
linearisation of any RRM map along one eigenvector), an ARM with fixed weights
:math:`\\alpha_0, \\dots, \\alpha_{k-1}` (newest first) is the linear recursion
:math:`\\theta_{t+1} = \\rho\\sum_j\\alpha_j\\theta_{t-j}`, whose rate is the largest root modulus of

.. math:: \\lambda^k - \\rho\\sum_{j=0}^{k-1}\\alpha_j\\lambda^{k-1-j}                                  \\qquad (1)

(:func:`inloop.performative.bounds.linear_arm_rate`). This module finds where that rate crosses 1,
gives the closed form of the overshoot limit of the uniform average over :math:`\\tau` snapshots, and
the exact factor of proximal RRM on the same feedback.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from .._checks import check_positive_int, check_real
from .bounds import linear_arm_rate

__all__ = [
    "convergent_interval",
    "proximal_linear_factor",
    "proximal_overshoot_weight",
    "step_ratios",
    "uniform_overshoot_limit",
]


def uniform_overshoot_limit(tau: int) -> float:
    """The largest overshoot :math:`|\\rho|` the uniform ARM over :math:`\\tau` snapshots survives: :math:`\\tau`.

    For :math:`\\rho = -c\\tau`, polynomial (1) is :math:`\\lambda^\\tau + c(\\lambda^{\\tau-1} + \\dots + 1)`. Times
    :math:`\\lambda - 1` it is :math:`\\lambda^{\\tau+1} - (1-c)\\lambda^\\tau - c`; a root with :math:`|\\lambda| \\ge 1`,
    :math:`\\lambda \\ne 1`, would need :math:`|\\lambda|^\\tau|\\lambda - (1-c)| = c` with
    :math:`|\\lambda - (1-c)| > |\\lambda| - (1-c) \\ge c` when :math:`0 < c < 1`, impossible. At :math:`c = 1` the roots are
    the :math:`(\\tau+1)`-th roots of unity other than 1, and for :math:`c > 1` their product has modulus
    :math:`c > 1`. So the ARM converges for :math:`\\rho \\in (-\\tau, 0)` and not at or beyond :math:`-\\tau`.
    """
    return float(check_positive_int(tau, "tau"))


def convergent_interval(weights, search: float = 64.0) -> tuple[float, float]:
    """The interval :math:`(\\rho_-, \\rho_+)` of feedbacks on which the linear ARM with ``weights`` converges.

    Found by bracketing the crossing of rate 1 on each side of 0 on a grid of ``search`` / 0.01 points
    and refining it with Brent's method (assumes the convergent set is one interval around 0, true
    for every uniform and non-negative weighting).

    Parameters
    ----------
    weights : array_like, shape (k,)
        Affine weights, newest snapshot first.
    search : float
        Largest :math:`|\\rho|` examined.

    Returns
    -------
    (float, float)
        The end points; ``inf`` where no crossing was found below ``search``.
    """
    search = check_real(search, "search", low=0.0, low_open=True)
    weights = np.asarray(weights, dtype=float)

    def excess(magnitude: float, sign: float) -> float:
        return linear_arm_rate(sign * magnitude, weights) - 1.0

    ends = []
    grid = np.arange(0.01, search + 0.01, 0.01)
    for sign in (-1.0, 1.0):
        values = np.array([excess(x, sign) for x in grid])
        above = np.flatnonzero(values >= 0)
        if above.size == 0:
            ends.append(np.inf)
            continue
        i = above[0]
        ends.append(grid[0] if i == 0 else brentq(excess, grid[i - 1], grid[i], args=(sign,)))
    return -float(ends[0]), float(ends[1])


def proximal_linear_factor(rho: float, gamma: float, proximal_weight: float) -> float:
    """Exact factor of proximal RRM on a linear feedback with RRM factor :math:`\\rho`: :math:`(\\rho\\gamma + \\lambda)/(\\gamma + \\lambda)`.

    On :math:`\\ell(z;\\theta) = \\tfrac\\gamma2\\lVert\\theta - \\tfrac\\beta\\gamma z\\rVert^2` with :math:`\\mathcal D(\\theta) = \\mathcal N(b\\theta, \\sigma^2I)`,
    the proximal objective's gradient is :math:`(\\gamma + \\lambda)\\theta - (b\\beta + \\lambda)\\theta_t` and
    :math:`\\rho = b\\beta/\\gamma`. With overshooting feedback, :math:`b = -\\varepsilon`, the factor is
    :math:`(\\lambda - \\varepsilon\\beta)/(\\gamma + \\lambda)`, of modulus below 1 iff :math:`\\varepsilon\\beta < \\gamma + 2\\lambda`.
    """
    rho = check_real(rho, "rho")
    gamma = check_real(gamma, "gamma", low=0.0, low_open=True)
    proximal_weight = check_real(proximal_weight, "proximal_weight", low=0.0)
    return (rho * gamma + proximal_weight) / (gamma + proximal_weight)


def proximal_overshoot_weight(rho: float, gamma: float) -> float:
    """Smallest proximal weight that makes proximal RRM converge on an overshoot :math:`\\rho \\le -1`: :math:`\\gamma(|\\rho| - 1)/2`.

    Proximal RRM converges for every :math:`\\lambda` above it (:math:`\\varepsilon\\beta < \\gamma + 2\\lambda` with
    :math:`\\varepsilon\\beta = |\\rho|\\gamma`). For :math:`\\rho > -1` every :math:`\\lambda \\ge 0` converges below
    :math:`\\rho < 1`, and for :math:`\\rho \\ge 1` none does.
    """
    rho = check_real(rho, "rho", high=-1.0)
    gamma = check_real(gamma, "gamma", low=0.0, low_open=True)
    return gamma * (abs(rho) - 1.0) / 2.0


def step_ratios(thetas) -> np.ndarray:
    """:math:`\\lVert\\theta_{t+1} - \\theta_t\\rVert / m_t` with :math:`m_t = \\max(\\lVert\\theta_t - \\theta_{t-1}\\rVert, \\lVert\\theta_{t-1} - \\theta_{t-2}\\rVert)`.

    The quantity the two-snapshot recurrence of Khorsandi et al. (2025, Lemma 1) bounds by
    :math:`\\tfrac{\\sqrt3}{2}\\sqrt\\varepsilon M/\\gamma`. ``thetas`` has shape (rounds + 1, d) or (rounds + 1,);
    the result has shape (rounds - 1,).
    """
    thetas = np.asarray(thetas, dtype=float)
    if thetas.ndim == 1:
        thetas = thetas[:, None]
    if thetas.ndim != 2 or thetas.shape[0] < 3:
        raise ValueError(
            f"thetas must have shape (rounds + 1, d) with rounds >= 2, got {thetas.shape}."
        )
    steps = np.linalg.norm(np.diff(thetas, axis=0), axis=-1)
    previous = np.maximum(steps[1:-1], steps[:-2])
    return np.divide(steps[2:], previous, out=np.full(previous.shape, np.nan), where=previous > 0)
