"""Exact instances behind the lower bounds of Chapter 3 (Khorsandi et al., 2025).

Every instance here has closed-form expectations, so RRM and every ARM can be run *exactly* with
:func:`~inloop.performative.rrm.affine_risk_minimization`, and the measured distances compared with
the bounds of :mod:`inloop.performative.bounds` to machine precision.

``GaussianQuadraticInstance``
    Perdomo's framework. :math:`\\mathcal D(\\theta) = \\mathcal N(B\\theta + e, \\sigma^2 I)` and
    :math:`\\ell(z;\\theta) = \\tfrac\\gamma2\\lVert\\theta - \\tfrac\\beta\\gamma z\\rVert^2`. Two members:
    :func:`perdomo_tight_instance` (:math:`B = \\varepsilon I`, :math:`e = 0`), on which RRM is exactly
    :math:`\\theta_{t+1} = (\\varepsilon\\beta/\\gamma)\\theta_t`, and :func:`bidiagonal_instance`
    (:math:`B = \\tfrac\\varepsilon2 A` with :math:`A` lower bidiagonal, :math:`e = e_1`, dimension :math:`2T`), on
    which no ARM beats the rate :math:`\\varepsilon\\beta/(2\\gamma)`.
``TwoPointInstance``
    The prediction-space framework, in the book's own two-point formalisation: every inequality in
    the proof of the :math:`\\sqrt\\varepsilon M/\\gamma` rate holds with equality at the stable point, up to
    the radius of the parameter ball.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_array, check_positive_int, check_real
from .objectives import QuadraticObjective, solve_quadratic
from .protocol import ExactProblem
from .solvers import SolverResult


@dataclass(frozen=True)
class GaussianQuadraticInstance(ExactProblem):
    """:math:`\\mathcal D(\\theta) = \\mathcal N(B\\theta + e, \\sigma^2 I)`, :math:`\\ell(z;\\theta) = \\tfrac\\gamma2\\lVert\\theta - \\tfrac\\beta\\gamma z\\rVert^2`.

    The loss is :math:`\\gamma`-strongly convex and its gradient :math:`\\gamma\\theta - \\beta z` is
    :math:`\\beta`-Lipschitz in :math:`z`, the only part of joint smoothness the RRM analysis uses (full
    joint smoothness would also need :math:`\\gamma \\le \\beta`); the map is :math:`\\lVert B\\rVert_2`-sensitive
    in Wasserstein-1.

    Parameters
    ----------
    matrix : array_like, shape (d, d)
        :math:`B`, how the mean moves with the deployed model.
    offset : array_like, shape (d,)
        :math:`e`, the mean when the deployed model is 0.
    beta, gamma : float
        The loss constants (:math:`\\beta, \\gamma > 0`).
    sigma : float
        Noise level :math:`\\sigma \\ge 0`.
    """

    matrix: np.ndarray
    offset: np.ndarray
    beta: float
    gamma: float
    sigma: float = 1.0

    def __post_init__(self):
        matrix = check_array(self.matrix, "matrix", ndim=2)
        offset = check_array(self.offset, "offset", ndim=1)
        if matrix.shape != (offset.size, offset.size):
            raise ValueError(
                f"matrix must be square of size {offset.size} (the offset's length), got {matrix.shape}."
            )
        gamma = check_real(self.gamma, "gamma", low=0.0, low_open=True)
        beta = check_real(self.beta, "beta", low=0.0, low_open=True)
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "offset", offset)
        object.__setattr__(self, "beta", beta)
        object.__setattr__(self, "gamma", gamma)
        object.__setattr__(self, "sigma", check_real(self.sigma, "sigma", low=0.0))

    @property
    def dim(self) -> int:
        return self.offset.size

    @property
    def sensitivity(self) -> float:
        """:math:`\\varepsilon = \\lVert B\\rVert_2`: :math:`W_1(\\mathcal D(\\theta), \\mathcal D(\\theta')) = \\lVert B(\\theta-\\theta')\\rVert \\le \\lVert B\\rVert_2\\lVert\\theta-\\theta'\\rVert`."""
        return float(np.linalg.norm(self.matrix, 2))

    def mean(self, theta) -> np.ndarray:
        """Mean :math:`B\\theta + e` of :math:`\\mathcal D(\\theta)`."""
        return self.matrix @ self._theta(theta) + self.offset

    def induced_objective(self, deployed, rng=None) -> QuadraticObjective:
        """:math:`\\E_{\\mathcal D(\\phi)}\\ell(z;\\theta) = \\tfrac\\gamma2\\lVert\\theta\\rVert^2 - \\beta\\theta^\\top m + \\tfrac{\\beta^2}{2\\gamma}(\\lVert m\\rVert^2 + d\\sigma^2)`, :math:`m = B\\phi + e`."""
        mean = self.mean(deployed)
        constant = self.beta**2 / (2 * self.gamma) * (mean @ mean + self.dim * self.sigma**2)
        return QuadraticObjective(self.gamma * np.eye(self.dim), self.beta * mean, constant)

    def solve(self, objective, theta0) -> SolverResult:
        """The exact minimiser of a round's quadratic objective."""
        return solve_quadratic(objective, theta0)

    def rrm_map(self, theta) -> np.ndarray:
        """Exact RRM step :math:`G(\\theta) = \\tfrac\\beta\\gamma(B\\theta + e)`."""
        return self.beta / self.gamma * self.mean(theta)

    @property
    def stable_point(self) -> np.ndarray:
        """:math:`\\theta_{PS}`, the solution of :math:`(I - \\tfrac\\beta\\gamma B)\\theta = \\tfrac\\beta\\gamma e`."""
        ratio = self.beta / self.gamma
        return np.linalg.solve(np.eye(self.dim) - ratio * self.matrix, ratio * self.offset)

    def _theta(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.dim,):
            raise ValueError(f"theta must have shape ({self.dim},), got {theta.shape}.")
        return theta


