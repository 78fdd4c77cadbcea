"""Greedy and lazy deployment with the step-size schedules of Mendler-Dünner et al. (2020).

On Gaussian mean estimation, :math:`\\mathcal D(\\theta) = \\mathcal N(\\mu + \\varepsilon\\theta, \\sigma^2)`
with the squared loss (:math:`\\gamma = \\beta = L = 1`), the learner takes one stochastic gradient
step :math:`\\theta \\leftarrow \\theta + \\eta(z - \\theta)` per sample :math:`z` drawn from the
distribution of the *deployed* model, and deploys its current iterate on a schedule:

greedy deploy
    deploy after every sample, with the step
    :math:`\\eta_t = \\dfrac{1}{(\\gamma - \\varepsilon\\beta)\\,\\big(8L^2/(\\gamma - \\varepsilon\\beta)^2 + t\\big)}`
    (``t`` counts all samples);
lazy deploy
    deploy after :math:`n(k)` samples in deployment ``k`` (:math:`n(k) = k`, :math:`\\lceil\\sqrt k\\rceil`
    or :math:`k^2`), with the step :math:`\\eta_j = 1/\\big(\\gamma(8L^2/\\gamma^2 + j)\\big)` where ``j``
    restarts at 1 after every deployment.

These are the schedules of the authors' public simulation; the first deployed model is
:math:`\\theta_0` and the error recorded after sample ``t`` is that of the model deployed then.
All runs are simulated at once, one entry per run.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_choice, check_positive_int, check_real
from .._random import SeedLike, as_generator
from .stochastic import DeploymentRun

__all__ = ["LAZY_SCHEDULES", "deployment_sizes", "sgd_deploy"]

LAZY_SCHEDULES = ("k", "sqrt", "square")
"""Lazy schedules :math:`n(k) = k`, :math:`\\lceil\\sqrt k\\rceil`, :math:`k^2`."""


def deployment_sizes(schedule: str, n_samples: int) -> np.ndarray:
    """Samples collected per deployment, :math:`n(1), n(2), \\dots`, until ``n_samples`` are used.

    ``schedule`` is ``"greedy"`` (:math:`n(k) = 1`) or one of :data:`LAZY_SCHEDULES`; the last
    deployment is cut short so the sizes sum to ``n_samples``.
    """
    check_choice(schedule, "schedule", ("greedy",) + LAZY_SCHEDULES)
    n_samples = check_positive_int(n_samples, "n_samples")
    rule = {
        "greedy": lambda k: 1,
        "k": lambda k: k,
        "sqrt": lambda k: int(np.ceil(np.sqrt(k))),
        "square": lambda k: k * k,
    }[schedule]
    sizes, used, k = [], 0, 1
    while used < n_samples:
        size = min(rule(k), n_samples - used)
        sizes.append(size)
        used += size
        k += 1
    return np.array(sizes)


def sgd_deploy(
    mu: float,
    sigma: float,
    epsilon: float,
    theta0: float,
    n_samples: int,
    runs: int,
    schedule: str = "greedy",
    *,
    seed: SeedLike = None,
) -> DeploymentRun:
    """Stochastic gradient descent on mean estimation with greedy or lazy deployment.

    Parameters
    ----------
    mu, sigma : float
        Base distribution :math:`\\mathcal N(\\mu, \\sigma^2)`.
    epsilon : float
        Sensitivity, in :math:`[0, 1)`; the stable point is :math:`\\mu/(1-\\varepsilon)`.
    theta0 : float
        First deployed model (the authors start at :math:`\\mu`).
    n_samples : int
        Samples drawn in all.
    runs : int
        Independent runs simulated side by side.
    schedule : str
        ``"greedy"`` or a lazy schedule in :data:`LAZY_SCHEDULES`.
    seed : int, None or numpy.random.Generator
        Randomness; equal seeds give equal draws, so schedules can be compared on common noise.

    Returns
    -------
    DeploymentRun
        ``thetas`` of shape (runs, n_samples): the model deployed after each sample (``errors``:
        its distance to :math:`\\theta_{PS}`); ``deployments[t]`` counts deployments made by then.
    """
    mu = check_real(mu, "mu")
    sigma = check_real(sigma, "sigma", low=0.0)
    epsilon = check_real(epsilon, "epsilon", low=0.0, high=1.0, high_open=True)
    theta0 = check_real(theta0, "theta0")
    runs = check_positive_int(runs, "runs")
    sizes = deployment_sizes(schedule, n_samples)
    rng = as_generator(seed)
    stable = mu / (1.0 - epsilon)
    curvature = 1.0 - epsilon
    theta = np.full(runs, theta0)
    deployed = theta.copy()
    thetas = np.empty((runs, int(sizes.sum())))
    deployments = np.empty(int(sizes.sum()), dtype=int)
    t = 0
    for k, size in enumerate(sizes, start=1):
        for j in range(1, size + 1):
            t += 1
            sample = mu + epsilon * deployed + sigma * rng.standard_normal(runs)
            if schedule == "greedy":
                step = 1.0 / (curvature * (8.0 / curvature**2 + t))
            else:
                step = 1.0 / (8.0 + j)
            theta = theta + step * (sample - theta)
            thetas[:, t - 1] = deployed
            deployments[t - 1] = k
        deployed = theta.copy()
        thetas[:, t - 1] = deployed
    return DeploymentRun(
        samples=np.arange(1, t + 1), deployments=deployments, thetas=thetas, stable_point=stable
    )
