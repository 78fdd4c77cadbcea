"""Diagnostics for the dynamics of a retraining map past its stability threshold.

Past the threshold, the fixed point of the RRM map :math:`G` still exists but repels. What the
iterates do instead is a question about the discrete dynamical system
:math:`\\theta_{t+1} = G(\\theta_t)`. Three tools answer it:

* :func:`tail_period`: the smallest period :math:`p` with
  :math:`\\lVert\\theta_T - \\theta_{T-p}\\rVert` small at the end of a run;
* :func:`periodic_orbit`: Newton's method on :math:`G^p(\\theta) - \\theta`, which locates a
  period-:math:`p` orbit to machine precision (and the fixed point, for :math:`p = 1`);
* the orbit's *multipliers*, the eigenvalues of
  :math:`DG(\\theta_{p-1})\\cdots DG(\\theta_0)`: the orbit attracts when all lie inside the unit
  circle. A fixed point whose leading eigenvalue crosses :math:`-1` while a 2-cycle with
  multipliers inside the unit circle appears is a *period-doubling* (flip) bifurcation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._checks import check_array, check_positive_int, check_real

__all__ = ["PeriodicOrbit", "periodic_orbit", "tail_period"]


@dataclass(frozen=True)
class PeriodicOrbit:
    """A period-``p`` orbit of a map: ``points`` (p, d), ``multipliers`` (d,) sorted by modulus.

    ``residual`` is :math:`\\lVert G^p(\\theta_0) - \\theta_0\\rVert` at the returned point and
    ``newton_steps`` the number of Newton steps taken.
    """

    points: np.ndarray
    multipliers: np.ndarray
    residual: float
    newton_steps: int

    @property
    def period(self) -> int:
        return self.points.shape[0]

    @property
    def attracting(self) -> bool:
        """Whether every multiplier lies strictly inside the unit circle."""
        return bool(np.max(np.abs(self.multipliers)) < 1.0)


def periodic_orbit(
    rrm_map: Callable[[np.ndarray], np.ndarray],
    jacobian: Callable[[np.ndarray], np.ndarray],
    theta0,
    period: int = 1,
    *,
    tol: float = 1e-10,
    max_iter: int = 30,
) -> PeriodicOrbit:
    """Solve :math:`G^p(\\theta) = \\theta` by Newton's method and return the orbit and its multipliers.

    Each step is :math:`\\theta \\leftarrow \\theta - (M - I)^{-1}(G^p(\\theta) - \\theta)` with
    :math:`M = DG(\\theta_{p-1})\\cdots DG(\\theta_0)` the Jacobian of :math:`G^p` by the chain rule.

    Parameters
    ----------
    rrm_map : callable
        :math:`G`, mapping an array of shape (d,) to one of shape (d,).
    jacobian : callable
        :math:`DG`, mapping an array of shape (d,) to a matrix of shape (d, d).
    theta0 : array of shape (d,)
        Starting point (for a cycle, a point near it, e.g. the last iterate of a run).
    period : int
        :math:`p` (1 for a fixed point).
    tol : float
        Stop once :math:`\\lVert G^p(\\theta) - \\theta\\rVert < \\text{tol}`.
    max_iter : int
        Most Newton steps.

    Returns
    -------
    PeriodicOrbit

    Raises
    ------
    RuntimeError
        If Newton's method does not reach ``tol`` within ``max_iter`` steps.
    """
    theta = check_array(theta0, "theta0", ndim=1).copy()
    period = check_positive_int(period, "period")
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    max_iter = check_positive_int(max_iter, "max_iter")
    identity = np.eye(theta.shape[0])
    for step in range(max_iter + 1):
        points = [theta]
        for _ in range(period):
            points.append(np.asarray(rrm_map(points[-1]), dtype=float))
        residual = points[-1] - theta
        norm = float(np.linalg.norm(residual))
        if norm < tol or step == max_iter:
            break
        monodromy = identity
        for point in points[:-1]:
            monodromy = jacobian(point) @ monodromy
        theta = theta - np.linalg.solve(monodromy - identity, residual)
    if norm >= tol:
        raise RuntimeError(
            f"Newton's method on G^{period}(theta) = theta stopped at residual {norm:.1e} after "
            f"{max_iter} steps; start closer to the orbit or raise max_iter."
        )
    monodromy = identity
    for point in points[:-1]:
        monodromy = jacobian(point) @ monodromy
    multipliers = np.linalg.eigvals(monodromy)
    multipliers = multipliers[np.argsort(-np.abs(multipliers))]
    return PeriodicOrbit(np.array(points[:-1]), multipliers, norm, step)


def tail_period(thetas, *, max_period: int = 8, rtol: float = 1e-6) -> int | None:
    """Smallest period :math:`p \\le` ``max_period`` of the last iterates, or ``None``.

    The run is judged periodic with period :math:`p` when
    :math:`\\lVert\\theta_T - \\theta_{T-p}\\rVert \\le \\text{rtol}\\,\\max(1, \\lVert\\theta_T\\rVert)`
    and no smaller period passes. Period 1 means the iterates have settled on a fixed point.

    Parameters
    ----------
    thetas : array of shape (T + 1, d)
        Iterates :math:`\\theta_0, \\dots, \\theta_T` (e.g. ``Trajectory.thetas``).
    max_period : int
        Largest period tried; needs ``T + 1 > max_period``.
    rtol : float
        Relative tolerance.
    """
    thetas = check_array(thetas, "thetas", ndim=2)
    max_period = check_positive_int(max_period, "max_period")
    rtol = check_real(rtol, "rtol", low=0.0, low_open=True)
    if thetas.shape[0] <= max_period:
        raise ValueError(
            f"thetas has {thetas.shape[0]} iterates; tail_period needs more than "
            f"max_period = {max_period}."
        )
    last = thetas[-1]
    scale = max(1.0, float(np.linalg.norm(last)))
    for period in range(1, max_period + 1):
        if np.linalg.norm(last - thetas[-1 - period]) <= rtol * scale:
            return period
    return None
