"""A Gaussian location family where every performative quantity has a closed form.

Distribution map: :math:`\\mathcal D(\\theta) = \\mathcal N(\\mu + \\varepsilon\\theta, \\sigma^2)`.
Loss: :math:`\\ell(z;\\theta) = \\tfrac{\\gamma}{2}\\theta^2 - \\beta z\\theta + \\tfrac{\\kappa}{2} z^2`.

The loss is :math:`\\gamma`-strongly convex in :math:`\\theta` and its gradient
:math:`\\gamma\\theta - \\beta z` is :math:`\\beta`-Lipschitz in :math:`z`; the map is
:math:`|\\varepsilon|`-sensitive in the Wasserstein-1 distance. Two members matter in the book:

- ``kappa = 0``: the *linear-quadratic* loss, where stable and optimal points differ;
- ``gamma = beta = kappa = 1``: the squared loss :math:`\\tfrac12 (z - \\theta)^2`, i.e. Gaussian mean
  estimation, where they coincide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_positive_int, check_real
from .objectives import QuadraticObjective, solve_quadratic
from .protocol import ExactProblem
from .solvers import SolverResult


@dataclass(frozen=True)
class GaussianLocationProblem(ExactProblem):
    """Closed forms for :math:`\\mathcal D(\\theta) = \\mathcal N(\\mu + \\varepsilon\\theta, \\sigma^2)` and the quadratic loss above.

    As a performative problem (for the drivers of :mod:`inloop.performative.rrm`) its parameters
    have shape ``(1,)``, or ``(runs, 1)`` for many independent runs at once; the closed forms below
    (:meth:`decoupled_risk`, :meth:`rrm_map`, ...) take scalars or arrays of any shape.

    Parameters
    ----------
    mu : float
        Mean :math:`\\mu` of the data when the deployed model is 0.
    sigma : float
        Standard deviation :math:`\\sigma \\ge 0` (it does not depend on the model).
    epsilon : float
        Sensitivity :math:`\\varepsilon \\ge 0`: how far the mean moves per unit of :math:`\\theta`.
    gamma, beta, kappa : float
        The loss :math:`\\tfrac{\\gamma}{2}\\theta^2 - \\beta z\\theta + \\tfrac{\\kappa}{2} z^2`
        (:math:`\\gamma > 0`, :math:`\\beta > 0`, :math:`\\kappa \\ge 0`).
    """

    mu: float
    sigma: float
    epsilon: float
    gamma: float = 1.0
    beta: float = 1.0
    kappa: float = 0.0

    def __post_init__(self):
        check_real(self.mu, "mu")
        check_real(self.sigma, "sigma", low=0.0)
        check_real(self.epsilon, "epsilon", low=0.0)
        check_real(self.gamma, "gamma", low=0.0, low_open=True)
        check_real(self.beta, "beta", low=0.0, low_open=True)
        check_real(self.kappa, "kappa", low=0.0)

    @classmethod
    def mean_estimation(cls, mu: float, sigma: float, epsilon: float) -> GaussianLocationProblem:
        """Gaussian mean estimation with the squared loss :math:`\\tfrac12(z-\\theta)^2`."""
        return cls(mu=mu, sigma=sigma, epsilon=epsilon, gamma=1.0, beta=1.0, kappa=1.0)

    def mean(self, theta):
        """Mean :math:`\\mu + \\varepsilon\\theta` of the distribution induced by ``theta``."""
        return self.mu + self.epsilon * np.asarray(theta, dtype=float)

    def sample(self, theta, size: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``size`` samples from :math:`\\mathcal D(\\theta)`; shape ``(size, *theta.shape)``.

        ``theta`` may be an array holding one model per independent run.
        """
        theta = np.asarray(theta, dtype=float)
        size = check_positive_int(size, "size")
        return self.mean(theta) + self.sigma * rng.standard_normal((size, *theta.shape))

    def decoupled_risk(self, theta, deployed):
        """Risk of ``theta`` on the distribution induced by ``deployed``: :math:`\\E_{z\\sim\\mathcal D(\\phi)}\\ell(z;\\theta)`."""
        theta = np.asarray(theta, dtype=float)
        mean = self.mean(deployed)
        second_moment = mean**2 + self.sigma**2
        return (
            0.5 * self.gamma * theta**2
            - self.beta * mean * theta
            + 0.5 * self.kappa * second_moment
        )

    def performative_risk(self, theta, objective=None):
        """:math:`\\mathrm{PR}(\\theta) = \\E_{z\\sim\\mathcal D(\\theta)}\\ell(z;\\theta)`, elementwise (closed form)."""
        theta = np.asarray(theta, dtype=float)
        risk = self.decoupled_risk(theta, theta)
        return risk[..., 0] if theta.ndim >= 1 and theta.shape[-1] == 1 else risk

    def induced_objective(self, deployed, rng=None) -> QuadraticObjective:
        """:math:`\\theta \\mapsto \\tfrac\\gamma2\\theta^2 - \\beta m\\theta + \\tfrac\\kappa2(m^2+\\sigma^2)` with :math:`m = \\mu + \\varepsilon\\phi` (parameters of shape (1,) or (runs, 1))."""
        mean = self.mean(deployed)
        constant = 0.5 * self.kappa * float(np.sum(mean**2 + self.sigma**2))
        return QuadraticObjective([[self.gamma]], self.beta * mean, constant)

    def solve(self, objective, theta0) -> SolverResult:
        """The exact minimiser of a round's quadratic objective."""
        return solve_quadratic(objective, theta0)

    def rrm_map(self, theta):
        """One exact RRM step, :math:`G(\\theta) = \\arg\\min_\\phi \\E_{\\mathcal D(\\theta)}\\ell = (\\beta/\\gamma)(\\mu + \\varepsilon\\theta)`."""
        return self.beta / self.gamma * self.mean(theta)

    def rgd_map(self, theta, step_size: float):
        """One exact RGD step, :math:`\\theta - \\eta\\,(\\gamma\\theta - \\beta(\\mu + \\varepsilon\\theta))`."""
        theta = np.asarray(theta, dtype=float)
        return theta - step_size * (self.gamma * theta - self.beta * self.mean(theta))

    @property
    def rrm_factor(self) -> float:
        """The exact contraction factor of :meth:`rrm_map`, :math:`\\varepsilon\\beta/\\gamma`."""
        return self.epsilon * self.beta / self.gamma

    @property
    def stable_point(self) -> float:
        """:math:`\\theta_{PS} = \\beta\\mu / (\\gamma - \\varepsilon\\beta)`, the fixed point of :meth:`rrm_map`."""
        if self.rrm_factor == 1.0:
            raise ValueError("No stable point exists when epsilon * beta / gamma == 1.")
        return self.beta * self.mu / (self.gamma - self.epsilon * self.beta)

    @property
    def performative_risk_curvature(self) -> float:
        """The second derivative of the performative risk, :math:`\\gamma - 2\\varepsilon\\beta + \\kappa\\varepsilon^2`."""
        return self.gamma - 2 * self.epsilon * self.beta + self.kappa * self.epsilon**2

    @property
    def optimal_point(self) -> float:
        """:math:`\\theta_{PO} = \\mu(\\beta - \\kappa\\varepsilon)/(\\gamma - 2\\varepsilon\\beta + \\kappa\\varepsilon^2)`.

        Valid when the performative risk is strictly convex (positive curvature); otherwise it is
        unbounded below and no optimum exists.
        """
        curvature = self.performative_risk_curvature
        if curvature <= 0:
            raise ValueError(
                f"The performative risk is not convex (curvature {curvature:.3g} <= 0), so it has no minimiser; "
                "choose a smaller epsilon."
            )
        return self.mu * (self.beta - self.kappa * self.epsilon) / curvature
