"""A scalar instance where small sensitivity in *parameter* space does not make RRM converge.

The model is :math:`f_\\theta(x) = x\\,a(\\theta)/\\varepsilon` with :math:`a(\\theta) = \\tanh\\theta + 2 \\in (1, 3)` (the *amplitude*);
deploying :math:`\\theta` moves the data to the point :math:`x = \\varepsilon\\,a(\\theta)`, and the loss is
quadratic in the prediction, :math:`\\ell(\\hat y) = \\tfrac12 (\\hat y - c)^2` (the published code uses
:math:`c = 15/4`). Then

- the distribution map is :math:`\\varepsilon`-sensitive in :math:`W_1` with respect to :math:`\\theta`,
  because :math:`|a(\\theta) - a(\\theta')| \\le |\\theta - \\theta'|`;                         (6)
- on :math:`\\mathcal D(\\theta_t)` the prediction of :math:`\\theta` is :math:`a(\\theta_t)\\,a(\\theta)`,
  so RRM solves :math:`a(\\theta_t)\\,a(\\theta_{t+1}) = c`, i.e. :math:`a_{t+1} = c / a_t`,          (7)

a map that does not involve :math:`\\varepsilon` and is an involution: RRM cycles between
:math:`a_0` and :math:`c/a_0` for every :math:`\\varepsilon > 0`.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize

from .._checks import check_positive_int, check_real
from ..performative.protocol import ExactProblem
from ..performative.rrm import Trajectory, repeated_risk_minimization
from ..performative.solvers import SolverResult

TARGET = 15.0 / 4.0
"""The minimiser :math:`c` of the loss in the prediction, as in the published code."""


def amplitude(theta) -> np.ndarray:
    """:math:`a(\\theta) = \\tanh\\theta + 2`."""
    return np.tanh(theta) + 2.0


def location(theta, epsilon: float) -> np.ndarray:
    """Where deploying :math:`\\theta` puts the data: :math:`x(\\theta) = \\varepsilon\\,a(\\theta)` (equation 6)."""
    return check_real(epsilon, "epsilon", low=0.0, low_open=True) * amplitude(theta)


def prediction(theta, x, epsilon: float) -> np.ndarray:
    """:math:`f_\\theta(x) = x\\,a(\\theta)/\\varepsilon`."""
    return np.asarray(x) * amplitude(theta) / check_real(epsilon, "epsilon", low=0.0, low_open=True)


def loss(predictions, target: float = TARGET) -> np.ndarray:
    """:math:`\\tfrac12(\\hat y - c)^2`, 1-strongly convex in the prediction."""
    return 0.5 * (np.asarray(predictions) - target) ** 2


class CounterexampleObjective:
    """:math:`\\theta \\mapsto \\tfrac12(f_\\theta(x_t) - c)^2 = \\tfrac12(a(\\theta_t)\\,a(\\theta) - c)^2`, one RRM round's objective."""

    def __init__(self, deployed_amplitude: float, target: float) -> None:
        self.deployed_amplitude = float(deployed_amplitude)
        self.target = float(target)

    def value(self, theta) -> float:
        theta = np.asarray(theta, dtype=float)
        return float(np.sum(loss(self.deployed_amplitude * amplitude(theta), self.target)))

    def gradient(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        residual = self.deployed_amplitude * amplitude(theta) - self.target
        return residual * self.deployed_amplitude * (1.0 - np.tanh(theta) ** 2)


class CounterexampleProblem(ExactProblem):
    """The counterexample as a performative problem (parameters of shape (1,))."""

    def __init__(self, epsilon: float, target: float = TARGET) -> None:
        self.epsilon = check_real(epsilon, "epsilon", low=0.0, low_open=True)
        self.target = check_real(target, "target", low=0.0, low_open=True)

    def induced_objective(self, deployed, rng=None) -> CounterexampleObjective:
        """On :math:`\\mathcal D(\\theta_t)` the data sit at :math:`x_t = \\varepsilon a(\\theta_t)`, so the prediction of :math:`\\theta` is :math:`a(\\theta_t)a(\\theta)`."""
        x = location(np.asarray(deployed, dtype=float)[0], self.epsilon)
        return CounterexampleObjective(float(x) / self.epsilon, self.target)

    def solve(self, objective, theta0) -> SolverResult:
        """A bounded scalar search over :math:`\\theta \\in [-20, 20]` (equation 7 says where it lands)."""
        solution = scipy.optimize.minimize_scalar(
            lambda theta: objective.value(np.array([theta])),
            bounds=(-20.0, 20.0),
            method="bounded",
            options={"xatol": 1e-12},
        )
        return SolverResult(
            np.array([solution.x]), float(solution.fun), int(solution.nfev), bool(solution.success)
        )


def counterexample_rrm(
    theta0: float, epsilon: float, rounds: int, target: float = TARGET
) -> Trajectory:
    """Run RRM on the counterexample with the book's driver, every round solved numerically.

    Returns a :class:`~inloop.performative.rrm.Trajectory` with parameters of shape (rounds + 1, 1);
    compare ``amplitude(trajectory.thetas[:, 0])`` with :func:`closed_form_amplitudes`.
    """
    theta0 = check_real(theta0, "theta0")
    rounds = check_positive_int(rounds, "rounds")
    return repeated_risk_minimization(CounterexampleProblem(epsilon, target), [theta0], rounds)


def closed_form_amplitudes(a0: float, rounds: int, target: float = TARGET) -> np.ndarray:
    """Equation (7) iterated: :math:`a_0, c/a_0, a_0, \\dots`."""
    rounds = check_positive_int(rounds, "rounds")
    a0 = check_real(a0, "a0", low=0.0, low_open=True)
    return np.where(np.arange(rounds + 1) % 2 == 0, a0, target / a0)
