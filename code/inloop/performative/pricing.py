"""A two-firm ride-share pricing game, in the structure of Khorsandi et al. (2025), on synthetic data.

Two firms set price adjustments :math:`x_1, x_2 \\in [-b, b]^L` at :math:`L` locations. Firm :math:`i` observes
noisy demand samples

.. math:: z_i = z_i^{\\text{base}} + A_i x_i + A_{-i} x_{-i} + \\xi, \\qquad \\xi \\sim \\mathcal N(0, \\sigma^2 I),

where the own-price matrix :math:`A_i` has a negative diagonal (a firm that raises its prices loses
riders) and the competitor matrix :math:`A_{-i}` is non-negative (riders move to the firm that is
cheaper). Treating the demand as data, firm :math:`i` minimises the regularised negative revenue

.. math:: \\ell(z_i; x_i) = -z_i^\\top x_i + \\tfrac\\lambda2\\lVert x_i\\rVert^2,
          \\qquad \\arg\\min_{x_i} \\E\\,\\ell = \\E[z_i]/\\lambda,

so one round of RRM sets :math:`x_i = \\Pi_{[-b,b]}(\\bar z_i/\\lambda)` from the mean of the demand samples
of the last deployment, and an ARM uses an affine mixture of the sample means of past deployments.
Prices react to demand through :math:`K = \\begin{pmatrix} A_1 & A_{-1}\\\\ A_{-2} & A_2\\end{pmatrix}`: the
exact (noise-free, unclipped) RRM map is :math:`x \\mapsto (z^{\\text{base}} + Kx)/\\lambda`, which oscillates
when :math:`K/\\lambda` has an eigenvalue below :math:`-1`.

The published experiment fitted :math:`z^{\\text{base}}, A_i, A_{-i}` on Boston ride-share data, which is not
available offline; :func:`synthetic_pricing_game` draws a documented instance with the same structure.
All runs are simulated at once: a parameter has shape ``(runs, 2L)``, firm 1's prices first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_array, check_positive_int, check_real
from .._random import SeedLike, as_generator
from .objectives import check_affine_weights
from .solvers import SolverResult


@dataclass(frozen=True)
class DemandObjective:
    """One round's objective: the regularised negative revenue at the observed mean demand.

    :math:`R(x) = \\sum_{\\text{runs}} \\big(-\\bar z^\\top x + \\tfrac\\lambda2\\lVert x\\rVert^2\\big)`, with ``mean_demand``
    :math:`\\bar z` of shape ``(runs, 2L)`` (the mean of the round's demand samples, firm 1 first).
    """

    mean_demand: np.ndarray
    regularization: float

    def value(self, prices) -> float:
        prices = np.asarray(prices, dtype=float)
        revenue = np.sum(self.mean_demand * prices, axis=-1)
        return float(np.sum(-revenue + 0.5 * self.regularization * np.sum(prices**2, axis=-1)))

    def gradient(self, prices) -> np.ndarray:
        return -self.mean_demand + self.regularization * np.asarray(prices, dtype=float)

    def hessian(self, prices) -> np.ndarray:
        return self.regularization * np.eye(self.mean_demand.shape[-1])


@dataclass
class PricingGame:
    """The game with base demand ``base`` (2, L), ``own`` (2, L, L) = :math:`A_i`, ``cross`` (2, L, L) = :math:`A_{-i}`."""

    base: np.ndarray
    own: np.ndarray
    cross: np.ndarray
    regularization: float = 70.0
    noise: float = 40.0
    samples: int = 25
    price_bound: float = 30.0

    def __post_init__(self):
        self.base = check_array(self.base, "base", ndim=2)
        if self.base.shape[0] != 2:
            raise ValueError(
                f"base must have shape (2, n_locations), one row per firm; got {self.base.shape}."
            )
        n = self.base.shape[1]
        self.own = check_array(self.own, "own", ndim=3)
        self.cross = check_array(self.cross, "cross", ndim=3)
        for name, matrix in (("own", self.own), ("cross", self.cross)):
            if matrix.shape != (2, n, n):
                raise ValueError(f"{name} must have shape (2, {n}, {n}), got {matrix.shape}.")
        if np.any(np.diagonal(self.own, axis1=1, axis2=2) >= 0):
            raise ValueError("own-price effects (the diagonal of own) must be negative.")
        if np.any(self.cross < 0):
            raise ValueError("competitor effects (cross) must be non-negative.")
        self.regularization = check_real(
            self.regularization, "regularization", low=0.0, low_open=True
        )
        self.noise = check_real(self.noise, "noise", low=0.0)
        self.samples = check_positive_int(self.samples, "samples")
        self.price_bound = check_real(self.price_bound, "price_bound", low=0.0, low_open=True)

    @property
    def n_locations(self) -> int:
        return self.base.shape[1]

    @property
    def response(self) -> np.ndarray:
        """The matrix :math:`K` (2L, 2L): demand of both firms as a linear function of both price vectors."""
        return np.block([[self.own[0], self.cross[0]], [self.cross[1], self.own[1]]])

    def expected_demand(self, prices) -> np.ndarray:
        """:math:`\\E[z] = z^{\\text{base}} + Kx` for prices of shape (runs, 2L) or (2L,)."""
        return self.base.ravel() + self._prices(prices) @ self.response.T

    def induced_objective(
        self, deployed, rng: np.random.Generator | None = None
    ) -> DemandObjective:
        """Deploy prices (runs, 2L), observe ``samples`` noisy demand vectors per run drawn with ``rng``, keep their mean."""
        if rng is None:
            raise ValueError(
                "PricingGame observes noisy demand: pass a numpy Generator as rng (the drivers pass "
                "one made from their seed, so rules run with the same seed see the same noise)."
            )
        mean = self.expected_demand(deployed)
        noise = rng.standard_normal((self.samples, *mean.shape)).mean(axis=0)
        return DemandObjective(mean + self.noise * noise, self.regularization)

    def mix(self, objectives, weights) -> DemandObjective:
        """The loss is linear in :math:`z`, so an affine mixture of rounds is the affine mixture of their sample means."""
        weights = check_affine_weights(weights)
        means = np.stack([objective.mean_demand for objective in objectives])
        return DemandObjective(np.tensordot(weights, means, axes=1), self.regularization)

    def solve(self, objective: DemandObjective, theta0=None) -> SolverResult:
        """Each firm's exact minimiser over the box: :math:`x_i = \\Pi_{[-b,b]}(\\bar z_i/\\lambda)`."""
        prices = np.clip(
            objective.mean_demand / self.regularization, -self.price_bound, self.price_bound
        )
        return SolverResult(prices, objective.value(prices), 1, True)

    def revenue(self, prices) -> np.ndarray:
        """Expected revenue :math:`\\E[z_i]^\\top x_i` of each firm, shape (..., 2)."""
        prices = self._prices(prices)
        per_location = self.expected_demand(prices) * prices
        return per_location.reshape(*prices.shape[:-1], 2, self.n_locations).sum(axis=-1)

    def performative_risk(self, prices, objective=None) -> np.ndarray:
        """Sum over firms of the expected regularised negative revenue at the demand the prices induce.

        Exact (an expectation over the demand noise); a round's ``objective`` (one noisy draw) is
        not used."""
        prices = self._prices(prices)
        return -self.revenue(prices).sum(axis=-1) + 0.5 * self.regularization * np.sum(
            prices**2, axis=-1
        )

    @property
    def stable_point(self) -> np.ndarray:
        """Prices with :math:`\\lambda x = z^{\\text{base}} + Kx`, i.e. :math:`x_{PS} = (\\lambda I - K)^{-1}z^{\\text{base}}` (unclipped)."""
        size = 2 * self.n_locations
        return np.linalg.solve(
            self.regularization * np.eye(size) - self.response, self.base.ravel()
        )

    def linearised_rate(self, weights) -> float:
        """Spectral radius of the noise-free ARM recursion :math:`x_{t+1} = \\tfrac1\\lambda K\\sum_j\\alpha_j x_{t-j}` around :math:`x_{PS}`.

        Below 1, the ARM with these fixed weights converges to the stable prices (clipping inactive).
        """
        weights = check_affine_weights(weights)
        size, k = 2 * self.n_locations, weights.size
        companion = np.zeros((size * k, size * k))
        feedback = self.response / self.regularization
        for j, weight in enumerate(weights):
            companion[:size, j * size : (j + 1) * size] = weight * feedback
        companion[size:, :-size] = np.eye(size * (k - 1))
        return float(np.max(np.abs(np.linalg.eigvals(companion))))

    def initial_prices(self, runs: int, seed: SeedLike = 0) -> np.ndarray:
        """Initial prices drawn uniformly in :math:`[0, 1]`, shape (runs, 2L)."""
        runs = check_positive_int(runs, "runs")
        return as_generator(seed).uniform(0.0, 1.0, size=(runs, 2 * self.n_locations))

    def _prices(self, prices) -> np.ndarray:
        prices = np.asarray(prices, dtype=float)
        if prices.shape[-1] != 2 * self.n_locations:
            raise ValueError(
                f"prices must have {2 * self.n_locations} entries in the last axis (2 firms x "
                f"{self.n_locations} locations), got shape {prices.shape}."
            )
        return prices


def synthetic_pricing_game(
    n_locations: int = 11,
    seed: int = 0,
    *,
    regularization: float = 70.0,
    noise: float = 40.0,
    samples: int = 25,
    price_bound: float = 30.0,
) -> PricingGame:
    """The book's synthetic instance (documented in full, since the published one needs private data).

    For every firm and location, independently (NumPy ``default_rng(seed)``):

    - base demand :math:`z^{\\text{base}}_{i\\ell} \\sim U[400, 1200]` rides;
    - own-price effect :math:`(A_i)_{\\ell\\ell} = -a_{i\\ell}`, :math:`a_{i\\ell} \\sim U[40, 80]`, plus a small
      spill-over :math:`(A_i)_{\\ell m} = 2` between a firm's neighbouring locations (:math:`|\\ell - m| = 1`):
      riders priced out of one zone partly book in the next;
    - competitor effect :math:`(A_{-i})_{\\ell\\ell} = c_{i\\ell} \\sim U[10, 25]` (riders switch firm at the
      same location), zero elsewhere.

    With :math:`\\lambda = 70`, the own-price effects exceed :math:`\\lambda` at most locations, so the
    RRM map overshoots: :math:`K/\\lambda` has eigenvalues below :math:`-1`.
    """
    n_locations = check_positive_int(n_locations, "n_locations", minimum=2)
    rng = np.random.default_rng(seed)
    base = rng.uniform(400.0, 1200.0, size=(2, n_locations))
    spill = 2.0 * (np.eye(n_locations, k=1) + np.eye(n_locations, k=-1))
    own = np.stack([spill - np.diag(rng.uniform(40.0, 80.0, n_locations)) for _ in range(2)])
    cross = np.stack([np.diag(rng.uniform(10.0, 25.0, n_locations)) for _ in range(2)])
    return PricingGame(
        base,
        own,
        cross,
        regularization,
        noise,
        samples,
        price_bound,
    )
