"""Exit rules behind one interface, evaluated on cached forward passes.

Every rule turns the per-exit outputs of a sample into a score :math:`s_{n,i}` and a threshold
:math:`\\tau(\\delta)`; the sample leaves at the first exit whose score reaches the threshold, and at
the last exit otherwise:

.. math:: e_n = \\min\\{\\, i : s_{n,i} \\ge \\tau(\\delta) \\,\\} \\quad (\\text{or } E \\text{ if no such } i).

- :class:`ConfidenceRule`: the confidence :math:`c_{n,i}`, threshold :math:`\\delta`;
- :class:`PCEE`: the validation accuracy of the bin of :math:`c_{n,i}`, threshold :math:`\\delta`;
- :class:`SmoothedPCEE`: a monotone fit of that accuracy, threshold :math:`\\delta`;
- :class:`TemperatureRule`: the confidence after a per-exit temperature, threshold :math:`\\delta`;
- :class:`RiskControlRule`: the confidence, threshold :math:`\\hat\\lambda` chosen by Learn then Test
  so that the error of the whole model is controlled;
- :class:`ExitwiseRiskControlRule` (this book's): a fitted rule, usually the conditional PCEE, run at
  a target :math:`\\hat t` chosen by Learn then Test so that the error among the samples released at
  *each* exit is controlled.

A network is run once; :class:`ExitTable` keeps its per-exit confidences, predictions (and
logits) and the cost of each exit, and every rule and target is evaluated on that table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import xlogy
from scipy.stats import binom

from .._checks import check_array, check_choice, check_positive_int, check_real
from .._random import SeedLike, as_generator
from .calibration import (
    bin_index,
    check_confidences,
    check_labels,
    confidences_and_predictions,
    fit_temperature,
    isotonic_fit,
)


def check_target(delta, name: str = "delta") -> float:
    """Check that a target accuracy lies in (0, 1]."""
    return check_real(delta, name, low=0.0, high=1.0, low_open=True)


@dataclass(frozen=True)
class ExitTable:
    """Cached outputs of a multi-exit network on ``n`` samples with ``E`` exits.

    ``confidences`` and ``predictions`` have shape ``(n, E)``, ``costs`` (``E``,) holds the cost
    :math:`C_i` of leaving at exit :math:`i`, and ``logits`` (``n, E, K``) is optional (the
    temperature rule needs it).
    """

    confidences: np.ndarray
    predictions: np.ndarray
    costs: np.ndarray
    logits: np.ndarray | None = None

    def __post_init__(self):
        c = check_confidences(self.confidences, ndim=2)
        p = np.asarray(self.predictions)
        if p.shape != c.shape or not np.issubdtype(p.dtype, np.integer):
            raise ValueError(
                f"predictions must be integers of the same shape as confidences {c.shape}, got {p.dtype} {p.shape}."
            )
        costs = check_array(self.costs, "costs", ndim=1)
        if costs.size != c.shape[1]:
            raise ValueError(
                f"costs must have one entry per exit ({c.shape[1]}), got {costs.size}."
            )
        if costs.min() < 0 or np.any(np.diff(costs) < 0):
            raise ValueError(
                "costs must be non-negative and non-decreasing from the first exit to the last."
            )
        if self.logits is not None and np.shape(self.logits)[:2] != c.shape:
            raise ValueError(
                f"logits must have shape (n, E, K) with (n, E) = {c.shape}, got {np.shape(self.logits)}."
            )
        object.__setattr__(self, "confidences", c)
        object.__setattr__(self, "predictions", p)
        object.__setattr__(self, "costs", costs)

    @classmethod
    def from_logits(cls, logits, costs) -> ExitTable:
        """Build the table from logits of shape ``(n, E, K)``."""
        z = check_array(logits, "logits", ndim=3)
        confidences, predictions = confidences_and_predictions(z)
        return cls(confidences, predictions, costs, z)

    @property
    def n_samples(self) -> int:
        return self.confidences.shape[0]

    @property
    def n_exits(self) -> int:
        return self.confidences.shape[1]

    def subset(self, rows) -> ExitTable:
        """The table restricted to ``rows`` (indices or a boolean mask)."""
        logits = None if self.logits is None else self.logits[rows]
        return ExitTable(self.confidences[rows], self.predictions[rows], self.costs, logits)

    def correct(self, labels) -> np.ndarray:
        """Boolean ``(n, E)``: is exit :math:`i` right on sample :math:`n`?"""
        return self.predictions == check_labels(labels, self.n_samples)[:, None]


@dataclass(frozen=True)
class ExitResult:
    """Where each sample left (``exits``, 0-based), what it predicted, and what it cost."""

    exits: np.ndarray
    predictions: np.ndarray
    costs: np.ndarray
    n_exits: int

    @property
    def mean_cost(self) -> float:
        return float(self.costs.mean())

    def accuracy(self, labels) -> float:
        """Accuracy over all samples."""
        return float(np.mean(self.predictions == check_labels(labels, self.exits.size)))

    def early_accuracy(self, labels) -> float:
        """Accuracy over the samples that left before the last exit (NaN if none did)."""
        early = self.exits < self.n_exits - 1
        hits = self.predictions == check_labels(labels, self.exits.size)
        return float(hits[early].mean()) if early.any() else float("nan")

    def histogram(self) -> np.ndarray:
        """Fraction of samples leaving at each exit."""
        return np.bincount(self.exits, minlength=self.n_exits) / self.exits.size


def first_exit(scores: np.ndarray, threshold) -> np.ndarray:
    """:math:`e_n = \\min\\{i : s_{n,i} \\ge \\tau\\}`, or the last exit; ``threshold`` may be a vector (one per sample)."""
    passes = scores >= np.reshape(threshold, (-1, 1))
    passes[:, -1] = True
    return passes.argmax(axis=1)


def take_exits(table: ExitTable, exits: np.ndarray) -> ExitResult:
    """Collect the predictions and costs of given exits."""
    rows = np.arange(table.n_samples)
    return ExitResult(exits, table.predictions[rows, exits], table.costs[exits], table.n_exits)


class ExitRule:
    """Base class: ``fit`` on validation outputs, then ``scores`` and ``threshold`` define the exits."""

    name = "rule"

    def fit(self, table: ExitTable, labels) -> ExitRule:
        return self

    def scores(self, table: ExitTable) -> np.ndarray:
        return table.confidences

    def threshold(self, delta: float) -> float:
        return check_target(delta)

    def open_exits(self, delta: float, n_exits: int) -> np.ndarray:
        """Boolean ``(n_exits - 1,)``: can intermediate exit :math:`i` release a sample at target ``delta``?

        The base class cannot tell and answers True everywhere; a rule fitted on data (PCEE) knows
        when no bin of an exit reaches the target.
        """
        return np.ones(n_exits - 1, dtype=bool)

    def decide(self, table: ExitTable, delta: float) -> ExitResult:
        """Where every sample of ``table`` leaves for the target ``delta``.

        Parameters
        ----------
        table : ExitTable
            Cached outputs ``(n, E)`` of the network.
        delta : float
            Target accuracy in (0, 1].

        Returns
        -------
        ExitResult
            Exits ``(n,)`` (0-based), the predictions made there ``(n,)`` and their costs ``(n,)``.
        """
        if not isinstance(table, ExitTable):
            raise ValueError(f"table must be an ExitTable, got {type(table).__name__}.")
        threshold = self.threshold(delta)
        return take_exits(table, first_exit(self.scores(table), threshold))


class ConfidenceRule(ExitRule):
    """Exit when the softmax confidence reaches the target: :math:`c_{n,i} \\ge \\delta`."""

    name = "confidence"


class _BinnedRule(ExitRule):
    """Shared part of PCEE and its smoothed variant: one reliability diagram per exit.

    With ``conditional=True`` the diagram of exit :math:`i` is built, for each target, only from the
    validation samples that the rule has not already released at exits :math:`1..i-1`, which are the
    samples that actually reach exit :math:`i`.
    """

    def __init__(
        self, n_bins: int = 10, min_count: int = 1, empty: str = "never", conditional: bool = False
    ):
        self.n_bins = check_positive_int(n_bins, "n_bins")
        self.min_count = check_positive_int(min_count, "min_count")
        self.empty = check_choice(empty, "empty", ("never", "error"))
        self.conditional = bool(conditional)
        self.table_: np.ndarray | None = None
        self.validation_: tuple[np.ndarray, np.ndarray] | None = None

    def _bin_values(
        self, confidences: np.ndarray, correct: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Accuracy per bin of one exit's diagram (NaN for bins with fewer than ``min_count`` samples) and the bin counts."""
        index = bin_index(confidences, self.n_bins)
        counts = np.bincount(index, minlength=self.n_bins)
        hits = np.bincount(index, weights=correct, minlength=self.n_bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts >= self.min_count, hits / np.maximum(counts, 1), np.nan), counts

    def _estimate(self, confidences: np.ndarray, correct: np.ndarray) -> np.ndarray:
        return self._bin_values(confidences, correct)[0]

    def fit(self, table: ExitTable, labels) -> _BinnedRule:
        """Build every exit's (unconditional) diagram and keep the validation outputs for the conditional mode.

        Parameters
        ----------
        table : ExitTable
            Validation outputs ``(n, E)``.
        labels : int array of shape (n,)
            Validation labels.

        Returns
        -------
        self
        """
        if not isinstance(table, ExitTable):
            raise ValueError(f"table must be an ExitTable, got {type(table).__name__}.")
        correct = table.correct(labels).astype(np.float64)
        self.table_ = np.array(
            [self._estimate(table.confidences[:, i], correct[:, i]) for i in range(table.n_exits)]
        )
        self.validation_ = (table.confidences, correct)
        return self

    def _read(self, estimates: np.ndarray, confidences: np.ndarray, exit_: int) -> np.ndarray:
        """:math:`\\widehat{\\mathrm{acc}}_i(\\text{bin of } c)`, with empty bins handled by ``empty``."""
        index = bin_index(confidences, self.n_bins)
        scores = estimates[index]
        if self.empty == "error" and np.isnan(scores).any():
            bad = int(index[np.isnan(scores)][0])
            raise ValueError(
                f"a sample falls in bin {bad} of exit {exit_}, which held fewer than {self.min_count} validation "
                "samples; use fewer bins, more validation data, or empty='never' (such samples do not exit there)."
            )
        return np.nan_to_num(scores, nan=-np.inf)

    def _fitted(self) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        if self.table_ is None or self.validation_ is None:
            raise ValueError(
                f"{type(self).__name__} must be fitted on validation outputs before use."
            )
        return self.table_, self.validation_

    def _check_fitted(self, table: ExitTable) -> np.ndarray:
        estimates, _ = self._fitted()
        if not isinstance(table, ExitTable) or table.n_exits != estimates.shape[0]:
            raise ValueError(
                f"table must be an ExitTable with the {estimates.shape[0]} exits the rule was fitted on."
            )
        return estimates

    def scores(self, table: ExitTable) -> np.ndarray:
        """:math:`s_{n,i} = \\widehat{\\mathrm{acc}}_i(\\text{bin of } c_{n,i})` from the unconditional diagrams."""
        estimates = self._check_fitted(table)
        columns = [
            self._read(estimates[i], table.confidences[:, i], i) for i in range(table.n_exits - 1)
        ]
        return np.column_stack(columns + [np.full(table.n_samples, np.inf)])

    def exit_estimates(self, delta: float) -> np.ndarray:
        """Bin accuracies each intermediate exit uses at target ``delta``, shape ``(E - 1, n_bins)``.

        Unconditional mode: the diagrams of :meth:`fit`. Conditional mode: exit :math:`i`'s diagram
        is rebuilt from the validation samples that exits :math:`1..i-1` did not release at
        ``delta`` (NaN where a bin holds fewer than ``min_count`` of them).
        """
        estimates, (val_conf, val_correct) = self._fitted()
        delta = check_target(delta)
        if not self.conditional:
            return estimates[:-1]
        rows = []
        val_left = np.ones(val_conf.shape[0], dtype=bool)
        for i in range(
            val_conf.shape[1] - 1
        ):  # in order: who reaches exit i depends on exits before it
            row = (
                self._estimate(val_conf[val_left, i], val_correct[val_left, i])
                if val_left.any()
                else np.full(self.n_bins, np.nan)
            )
            passed = (
                np.nan_to_num(row[bin_index(val_conf[:, i], self.n_bins)], nan=-np.inf) >= delta
            )
            val_left &= ~passed
            rows.append(row)
        return np.array(rows)

    def open_exits(self, delta: float, n_exits: int) -> np.ndarray:
        """Boolean ``(E - 1,)``: does some bin of exit :math:`i` reach ``delta``?"""
        return np.nan_to_num(self.exit_estimates(delta), nan=-np.inf).max(axis=1) >= delta

    def decide(self, table: ExitTable, delta: float) -> ExitResult:
        if not self.conditional:
            return super().decide(table, delta)
        self._check_fitted(table)
        estimates = self.exit_estimates(delta)
        exits = np.full(table.n_samples, table.n_exits - 1)
        left = np.ones(table.n_samples, dtype=bool)
        for i in range(table.n_exits - 1):
            leave = left & (self._read(estimates[i], table.confidences[:, i], i) >= delta)
            exits[leave] = i
            left &= ~leave
        return take_exits(table, exits)


