"""Repeated risk minimisation (RRM) with a neural network under the resample-if-rejected shift.

Round :math:`t` deploys :math:`f_t`, draws a sample :math:`S_t \\sim \\mathcal D(f_t)` with
:class:`~inloop.neural.rir.ResampleIfRejected`, and trains the next model on it,

.. math:: f_{t+1} \\in \\arg\\min_{f \\in \\mathcal F} \\E_{(x, y) \\sim S_t}\\, \\tfrac12\\big(f(x) - (1-\\delta)y\\big)^2, \\qquad (5)

warm-started at :math:`f_t` and solved with :func:`~inloop.neural.training.fit_lbfgs`. The rounds
are run by Chapter 1's driver :func:`inloop.performative.rrm.repeated_risk_minimization` (and the
affine risk minimizers of Chapter 3 by :func:`~inloop.performative.rrm.affine_risk_minimization`),
to which :class:`NeuralRIRProblem` supplies the protocol of :mod:`inloop.performative.protocol`.

Risks are reported as expectations over the induced distribution
(:meth:`~inloop.neural.rir.ResampleIfRejected.expected_loss`: exact over the rejection coins, with
fixed donor draws), so the difference between two reported risks reflects the models and the shift,
not the luck of one sample.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .._checks import check_positive_int
from ..data.credit import CreditData
from ..performative.arm_settings import ARMSettings
from ..performative.objectives import check_affine_weights
from ..performative.rrm import affine_risk_minimization, repeated_risk_minimization
from .network import ScaledSigmoidNetwork, initial_parameters
from .rir import ResampleIfRejected
from .training import FitResult, _objective, fit_lbfgs, recode_labels


class RIRSampleObjective:
    """The squared risk (:mod:`inloop.neural.training`) on one or several recorded RIR samples: :math:`\\sum_i w_i\\,\\tfrac12(f_\\theta(x_i) - t_i)^2`.

    A sample is stored as its *donor indices* (which base row each induced row took its redrawn part
    from), one integer per row, and rebuilt from the base sample on demand.

    Parameters
    ----------
    problem : NeuralRIRProblem
        The problem whose shift and network the objective uses.
    samples : sequence of ndarray of int, each shape (n,)
        Donor indices of the samples, newest first.
    weights : ndarray, shape (len(samples),)
        Non-negative mixture weights summing to one (a single sample has weight 1).
    """

    def __init__(self, problem: NeuralRIRProblem, samples: Sequence[np.ndarray], weights) -> None:
        self.problem = problem
        self.samples = list(samples)
        self.weights = check_affine_weights(weights)
        if np.any(self.weights < 0):
            raise ValueError(
                f"mixture weights must be non-negative for a network (a weighted loss with a "
                f"negative weight is unbounded below); got {self.weights.tolist()}."
            )

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Features (m, d), targets (m,) and row weights (m,) of the weighted union of the samples."""
        shift = self.problem.shift
        parts = [self.problem.sample_rows(donors) for donors in self.samples]
        features = np.concatenate([part[0] for part in parts])
        targets = np.concatenate([part[1] for part in parts])
        row_weights = np.repeat(self.weights / shift.n_samples, shift.n_samples)
        return features, targets, row_weights

    def key(self) -> bytes:
        """A digest of the samples and weights: two objectives with the same key are the same function."""
        digest = hashlib.sha256(self.weights.tobytes())
        for donors in self.samples:
            digest.update(np.ascontiguousarray(donors).tobytes())
        return digest.digest()

    def value(self, theta) -> float:
        """The squared risk at the parameters ``theta`` on the weighted samples."""
        features, targets, row_weights = self.rows()
        predictions = self.problem.predictor(theta)(features)
        return float(np.sum(row_weights * 0.5 * (predictions - targets) ** 2))

    def gradient(self, theta) -> np.ndarray:
        """Gradient of :meth:`value` in the flat parameters."""
        features, targets, row_weights = self.rows()
        network = ScaledSigmoidNetwork(
            self.problem.shift.n_features, self.problem.width, self.problem.shift.delta
        )
        return _objective(network, features, targets, row_weights)(np.asarray(theta, dtype=float))[
            1
        ]


