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


@dataclass(frozen=True)
class GaussianLocationProblem:
    """Closed forms for :math:`\\mathcal D(\\theta) = \\mathcal N(\\mu + \\varepsilon\\theta, \\sigma^2)` and the quadratic loss above."""

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

    def risk(self, theta, deployed):
        """Risk of ``theta`` on the distribution induced by ``deployed``: :math:`\\E_{z\\sim\\mathcal D(\\phi)}\\ell(z;\\theta)`."""
        theta = np.asarray(theta, dtype=float)
        mean = self.mean(deployed)
        second_moment = mean**2 + self.sigma**2
        return (
            0.5 * self.gamma * theta**2
            - self.beta * mean * theta
            + 0.5 * self.kappa * second_moment
        )

    def performative_risk(self, theta):
        """:math:`\\mathrm{PR}(\\theta) = \\E_{z\\sim\\mathcal D(\\theta)}\\ell(z;\\theta)`."""
        return self.risk(theta, theta)

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

    def run_rrm(self, theta0: float, rounds: int) -> np.ndarray:
        """Iterates :math:`\\theta_0, \\dots, \\theta_T` of exact RRM."""
        return self._iterate(self.rrm_map, theta0, rounds)

    def run_rgd(self, theta0: float, rounds: int, step_size: float) -> np.ndarray:
        """Iterates :math:`\\theta_0, \\dots, \\theta_T` of exact RGD with step size ``step_size``."""
        step_size = check_real(step_size, "step_size", low=0.0, low_open=True)
        return self._iterate(lambda theta: self.rgd_map(theta, step_size), theta0, rounds)

    @staticmethod
    def _iterate(step, theta0, rounds):
        rounds = check_positive_int(rounds, "rounds")
        iterates = np.empty(rounds + 1)
        iterates[0] = check_real(theta0, "theta0")
        for t in range(rounds):
            iterates[t + 1] = step(iterates[t])
        return iterates