class PCEE(_BinnedRule):
    """Performance-control early exiting: exit when the validation accuracy of the sample's confidence bin is at least δ.

    Bins with fewer than ``min_count`` validation samples are empty; a sample landing in one does
    not exit there (``empty="never"``) or raises an error (``empty="error"``).
    """

    name = "PCEE"


class SmoothedPCEE(_BinnedRule):
    """PCEE on a monotone reliability diagram (the book's smoothed variant).

    For each exit, the bin accuracies are replaced by their count-weighted isotonic (non-decreasing)
    fit, so that a more confident sample is never judged less accurate. An empty bin takes the
    value of the nearest non-empty bin below it (zero below the first one), which keeps the curve
    monotone.
    """

    name = "smoothed PCEE"

    def _estimate(self, confidences: np.ndarray, correct: np.ndarray) -> np.ndarray:
        accuracy, counts = self._bin_values(confidences, correct)
        full = counts >= self.min_count
        fitted = np.zeros(self.n_bins)
        if full.any():
            fitted[full] = isotonic_fit(accuracy[full], counts[full])
        carry = np.maximum.accumulate(np.where(full, np.arange(self.n_bins), -1))
        return np.where(carry >= 0, fitted[np.maximum(carry, 0)], 0.0)


class TemperatureRule(ExitRule):
    """Temperature-scale each exit on validation data, then threshold the calibrated confidence at δ."""

    name = "temperature"

    def __init__(self) -> None:
        self.temperatures_: np.ndarray | None = None

    def fit(self, table: ExitTable, labels) -> TemperatureRule:
        """Fit one temperature per exit on validation ``table`` ``(n, E)`` with ``labels`` ``(n,)``; return self."""
        if table.logits is None:
            raise ValueError(
                "the temperature rule needs logits: build the table with ExitTable.from_logits."
            )
        y = check_labels(labels, table.n_samples)
        self.temperatures_ = np.array(
            [fit_temperature(table.logits[:, i], y) for i in range(table.n_exits)]
        )
        return self

    def scores(self, table: ExitTable) -> np.ndarray:
        if self.temperatures_ is None:
            raise ValueError("TemperatureRule must be fitted on validation outputs before use.")
        if table.logits is None:
            raise ValueError(
                "the temperature rule needs logits: build the table with ExitTable.from_logits."
            )
        return confidences_and_predictions(table.logits, self.temperatures_[:, None])[0]


