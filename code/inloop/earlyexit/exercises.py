"""Checkers for the coding exercises of Chapter 6.

Each checker runs the reader's function on inputs with known answers and, when the answer is wrong,
names the likely mistake: :func:`check_ece` (expected calibration error), :func:`check_first_exit`
(the exit at which a sample leaves), :func:`check_fixed_sequence` (fixed-sequence testing) and
:func:`check_exit_costs` (the cost of each exit).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._exercise import fail, passed, require
from .calibration import bin_index, expected_calibration_error

__all__ = ["check_ece", "check_exit_costs", "check_first_exit", "check_fixed_sequence"]


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


def _reference_first_exit(scores: np.ndarray, threshold: float) -> np.ndarray:
    """:math:`e_n = \\min\\{i : s_{n,i} \\ge \\tau\\}`, or the last exit if no score passes (0-based)."""
    passes = scores >= threshold
    passes[:, -1] = True
    return passes.argmax(axis=1)


def check_first_exit(candidate: Callable[[np.ndarray, float], np.ndarray]) -> None:
    """Check ``candidate(scores, threshold)``: the 0-based exit at which each sample leaves.

    A sample leaves at the first exit whose score reaches the threshold, :math:`s_{n,i} \\ge \\tau`,
    and at the last exit if none does. The messages name the usual mistakes: no fallback to the
    last exit, the last passing exit instead of the first, a strict inequality, 1-based exits, and
    a loop that is too slow for a cached table.

    Parameters
    ----------
    candidate : callable
        The student's function: scores of shape ``(n, E)`` and a threshold, to integers ``(n,)``.
    """
    scores = np.array(
        [
            [0.95, 0.99, 0.99],  # passes at once
            [0.50, 0.90, 0.99],  # passes exactly at the threshold at exit 2
            [0.20, 0.40, 0.60],  # never passes: falls back to the last exit
            [0.50, 0.95, 0.30],  # passes at exit 2 only
        ]
    )
    expected = np.array([0, 1, 2, 1])
    got = np.asarray(candidate(scores.copy(), 0.9))
    require(
        got.shape == expected.shape, f"Return one exit per sample, shape (4,); got {got.shape}."
    )
    if np.array_equal(got, expected):
        rng = np.random.default_rng(0)
        big = rng.random((20_000, 4))
        want = _reference_first_exit(big, 0.7)
        require(
            np.array_equal(np.asarray(candidate(big, 0.7)), want),
            "Right on the small table but not on a random one: check rows where several exits pass.",
        )
        passed(
            "samples leave at the first exit whose score reaches the threshold, else at the last."
        )
        return
    require(
        not np.array_equal(got, expected + 1),
        "Your exits are numbered from 1; return 0-based indices (column numbers of `scores`).",
    )
    require(
        got[2] == 2,
        "A sample whose score never reaches the threshold must leave at the last exit (index "
        f"E - 1 = 2); yours returned {got[2]} for the row [0.2, 0.4, 0.6].",
    )
    require(
        got[0] == 0,
        "Take the *first* exit that passes, not the last: the row [0.95, 0.99, 0.99] leaves at "
        f"index 0, yours returned {got[0]}.",
    )
    require(
        got[1] == 1,
        "A score equal to the threshold passes (the rule is s >= tau): the row [0.5, 0.9, 0.99] "
        f"leaves at exit index 1, yours returned {got[1]}.",
    )
    fail(f"Expected exits {expected.tolist()} for the rows of the test table, got {got.tolist()}.")


def check_fixed_sequence(candidate: Callable[[np.ndarray, float], int]) -> None:
    """Check ``candidate(p_values, level)``: how many hypotheses fixed-sequence testing rejects.

    The hypotheses are tested in the given order; each is rejected if :math:`p \\le` ``level``,
    and testing stops at the first that is not. The messages name the usual mistakes: counting
    every small p-value (which loses the family-wise guarantee), a strict inequality, and
    returning a position instead of a count.

    Parameters
    ----------
    candidate : callable
        The student's function: p-values of shape ``(G,)`` in testing order and a level, to an int.
    """
    from .rules import fixed_sequence

    cases = [
        (np.array([0.01, 0.02, 0.5, 0.03, 0.01]), 0.1),
        (np.array([0.2, 0.01, 0.01]), 0.1),
        (np.array([0.01, 0.1, 0.3]), 0.1),
        (np.array([0.0, 0.0, 0.0]), 0.05),
    ]
    for p_values, level in cases:
        expected = int(fixed_sequence(p_values, level))
        got = candidate(p_values.copy(), level)
        require(
            isinstance(got, (int, np.integer)) and not isinstance(got, bool),
            f"Return the number of rejected hypotheses as an int; got {got!r}.",
        )
        if got == expected:
            continue
        require(
            got != int(np.sum(p_values <= level)),
            f"For p-values {p_values.tolist()} you counted every p-value below the level. "
            "Fixed-sequence testing stops at the first p-value above it: the hypotheses after it "
            "are never tested, which is what keeps the family-wise error at the level.",
        )
        require(
            got != int(np.cumprod(p_values < level).sum()),
            f"For p-values {p_values.tolist()} at level {level}: a p-value equal to the level "
            "rejects (p <= level).",
        )
        require(
            got != expected - 1,
            "Return how many hypotheses were rejected, not the index of the last rejected one.",
        )
        fail(
            f"For p-values {p_values.tolist()} at level {level}, {expected} are rejected; got {got}."
        )
    passed("testing stops at the first p-value above the level, and equality rejects.")


def check_exit_costs(candidate: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``candidate(blocks, heads)``: the cost :math:`C_i = \\sum_{j \\le i}(B_j + H_j)` of each exit.

    The messages name the usual mistakes: forgetting the heads of the earlier exits (only head
    :math:`i` counted), forgetting the heads altogether, and not accumulating the blocks.

    Parameters
    ----------
    candidate : callable
        The student's function: block and head costs, each of shape ``(E,)``, to ``(E,)``.
    """
    blocks, heads = np.array([100, 400, 900]), np.array([10, 20, 30])
    expected = np.cumsum(blocks + heads)
    got = np.asarray(candidate(blocks.copy(), heads.copy()))
    require(got.shape == expected.shape, f"Return one cost per exit, shape (3,); got {got.shape}.")
    if np.array_equal(got, expected):
        passed("leaving at exit i pays for every block and every head up to i.")
        return
    require(
        not np.array_equal(got, np.cumsum(blocks) + heads),
        "You counted only the head of the exit the sample leaves at. Every earlier head was also "
        "evaluated (and its answer declined): add the heads cumulatively too.",
    )
    require(
        not np.array_equal(got, np.cumsum(blocks)),
        "The heads cost multiply-adds too: add the cost of every head up to exit i.",
    )
    require(
        not np.array_equal(got, blocks + heads),
        "A sample that leaves at exit i has run blocks 1..i, not only block i: accumulate.",
    )
    fail(
        f"For blocks {blocks.tolist()} and heads {heads.tolist()} expected {expected.tolist()}, got {got.tolist()}."
    )
