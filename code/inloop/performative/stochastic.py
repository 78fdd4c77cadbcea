"""Stochastic deployment schedules for Gaussian mean estimation (Mendler-Dünner et al., 2020).

The learner sees one sample at a time from the distribution induced by the *currently deployed*
model, :math:`z \\sim \\mathcal N(\\mu + \\varepsilon\\theta_{\\text{deployed}}, \\sigma^2)`, and decides how often
to deploy:

greedy deploy
    deploy after every stochastic gradient step:
    :math:`\\theta_{k+1} = \\theta_k - \\eta_k(\\theta_k - z_k)`, :math:`z_k \\sim \\mathcal D(\\theta_k)`.
lazy deploy
    keep :math:`\\theta_k` deployed while collecting :math:`n_k` samples, run SGD with steps
    :math:`1/(j+1)` on them (which, for the squared loss, lands exactly on their mean), then deploy.

All runs are simulated at once: arrays carry one entry per independent run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_positive_int, check_real
from .._random import SeedLike, as_generator
from .location import GaussianLocationProblem


@dataclass(frozen=True)
class DeploymentRun:
    """Iterates :math:`\\theta` (runs, checkpoints) after ``samples[j]`` samples and ``deployments[j]`` deployments.

    ``errors`` are :math:`|\\theta - \\theta_{PS}|`; ``thetas`` keep the sign, so that unbiasedness can be
    tested, not only the size of the error.
    """

    samples: np.ndarray
    deployments: np.ndarray
    thetas: np.ndarray
    stable_point: float

    @property
    def errors(self) -> np.ndarray:
        """:math:`|\\theta - \\theta_{PS}|`, shape (runs, checkpoints)."""
        return np.abs(self.thetas - self.stable_point)


def greedy_deploy(
    problem: GaussianLocationProblem,
    theta0: float,
    n_samples: int,
    runs: int,
    seed: SeedLike = 0,
    step_scale: float = 1.0,
) -> DeploymentRun:
    """Greedy deploy with step sizes :math:`\\eta_k = \\min\\{1, c/((1-\\varepsilon)(k+1))\\}`, ``c = step_scale``.

    :math:`1-\\varepsilon` is the strong convexity of the decoupled risk around the stable point, which
    sets the :math:`1/k` step size of stochastic gradient descent.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    runs = check_positive_int(runs, "runs")
    check_real(step_scale, "step_scale", low=0.0, low_open=True)
    _require_mean_estimation(problem)
    rng = as_generator(seed)
    theta = np.full(runs, check_real(theta0, "theta0"))
    thetas = np.empty((runs, n_samples))
    for k in range(n_samples):
        step = min(1.0, step_scale / ((1.0 - problem.epsilon) * (k + 1)))
        sample = problem.mean(theta) + problem.sigma * rng.standard_normal(runs)
        theta = theta - step * (theta - sample)
        thetas[:, k] = theta
    counts = np.arange(1, n_samples + 1)
    return DeploymentRun(counts, counts, thetas, problem.stable_point)


def lazy_deploy(
    problem: GaussianLocationProblem, theta0: float, batch_sizes, runs: int, seed: SeedLike = 0
) -> DeploymentRun:
    """Lazy deploy: deployment ``k`` collects ``batch_sizes[k]`` samples and moves to their mean."""
    runs = check_positive_int(runs, "runs")
    batch_sizes = [check_positive_int(int(size), "batch size") for size in batch_sizes]
    _require_mean_estimation(problem)
    rng = as_generator(seed)
    theta = np.full(runs, check_real(theta0, "theta0"))
    thetas = np.empty((runs, len(batch_sizes)))
    for k, size in enumerate(batch_sizes):
        # The mean of `size` draws from N(m, sigma^2) is distributed as N(m, sigma^2 / size).
        theta = problem.mean(theta) + problem.sigma / np.sqrt(size) * rng.standard_normal(runs)
        thetas[:, k] = theta
    deployments = np.arange(1, len(batch_sizes) + 1)
    return DeploymentRun(np.cumsum(batch_sizes), deployments, thetas, problem.stable_point)


def geometric_batches(first: int, growth: float, total_samples: int) -> np.ndarray:
    """Batch sizes :math:`\\lceil n_0 r^k \\rceil` until their sum reaches ``total_samples``."""
    first = check_positive_int(first, "first")
    growth = check_real(growth, "growth", low=1.0)
    total_samples = check_positive_int(total_samples, "total_samples")
    sizes, used, k = [], 0, 0
    while used < total_samples:
        size = min(int(np.ceil(first * growth**k)), total_samples - used)
        sizes.append(size)
        used += size
        k += 1
    return np.array(sizes)


def _require_mean_estimation(problem):
    if not (problem.gamma == problem.beta == problem.kappa == 1.0):
        raise ValueError(
            "Deployment schedules are implemented for Gaussian mean estimation (squared loss); "
            "build the problem with GaussianLocationProblem.mean_estimation(mu, sigma, epsilon)."
        )
    if problem.epsilon >= 1.0:
        raise ValueError(
            f"epsilon must be below 1 for a stable point to exist, got {problem.epsilon}."
        )
