"""Checker for the coding exercise of Chapter 6 (expected calibration error)."""

from __future__ import annotations

import numpy as np

from .calibration import expected_calibration_error


def check_ece(candidate) -> bool:
    """Check ``candidate(confidences, correct, n_bins)`` against :func:`~inloop.earlyexit.calibration.expected_calibration_error`.

    Raises an ``AssertionError`` that names the likely mistake: an unweighted mean over bins,
    confidences of exactly 1 dropped, or a wrong sign inside the absolute value.
    """
    rng = np.random.default_rng(0)
    confidences = np.concatenate([rng.uniform(0.1, 1.0, 300), np.ones(20)])
    correct = (rng.random(confidences.size) < confidences**2).astype(float)
    for n_bins in (1, 10, 15):
        expected = expected_calibration_error(confidences, correct, n_bins)
        got = float(candidate(confidences, correct, n_bins))
        if np.isclose(got, expected, atol=1e-9):
            continue
        index = np.minimum((confidences * n_bins).astype(int), n_bins - 1)
        counts = np.bincount(index, minlength=n_bins)
        full = counts > 0
        gaps = (
            np.abs(
                np.bincount(index, confidences, n_bins)[full]
                - np.bincount(index, correct, n_bins)[full]
            )
            / counts[full]
        )
        if np.isclose(got, gaps.mean()):
            raise AssertionError(
                "You averaged the bins equally; weight each bin by its share of the samples."
            )
        kept = confidences < 1
        if np.isclose(got, expected_calibration_error(confidences[kept], correct[kept], n_bins)):
            raise AssertionError(
                "Confidences equal to 1 were dropped: they belong to the last bin."
            )
        raise AssertionError(
            f"With {n_bins} bins the ECE should be {expected:.6f}, your function returned {got:.6f}."
        )
    print("Correct: your ECE matches on 1, 10 and 15 bins.")
    return True
