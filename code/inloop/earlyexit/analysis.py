"""Sweeps over targets and summaries that the chapter prints and plots, all on cached outputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._checks import check_array, check_positive_int, check_real
from .._random import SeedLike, as_generator
from .calibration import check_labels, expected_calibration_error
from .rules import (
    PCEE,
    ExitResult,
    ExitRule,
    ExitTable,
    ExitwiseRiskControlRule,
    SmoothedPCEE,
    TemperatureRule,
    check_target,
)


def per_exit_accuracy(result: ExitResult, labels) -> tuple[np.ndarray, np.ndarray]:
    """Number of samples released by each exit and their accuracy (NaN where an exit releases none)."""
    hits = result.predictions == check_labels(labels, result.exits.size)
    counts = np.bincount(result.exits, minlength=result.n_exits)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.bincount(result.exits, weights=hits, minlength=result.n_exits) / counts
    return counts, accuracy


def sweep(
    rule: ExitRule, table: ExitTable, labels, deltas, min_released: int = 30
) -> dict[str, np.ndarray]:
    """Evaluate ``rule`` at every target in ``deltas`` on the same cached ``table``.

    Parameters
    ----------
    rule : ExitRule
        A fitted rule.
    table : ExitTable
        Outputs ``(n, E)`` to evaluate on.
    labels : int array of shape (n,)
        Their labels.
    deltas : array of shape (G,)
        Targets.
    min_released : int
        An intermediate exit counts in ``worst_exit_accuracy`` if it releases this many samples.

    Returns
    -------
    dict of numpy.ndarray
        ``accuracy``, ``early_accuracy`` (samples released before the last exit), ``mean_cost``,
        ``worst_exit_accuracy`` (NaN if no exit is judged), each of shape ``(G,)``, and
        ``histogram`` ``(G, E)``, the fraction of samples leaving at each exit.
    """
    deltas = check_array(deltas, "deltas", ndim=1)
    for delta in deltas:
        check_target(delta, "every delta")
    min_released = check_positive_int(min_released, "min_released")
    rows: dict[str, list[Any]] = {
        "accuracy": [],
        "early_accuracy": [],
        "mean_cost": [],
        "worst_exit_accuracy": [],
        "histogram": [],
    }
    for delta in deltas:  # a few dozen targets, each evaluated on the whole table at once
        result = rule.decide(table, float(delta))
        counts, accuracy = per_exit_accuracy(result, labels)
        judged = counts[:-1] >= min_released
        rows["accuracy"].append(result.accuracy(labels))
        rows["early_accuracy"].append(result.early_accuracy(labels))
        rows["mean_cost"].append(result.mean_cost)
        rows["worst_exit_accuracy"].append(accuracy[:-1][judged].min() if judged.any() else np.nan)
        rows["histogram"].append(result.histogram())
    return {key: np.array(value) for key, value in rows.items()}


def shortfall(achieved, deltas) -> float:
    """Largest miss of the target, :math:`\\max_\\delta (\\delta - \\mathrm{acc}(\\delta))^+` (NaNs ignored)."""
    achieved, deltas = np.asarray(achieved, dtype=np.float64), np.asarray(deltas, dtype=np.float64)
    if achieved.shape != deltas.shape:
        raise ValueError(
            f"achieved and deltas must have the same shape, got {achieved.shape} and {deltas.shape}."
        )
    gaps = deltas - achieved
    gaps = gaps[np.isfinite(gaps)]
    return float(np.maximum(gaps, 0.0).max()) if gaps.size else 0.0


def cost_matched_accuracy(curve_cost, curve_accuracy, budget: float) -> tuple[int, float, float]:
    """The most accurate point of a (cost, accuracy) curve whose cost is within ``budget``: (index, cost, accuracy)."""
    cost, accuracy = np.asarray(curve_cost), np.asarray(curve_accuracy)
    allowed = np.flatnonzero(cost <= budget)
    if allowed.size == 0:
        raise ValueError(
            f"no point of the curve costs at most {budget}; the cheapest costs {cost.min()}."
        )
    best = allowed[np.argmax(accuracy[allowed])]
    return int(best), float(cost[best]), float(accuracy[best])


def pcee_sensitivity(
    validation: ExitTable,
    validation_labels,
    test: ExitTable,
    test_labels,
    deltas,
    *,
    bin_counts: Sequence[int] = (5, 15, 40),
    sizes: Sequence[int] = (200, 600, 1700),
    repeats: int = 8,
    cost_at: float = 0.9,
    min_released: int = 30,
    smoothed: bool = False,
    seed: SeedLike = 0,
) -> list[dict[str, Any]]:
    """Worst-exit miss and cost of the conditional PCEE when its diagrams come from random validation subsets.

    Parameters
    ----------
    validation, test : ExitTable
        Outputs ``(n_val, E)`` and ``(n_test, E)``.
    validation_labels, test_labels : int arrays
        Their labels.
    deltas : array of shape (G,)
        Targets over which the worst-exit miss is taken (:func:`shortfall`).
    bin_counts, sizes : sequences of int
        Bins and validation sizes tried.
    repeats : int
        Random validation subsets per size, shared across bin counts.
    cost_at : float
        Target at which the mean cost is reported.
    min_released : int
        See :func:`sweep`.
    smoothed : bool
        Use :class:`~inloop.earlyexit.rules.SmoothedPCEE` (monotone diagrams) instead of PCEE.
    seed : int or numpy.random.Generator
        Randomness of the subsets.

    Returns
    -------
    list of dict
        One row per (size, bins): ``validation size``, ``bins``, ``mean worst miss``, ``mean cost``.
    """
    repeats = check_positive_int(repeats, "repeats")
    y_val = check_labels(validation_labels, validation.n_samples)
    rule_class = SmoothedPCEE if smoothed else PCEE
    rng = as_generator(seed)
    rows = []
    for size in sizes:
        size = check_positive_int(size, "size")
        if size > validation.n_samples:
            raise ValueError(
                f"a validation size of {size} exceeds the {validation.n_samples} validation samples."
            )
        subsets = [rng.choice(validation.n_samples, size, replace=False) for _ in range(repeats)]
        for bins in bin_counts:
            misses, costs = [], []
            for used in subsets:  # a few random subsets, each evaluated on the whole test table
                rule = rule_class(bins, conditional=True).fit(validation.subset(used), y_val[used])
                curve = sweep(rule, test, test_labels, deltas, min_released)
                misses.append(shortfall(curve["worst_exit_accuracy"], deltas))
                costs.append(rule.decide(test, cost_at).mean_cost)
            rows.append(
                {
                    "validation size": size,
                    "bins": bins,
                    "mean worst miss": float(np.mean(misses)),
                    "mean cost": float(np.mean(costs)),
                }
            )
    return rows


def exit_summary(
    validation: ExitTable, validation_labels, test: ExitTable, test_labels, n_bins: int = 15
) -> pd.DataFrame:
    """Per-exit test accuracy, mean confidence and ECE, and the temperature fitted on validation data.

    Parameters
    ----------
    validation, test : ExitTable
        Outputs ``(n, E)`` with logits (the temperature needs them).
    validation_labels, test_labels : int arrays
        Their labels.
    n_bins : int
        Bins of the ECE.

    Returns
    -------
    pandas.DataFrame
        One row per exit (1-based index ``exit``), columns ``accuracy``, ``mean confidence``,
        ``ECE`` and ``temperature``.
    """
    temperature = TemperatureRule().fit(validation, validation_labels).temperatures_
    correct = test.correct(test_labels)
    ece = [
        expected_calibration_error(test.confidences[:, i], correct[:, i], n_bins)
        for i in range(test.n_exits)
    ]
    return pd.DataFrame(
        {
            "accuracy": correct.mean(axis=0),
            "mean confidence": test.confidences.mean(axis=0),
            "ECE": ece,
            "temperature": temperature,
        },
        index=pd.Index(range(1, test.n_exits + 1), name="exit"),
    )


def sharpen(table: ExitTable, factor: float) -> ExitTable:
    """The same network made over-confident: every logit multiplied by ``factor`` (>= 1).

    Predictions and the order of confidences within an exit are unchanged; every confidence moves
    towards 1. This is :math:`\\mathrm{softmax}(z/T)` with temperature :math:`T = 1/\\text{factor}`.
    """
    if table.logits is None:
        raise ValueError("sharpen needs logits: build the table with ExitTable.from_logits.")
    factor = check_real(factor, "factor", low=1.0)
    return ExitTable.from_logits(table.logits * factor, table.costs)


def exit_errors(result: ExitResult, labels) -> np.ndarray:
    """Error among the samples released at each intermediate exit, shape ``(E - 1,)`` (NaN if none)."""
    counts, accuracy = per_exit_accuracy(result, labels)
    return 1.0 - accuracy[:-1]


def exitwise_violation_rate(
    pool: ExitTable,
    labels,
    delta: float,
    *,
    n_fit: int,
    n_calibration: int,
    repeats: int,
    n_bins: int = 15,
    min_count: int = 1,
    level: float = 0.1,
    seed: SeedLike = 0,
) -> dict[str, float]:
    """Check the per-exit guarantee, with the rows of ``pool`` as the population.

    Each repetition draws a fitting set (``n_fit`` rows) and a calibration set (``n_calibration``
    rows) i.i.d. from ``pool``. The heuristic, a conditional PCEE, is fitted on both sets together;
    the guaranteed rule fits a PCEE whose bins need ``min_count`` samples on the fitting set and runs
    :class:`~inloop.earlyexit.rules.ExitwiseRiskControlRule` on the calibration set. Both are then
    evaluated exactly on the whole pool: a repetition *violates* if some intermediate exit's error
    among the pool samples it releases exceeds :math:`1-\\delta`.

    Parameters
    ----------
    pool : ExitTable
        The population, ``(n, E)``.
    labels : int array of shape (n,)
        Its labels.
    delta : float
        Target accuracy at every exit.
    n_fit, n_calibration, repeats : int
        Sizes of the two draws and number of repetitions.
    n_bins, min_count, level : int, int, float
        Bins of the diagrams, samples a bin of the guaranteed rule's base needs, :math:`\\varepsilon`.
    seed : int or numpy.random.Generator
        Randomness of the draws.

    Returns
    -------
    dict of float
        ``violation_rate`` and ``mean_cost`` of each rule (keys prefixed ``heuristic`` and
        ``guaranteed``), and ``mean_target``, the average :math:`\\hat t` where it is finite.
    """
    delta = check_target(delta)
    y = check_labels(labels, pool.n_samples)
    n_fit = check_positive_int(n_fit, "n_fit")
    n_calibration = check_positive_int(n_calibration, "n_calibration")
    repeats = check_positive_int(repeats, "repeats")
    rng = as_generator(seed)
    alpha = 1.0 - delta
    rows: dict[str, list[float]] = {key: [] for key in ("hv", "hc", "gv", "gc", "t")}
    for _ in range(repeats):  # each repetition fits and calibrates on fresh draws
        fit_rows = rng.integers(0, pool.n_samples, n_fit)
        cal_rows = rng.integers(0, pool.n_samples, n_calibration)
        both = np.concatenate([fit_rows, cal_rows])
        heuristic = PCEE(n_bins, conditional=True).fit(pool.subset(both), y[both])
        base = PCEE(n_bins, min_count=min_count, conditional=True).fit(
            pool.subset(fit_rows), y[fit_rows]
        )
        guaranteed = ExitwiseRiskControlRule(base, level=level).fit(
            pool.subset(cal_rows), y[cal_rows]
        )
        for rule, violated, cost in ((heuristic, "hv", "hc"), (guaranteed, "gv", "gc")):
            result = rule.decide(pool, delta)
            rows[violated].append(float(np.nanmax(np.append(exit_errors(result, y), 0.0)) > alpha))
            rows[cost].append(result.mean_cost)
        rows["t"].append(guaranteed.threshold(delta))
    targets = np.array(rows["t"])
    return {
        "heuristic violation rate": float(np.mean(rows["hv"])),
        "guaranteed violation rate": float(np.mean(rows["gv"])),
        "heuristic mean cost": float(np.mean(rows["hc"])),
        "guaranteed mean cost": float(np.mean(rows["gc"])),
        "mean target": float(targets[np.isfinite(targets)].mean())
        if np.isfinite(targets).any()
        else float("inf"),
    }


def best_within_budget(
    rules: dict[str, ExitRule],
    validation: ExitTable,
    validation_labels,
    test: ExitTable,
    test_labels,
    deltas,
    budget: float,
) -> dict[str, Any]:
    """Choose, on validation data, the rule and target most accurate within an average cost; test it.

    Parameters
    ----------
    rules : dict of ExitRule
        Fitted rules to choose from.
    validation, test : ExitTable
        Outputs of one network on the two splits.
    validation_labels, test_labels : int arrays
        Their labels.
    deltas : array of shape (G,)
        Candidate targets.
    budget : float
        Largest allowed mean cost on validation data.

    Returns
    -------
    dict
        ``rule``, ``delta``, and the test ``accuracy`` and ``mean_cost`` of the choice (the last
        exit alone, ``rule = "last exit"``, if nothing fits, or if its cost fits and it is better).
    """
    best: tuple[float, str, float] | None = None
    for name, rule in rules.items():  # a handful of rules, each swept on cached outputs
        curve = sweep(rule, validation, validation_labels, deltas)
        allowed = np.flatnonzero(curve["mean_cost"] <= budget)
        if allowed.size:
            k = allowed[np.argmax(curve["accuracy"][allowed])]
            if best is None or curve["accuracy"][k] > best[0]:
                best = (float(curve["accuracy"][k]), name, float(deltas[k]))
    if best is None:
        raise ValueError(f"no rule and target costs at most {budget} on validation data.")
    result = rules[best[1]].decide(test, best[2])
    return {
        "rule": best[1],
        "delta": best[2],
        "accuracy": result.accuracy(test_labels),
        "mean_cost": result.mean_cost,
    }


def paired_interval(differences, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of paired differences (one per seed) and its Student-t interval: (mean, low, high).

    With a single difference the interval is infinite.
    """
    from scipy.stats import t as student

    d = check_array(differences, "differences", ndim=1)
    mean = float(d.mean())
    if d.size < 2:
        return mean, -np.inf, np.inf
    half = float(student.ppf(0.5 + confidence / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
    return mean, mean - half, mean + half
