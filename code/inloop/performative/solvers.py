"""Minimisers of a smooth convex objective: Newton's method (exact) and gradient descent (baseline).

Both take an objective with ``value``, ``gradient`` (and, for Newton, ``hessian``) methods, such as
:class:`~inloop.performative.losses.LogisticLoss`, and return a :class:`SolverResult`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_array, check_positive_int, check_real


@dataclass(frozen=True)
class SolverResult:
    """Minimiser ``theta``, its objective ``value``, the number of ``iterations`` and ``converged``."""

    theta: np.ndarray
    value: float
    iterations: int
    converged: bool


def _backtrack(objective, theta, direction, value, slope, step=1.0, shrink=0.5, armijo=1e-4):
    """Armijo backtracking: the largest ``step * shrink**k`` with sufficient decrease."""
    while step > 1e-20:
        candidate = theta + step * direction
        candidate_value = objective.value(candidate)
        if candidate_value <= value + armijo * step * slope:
            return candidate, candidate_value
        step *= shrink
    return theta, value


def _start(objective, theta0, tol, max_iter):
    """Validate the solver settings and evaluate the objective at the starting point."""
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    max_iter = check_positive_int(max_iter, "max_iter")
    theta = check_array(theta0, "theta0", ndim=1).copy()
    return tol, max_iter, theta, objective.value(theta)


def _newton_direction(hessian, gradient):
    """Solve :math:`H d = -g`; a least-squares solution where :math:`H` is numerically singular."""
    try:
        return -np.linalg.solve(hessian, gradient)
    except np.linalg.LinAlgError:
        return -np.linalg.lstsq(hessian, gradient, rcond=None)[0]


def newton(objective, theta0, *, tol: float = 1e-12, max_iter: int = 100) -> SolverResult:
    """Damped Newton's method with Armijo backtracking.

    Stops when half the squared Newton decrement, :math:`\\tfrac12 g^\\top H^{-1} g`, which estimates
    the gap to the optimum of a self-concordant objective, falls below ``tol``, after taking that
    last full Newton step: near the optimum it squares the remaining error, so the returned
    parameters are accurate to far below :math:`\\sqrt{\\text{tol}}`.

    Parameters
    ----------
    objective : Objective
        Has ``value(theta)``, ``gradient(theta)`` (d,) and ``hessian(theta)`` (d, d).
    theta0 : array_like, shape (d,)
        Starting point.
    tol : float
        Stop when :math:`\\tfrac12 g^\\top H^{-1} g` falls below ``tol``.
    max_iter : int
        Iteration cap (the result then has ``converged=False``).

    Returns
    -------
    SolverResult
        ``theta`` (d,), its ``value``, the ``iterations`` used and ``converged``.
    """
    tol, max_iter, theta, value = _start(objective, theta0, tol, max_iter)
    for iteration in range(1, max_iter + 1):
        gradient = objective.gradient(theta)
        direction = _newton_direction(objective.hessian(theta), gradient)
        decrement_squared = -gradient @ direction
        if 0.5 * decrement_squared < tol:
            theta = theta + direction
            return SolverResult(theta, objective.value(theta), iteration, True)
        theta, value = _backtrack(objective, theta, direction, value, -decrement_squared)
    return SolverResult(theta, value, max_iter, False)


def gradient_descent(
    objective, theta0, *, tol: float = 1e-7, max_iter: int = 100_000, initial_step: float = 1.0
) -> SolverResult:
    """Gradient descent with Armijo backtracking from ``initial_step`` at every iteration.

    A first-order baseline that stops when one step decreases the objective by less than ``tol``.
    It is *not* the solver of the published strategic classification code, which takes a fixed
    step computed from the data (Chapter 1 reproduces that loop separately).

    Parameters
    ----------
    objective : Objective
        Has ``value(theta)`` and ``gradient(theta)``.
    theta0 : array_like, shape (d,)
        Starting point.
    tol : float
        Stop when an iteration lowers the objective by less than ``tol``.
    max_iter : int
        Iteration cap (the result then has ``converged=False``).
    initial_step : float
        First trial step of every backtracking line search.

    Returns
    -------
    SolverResult
        ``theta`` (d,), its ``value``, the ``iterations`` used and ``converged``.
    """
    tol, max_iter, theta, value = _start(objective, theta0, tol, max_iter)
    for iteration in range(1, max_iter + 1):
        gradient = objective.gradient(theta)
        theta, new_value = _backtrack(
            objective, theta, -gradient, value, -gradient @ gradient, initial_step
        )
        decrease = value - new_value
        value = new_value
        if decrease < tol:
            return SolverResult(theta, value, iteration, True)
    return SolverResult(theta, value, max_iter, False)