def perdomo_tight_instance(
    epsilon: float, beta: float, gamma: float, dim: int = 1, sigma: float = 1.0
) -> GaussianQuadraticInstance:
    """:math:`z \\sim \\mathcal N(\\varepsilon\\theta, \\sigma^2 I)`: RRM is exactly :math:`\\theta_{t+1} = (\\varepsilon\\beta/\\gamma)\\theta_t` (Khorsandi et al., 2025)."""
    epsilon = check_real(epsilon, "epsilon", low=0.0)
    dim = check_positive_int(dim, "dim")
    return GaussianQuadraticInstance(epsilon * np.eye(dim), np.zeros(dim), beta, gamma, sigma)


def bidiagonal_matrix(dim: int) -> np.ndarray:
    """Lower bidiagonal :math:`A` with ones on the diagonal and the subdiagonal (:math:`\\lVert A\\rVert_2 \\le 2`)."""
    dim = check_positive_int(dim, "dim")
    return np.eye(dim) + np.eye(dim, k=-1)


def bidiagonal_instance(
    epsilon: float, beta: float, gamma: float, horizon: int, sigma: float = 1.0
) -> GaussianQuadraticInstance:
    """Nesterov-style instance :math:`z \\sim \\mathcal N(\\tfrac\\varepsilon2 A\\theta + e_1, \\sigma^2 I)` in dimension :math:`2T`.

    :math:`A` is lower bidiagonal, so :math:`\\theta \\mapsto A\\theta` moves the support of :math:`\\theta` by at
    most one coordinate: started at :math:`\\theta_0 = e_1`, any ARM iterate :math:`\\theta_t` vanishes
    beyond coordinate :math:`t+1`. The map is at most :math:`\\varepsilon`-sensitive since :math:`\\lVert A\\rVert_2 \\le 2`.
    """
    epsilon = check_real(epsilon, "epsilon", low=0.0)
    dim = 2 * check_positive_int(horizon, "horizon")
    offset = np.zeros(dim)
    offset[0] = 1.0
    return GaussianQuadraticInstance(
        epsilon / 2 * bidiagonal_matrix(dim), offset, beta, gamma, sigma
    )