# --- Learn then Test -------------------------------------------------------------------------


def binomial_p_values(errors, n: int, alpha: float) -> np.ndarray:
    """Exact binomial p-values for :math:`H_0: R > \\alpha` from ``errors`` mistakes in ``n`` samples.

    :math:`p = P(\\mathrm{Bin}(n, \\alpha) \\le k)`: valid for 0/1 losses, since under the null the
    number of mistakes is stochastically larger than :math:`\\mathrm{Bin}(n, \\alpha)`.
    """
    return binom.cdf(np.asarray(errors), n, alpha)


def hoeffding_bentkus_p_values(risks, n: int, alpha: float) -> np.ndarray:
    """Hoeffding–Bentkus p-values for :math:`H_0: R > \\alpha` from empirical risks in [0, 1].

    :math:`p = \\min\\big(e^{-n h(\\hat R \\wedge \\alpha, \\alpha)},\\; e\\, P(\\mathrm{Bin}(n, \\alpha) \\le \\lceil n \\hat R \\rceil)\\big)`
    with :math:`h(a, b) = a \\log(a/b) + (1-a) \\log((1-a)/(1-b))`.
    """
    r = np.minimum(np.asarray(risks, dtype=np.float64), alpha)
    h = xlogy(r, r / alpha) + xlogy(1 - r, (1 - r) / (1 - alpha))
    bentkus = np.e * binom.cdf(np.ceil(n * np.asarray(risks) - 1e-9), n, alpha)
    return np.minimum(np.exp(-n * h), bentkus)


