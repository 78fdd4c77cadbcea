"""Repeated risk minimization (RRM) and repeated gradient descent (RGD).

Both drivers work with any *problem* object that offers

- ``performative_risk(theta)``: the loss of ``theta`` on the data it induces;
- ``fit(deployed, warm_start)``: minimise the risk on the data induced by ``deployed`` and return an
  object with a ``theta`` attribute (RRM);
- ``risk(deployed)``: the risk on the data induced by ``deployed``, with a ``gradient`` method (RGD).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_array, check_positive_int, check_real


@dataclass(frozen=True)
class Trajectory:
    """Iterates of a performative optimisation method and their performative risks.

    ``thetas[t]`` is the model deployed in round ``t`` (``thetas[0]`` is the initial model) and
    ``performative_risks[t]`` its loss on the data it induces.
    """

    thetas: np.ndarray
    performative_risks: np.ndarray

    @property
    def step_lengths(self) -> np.ndarray:
        """Distances :math:`\\lVert\\theta_{t+1} - \\theta_t\\rVert` between consecutive iterates."""
        return np.linalg.norm(np.diff(self.thetas, axis=0), axis=1)

    def distances_to(self, theta) -> np.ndarray:
        """Distances :math:`\\lVert\\theta_t - \\theta\\rVert` of every iterate to ``theta``."""
        return np.linalg.norm(self.thetas - np.asarray(theta, dtype=float), axis=1)


def repeated_risk_minimization(problem, theta0, rounds: int) -> Trajectory:
    """Run RRM: :math:`\\theta_{t+1} = \\arg\\min_\\theta \\E_{Z\\sim\\mathcal D(\\theta_t)} \\ell(Z;\\theta)`."""
    return _run(problem, theta0, rounds, lambda theta: problem.fit(theta).theta)


def repeated_gradient_descent(problem, theta0, rounds: int, step_size: float) -> Trajectory:
    """Run RGD: :math:`\\theta_{t+1} = \\theta_t - \\eta\\, \\E_{Z\\sim\\mathcal D(\\theta_t)} \\nabla\\ell(Z;\\theta_t)`."""
    step_size = check_real(step_size, "step_size", low=0.0, low_open=True)
    return _run(
        problem,
        theta0,
        rounds,
        lambda theta: theta - step_size * problem.risk(theta).gradient(theta),
    )


def _run(problem, theta0, rounds, update) -> Trajectory:
    rounds = check_positive_int(rounds, "rounds")
    theta = check_array(theta0, "theta0", ndim=1)
    thetas = [theta]
    for _ in range(rounds):
        theta = update(theta)
        thetas.append(theta)
    thetas = np.array(thetas)
    risks = np.array([problem.performative_risk(theta) for theta in thetas])
    return Trajectory(thetas, risks)
