"""Strategic classification on the credit data: applicants respond to the deployed classifier.

A deployed logistic model :math:`\\theta` scores applicant :math:`x` by :math:`x^\\top\\theta`; a higher
score means a higher predicted risk of default. Applicants can change the strategic features
:math:`S` (utilisation, open credit lines, real-estate loans) at a quadratic cost. Two response
models are provided:

``best_response``
    Perdomo et al.'s model (linear utility, quadratic cost):
    :math:`x'_S = x_S - \\varepsilon\\,\\theta_S`. Every applicant moves by the *same* vector.
``risk_proportional``
    The book's variant, in which the effort grows with the risk the deployed model assigns:
    :math:`x'_S = x_S - \\varepsilon\\,\\sigma(x^\\top\\theta)\\,\\theta_S`. Applicants the model rates
    as risky move more, so the shift is no longer the same for everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from scipy.special import expit

from .._checks import check_array, check_choice, check_indices, check_real
from ..data.credit import CreditData
from .losses import LogisticLoss
from .protocol import ExactProblem
from .solvers import SolverResult, newton

RESPONSES = ("best_response", "risk_proportional")


def best_response(features, theta, epsilon: float, strategic) -> np.ndarray:
    """Features after every applicant best-responds to ``theta``: :math:`x'_S = x_S - \\varepsilon\\theta_S`.

    Parameters
    ----------
    features : array_like, shape (n, d)
        The applicants before they respond (the input is not modified).
    theta : array_like, shape (d,)
        The deployed logistic model.
    epsilon : float
        Strength of the response, :math:`\\varepsilon \\ge 0`.
    strategic : sequence of int
        The columns :math:`S` applicants can change.

    Returns
    -------
    ndarray, shape (n, d)
        The features after the response.
    """
    return _shift(features, theta, epsilon, strategic, effort=None)


def risk_proportional_response(features, theta, epsilon: float, strategic) -> np.ndarray:
    """Features after a risk-proportional response: :math:`x'_S = x_S - \\varepsilon\\sigma(x^\\top\\theta)\\theta_S`.

    Parameters and return value as in :func:`best_response`.
    """
    return _shift(features, theta, epsilon, strategic, effort="risk")


def _shift(features, theta, epsilon, strategic, effort):
    features = check_array(features, "features", ndim=2)
    theta = check_array(theta, "theta", ndim=1)
    if theta.shape[0] != features.shape[1]:
        raise ValueError(
            f"theta has {theta.shape[0]} entries but features have {features.shape[1]} columns."
        )
    epsilon = check_real(epsilon, "epsilon", low=0.0)
    strategic = check_indices(strategic, "strategic", features.shape[1])
    moved = features.copy()
    step = epsilon * theta[strategic]
    if effort == "risk":
        moved[:, strategic] -= expit(features @ theta)[:, None] * step
    else:
        moved[:, strategic] -= step
    return moved


@dataclass
class StrategicCredit(ExactProblem):
    """The credit data as a performative prediction problem.

    Parameters
    ----------
    data:
        Preprocessed credit data (:func:`inloop.data.credit.load_credit`).
    epsilon:
        Strength of the applicants' response (the sensitivity of the distribution map).
    response:
        ``"best_response"`` (Perdomo et al.) or ``"risk_proportional"`` (the book's variant).
    regularization:
        Ridge weight :math:`\\lambda`; defaults to :math:`1/n` as in the published experiment.
    penalize_bias:
        Whether the ridge penalty also applies to the bias (``False`` in the published experiment).
    solver:
        Minimiser of one round, ``solver(objective, theta0) -> SolverResult`` (default: Newton's
        method, :func:`~inloop.performative.solvers.newton`).
    """

    data: CreditData
    epsilon: float
    response: str = "best_response"
    regularization: float | None = None
    penalize_bias: bool = False
    solver: Callable[..., SolverResult] = field(default=newton, repr=False)

    def __post_init__(self):
        self.epsilon = check_real(self.epsilon, "epsilon", low=0.0)
        check_choice(self.response, "response", RESPONSES)
        if self.regularization is None:
            self.regularization = 1.0 / self.data.n_samples
        self.regularization = check_real(self.regularization, "regularization", low=0.0)

    @property
    def n_features(self) -> int:
        return self.data.features.shape[1]

    def induced_features(self, theta) -> np.ndarray:
        """Features of the population after it responds to the deployed ``theta`` (labels do not change)."""
        respond = best_response if self.response == "best_response" else risk_proportional_response
        return respond(self.data.features, theta, self.epsilon, self.data.strategic_features)

    def induced_objective(self, deployed, rng=None) -> LogisticLoss:
        """The objective :math:`\\theta \\mapsto L(\\theta; \\mathcal D(\\text{deployed}))` on the induced population (exact; ``rng`` unused)."""
        return LogisticLoss(
            self.induced_features(deployed),
            self.data.labels,
            cast(float, self.regularization),
            None if self.penalize_bias else self.data.bias_column,
        )

    def solve(self, objective, theta0) -> SolverResult:
        """Minimise one round's objective with :attr:`solver`, warm-started at ``theta0``."""
        return self.solver(objective, theta0)

    def rrm_map(self, deployed) -> np.ndarray:
        """One exact RRM round, :math:`G(\\theta) = \\arg\\min_\\phi L(\\phi; \\mathcal D(\\theta))`, warm-started at ``deployed``."""
        return self.solve(self.induced_objective(deployed), deployed).theta

    def rrm_jacobian(self, theta, step: float = 1e-6) -> np.ndarray:
        """Jacobian of the RRM map :math:`G(\\theta) = \\arg\\min_\\phi L(\\phi; \\mathcal D(\\theta))` at ``theta``.

        By the implicit function theorem, :math:`DG = -H^{-1} C` with :math:`H = \\nabla^2_\\phi L` and
        :math:`C = \\partial_\\theta \\nabla_\\phi L(\\phi; \\mathcal D(\\theta))`, both at :math:`\\phi = G(\\theta)`.
        """
        theta = check_array(theta, "theta", ndim=1)
        phi = self.rrm_map(theta)
        hessian, cross = self._curvatures(theta, phi, step)
        return -np.linalg.solve(hessian, cross)

    def rgd_jacobian(self, theta, step_size: float, step: float = 1e-6) -> np.ndarray:
        """Jacobian of the RGD map :math:`\\theta \\mapsto \\theta - \\eta\\nabla_\\phi L(\\theta; \\mathcal D(\\theta))`: :math:`I - \\eta(H + C)`."""
        theta = check_array(theta, "theta", ndim=1)
        step_size = check_real(step_size, "step_size", low=0.0, low_open=True)
        hessian, cross = self._curvatures(theta, theta, step)
        return np.eye(self.n_features) - step_size * (hessian + cross)

    def _curvatures(self, theta, phi, step):
        """:math:`H = \\nabla^2_\\phi L(\\phi; \\mathcal D(\\theta))` and :math:`C = \\partial_\\theta \\nabla_\\phi L(\\phi; \\mathcal D(\\theta))`.

        ``C`` is taken by central differences of the gradient, which is smooth in ``theta``.
        """
        cross = np.empty((self.n_features, self.n_features))
        for k in range(self.n_features):
            offset = np.zeros(self.n_features)
            offset[k] = step
            cross[:, k] = (
                self.induced_objective(theta + offset).gradient(phi)
                - self.induced_objective(theta - offset).gradient(phi)
            ) / (2 * step)
        return self.induced_objective(theta).hessian(phi), cross

    def stable_point(self, theta0=None, tol: float = 1e-10, max_iter: int = 50) -> np.ndarray:
        """Solve the stability equation :math:`G(\\theta) = \\theta` by Newton's method on :math:`\\theta - G(\\theta)`.

        Each step is :math:`\\theta \\leftarrow \\theta - (I - DG(\\theta))^{-1}(\\theta - G(\\theta))`. Unlike RRM, this
        finds the stable point also when it repels RRM (spectral radius of :math:`DG` above 1).
        """
        theta = (
            np.zeros(self.n_features) if theta0 is None else check_array(theta0, "theta0", ndim=1)
        )
        for _ in range(max_iter):
            residual = theta - self.rrm_map(theta)
            if np.linalg.norm(residual) < tol:
                return theta
            theta = theta - np.linalg.solve(
                np.eye(self.n_features) - self.rrm_jacobian(theta), residual
            )
        raise RuntimeError(
            f"The stability equation did not converge in {max_iter} Newton steps; "
            "start closer to the stable point (theta0) or use a smaller epsilon."
        )
