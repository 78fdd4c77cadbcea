"""Sweeps over targets and summaries that the chapter prints and plots, all on cached outputs."""

from __future__ import annotations

import numpy as np

from .._checks import check_array, check_positive_int
from .rules import PCEE, ExitResult, ExitRule, ExitTable, check_labels, check_target


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

    Returns, per target: overall accuracy, accuracy of the samples released early, mean cost, the
    worst accuracy over intermediate exits that release at least ``min_released`` samples (NaN if
    none does), and the fraction of samples leaving at each exit.
    """
    deltas = check_array(deltas, "deltas", ndim=1)
    for delta in deltas:
        check_target(delta, "every delta")
    min_released = check_positive_int(min_released, "min_released")
    rows = {
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
    bin_counts=(5, 15, 40),
    sizes=(200, 600, 1700),
    repeats: int = 8,
    cost_at: float = 0.9,
    min_released: int = 30,
    seed: int = 0,
) -> list[dict]:
    """Worst-exit miss and cost of the conditional PCEE when its diagrams come from random validation subsets.

    For each validation ``size`` (``repeats`` random subsets, shared across bin counts) and each number
    of bins, returns the mean over subsets of :func:`shortfall` of the worst-exit accuracy over
    ``deltas`` and the mean cost at the target ``cost_at``.
    """
    repeats = check_positive_int(repeats, "repeats")
    y_val = check_labels(validation_labels, validation.n_samples)
    rng = np.random.default_rng(seed)
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
            for (
                used
            ) in subsets:  # a few random subsets; each is evaluated on the whole test table at once
                rule = PCEE(bins, conditional=True).fit(validation.subset(used), y_val[used])
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
