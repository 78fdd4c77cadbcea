"""Checkers for the coding exercises of the neural performative prediction chapter."""

from __future__ import annotations

import numpy as np

from .._exercise import passed, require
from .rir import ResampleIfRejected


def check_row_probabilities(candidate, trials: int = 5, seed: int = 0) -> None:
    """Check a function ``candidate(predictions, delta)`` returning the RIR row probabilities (equation 2).

    Prints a confirmation, or raises :class:`~inloop._exercise.ExerciseFailure` saying what is wrong.
    """
    rng = np.random.default_rng(seed)
    for _ in range(trials):
        n = int(rng.integers(3, 12))
        delta = float(rng.uniform(0.05, 0.95))
        predictions = rng.uniform(0.0, 1.0 - delta, size=n)
        base = ResampleIfRejected(np.zeros((n, 1)), np.zeros(n), delta)
        expected = base.row_probabilities(predictions)
        got = np.asarray(candidate(predictions.copy(), delta), dtype=float)
        require(
            got.shape == (n,),
            f"expected one probability per row, shape ({n},); got shape {got.shape}.",
        )
        require(bool(np.all(got >= 0)), "probabilities must be non-negative.")
        require(
            abs(got.sum() - 1.0) < 1e-9,
            f"probabilities must sum to 1, yours sum to {got.sum():.6f}.",
        )
        keep_only = (1.0 - predictions - delta) / (1.0 - predictions - delta).sum()
        require(
            not np.allclose(got, keep_only),
            "you renormalised the kept rows; remember that rejected rows are redrawn uniformly, "
            "so each row also receives mass mean(g)/n from the redraws.",
        )
        require(
            bool(np.allclose(got, expected, atol=1e-12)),
            f"wrong probabilities for delta={delta:.3f}: expected {np.round(expected, 4)}, "
            f"got {np.round(got, 4)}.",
        )
    passed(f"the row probabilities of equation (2) are right on {trials} random instances.")