def fixed_sequence(p_values, level: float) -> np.ndarray:
    """Fixed-sequence testing along the last axis: the number of leading hypotheses with :math:`p \\le` ``level``.

    Testing in a fixed order and stopping at the first non-rejection controls the family-wise
    error rate at ``level`` without any correction.
    """
    rejected = np.asarray(p_values) <= level
    return np.cumprod(rejected, axis=-1).sum(axis=-1)


class RiskControlRule(ExitRule):
    """Confidence threshold chosen by Learn then Test so that :math:`P(\\text{error} \\le 1-\\delta) \\ge 1 - \\varepsilon`.

    Candidate thresholds run from the most cautious (:math:`\\lambda = \\infty`: never exit early) down
    a grid. The loss of a sample is 1 if the prediction at its exit is wrong, so the risk
    :math:`R(\\lambda)` is the error rate of the whole early-exit model. Each :math:`H_\\lambda: R(\\lambda) > 1-\\delta`
    gets a p-value on the calibration data; fixed-sequence testing at level :math:`\\varepsilon`
    (``level``) returns the smallest threshold of the leading run of rejections.
    """

    name = "risk control (LTT)"

    def __init__(self, level: float = 0.1, p_value: str = "binomial", grid=None) -> None:
        self.level = check_real(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
        self.p_value = check_choice(p_value, "p_value", ("binomial", "hoeffding_bentkus"))
        grid = np.linspace(1.0, 0.0, 201) if grid is None else check_array(grid, "grid", ndim=1)
        self.grid = np.concatenate([[np.inf], np.sort(grid)[::-1]])
        self.errors_: np.ndarray | None = None
        self.n_ = 0

    def losses(self, table: ExitTable, labels) -> np.ndarray:
        """Boolean ``(n, G)``: is sample :math:`n` wrong when exiting by threshold :math:`\\lambda_g`?"""
        y = check_labels(labels, table.n_samples)
        passes = table.confidences[:, :, None] >= self.grid[None, None, :]
        passes[:, -1, :] = True
        exits = passes.argmax(axis=1)  # (n, G)
        predictions = np.take_along_axis(table.predictions, exits, axis=1)
        return predictions != y[:, None]

    def fit(self, table: ExitTable, labels) -> RiskControlRule:
        """Count the calibration mistakes of every grid threshold on ``table`` ``(n, E)``; return self."""
        if not isinstance(table, ExitTable):
            raise ValueError(f"table must be an ExitTable, got {type(table).__name__}.")
        self.errors_ = self.losses(table, labels).sum(axis=0)
        self.n_ = table.n_samples
        return self

    def p_values(self, errors, n: int, delta: float) -> np.ndarray:
        """p-values of :math:`H_\\lambda: R(\\lambda) > 1 - \\delta` for every grid threshold."""
        alpha = 1.0 - check_target(delta)
        if alpha == 0.0:
            return np.ones(np.shape(errors))
        if self.p_value == "binomial":
            return binomial_p_values(errors, n, alpha)
        return hoeffding_bentkus_p_values(np.asarray(errors) / n, n, alpha)

    def threshold(self, delta: float) -> float:
        """:math:`\\hat\\lambda`: the last threshold of the leading run of rejections (:math:`\\infty` if none)."""
        if self.errors_ is None:
            raise ValueError("RiskControlRule must be fitted on calibration outputs before use.")
        accepted = int(fixed_sequence(self.p_values(self.errors_, self.n_, delta), self.level))
        return float(self.grid[accepted - 1]) if accepted else float("inf")


def exitwise_p_values(errors, released, alpha: float) -> np.ndarray:
    """Conditional binomial p-values for :math:`H: R_i > \\alpha` at every exit, from released samples.

    :math:`p_i = P(\\mathrm{Bin}(m_i, \\alpha) \\le k_i)`, where :math:`m_i` samples were released at
    exit :math:`i` and :math:`k_i` of them were wrong. Given :math:`m_i`, the released samples are
    i.i.d. draws from the population the exit releases, so :math:`k_i` is binomial with the exit's
    error :math:`R_i`; the p-value is valid conditionally on :math:`m_i`, hence also unconditionally.
    An exit that released nothing gets :math:`p_i = 1`.

    Parameters
    ----------
    errors, released : int arrays of the same shape
        :math:`k_i` and :math:`m_i` (any shape, for example ``(G, E - 1)``).
    alpha : float
        Controlled error rate.

    Returns
    -------
    numpy.ndarray
        p-values, of the same shape as ``errors``.
    """
    k, m = np.asarray(errors), np.asarray(released)
    if k.shape != m.shape or np.any(k < 0) or np.any(k > m):
        raise ValueError(
            "errors and released must have the same shape, with 0 <= errors <= released."
        )
    return binom.cdf(k, m, alpha)


class ExitwiseRiskControlRule(ExitRule):
    """A fitted rule run at a target chosen by Learn then Test for the error at *each* exit (the book's).

    ``base`` is a rule already fitted on other data (usually ``PCEE(..., conditional=True)``);
    its target :math:`t` is the parameter. Candidate targets run from the most cautious, 1, down
    ``grid``. For each :math:`t`, :meth:`fit` runs ``base`` on the calibration table and counts,
    at every intermediate exit :math:`i`, the samples released (:math:`m_i`) and the wrong ones
    (:math:`k_i`). The hypothesis :math:`H_t: \\max_i R_i(t) > \\alpha`, with :math:`R_i(t)` the error
    among the samples exit :math:`i` releases, gets the p-value :math:`\\max_i p_i` over the exits
    that ``base`` keeps open at :math:`t` (:func:`exitwise_p_values`). Fixed-sequence testing at
    level :math:`\\varepsilon` returns :math:`\\hat t`, the last target of the leading run of
    rejections, or :math:`\\infty` (never exit early) if there is none. Then, over the calibration
    data, :math:`P(\\exists i: R_i(\\hat t) > \\alpha) \\le \\varepsilon`; the fallback is covered,
    since an exit that releases nothing makes no error.
    """

    name = "per-exit risk control (LTT)"

    def __init__(self, base: ExitRule, level: float = 0.1, grid=None) -> None:
        if not isinstance(base, ExitRule):
            raise ValueError(f"base must be a fitted ExitRule, got {type(base).__name__}.")
        self.base = base
        self.level = check_real(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
        grid = np.linspace(1.0, 0.5, 101) if grid is None else check_array(grid, "grid", ndim=1)
        for value in grid:
            check_target(value, "every grid target")
        self.grid = np.sort(grid)[::-1]
        self.errors_: np.ndarray | None = None
        self.released_: np.ndarray | None = None
        self.open_: np.ndarray | None = None

    def fit(self, table: ExitTable, labels) -> ExitwiseRiskControlRule:
        """Count released and wrong calibration samples per exit for every candidate target.

        Parameters
        ----------
        table : ExitTable
            Calibration outputs ``(n, E)``, disjoint from the data that fitted ``base``.
        labels : int array of shape (n,)
            Calibration labels.

        Returns
        -------
        self
            With ``released_`` and ``errors_`` of shape ``(G, E - 1)`` and ``open_`` (bool, same shape).
        """
        if not isinstance(table, ExitTable):
            raise ValueError(f"table must be an ExitTable, got {type(table).__name__}.")
        y = check_labels(labels, table.n_samples)
        released, errors, open_ = [], [], []
        for target in self.grid:  # one pass of the base rule per candidate target
            result = self.base.decide(table, float(target))
            wrong = result.predictions != y
            released.append(np.bincount(result.exits, minlength=table.n_exits)[:-1])
            errors.append(np.bincount(result.exits, weights=wrong, minlength=table.n_exits)[:-1])
            open_.append(self.base.open_exits(float(target), table.n_exits))
        self.released_ = np.array(released, dtype=np.int64)
        self.errors_ = np.rint(errors).astype(np.int64)
        self.open_ = np.array(open_, dtype=bool)
        return self

    def p_values(self, delta: float) -> np.ndarray:
        """p-value of :math:`H_t` for every candidate target, shape ``(G,)``."""
        if self.errors_ is None or self.released_ is None or self.open_ is None:
            raise ValueError(
                "ExitwiseRiskControlRule must be fitted on calibration outputs before use."
            )
        alpha = 1.0 - check_target(delta)
        per_exit = exitwise_p_values(self.errors_, self.released_, alpha)
        return np.where(self.open_, per_exit, 0.0).max(axis=1)

    def threshold(self, delta: float) -> float:
        """:math:`\\hat t`: the last target of the leading run of rejections (:math:`\\infty` if none)."""
        accepted = int(fixed_sequence(self.p_values(delta), self.level))
        return float(self.grid[accepted - 1]) if accepted else float("inf")

    def decide(self, table: ExitTable, delta: float) -> ExitResult:
        if not isinstance(table, ExitTable):
            raise ValueError(f"table must be an ExitTable, got {type(table).__name__}.")
        target = self.threshold(delta)
        if np.isinf(target):
            return take_exits(table, np.full(table.n_samples, table.n_exits - 1))
        return self.base.decide(table, target)


def ltt_violation_rate(
    table: ExitTable,
    labels,
    delta: float,
    *,
    n_calibration: int,
    n_splits: int = 500,
    level: float = 0.1,
    p_value: str = "binomial",
    mode: str = "population",
    seed: SeedLike = 0,
) -> dict[str, Any]:
    """Check the Learn-then-Test guarantee over many random calibration sets drawn from ``table``.

    ``mode="population"``: the rows of ``table`` are the population; each repetition draws
    ``n_calibration`` rows i.i.d. (with replacement), calibrates :math:`\\hat\\lambda` and computes its
    exact population error. The theorem says the fraction of repetitions with error above
    :math:`1-\\delta` is at most ``level``. ``mode="split"``: each repetition splits the rows into a
    calibration part and a test part and measures the error on the test part, which adds the test
    set's sampling noise (and, on a finite pool, couples the two parts). All repetitions are
    evaluated at once as a matrix product of sampling counts with the per-threshold losses.

    Parameters
    ----------
    table : ExitTable
        The pool, ``(n, E)``.
    labels : int array of shape (n,)
        Its labels.
    delta : float
        Target accuracy; the controlled error is :math:`\\alpha = 1-\\delta`.
    n_calibration, n_splits : int
        Size of each calibration set and number of repetitions.
    level : float
        :math:`\\varepsilon`.
    p_value, mode : str
        ``"binomial"`` or ``"hoeffding_bentkus"``; ``"population"`` or ``"split"``.
    seed : int or numpy.random.Generator
        Randomness of the draws.

    Returns
    -------
    dict
        ``violation_rate``, ``feasible_rate`` (some threshold rejected), ``mean_error`` and
        ``early_exit_rate`` (floats), and ``errors``, the error of each repetition ``(n_splits,)``.
    """
    delta = check_target(delta)
    n_calibration = check_positive_int(n_calibration, "n_calibration")
    n_splits = check_positive_int(n_splits, "n_splits")
    check_choice(mode, "mode", ("population", "split"))
    if mode == "split" and n_calibration >= table.n_samples:
        raise ValueError(
            f"n_calibration must leave test rows: {n_calibration} >= {table.n_samples}."
        )
    rule = RiskControlRule(level=level, p_value=p_value)
    losses = rule.losses(table, labels).astype(np.float64)
    rng = as_generator(seed)
    n = table.n_samples
    if mode == "population":
        calibration = rng.multinomial(n_calibration, np.full(n, 1.0 / n), size=n_splits).astype(
            np.float64
        )
        evaluation = np.full((n_splits, n), 1.0 / n)
    else:
        ranks = rng.random((n_splits, n)).argsort(axis=1).argsort(axis=1)
        calibration = (ranks < n_calibration).astype(np.float64)
        evaluation = (1.0 - calibration) / (n - n_calibration)
    cal_errors = np.rint(calibration @ losses)
    accepted = fixed_sequence(rule.p_values(cal_errors, n_calibration, delta), level)
    chosen = np.maximum(accepted - 1, 0)
    risk = (evaluation @ losses)[np.arange(n_splits), chosen]
    early = (table.confidences[None, :, :-1] >= rule.grid[chosen][:, None, None]).any(axis=2)
    return {
        "violation_rate": float(np.mean(risk > 1.0 - delta)),
        "feasible_rate": float(np.mean(accepted > 0)),
        "mean_error": float(risk.mean()),
        "early_exit_rate": float((evaluation * early).sum(axis=1).mean()),
        "errors": risk,
    }