@dataclass
class NeuralRIRProblem:
    """RIR with a :class:`~inloop.neural.network.ScaledSigmoidNetwork`, for RRM and ARM.

    Round :math:`t` draws :math:`S_t \\sim \\mathcal D(f_t)` (:meth:`induced_objective`) and the next
    model minimises the squared risk on it, or on a weighted union of the last rounds' samples for an
    ARM (:meth:`mix`), by :func:`~inloop.neural.training.fit_lbfgs` warm-started at the deployed
    parameters (:meth:`solve`). Every solve appends its report to ``log``. Risks are reported as
    expectations over the induced distribution
    (:meth:`~inloop.neural.rir.ResampleIfRejected.expected_loss`).

    Solves and risks are deterministic functions of their inputs, and one problem remembers them:
    a solve of the same samples with the same weights from the same start, or a risk of the same
    pair of models, is computed once. Mixture rules run on common random numbers agree on their
    first rounds (every rule's first round is RRM's), so running them all on one problem computes
    those rounds once; the results are bit-identical to separate runs.

    Parameters
    ----------
    shift : ResampleIfRejected
        The RIR distribution map (its ``delta`` is also the network's).
    width : int
        Hidden width :math:`h` of the network.
    solver_options : dict
        Keyword arguments of :func:`~inloop.neural.training.fit_lbfgs` (``tol``, ``rtol``,
        ``window``, ``max_iter``): the stopping rule of every round.
    donor_sets, eval_seed : int
        Donor draws used to evaluate expected risks (see :meth:`decoupled_risk`).
    """

    shift: ResampleIfRejected
    width: int = 8
    solver_options: dict = field(default_factory=dict)
    donor_sets: int = 8
    eval_seed: int = 12345
    log: list = field(default_factory=list, repr=False)
    _fits: dict = field(default_factory=dict, init=False, repr=False)
    _risks: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.width = check_positive_int(self.width, "width")
        self.network = ScaledSigmoidNetwork(self.shift.n_features, self.width, self.shift.delta)
        self.targets = recode_labels(self.shift.labels, self.shift.delta)

    def predictor(self, theta):
        """The prediction function :math:`x \\mapsto f_\\theta(x)` (a NumPy callable)."""
        return (
            ScaledSigmoidNetwork(self.shift.n_features, self.width, self.shift.delta)
            .set_flat(theta)
            .predict
        )

    def sample_rows(self, donors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Features and targets of the induced sample with the given donor indices."""
        base = self.shift.features
        if self.shift.strategic is None:
            return base[donors], self.targets[donors]
        features = base.copy()
        features[:, self.shift.strategic] = base[donors][:, self.shift.strategic]
        return features, self.targets

    def induced_objective(self, deployed, rng: np.random.Generator | None = None):
        """Draw :math:`S \\sim \\mathcal D(f_{\\text{deployed}})` with ``rng`` and return the squared risk on it."""
        if rng is None:
            raise ValueError(
                "NeuralRIRProblem draws a random sample each round: pass a numpy Generator as rng "
                "(the drivers pass one made from their seed)."
            )
        donors = self.shift.sample(self.predictor(deployed), rng).donors
        return RIRSampleObjective(self, [donors], [1.0])

    def mix(self, objectives, weights) -> RIRSampleObjective:
        """The weighted union of the rounds' samples (non-negative weights only)."""
        weights = check_affine_weights(weights)
        samples = [donors for objective in objectives for donors in objective.samples]
        if len(samples) != weights.size:
            raise ValueError(f"got {len(samples)} samples but {weights.size} weights.")
        return RIRSampleObjective(self, samples, weights)

    def solve(self, objective: RIRSampleObjective, theta0) -> FitResult:
        """Fit the network on the objective's rows, warm-started at ``theta0`` (equation 5)."""
        theta0 = np.asarray(theta0, dtype=float)
        key = (
            objective.key() + theta0.tobytes() + repr(sorted(self.solver_options.items())).encode()
        )
        if key not in self._fits:
            features, targets, row_weights = objective.rows()
            self.network.set_flat(theta0)
            weights = None if len(objective.samples) == 1 else row_weights  # one sample: plain mean
            self._fits[key] = fit_lbfgs(
                self.network, features, targets, weights, **self.solver_options
            )
        self.log.append(self._fits[key])
        return self._fits[key]

    def _squared(self, predictions, labels):
        return 0.5 * (predictions - recode_labels(labels, self.shift.delta)) ** 2

    def _errors(self, predictions, labels):
        return ((predictions > (1.0 - self.shift.delta) / 2.0) != (labels == 1.0)).astype(float)

    def decoupled_risk_and_accuracy(self, theta, deployed) -> tuple[float, float]:
        """Expected squared loss (4) and accuracy (threshold :math:`(1-\\delta)/2`) of :math:`f_\\theta` on :math:`\\mathcal D(f_{\\text{deployed}})`."""
        theta, deployed = np.asarray(theta, dtype=float), np.asarray(deployed, dtype=float)
        key = (
            theta.tobytes() + deployed.tobytes() + repr((self.donor_sets, self.eval_seed)).encode()
        )
        if key not in self._risks:
            risk, errors = self.shift.expected_loss(
                self.predictor(deployed),
                self.predictor(theta),
                (self._squared, self._errors),
                self.donor_sets,
                self.eval_seed,
            )
            self._risks[key] = (risk, 1.0 - errors)
        return self._risks[key]

    def decoupled_risk(self, theta, deployed) -> float:
        """:math:`R(f_\\theta; \\mathcal D(f_{\\text{deployed}})) = \\E\\,\\tfrac12 (f_\\theta(x) - (1-\\delta)y)^2`, in expectation."""
        return self.decoupled_risk_and_accuracy(theta, deployed)[0]

    def performative_risk(self, theta, objective=None) -> float:
        """:math:`\\mathrm{PR}(f_\\theta) = R(f_\\theta; \\mathcal D(f_\\theta))` in expectation (``objective``, one draw, is not used)."""
        return self.decoupled_risk(theta, theta)

    def loss_shifts(self, thetas) -> np.ndarray:
        """:math:`\\Delta R_t = |R(f_t; \\mathcal D(f_t)) - R(f_t; \\mathcal D(f_{t-1}))|` for :math:`t \\ge 1`, in expectation.

        The change of the deployed model's risk caused by its own deployment, measured on the
        distributions (not on the sample :math:`f_t` was trained on, whose in-sample optimism would
        add a generalisation gap to the shift).
        """
        thetas = np.asarray(thetas, dtype=float)
        return np.array(
            [
                abs(
                    self.performative_risk(thetas[t])
                    - self.decoupled_risk(thetas[t], thetas[t - 1])
                )
                for t in range(1, len(thetas))
            ]
        )


@dataclass(frozen=True)
class MixtureRuleComparison:
    """One repetition of the ARM study: every mixture rule run on the same random draws.

    ``shifts[name]`` holds the loss shifts :math:`\\Delta R_t` of rounds :math:`t = 1..T`
    (:meth:`NeuralRIRProblem.loss_shifts`), ``risks[name]`` the performative risks of
    :math:`f_0, \\dots, f_T` and ``capped[name]`` how many rounds stopped at the iteration cap.
    """

    shifts: dict[str, np.ndarray]
    risks: dict[str, np.ndarray]
    capped: dict[str, int]


def credit_arm_inputs(
    credit: CreditData, settings: ARMSettings
) -> tuple[ResampleIfRejected, np.ndarray]:
    """The shift and the starting parameters of Chapter 3's credit ARM study.

    The borrowers are shuffled with ``settings.credit_seed`` (and the first ``credit_rows`` kept
    when it is positive); RIR with offset ``credit_delta`` redraws their strategic columns; the
    starting network of width ``credit_width`` is initialised with ``credit_seed``
    (:func:`~inloop.neural.network.initial_parameters`).

    Returns
    -------
    shift : ResampleIfRejected
    theta0 : ndarray, shape (p,)
    """
    rows = np.random.default_rng(settings.credit_seed).permutation(credit.n_samples)
    if settings.credit_rows:
        rows = rows[: settings.credit_rows]
    shift = ResampleIfRejected(
        credit.features[rows],
        credit.labels[rows],
        settings.credit_delta,
        strategic=credit.strategic_features,
    )
    theta0 = initial_parameters(shift.n_features, settings.credit_width, seed=settings.credit_seed)
    return shift, theta0


def compare_mixture_rules(
    shift: ResampleIfRejected,
    theta0,
    rules: dict,
    rounds: int,
    seed: int,
    width: int = 8,
    **solver_options,
) -> MixtureRuleComparison:
    """Run every mixture rule in ``rules`` for ``rounds`` rounds from ``theta0`` with the RIR seed ``seed``.

    All rules run on one :class:`NeuralRIRProblem` with the same seed (common random numbers), so
    they agree on their first rounds (every rule's first round is RRM's) and the problem computes
    those rounds once; each rule's results are bit-identical to a run on a problem of its own.

    Parameters
    ----------
    shift : ResampleIfRejected
        The RIR distribution map.
    theta0 : array_like, shape (p,)
        Parameters of the starting model :math:`f_0`, shared by every rule.
    rules : dict
        ``name -> weights`` of :func:`~inloop.performative.rrm.affine_risk_minimization` (``1`` is RRM,
        an int :math:`\\tau`, ``"half"`` or ``"all"``).
    rounds : int
        Deployments after the first.
    seed : int
        Seed of the RIR draws, the same for every rule.
    width : int
        Hidden width of the network.
    **solver_options
        Keyword arguments of :func:`~inloop.neural.training.fit_lbfgs` for every round.

    Returns
    -------
    MixtureRuleComparison
    """
    rounds = check_positive_int(rounds, "rounds")
    if not rules:
        raise ValueError("rules is empty; pass at least one name -> mixture rule.")
    problem = NeuralRIRProblem(shift, width, solver_options=dict(solver_options))
    shifts, risks, capped = {}, {}, {}
    for name, rule in rules.items():
        run = affine_risk_minimization(problem, theta0, rounds, weights=rule, seed=seed)
        shifts[name] = problem.loss_shifts(run.thetas)
        risks[name] = run.performative_risks
        capped[name] = int(np.sum(~run.converged))
    return MixtureRuleComparison(shifts, risks, capped)


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

    Parameters
    ----------
    shift : ResampleIfRejected
        Holds the base sample and :math:`\\delta`.
    width : int
        Hidden width.
    init_seed : int
        Seed of the initial parameters.
    **solver_options
        Keyword arguments of :func:`~inloop.neural.training.fit_lbfgs`.

    Returns
    -------
    FitResult
        The fitted parameters (flat) and the solver report.
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

    Parameters
    ----------
    shift : ResampleIfRejected
        The distribution map (its ``delta`` is also the network's).
    rounds : int
        Deployments after the first.
    width : int
        Hidden width of the network.
    seed : int, None or numpy.random.Generator
        Randomness of the RIR draws.
    theta0 : array_like, shape (p,), optional
        Parameters of :math:`f_0`; fitted to the base sample when ``None``.
    init_seed : int
        Seed of the initialisation when :math:`f_0` is fitted here.
    donor_sets : int
        Donor draws used to evaluate expected risks.
    **solver_options
        Keyword arguments of :func:`~inloop.neural.training.fit_lbfgs`.

    Returns
    -------
    NeuralRRMHistory
        Parameters (rounds + 1, p), performative and decoupled risks, accuracies, prediction gaps and
        the solver report of every round.
    """
    rounds = check_positive_int(rounds, "rounds")
    problem = NeuralRIRProblem(
        shift, width=width, solver_options=solver_options, donor_sets=donor_sets
    )
    if theta0 is None:
        theta0 = fit_base(shift, problem.width, init_seed, **solver_options).theta
    theta0 = problem.network.set_flat(theta0).flat()
    trajectory = repeated_risk_minimization(problem, theta0, rounds, seed=seed)
    thetas = trajectory.thetas
    accuracies = np.array(
        [problem.decoupled_risk_and_accuracy(theta, theta)[1] for theta in thetas]
    )
    decoupled = np.array([problem.decoupled_risk(thetas[t + 1], thetas[t]) for t in range(rounds)])
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
