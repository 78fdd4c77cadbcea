"""Checkers for the coding exercises of the neural performative prediction chapter.

Each checker runs the reader's function on instances with known answers and either prints
"Correct: ..." or raises :class:`~inloop._exercise.ExerciseFailure` with a message that says what
is wrong and what to try.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._exercise import fail, passed, require
from .rir import ResampleIfRejected, chi_square

__all__ = ["check_rir_draw", "check_row_probabilities", "check_sensitivity_ratio"]


def _row_probabilities(predictions: np.ndarray, delta: float) -> np.ndarray:
    n = predictions.size
    return ResampleIfRejected(np.zeros((n, 1)), np.zeros(n), delta).row_probabilities(predictions)


def check_row_probabilities(candidate, trials: int = 5, seed: int = 0) -> None:
    """Check a function ``candidate(predictions, delta)`` returning the RIR row probabilities (the induced density).

    Prints a confirmation, or raises :class:`~inloop._exercise.ExerciseFailure` saying what is wrong.
    """
    rng = np.random.default_rng(seed)
    for _ in range(trials):
        n = int(rng.integers(3, 12))
        delta = float(rng.uniform(0.05, 0.95))
        predictions = rng.uniform(0.0, 1.0 - delta, size=n)
        expected = _row_probabilities(predictions, delta)
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
    passed(f"the row probabilities of the induced density are right on {trials} random instances.")


def check_sensitivity_ratio(
    candidate: Callable[[np.ndarray, np.ndarray, float], float], trials: int = 5, seed: int = 0
) -> None:
    """Check ``candidate(f, f_new, delta)``: the ratio ``chi2(q_new, q) / mean((f_new - f)**2)``.

    ``f`` and ``f_new`` are two predictors on a finite support of equally likely points, ``q`` and
    ``q_new`` the RIR distributions they induce (:meth:`ResampleIfRejected.row_probabilities`), and
    the ratio is the quantity that Proposition "Sensitivity of RIR" bounds by ``1/delta``.
    """
    rng = np.random.default_rng(seed)
    for _ in range(trials):
        n = int(rng.integers(4, 30))
        delta = float(rng.uniform(0.1, 0.9))
        f, f_new = rng.uniform(0.0, 1.0 - delta, size=(2, n))
        q, q_new = _row_probabilities(f, delta), _row_probabilities(f_new, delta)
        distance = np.mean((f_new - f) ** 2)
        expected = chi_square(q_new, q) / distance
        got = float(candidate(f.copy(), f_new.copy(), delta))
        if abs(got - expected) <= 1e-9 * max(1.0, abs(expected)):
            continue
        if abs(got - chi_square(q, q_new) / distance) <= 1e-9 * max(1.0, abs(expected)):
            fail(
                "you divided by the new distribution: chi2(D(f'), D(f)) divides by the density "
                "induced by the *deployed* predictor f, sum (q_new - q)**2 / q."
            )
        if abs(got - expected * distance / np.sqrt(distance)) <= 1e-9 * max(1.0, abs(expected)):
            fail(
                "divide by the *squared* norm ||f - f'||_p^2 = mean((f_new - f)**2), not the norm."
            )
        if abs(got - expected / n) <= 1e-9 * max(1.0, abs(expected)):
            fail(
                "the norm is taken under the base distribution p, uniform on the support: use the "
                "mean of (f_new - f)**2, not its sum."
            )
        fail(
            f"wrong ratio on a support of {n} points with delta={delta:.3f}: expected "
            f"{expected:.6f}, got {got:.6f}. Compute q and q_new with the row probabilities "
            "(1 - g + mean(g))/n, then chi2 = sum((q_new - q)**2 / q)."
        )
    passed(f"chi-square over squared distance is right on {trials} random pairs of predictors.")


def check_rir_draw(
    candidate: Callable[[np.ndarray, float, int, np.random.Generator], np.ndarray],
    size: int = 200_000,
    seed: int = 0,
) -> None:
    """Check ``candidate(predictions, delta, size, rng)``: ``size`` row indices drawn by RIR.

    The base distribution is uniform on the ``n = len(predictions)`` rows. The checker compares the
    frequencies of the returned indices with the exact row probabilities by a chi-square test and
    names the usual mistakes (redrawing until a draw is kept; never redrawing).
    """
    rng = np.random.default_rng(seed)
    delta = 0.25
    predictions = np.array([0.0, 0.25, 0.5, 0.75])
    got = np.asarray(candidate(predictions.copy(), delta, size, rng))
    require(got.shape == (size,), f"return {size} row indices, shape ({size},); got {got.shape}.")
    require(
        np.issubdtype(got.dtype, np.integer) and got.min() >= 0 and got.max() < predictions.size,
        f"return integer row indices between 0 and {predictions.size - 1}.",
    )
    frequencies = np.bincount(got, minlength=predictions.size) / size
    expected = _row_probabilities(predictions, delta)
    tolerance = 4.0 * np.sqrt(expected * (1 - expected) / size)  # four standard errors
    if np.all(np.abs(frequencies - expected) <= tolerance):
        passed(
            f"the frequencies of {size} draws match the RIR row probabilities "
            f"{np.round(expected, 4)} within four standard errors."
        )
        return
    until_kept = (1 - predictions - delta) / (1 - predictions - delta).sum()
    if np.all(np.abs(frequencies - until_kept) <= 4.0 * np.sqrt(until_kept / size) + 1e-12):
        fail(
            "your sample never contains the row that is always rejected: you redraw until a draw "
            "is kept. In RIR a rejected individual is replaced by ONE fresh draw, which is kept "
            "whatever its score."
        )
    if np.all(np.abs(frequencies - 0.25) <= 4.0 * np.sqrt(0.25 * 0.75 / size)):
        fail(
            "your frequencies are uniform: the deployed predictor has no effect. Reject each "
            "draw with probability f(x) + delta and replace it by a fresh uniform draw."
        )
    fail(
        f"the frequencies {np.round(frequencies, 4)} do not match the RIR row probabilities "
        f"{np.round(expected, 4)}: draw a row uniformly, reject it with probability "
        "predictions[row] + delta, and replace a rejected row by one more uniform draw."
    )
