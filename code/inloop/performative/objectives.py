"""Objectives: what one round of a performative method minimises.

An *objective* is a function of the model parameters :math:`\\theta` with ``value``, ``gradient`` and
(for Newton's method) ``hessian``. A performative problem builds one from a deployed model, the
risk :math:`\\theta \\mapsto \\E_{Z\\sim\\mathcal D(\\phi)}\\ell(Z;\\theta)` on the data that
:math:`\\phi` induces (:mod:`inloop.performative.protocol`). This module holds the objectives every
problem shares: quadratics (the closed-form instances), affine mixtures of past rounds (affine risk
minimizers) and the proximal objective of proximal RRM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_real
from .solvers import SolverResult

FloatArray = NDArray[np.float64]


@runtime_checkable
class Objective(Protocol):
    """A smooth function of the parameters: ``value``, ``gradient`` and ``hessian`` at ``theta``."""

    def value(self, theta: ArrayLike) -> float: ...

    def gradient(self, theta: ArrayLike) -> FloatArray: ...

    def hessian(self, theta: ArrayLike) -> FloatArray: ...


def check_affine_weights(weights: ArrayLike, name: str = "weights") -> FloatArray:
    """Return ``weights`` as a float vector after checking that it is non-empty, finite and sums to one."""
    try:
        array = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of real numbers, got {weights!r}.") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d sequence, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (found NaN or infinity): {array.tolist()}.")
    if abs(array.sum() - 1.0) > 1e-9:
        raise ValueError(
            f"{name} must be affine, i.e. sum to one; got {array.tolist()} with sum {array.sum():.6g}."
        )
    return array


class QuadraticObjective:
    """:math:`R(\\theta) = \\tfrac12\\theta^\\top H\\theta - b^\\top\\theta + c`.

    Parameters
    ----------
    hessian : array_like, shape (d, d)
        The matrix :math:`H`.
    linear : array_like, shape (d,) or (runs, d)
        The vector :math:`b`; with shape ``(runs, d)`` the objective holds one independent quadratic
        per run (same :math:`H`), evaluated on parameters of shape ``(runs, d)``.
    constant : float
        The constant :math:`c`.
    """

    def __init__(self, hessian: ArrayLike, linear: ArrayLike, constant: float = 0.0):
        self.matrix = np.atleast_2d(np.asarray(hessian, dtype=float))
        self.linear = np.atleast_1d(np.asarray(linear, dtype=float))
        self.constant = float(constant)

    def value(self, theta: ArrayLike) -> float:
        """:math:`R(\\theta)` (summed over runs when there are several)."""
        theta = np.asarray(theta, dtype=float)
        quadratic = 0.5 * np.einsum("...i,ij,...j->...", theta, self.matrix, theta)
        return float(np.sum(quadratic - np.sum(self.linear * theta, axis=-1)) + self.constant)

    def gradient(self, theta: ArrayLike) -> FloatArray:
        """:math:`H\\theta - b`, the shape of ``theta``."""
        return np.asarray(theta, dtype=float) @ self.matrix.T - self.linear

    def hessian(self, theta: ArrayLike) -> FloatArray:
        """:math:`H`."""
        return self.matrix

    def minimizer(self) -> FloatArray:
        """:math:`H^{-1}b`, the exact minimiser (one row per run)."""
        return np.linalg.solve(self.matrix, self.linear.T).T


class MixtureObjective:
    """The affine combination :math:`\\sum_j \\alpha_j R_j(\\theta)` of objectives (newest first).

    Parameters
    ----------
    objectives : sequence of Objective
        The rounds' objectives :math:`R_{t}, R_{t-1}, \\dots`.
    weights : array_like, shape (k,)
        Affine weights :math:`\\alpha_j` (they sum to one and may be negative; see
        :func:`~inloop.performative.arm.mixture_weights`).
    """

    def __init__(self, objectives: Sequence[Objective], weights: ArrayLike):
        self.objectives = list(objectives)
        self.weights = check_affine_weights(weights)
        if len(self.objectives) != self.weights.size:
            raise ValueError(
                f"got {len(self.objectives)} objectives but {self.weights.size} weights."
            )

    def value(self, theta: ArrayLike) -> float:
        return float(
            sum(w * r.value(theta) for w, r in zip(self.weights, self.objectives, strict=True))
        )

    def gradient(self, theta: ArrayLike) -> FloatArray:
        parts = (w * r.gradient(theta) for w, r in zip(self.weights, self.objectives, strict=True))
        return np.asarray(sum(parts), dtype=float)

    def hessian(self, theta: ArrayLike) -> FloatArray:
        parts = (w * r.hessian(theta) for w, r in zip(self.weights, self.objectives, strict=True))
        return np.asarray(sum(parts), dtype=float)


class ProximalObjective:
    """:math:`R(\\theta) + \\tfrac{\\lambda}{2}\\lVert\\theta - \\theta_t\\rVert^2`, the objective of proximal RRM.

    Parameters
    ----------
    objective : Objective
        The round's objective :math:`R`.
    weight : float
        :math:`\\lambda \\ge 0`.
    center : array_like
        The deployed parameters :math:`\\theta_t`.
    """

    def __init__(self, objective: Objective, weight: float, center: ArrayLike):
        self.objective = objective
        self.weight = check_real(weight, "proximal_weight", low=0.0)
        self.center = np.asarray(center, dtype=float)

    def value(self, theta: ArrayLike) -> float:
        offset = np.asarray(theta, dtype=float) - self.center
        return float(self.objective.value(theta) + 0.5 * self.weight * np.sum(offset**2))

    def gradient(self, theta: ArrayLike) -> FloatArray:
        offset = np.asarray(theta, dtype=float) - self.center
        return self.objective.gradient(theta) + self.weight * offset

    def hessian(self, theta: ArrayLike) -> FloatArray:
        return self.objective.hessian(theta) + self.weight * np.eye(self.center.shape[-1])


def solve_quadratic(objective: Objective, theta0: ArrayLike) -> SolverResult:
    """Exact minimiser of a quadratic objective (one or several runs): :math:`\\theta = -H^{-1}\\nabla R(0)`.

    Works for any objective whose value is quadratic in :math:`\\theta` (a quadratic, an affine
    mixture of quadratics, a proximal quadratic), with parameters of the shape of ``theta0``.
    """
    zero = np.zeros_like(np.asarray(theta0, dtype=float))
    hessian = np.atleast_2d(objective.hessian(zero))
    theta = -np.linalg.solve(hessian, np.atleast_2d(objective.gradient(zero)).T).T.reshape(
        zero.shape
    )
    return SolverResult(theta, objective.value(theta), 1, True)
