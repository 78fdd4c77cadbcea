"""Checker for the coding exercise of Chapter 6 (expected calibration error)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._exercise import fail, passed, require
from .calibration import bin_index, expected_calibration_error


def _unweighted_ece(confidences: np.ndarray, correct: np.ndarray, n_bins: int) -> float:
    """The common mistake: every non-empty bin weighs the same."""
    index = bin_index(confidences, n_bins)
    counts = np.bincount(index, minlength=n_bins)
    full = counts > 0
    sums = np.bincount(index, confidences, n_bins) - np.bincount(index, correct, n_bins)
    return float(np.mean(np.abs(sums[full]) / counts[full]))


def check_ece(candidate: Callable[[np.ndarray, np.ndarray, int], float]) -> None:
    """Check ``candidate(confidences, correct, n_bins)`` against :func:`~inloop.earlyexit.calibration.expected_calibration_error`.

    Fails with a message that names the likely mistake: an unweighted mean over bins, confidences
    of exactly 1 dropped, or another wrong value.

    Parameters
    ----------
    candidate : callable
        The student's function: confidences ``(n,)`` and 0/1 correctness ``(n,)`` and a number of
        bins, to a float.
    """
    rng = np.random.default_rng(0)
    confidences = np.concatenate([rng.uniform(0.1, 1.0, 300), np.ones(20)])
    correct = (rng.random(confidences.size) < confidences**2).astype(float)
    for n_bins in (1, 10, 15):
        expected = expected_calibration_error(confidences, correct, n_bins)
        got = float(candidate(confidences, correct, n_bins))
        if np.isclose(got, expected, atol=1e-9):
            continue
        require(
            not np.isclose(got, _unweighted_ece(confidences, correct, n_bins)),
            "You averaged the bins equally; weight each bin by its share of the samples.",
        )
        kept = confidences < 1
        require(
            not np.isclose(
                got, expected_calibration_error(confidences[kept], correct[kept], n_bins)
            ),
            "Confidences equal to 1 were dropped: they belong to the last bin.",
        )
        fail(
            f"With {n_bins} bins the ECE should be {expected:.6f}, your function returned {got:.6f}."
        )
    passed("your ECE matches on 1, 10 and 15 bins.")