@dataclass(frozen=True)
class TwoPointInstance(ExactProblem):
    """The book's prediction-space lower-bound instance.

    The model is a constant prediction :math:`f_\\theta(x) = \\theta` with :math:`\\theta` in the ball
    :math:`[-r, r]`. Deploying :math:`\\theta` induces labels :math:`y \\in \\{-1, +1\\}` with
    :math:`P(y = +1) = (1 + s\\theta)/2`, :math:`s = \\pm\\sqrt\\varepsilon` (``feedback`` is the sign). The loss is

    .. math:: \\ell(\\hat y, y) = \\tfrac\\gamma2 \\hat y^2 - (M - \\gamma r)\\, y\\, \\hat y,

    :math:`\\gamma`-strongly convex in :math:`\\hat y`, with :math:`|\\partial_{\\hat y}\\ell| \\le \\gamma r + (M-\\gamma r) = M`
    on the ball. RRM minimises :math:`\\tfrac\\gamma2\\theta^2 - (M-\\gamma r)\\,s\\theta_t\\,\\theta` over the ball, so
    :math:`\\theta_{t+1} = \\Pi_{[-r,r]}\\big(\\sqrt\\varepsilon\\,\\tfrac{M-\\gamma r}{\\gamma}\\,\\pm\\theta_t\\big)`. The stable point is
    :math:`0`, and :math:`\\chi^2(\\mathcal D(\\theta), \\mathcal D(0)) = \\varepsilon\\theta^2` *exactly*.
    """

    epsilon: float
    lipschitz: float
    gamma: float
    radius: float
    feedback: int = -1

    def __post_init__(self):
        epsilon = check_real(self.epsilon, "epsilon", low=0.0, low_open=True)
        lipschitz = check_real(self.lipschitz, "lipschitz", low=0.0, low_open=True)
        gamma = check_real(self.gamma, "gamma", low=0.0, low_open=True)
        radius = check_real(self.radius, "radius", low=0.0, low_open=True)
        if gamma * radius >= lipschitz:
            raise ValueError(
                f"radius must satisfy gamma * radius < lipschitz (= {lipschitz}), got {gamma * radius}."
            )
        if np.sqrt(epsilon) * radius >= 1.0:
            raise ValueError(
                f"sqrt(epsilon) * radius must be below 1 so that probabilities stay in (0, 1), got {np.sqrt(epsilon) * radius}."
            )
        if self.feedback not in (-1, 1):
            raise ValueError(
                f"feedback must be -1 (predictions push labels down) or +1, got {self.feedback!r}."
            )
        for name, value in (
            ("epsilon", epsilon),
            ("lipschitz", lipschitz),
            ("gamma", gamma),
            ("radius", radius),
        ):
            object.__setattr__(self, name, value)

    @property
    def slope(self) -> float:
        """:math:`s = \\pm\\sqrt\\varepsilon`, the change of :math:`\\E[y]` per unit of prediction."""
        return self.feedback * float(np.sqrt(self.epsilon))

    @property
    def label_weight(self) -> float:
        """:math:`M - \\gamma r`, the weight of the label term of the loss."""
        return self.lipschitz - self.gamma * self.radius

    @property
    def rrm_factor(self) -> float:
        """Exact slope of the (unclipped) RRM map, :math:`s(M-\\gamma r)/\\gamma`."""
        return self.slope * self.label_weight / self.gamma

    @property
    def stable_point(self) -> np.ndarray:
        """The stable point :math:`\\theta_{PS} = 0` (:math:`G(0) = 0`)."""
        return np.zeros(1)

    def probability_positive(self, theta) -> np.ndarray:
        """:math:`P(y = +1)` under :math:`\\mathcal D(\\theta)`."""
        return 0.5 * (1.0 + self.slope * np.asarray(theta, dtype=float))

    def chi_square(self, theta, base) -> np.ndarray:
        """:math:`\\chi^2(\\mathcal D(\\theta), \\mathcal D(\\theta')) = (p - p')^2 / (p'(1-p'))` for two label distributions."""
        p, q = self.probability_positive(theta), self.probability_positive(base)
        return (p - q) ** 2 / (q * (1.0 - q))

    @property
    def ball_sensitivity(self) -> float:
        """Largest :math:`\\chi^2(\\mathcal D(\\theta),\\mathcal D(\\theta'))/(\\theta-\\theta')^2` over the ball: :math:`\\varepsilon/(1-\\varepsilon r^2)`."""
        return self.epsilon / (1.0 - self.epsilon * self.radius**2)

    def gradient_bound(self) -> float:
        """:math:`\\max |\\partial_{\\hat y}\\ell|` over :math:`\\hat y \\in [-r, r]`, :math:`y = \\pm1`, computed on the corners."""
        corners = np.array(
            [[-self.radius, -1.0], [-self.radius, 1.0], [self.radius, -1.0], [self.radius, 1.0]]
        )
        return float(np.max(np.abs(self.gamma * corners[:, 0] - self.label_weight * corners[:, 1])))

    def induced_objective(self, deployed, rng=None) -> QuadraticObjective:
        """:math:`\\E_{y\\sim\\mathcal D(\\phi)}\\ell(\\theta, y) = \\tfrac\\gamma2\\theta^2 - (M-\\gamma r)\\E[y]\\theta`, with :math:`\\E[y] = s\\phi` (exact)."""
        mean_label = 2.0 * self.probability_positive(deployed) - 1.0
        return QuadraticObjective([[self.gamma]], self.label_weight * np.atleast_1d(mean_label))

    def solve(self, objective, theta0) -> SolverResult:
        """Exact minimiser over the ball of a scalar quadratic objective: :math:`\\Pi_{[-r,r]}(-R'(0)/R''(0))`."""
        zero = np.zeros(1)
        curvature = float(objective.hessian(zero)[0, 0])
        if curvature <= 0:
            raise ValueError(f"the objective must be strongly convex, got curvature {curvature}.")
        theta = np.clip(-objective.gradient(zero) / curvature, -self.radius, self.radius)
        return SolverResult(theta, objective.value(theta), 1, True)
