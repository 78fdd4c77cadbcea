"""A scalar instance where small sensitivity in *parameter* space does not make RRM converge.

The model is :math:`f_\\theta(x) = x\\,a(\\theta)/\\varepsilon` with :math:`a(\\theta) = \\tanh\\theta + 2 \\in (1, 3)`;
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

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from .._checks import check_positive_int, check_real

TARGET = 15.0 / 4.0
"""The minimiser :math:`c` of the loss in the prediction, as in the published code."""


def scale(theta) -> np.ndarray:
    """:math:`a(\\theta) = \\tanh\\theta + 2`."""
    return np.tanh(theta) + 2.0


def location(theta, epsilon: float) -> np.ndarray:
    """Where deploying :math:`\\theta` puts the data: :math:`x(\\theta) = \\varepsilon\\,a(\\theta)` (equation 6)."""
    return check_real(epsilon, "epsilon", low=0.0, low_open=True) * scale(theta)


def prediction(theta, x, epsilon: float) -> np.ndarray:
    """:math:`f_\\theta(x) = x\\,a(\\theta)/\\varepsilon`."""
    return np.asarray(x) * scale(theta) / check_real(epsilon, "epsilon", low=0.0, low_open=True)


def loss(predictions, target: float = TARGET) -> np.ndarray:
    """:math:`\\tfrac12(\\hat y - c)^2`, 1-strongly convex in the prediction."""
    return 0.5 * (np.asarray(predictions) - target) ** 2


def rrm_step(theta_deployed: float, epsilon: float, target: float = TARGET) -> float:
    """One RRM round solved numerically: :math:`\\arg\\min_\\theta \\ell(f_\\theta(x(\\theta_t)))` (bounded scalar search)."""
    x = location(theta_deployed, epsilon)
    solution = scipy.optimize.minimize_scalar(
        lambda theta: loss(prediction(theta, x, epsilon), target),
        bounds=(-20.0, 20.0),
        method="bounded",
        options={"xatol": 1e-12},
    )
    return float(solution.x)


@dataclass(frozen=True)
class CounterexampleRun:
    """RRM iterates :math:`\\theta_t`, their scales :math:`a_t` and performative risks :math:`\\ell(a_t^2)`."""

    epsilon: float
    thetas: np.ndarray

    @property
    def scales(self) -> np.ndarray:
        return scale(self.thetas)

    @property
    def performative_risks(self) -> np.ndarray:
        return loss(prediction(self.thetas, location(self.thetas, self.epsilon), self.epsilon))


def counterexample_rrm(
    theta0: float, epsilon: float, rounds: int, target: float = TARGET
) -> CounterexampleRun:
    """Run RRM on the counterexample, solving every round numerically (compare with equation 7)."""
    theta0 = check_real(theta0, "theta0")
    epsilon = check_real(epsilon, "epsilon", low=0.0, low_open=True)
    rounds = check_positive_int(rounds, "rounds")
    thetas = [theta0]
    for _ in range(rounds):
        thetas.append(rrm_step(thetas[-1], epsilon, target))
    return CounterexampleRun(epsilon, np.array(thetas))


def closed_form_scales(a0: float, rounds: int, target: float = TARGET) -> np.ndarray:
    """Equation (7) iterated: :math:`a_0, c/a_0, a_0, \\dots`."""
    rounds = check_positive_int(rounds, "rounds")
    a0 = check_real(a0, "a0", low=0.0, low_open=True)
    return np.where(np.arange(rounds + 1) % 2 == 0, a0, target / a0)
