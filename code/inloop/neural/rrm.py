"""Repeated risk minimisation (RRM) with a neural network under the resample-if-rejected shift.

Round :math:`t` deploys :math:`f_t`, draws a sample :math:`S_t \\sim \\mathcal D(f_t)` with
:class:`~inloop.neural.rir.ResampleIfRejected`, and trains the next model on it,

.. math:: f_{t+1} \\in \\arg\\min_{f \\in \\mathcal F} \\E_{(x, y) \\sim S_t}\\, \\tfrac12\\big(f(x) - (1-\\delta)y\\big)^2, \\qquad (5)

warm-started at :math:`f_t` and solved with :func:`~inloop.neural.training.fit_lbfgs`. The rounds
are run by Chapter 1's driver :func:`inloop.performative.rrm.repeated_risk_minimization`, to which
:class:`NeuralRIRProblem` supplies ``fit`` and ``performative_risk``.

Risks are reported as expectations over the induced distribution
(:meth:`~inloop.neural.rir.ResampleIfRejected.expected_loss`: exact over the rejection coins, with
fixed donor draws), so the difference between two reported risks reflects the models and the shift,
not the luck of one sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._checks import check_positive_int
from ..performative.rrm import repeated_risk_minimization
from .network import ScaledSigmoidNetwork
from .rir import ResampleIfRejected, as_generator
from .training import FitResult, fit_lbfgs, recode_labels


@dataclass
class NeuralRIRProblem:
    """RIR with a :class:`~inloop.neural.network.ScaledSigmoidNetwork`, as a problem for the RRM driver.

    Every call to :meth:`fit` appends the solver report to the list ``log``.

    Parameters
    ----------
    shift:
        The RIR distribution map (its ``delta`` is also the network's).
    width:
        Hidden width :math:`h` of the network.
    seed:
        Seed of the RIR draws the rounds train on.
    solver_options:
        Keyword arguments of :func:`~inloop.neural.training.fit_lbfgs` (``tol``, ``rtol``, ``window``,
        ``max_iter``): the stopping rule of every round.
    donor_sets, eval_seed:
        Donor draws used to evaluate expected risks (see :meth:`risk`).
    """

    shift: ResampleIfRejected
    width: int = 8
    seed: object = 0
    solver_options: dict = field(default_factory=dict)
    donor_sets: int = 8
    eval_seed: int = 12345
    log: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        self.width = check_positive_int(self.width, "width")
        self.rng = as_generator(self.seed)
        self.network = ScaledSigmoidNetwork(self.shift.n_features, self.width, self.shift.delta)
        self._cache = {}

    def predictor(self, theta):
        """The prediction function :math:`x \\mapsto f_\\theta(x)` (a NumPy callable)."""
        return (
            ScaledSigmoidNetwork(self.shift.n_features, self.width, self.shift.delta)
            .set_flat(theta)
            .predict
        )

    def _squared(self, predictions, labels):
        return 0.5 * (predictions - recode_labels(labels, self.shift.delta)) ** 2

    def _errors(self, predictions, labels):
        return ((predictions > (1.0 - self.shift.delta) / 2.0) != (labels == 1.0)).astype(float)

    def risk_and_accuracy(self, deployed, theta) -> tuple[float, float]:
        """Expected squared loss (4) and accuracy (threshold :math:`(1-\\delta)/2`) of :math:`f_\\theta` on :math:`\\mathcal D(f_{\\text{deployed}})`."""
        risk, errors = self.shift.expected_loss(
            self.predictor(deployed),
            self.predictor(theta),
            (self._squared, self._errors),
            self.donor_sets,
            self.eval_seed,
        )
        return risk, 1.0 - errors

    def risk(self, deployed, theta) -> float:
        """:math:`\\E_{\\mathcal D(f_{\\text{deployed}})} \\tfrac12 (f_\\theta(x) - (1-\\delta)y)^2`, the decoupled risk."""
        return self.shift.expected_loss(
            self.predictor(deployed),
            self.predictor(theta),
            self._squared,
            self.donor_sets,
            self.eval_seed,
        )

    def accuracy(self, deployed, theta) -> float:
        """Expected accuracy of :math:`f_\\theta` on :math:`\\mathcal D(f_{\\text{deployed}})`."""
        return self.risk_and_accuracy(deployed, theta)[1]

    def performative_risk(self, theta) -> float:
        """:math:`\\mathrm{PR}(f_\\theta)`: the risk of :math:`f_\\theta` on the distribution it induces.

        The value is cached with the accuracy, so that the history does not evaluate a model twice.
        """
        return self.performative_risk_and_accuracy(theta)[0]

    def performative_risk_and_accuracy(self, theta) -> tuple[float, float]:
        """Risk and accuracy of :math:`f_\\theta` on :math:`\\mathcal D(f_\\theta)` (cached per parameter vector)."""
        key = np.asarray(theta).tobytes()
        if key not in self._cache:
            self._cache[key] = self.risk_and_accuracy(theta, theta)
        return self._cache[key]

    def fit(self, deployed, warm_start=None) -> FitResult:
        """One RRM round, equation (5): draw :math:`S \\sim \\mathcal D(f_{\\text{deployed}})` and minimise the risk on it."""
        sample = self.shift.sample(self.predictor(deployed), self.rng)
        self.network.set_flat(deployed if warm_start is None else warm_start)
        result = fit_lbfgs(
            self.network,
            sample.features,
            recode_labels(sample.labels, self.shift.delta),
            **self.solver_options,
        )
        self.log.append(result)
        return result


@dataclass(frozen=True)
class NeuralRRMHistory:
    """Everything a neural RRM run produced, round by round.

    ``thetas[t]`` are the parameters of :math:`f_t` (``t = 0`` is the starting model),
    ``performative_risks[t]`` and ``accuracies[t]`` its expected risk and accuracy on
    :math:`\\mathcal D(f_t)`, ``decoupled_risks[t]`` the expected risk of :math:`f_{t+1}` on
    :math:`\\mathcal D(f_t)` (the distribution it was trained for), ``prediction_gaps[t]`` the distance
    :math:`\\lVert f_{t+1} - f_t\\rVert` in :math:`L^2` of the base sample, and ``fits[t]`` the solver
    report of round ``t + 1``.
    """

    delta: float
    width: int
    thetas: np.ndarray
    performative_risks: np.ndarray
    accuracies: np.ndarray
    decoupled_risks: np.ndarray
    prediction_gaps: np.ndarray
    fits: tuple

    @property
    def rounds(self) -> int:
        return len(self.decoupled_risks)

    def sawtooth(self) -> tuple[np.ndarray, np.ndarray]:
        """Half-round positions and risks alternating *after training* and *after deployment*.

        The sequence is :math:`\\mathrm{PR}(f_0)`, then for each round the risk of :math:`f_{t+1}` on
        :math:`\\mathcal D(f_t)` (position ``t + 0.5``) and on :math:`\\mathcal D(f_{t+1})` (position ``t + 1``).
        """
        positions = np.arange(2 * self.rounds + 1) / 2.0
        values = np.empty(2 * self.rounds + 1)
        values[0::2] = self.performative_risks
        values[1::2] = self.decoupled_risks
        return positions, values

    @property
    def deployment_jumps(self) -> np.ndarray:
        """The change of the risk when each new model is deployed, :math:`\\mathrm{PR}(f_{t+1}) - R(f_{t+1}; \\mathcal D(f_t))`."""
        return self.performative_risks[1:] - self.decoupled_risks


def fit_base(shift: ResampleIfRejected, width: int = 8, init_seed=0, **solver_options) -> FitResult:
    """Fit the initial model :math:`f_0` to the base sample (no shift yet), from a seeded initialisation.

    The normalised risk :math:`L/(1-\\delta)^2` does not depend on :math:`\\delta`, so the parameters found
    here serve every :math:`\\delta` with the same width (pass them as ``theta0`` to :func:`neural_rrm`).
    """
    network = ScaledSigmoidNetwork(shift.n_features, width, shift.delta, seed=init_seed)
    return fit_lbfgs(
        network, shift.features, recode_labels(shift.labels, shift.delta), **solver_options
    )


def neural_rrm(
    shift: ResampleIfRejected,
    rounds: int,
    width: int = 8,
    seed=0,
    theta0=None,
    init_seed=0,
    donor_sets: int = 8,
    **solver_options,
) -> NeuralRRMHistory:
    """Run neural RRM for ``rounds`` rounds under ``shift`` and return the full history.

    The starting model :math:`f_0` has parameters ``theta0`` or, if ``None``, is fitted to the base
    sample by :func:`fit_base` from an initialisation seeded by ``init_seed``. RIR draws use
    ``seed``. Rounds follow equation (5) through Chapter 1's
    :func:`~inloop.performative.rrm.repeated_risk_minimization`; ``solver_options`` go to
    :func:`~inloop.neural.training.fit_lbfgs`; ``donor_sets`` sets the evaluation of expected risks.
    """
    rounds = check_positive_int(rounds, "rounds")
    problem = NeuralRIRProblem(
        shift, width=width, seed=seed, solver_options=solver_options, donor_sets=donor_sets
    )
    if theta0 is None:
        theta0 = fit_base(shift, problem.width, init_seed, **solver_options).theta
    theta0 = problem.network.set_flat(theta0).flat()
    trajectory = repeated_risk_minimization(problem, theta0, rounds)
    thetas = trajectory.thetas
    accuracies = np.array([problem.performative_risk_and_accuracy(theta)[1] for theta in thetas])
    decoupled = np.array([problem.risk(thetas[t], thetas[t + 1]) for t in range(rounds)])
    predictions = np.array([problem.predictor(theta)(shift.features) for theta in thetas])
    gaps = np.sqrt(np.mean(np.diff(predictions, axis=0) ** 2, axis=1))
    return NeuralRRMHistory(
        shift.delta,
        problem.width,
        thetas,
        trajectory.performative_risks,
        accuracies,
        decoupled,
        gaps,
        tuple(problem.log),
    )
