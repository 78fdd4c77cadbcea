"""Affine risk minimizers (ARM): retraining on an affine mixture of past induced distributions.

An ARM deploys :math:`\\theta_0, \\theta_1, \\dots` and, in round :math:`t`, minimises the risk on a mixture
of the distributions its past models induced (Khorsandi et al., 2025):

.. math::

    \\theta_{t+1} = \\arg\\min_\\theta \\sum_{j=0}^{k-1} \\alpha^{(t)}_j\\, \\E_{Z\\sim\\mathcal D(\\theta_{t-j})} \\ell(Z;\\theta),
    \\qquad \\sum_j \\alpha^{(t)}_j = 1,

with ``weights[0]`` on the newest snapshot. The weights are *affine*: they sum to one and may be
negative. Repeated risk minimization (RRM) is the special case :math:`k = 1`.

:func:`affine_risk_minimization` works with the problems of :mod:`inloop.performative.rrm`: a problem
offers ``risk(deployed)``, an objective with ``value``, ``gradient`` and ``hessian`` on the data that
``deployed`` induces. Past rounds are not re-sampled or copied: the driver keeps the objectives it
already built (each holding its own round's data) and combines them by weight, through
``problem.mix(objectives, weights)`` when the problem defines it and :class:`MixtureObjective`
otherwise. The minimiser is ``problem.solver`` when defined, else Newton's method.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from .._checks import check_positive_int, check_real
from .rrm import Trajectory
from .solvers import newton

NAMED_RULES = ("all", "half")


@dataclass(frozen=True)
class ARMTrajectory(Trajectory):
    """Iterates of an ARM, ``thetas`` of shape ``(rounds + 1, ...)``; norms are taken over the last axis.

    A problem that simulates many independent runs at once may use parameters of shape ``(runs, d)``;
    :attr:`step_lengths` and :meth:`distances_to` then have one column per run.
    """

    @property
    def step_lengths(self) -> np.ndarray:
        """Distances :math:`\\lVert\\theta_{t+1} - \\theta_t\\rVert` between consecutive iterates."""
        return np.linalg.norm(np.diff(self.thetas, axis=0), axis=-1)

    def distances_to(self, theta) -> np.ndarray:
        """Distances :math:`\\lVert\\theta_t - \\theta\\rVert` of every iterate to ``theta``."""
        return np.linalg.norm(self.thetas - np.asarray(theta, dtype=float), axis=-1)


class MixtureObjective:
    """The affine combination :math:`\\sum_j \\alpha_j R_j(\\theta)` of objectives with ``value``/``gradient``/``hessian``."""

    def __init__(self, objectives, weights):
        self.objectives = list(objectives)
        self.weights = check_affine_weights(weights)
        if len(self.objectives) != self.weights.size:
            raise ValueError(
                f"got {len(self.objectives)} objectives but {self.weights.size} weights."
            )

    def value(self, theta) -> float:
        return float(
            sum(w * objective.value(theta) for w, objective in zip(self.weights, self.objectives))
        )

    def gradient(self, theta) -> np.ndarray:
        return sum(
            w * objective.gradient(theta) for w, objective in zip(self.weights, self.objectives)
        )

    def hessian(self, theta) -> np.ndarray:
        return sum(
            w * objective.hessian(theta) for w, objective in zip(self.weights, self.objectives)
        )


class ProximalObjective:
    """The proximal objective :math:`R(\\theta) + \\tfrac{\\lambda}{2}\\lVert\\theta - \\theta_t\\rVert^2` of proximal RRM."""

    def __init__(self, objective, weight: float, center):
        self.objective = objective
        self.weight = check_real(weight, "proximal_weight", low=0.0)
        self.center = np.asarray(center, dtype=float)

    def value(self, theta) -> float:
        return float(
            self.objective.value(theta)
            + 0.5 * self.weight * np.sum((np.asarray(theta) - self.center) ** 2)
        )

    def gradient(self, theta) -> np.ndarray:
        return self.objective.gradient(theta) + self.weight * (np.asarray(theta) - self.center)

    def hessian(self, theta) -> np.ndarray:
        return self.objective.hessian(theta) + self.weight * np.eye(self.center.size)


def check_affine_weights(weights, name: str = "weights") -> np.ndarray:
    """Return ``weights`` as a float vector after checking that it is non-empty, finite and sums to one."""
    try:
        array = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of real numbers, got {weights!r}.") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d sequence, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (found NaN or infinity): {array.tolist()}.")
    if abs(array.sum() - 1.0) > 1e-9:
        raise ValueError(
            f"{name} must be affine, i.e. sum to one; got {array.tolist()} with sum {array.sum():.6g}."
        )
    return array


def check_rule(rule):
    """Check a mixture rule: an int ``tau >= 1``, ``"all"``, ``"half"``, a sequence of affine weights or a callable."""
    if callable(rule):
        return rule
    if isinstance(rule, (int, np.integer)) and not isinstance(rule, bool):
        return check_positive_int(int(rule), "tau")
    if isinstance(rule, str):
        if rule in NAMED_RULES:
            return rule
        raise ValueError(
            f"weights must be an int tau >= 1, 'all', 'half', affine weights or a callable; got {rule!r}."
        )
    return tuple(check_affine_weights(rule))


def mixture_weights(rule, n_snapshots: int) -> np.ndarray:
    """Weights (newest snapshot first) that ``rule`` puts on the newest snapshots when ``n_snapshots`` exist.

    ``rule`` is

    - an int :math:`\\tau`: uniform over the last :math:`\\min(\\tau, n)` snapshots (:math:`\\tau = 1` is RRM);
    - ``"all"``: uniform over all :math:`n` snapshots; ``"half"``: uniform over the last :math:`\\lceil n/2\\rceil`;
    - a sequence of affine weights :math:`(\\alpha_0, \\dots, \\alpha_{k-1})`, used once :math:`k` snapshots
      exist (before that, the newest snapshot alone, an RRM step);
    - a callable ``rule(n)`` returning affine weights of length at most ``n``.
    """
    n_snapshots = check_positive_int(n_snapshots, "n_snapshots")
    rule = check_rule(rule)
    if callable(rule):
        weights = check_affine_weights(rule(n_snapshots), "weights returned by the rule")
        if weights.size > n_snapshots:
            raise ValueError(
                f"the rule returned {weights.size} weights but only {n_snapshots} snapshots exist."
            )
        return weights
    if isinstance(rule, tuple):
        return np.array(rule) if len(rule) <= n_snapshots else np.ones(1)
    if rule == "all":
        size = n_snapshots
    elif rule == "half":
        size = math.ceil(n_snapshots / 2)
    else:
        size = min(rule, n_snapshots)
    return np.full(size, 1.0 / size)


def _history_length(rule) -> int | None:
    """How many snapshots the rule can ever use (``None``: unbounded)."""
    if isinstance(rule, tuple):
        return len(rule)
    if isinstance(rule, int):
        return rule
    return None


def mix_objectives(objectives, weights) -> MixtureObjective:
    """Default mixture of round objectives (newest first): :math:`\\sum_j \\alpha_j R_{t-j}`."""
    return MixtureObjective(objectives, weights)


def affine_risk_minimization(
    problem, theta0, rounds: int, weights=1, *, solver=None, evaluate: bool = True
) -> ARMTrajectory:
    """Run an affine risk minimizer for ``rounds`` rounds from ``theta0``.

    Each round builds one objective, ``problem.risk(theta_t)`` (data induced by the deployed model),
    and minimises the mixture that ``weights`` (see :func:`mixture_weights`) puts on the newest
    objectives. With ``weights=1`` this is RRM. ``evaluate`` computes the performative risk of every
    iterate when the problem offers ``performative_risk``.
    """
    rounds = check_positive_int(rounds, "rounds")
    rule = check_rule(weights)
    theta = np.array(theta0, dtype=float)
    if theta.size == 0 or not np.all(np.isfinite(theta)):
        raise ValueError("theta0 must be a non-empty array of finite numbers.")
    solve = solver or getattr(problem, "solver", newton)
    mix = getattr(problem, "mix", mix_objectives)
    snapshots = deque(maxlen=_history_length(rule))
    thetas = [theta]
    for _ in range(rounds):
        snapshots.append(problem.risk(theta))
        alpha = mixture_weights(rule, len(snapshots))
        newest_first = [snapshots[-1 - j] for j in range(alpha.size)]
        theta = np.asarray(solve(mix(newest_first, alpha), theta).theta, dtype=float)
        thetas.append(theta)
    return _trajectory(problem, thetas, evaluate)


def proximal_risk_minimization(
    problem, theta0, rounds: int, proximal_weight: float, *, solver=None
) -> ARMTrajectory:
    """Proximal RRM: :math:`\\theta_{t+1} = \\arg\\min_\\theta \\E_{\\mathcal D(\\theta_t)}\\ell(Z;\\theta) + \\tfrac{\\lambda}{2}\\lVert\\theta-\\theta_t\\rVert^2`."""
    rounds = check_positive_int(rounds, "rounds")
    proximal_weight = check_real(proximal_weight, "proximal_weight", low=0.0)
    theta = np.array(theta0, dtype=float)
    if theta.ndim != 1 or theta.size == 0 or not np.all(np.isfinite(theta)):
        raise ValueError("theta0 must be a non-empty 1-d array of finite numbers.")
    solve = solver or getattr(problem, "solver", newton)
    thetas = [theta]
    for _ in range(rounds):
        theta = np.asarray(
            solve(ProximalObjective(problem.risk(theta), proximal_weight, theta), theta).theta
        )
        thetas.append(theta)
    return _trajectory(problem, thetas, True)


def _trajectory(problem, thetas, evaluate) -> ARMTrajectory:
    thetas = np.array(thetas)
    if evaluate and hasattr(problem, "performative_risk"):
        risks = np.array([problem.performative_risk(theta) for theta in thetas])
    else:
        risks = np.full(len(thetas), np.nan)
    return ARMTrajectory(thetas, risks)


class ResampledNetworkProblem:
    """ARM on a sampled distribution map with a neural model: the RIR credit experiment (Chapter 2's pieces).

    ``shift`` is a :class:`~inloop.neural.rir.ResampleIfRejected` map on a base sample, ``network`` a
    :class:`~inloop.neural.network.ScaledSigmoidNetwork`; both come from the package ``inloop.neural``.
    Round :math:`t` draws one sample from :math:`\\mathcal D(f_{\\theta_t})` and keeps only its *donor
    indices* (which base row each induced row took its redrawn part from), so the history costs one
    integer per row and round. The mixture of the last :math:`k` rounds is the union of their rows with
    weights :math:`\\alpha_j/n`, minimised by :func:`~inloop.neural.training.fit_lbfgs` from the previous
    parameters. Mixture weights must be non-negative here (a weighted loss with negative weights is
    not bounded below for a network).
    """

    def __init__(self, shift, network, seed=0, tol: float = 1e-6, max_iter: int = 200):
        self.shift = shift
        self.network = network
        self.rng = np.random.default_rng(seed)
        self.tol = check_real(tol, "tol", low=0.0, low_open=True)
        self.max_iter = check_positive_int(max_iter, "max_iter")
        self.targets = (1.0 - shift.delta) * shift.labels
        self.history: list[np.ndarray] = []

    def predict(self, theta, features=None) -> np.ndarray:
        """Predictions of the network with parameters ``theta`` (on the base rows by default)."""
        self.network.set_flat(np.asarray(theta, dtype=float))
        return self.network.predict(self.shift.features if features is None else features)

    def risk(self, deployed) -> np.ndarray:
        """Deploy ``deployed``, draw the induced sample and return (and record) its donor indices."""
        donors = self.shift.sample(self.predict(deployed), self.rng).donors
        self.history.append(donors)
        return donors

    def rows(self, donors) -> tuple[np.ndarray, np.ndarray]:
        """Features and targets of the induced sample with the given donor indices, rebuilt from the base sample."""
        base = self.shift.features
        if self.shift.strategic is None:
            return base[donors], self.targets[donors]
        features = base.copy()
        features[:, self.shift.strategic] = base[donors][:, self.shift.strategic]
        return features, self.targets

    def mix(self, snapshots, weights):
        weights = check_affine_weights(weights)
        if np.any(weights < 0):
            raise ValueError(
                f"mixture weights must be non-negative for a network, got {weights.tolist()}."
            )
        return list(snapshots), weights

    def solver(self, mixture, theta0):
        """Fit the network on the weighted union of the mixed rounds, warm-started at ``theta0``."""
        from ..neural.training import fit_lbfgs

        snapshots, weights = mixture
        parts = [self.rows(donors) for donors in snapshots]
        features = np.concatenate([part[0] for part in parts])
        targets = np.concatenate([part[1] for part in parts])
        row_weights = np.repeat(weights / self.shift.n_samples, self.shift.n_samples)
        self.network.set_flat(np.asarray(theta0, dtype=float))
        return fit_lbfgs(
            self.network, features, targets, row_weights, tol=self.tol, max_iter=self.max_iter
        )

    def loss(self, theta, donors) -> float:
        """Equation (4) of Chapter 2, :math:`\\tfrac1n\\sum_i \\tfrac12(f_\\theta(x_i) - t_i)^2`, on one recorded sample."""
        features, targets = self.rows(donors)
        return float(np.mean(0.5 * (self.predict(theta, features) - targets) ** 2))

    def loss_shifts(self, thetas) -> np.ndarray:
        """:math:`\\Delta R_t = |L(\\theta_t; S_t) - L(\\theta_t; S_{t-1})|` for :math:`t = 1, \\dots`, where :math:`S_t` is
        the recorded sample induced by :math:`\\theta_t`: the change of the deployed model's loss between the
        data before and after its own deployment. Needs the history of one run (``len(history) == len(thetas) - 1``
        after :func:`affine_risk_minimization`, plus the sample of the last model, drawn here)."""
        thetas = np.asarray(thetas, dtype=float)
        if len(self.history) != len(thetas) - 1:
            raise ValueError(
                f"expected {len(thetas) - 1} recorded samples for {len(thetas)} iterates, "
                f"found {len(self.history)}; use a fresh problem per run."
            )
        samples = self.history + [self.risk(thetas[-1])]
        return np.array(
            [
                abs(self.loss(thetas[t], samples[t]) - self.loss(thetas[t], samples[t - 1]))
                for t in range(1, len(thetas))
            ]
        )
