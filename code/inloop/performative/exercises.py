"""Checkers for the coding exercises of Chapter 1.

A checker runs a student's function on inputs with known answers and raises an ``AssertionError``
that says *what* is wrong (shape, sign, untouched columns, input modified in place, speed), or
prints a confirmation.
"""

from __future__ import annotations

import time

import numpy as np

from .strategic import best_response


def check_best_response(candidate) -> bool:
    """Check a vectorised implementation of Perdomo et al.'s best response.

    ``candidate(features, theta, epsilon, strategic)`` must return new features with
    :math:`x'_S = x_S - \\varepsilon\\theta_S` on the strategic columns ``S`` and every other column
    unchanged, without modifying its input.
    """
    rng = np.random.default_rng(0)
    features = rng.standard_normal((40, 6))
    theta = rng.standard_normal(6)
    strategic = (1, 4)
    epsilon = 2.5
    original = features.copy()
    result = np.asarray(candidate(features, theta, epsilon, strategic))
    expected = best_response(original, theta, epsilon, strategic)
    if not np.array_equal(features, original):
        raise AssertionError("Your function changed its input array in place; work on a copy (features.copy()).")
    if result.shape != expected.shape:
        raise AssertionError(f"Expected an array of shape {expected.shape} (same as the features), got {result.shape}.")
    others = [j for j in range(6) if j not in strategic]
    if not np.allclose(result[:, others], original[:, others]):
        raise AssertionError("Non-strategic columns changed: only the columns listed in `strategic` may move.")
    if np.allclose(result, best_response(original, -theta, epsilon, strategic)):
        raise AssertionError("The sign is flipped: applicants move *against* theta_S (x_S - epsilon * theta_S), "
                             "because a lower score means a lower predicted risk.")
    if np.allclose(result, best_response(original, theta, 1.0, strategic)):
        raise AssertionError("The shift ignores epsilon: its size must be epsilon * theta_S.")
    if not np.allclose(result, expected):
        raise AssertionError("The strategic columns are wrong: expected x_S - epsilon * theta_S for every row.")
    large = rng.standard_normal((200_000, 6))
    start = time.perf_counter()
    candidate(large, theta, epsilon, strategic)
    if time.perf_counter() - start > 1.0:
        raise AssertionError("Correct, but slow on 200,000 rows: replace the loop over rows by one array operation.")
    print("Correct: strategic columns move by -epsilon * theta_S, the others stay, the input is untouched.")
    return True
