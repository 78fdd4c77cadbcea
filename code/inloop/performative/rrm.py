"""The one loop behind every performative method: deploy, observe, retrain.

Round :math:`t` deploys :math:`\\theta_t`, builds the objective it induces,
:math:`R_t(\\theta) = \\E_{Z\\sim\\mathcal D(\\theta_t)}\\ell(Z;\\theta)` (:mod:`inloop.performative.protocol`),
records the performative risk :math:`\\mathrm{PR}(\\theta_t) = R_t(\\theta_t)` and updates:

- **affine risk minimizers** (ARM, Khorsandi et al. 2025) minimise an affine mixture of the newest
  objectives, :math:`\\theta_{t+1} = \\arg\\min_\\theta \\sum_j \\alpha_j R_{t-j}(\\theta)`;
  **repeated risk minimization** (RRM, Perdomo et al. 2020) is the case :math:`\\alpha = (1)`, and
  **proximal RRM** adds :math:`\\tfrac\\lambda2\\lVert\\theta - \\theta_t\\rVert^2`;
- **repeated gradient descent** (RGD) takes one step, :math:`\\theta_{t+1} = \\theta_t - \\eta\\nabla R_t(\\theta_t)`.

A ``seed`` feeds one generator that every round's ``induced_objective`` draws from, so two methods
run with the same seed see the same noise (common random numbers).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive_int, check_real
from .._random import SeedLike, as_generator
from .arm import check_rule, history_length, mixture_weights
from .objectives import MixtureObjective, ProximalObjective
from .protocol import PerformativeProblem, RoundResult
from .solvers import SolverResult

Solver = Callable[[Any, NDArray[np.float64]], RoundResult]
"""A minimiser ``solver(objective, theta0) -> SolverResult``."""


@dataclass(frozen=True)
class Trajectory:
    """The iterates of a performative method and what each round cost.

    Attributes
    ----------
    thetas : ndarray, shape (rounds + 1, ...)
        ``thetas[t]`` is the model deployed in round ``t`` (``thetas[0]`` the initial model). A
        problem that runs many independent copies at once uses parameters of shape ``(runs, d)``.
    performative_risks : ndarray, shape (rounds + 1,) or (rounds + 1, runs)
        :math:`\\mathrm{PR}(\\theta_t)`, recorded inside the loop.
    iterations : ndarray of int, shape (rounds,)
        Solver iterations of each round (1 for a gradient step).
    converged : ndarray of bool, shape (rounds,)
        Whether each round's solver met its stopping rule (``False`` marks a round that hit the
        solver's iteration cap).
    """

    thetas: NDArray[np.float64]
    performative_risks: NDArray[np.float64]
    iterations: NDArray[np.int_]
    converged: NDArray[np.bool_]

    @property
    def rounds(self) -> int:
        """The number of rounds run."""
        return len(self.thetas) - 1

    @property
    def step_lengths(self) -> NDArray[np.float64]:
        """:math:`\\lVert\\theta_{t+1} - \\theta_t\\rVert` over the last axis, shape (rounds, ...)."""
        return np.linalg.norm(np.diff(self.thetas, axis=0), axis=-1)

    def distances_to(self, theta: ArrayLike) -> NDArray[np.float64]:
        """:math:`\\lVert\\theta_t - \\theta\\rVert` over the last axis, shape (rounds + 1, ...)."""
        return np.linalg.norm(self.thetas - np.asarray(theta, dtype=float), axis=-1)


def affine_risk_minimization(
    problem: PerformativeProblem,
    theta0: ArrayLike,
    rounds: int,
    weights: Any = 1,
    *,
    proximal_weight: float = 0.0,
    seed: SeedLike = None,
    solver: Solver | None = None,
) -> Trajectory:
    """Run an affine risk minimizer for ``rounds`` rounds from ``theta0``.

    Parameters
    ----------
    problem : PerformativeProblem
        The problem (:mod:`inloop.performative.protocol`).
    theta0 : array_like, shape (d,) or (runs, d)
        The initial model.
    rounds : int
        Number of deployments after the first.
    weights : int, str, sequence or callable
        The mixture rule of :func:`~inloop.performative.arm.mixture_weights`: ``1`` is RRM, an int
        :math:`\\tau` is uniform over the last :math:`\\tau` rounds, ``"all"``, ``"half"``, fixed
        affine weights (newest first) or a callable.
    proximal_weight : float
        :math:`\\lambda \\ge 0` of the proximal term :math:`\\tfrac\\lambda2\\lVert\\theta-\\theta_t\\rVert^2`.
    seed : int, None or numpy.random.Generator
        Randomness of the problem's draws (ignored by exact problems).
    solver : callable, optional
        ``solver(objective, theta0) -> SolverResult``; by default ``problem.solve``.

    Returns
    -------
    Trajectory
    """
    rule = check_rule(weights)
    proximal_weight = check_real(proximal_weight, "proximal_weight", low=0.0)
    solve = solver or problem.solve
    mix = getattr(problem, "mix", MixtureObjective)
    snapshots: deque[Any] = deque(maxlen=history_length(rule))

    def update(objective: Any, theta: NDArray[np.float64]) -> RoundResult:
        snapshots.append(objective)
        alpha = mixture_weights(rule, len(snapshots))
        if alpha.size == 1:  # one snapshot (weight 1): the round's own objective, as in RRM
            mixture = snapshots[-1]
        else:
            mixture = mix([snapshots[-1 - j] for j in range(alpha.size)], alpha)
        if proximal_weight > 0:
            mixture = ProximalObjective(mixture, proximal_weight, theta)
        return solve(mixture, theta)

    return _run(problem, theta0, rounds, update, seed)


def repeated_risk_minimization(
    problem: PerformativeProblem,
    theta0: ArrayLike,
    rounds: int,
    *,
    seed: SeedLike = None,
    solver: Solver | None = None,
) -> Trajectory:
    """RRM: :math:`\\theta_{t+1} = \\arg\\min_\\theta \\E_{Z\\sim\\mathcal D(\\theta_t)}\\ell(Z;\\theta)`, the ARM with weight 1.

    Parameters and return value as in :func:`affine_risk_minimization`.
    """
    return affine_risk_minimization(problem, theta0, rounds, 1, seed=seed, solver=solver)


def proximal_risk_minimization(
    problem: PerformativeProblem,
    theta0: ArrayLike,
    rounds: int,
    proximal_weight: float,
    *,
    seed: SeedLike = None,
    solver: Solver | None = None,
) -> Trajectory:
    """Proximal RRM: :math:`\\theta_{t+1} = \\arg\\min_\\theta R_t(\\theta) + \\tfrac{\\lambda}{2}\\lVert\\theta-\\theta_t\\rVert^2`.

    Parameters and return value as in :func:`affine_risk_minimization`.
    """
    return affine_risk_minimization(
        problem, theta0, rounds, 1, proximal_weight=proximal_weight, seed=seed, solver=solver
    )


def repeated_gradient_descent(
    problem: PerformativeProblem,
    theta0: ArrayLike,
    rounds: int,
    step_size: float,
    *,
    seed: SeedLike = None,
) -> Trajectory:
    """RGD: :math:`\\theta_{t+1} = \\theta_t - \\eta\\, \\nabla R_t(\\theta_t)`, one gradient step per deployment.

    Parameters and return value as in :func:`affine_risk_minimization`; ``step_size`` is
    :math:`\\eta > 0`.
    """
    step_size = check_real(step_size, "step_size", low=0.0, low_open=True)

    def update(objective: Any, theta: NDArray[np.float64]) -> SolverResult:
        new = theta - step_size * objective.gradient(theta)
        return SolverResult(new, float("nan"), 1, True)

    return _run(problem, theta0, rounds, update, seed)


def _run(
    problem: PerformativeProblem,
    theta0: ArrayLike,
    rounds: int,
    update: Callable[[Any, NDArray[np.float64]], RoundResult],
    seed: SeedLike,
) -> Trajectory:
    """The loop: build the induced objective, record PR, update; ``rounds`` times."""
    rounds = check_positive_int(rounds, "rounds")
    rng = as_generator(seed)
    theta = np.array(theta0, dtype=float)
    if theta.ndim == 0 or theta.size == 0 or not np.all(np.isfinite(theta)):
        raise ValueError(
            f"theta0 must be a non-empty array of finite numbers (shape (d,) or (runs, d)), "
            f"got {theta0!r}."
        )
    thetas, risks, iterations, converged = [theta], [], [], []
    for _ in range(rounds):
        objective = problem.induced_objective(theta, rng)
        risks.append(problem.performative_risk(theta, objective))
        result = update(objective, theta)
        theta = np.asarray(result.theta, dtype=float).reshape(theta.shape)
        thetas.append(theta)
        iterations.append(result.iterations)
        converged.append(result.converged)
    risks.append(problem.performative_risk(theta))
    return Trajectory(
        np.array(thetas),
        np.array(risks, dtype=float),
        np.array(iterations, dtype=int),
        np.array(converged, dtype=bool),
    )
