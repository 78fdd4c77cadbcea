"""Checkers for the coding exercises of Chapter 5.

Each checker runs a student's function on inputs with known answers; it rejects a wrong answer
with a message that says what to change (:func:`inloop._exercise.fail`) or prints a confirmation:
:func:`check_insert_flag` (insert ⟨rf⟩ into every row without a loop), :func:`check_max_flag_score`
(the detection score over the slots the model writes), :func:`check_no_flag_probability` (the
chance that a model which samples the flag writes a whole answer without it) and
:func:`check_wilson_interval` (the Wilson score interval of a rate).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from scipy.stats import norm

from .._exercise import fail, passed, require, require_fast
from .detection import max_flag_score
from .evaluation import no_flag_probability, wilson_interval
from .objective import insert_flag

__all__ = [
    "check_insert_flag",
    "check_max_flag_score",
    "check_no_flag_probability",
    "check_wilson_interval",
]


def check_insert_flag(candidate) -> None:
    """Check a vectorised ``candidate(tokens, position, flag_id)`` that inserts the flag before ``position``."""
    tokens = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    position = torch.tensor([0, 2, 4])
    original = tokens.clone()
    result = torch.as_tensor(candidate(tokens, position, 99))
    expected = insert_flag(original, position, 99)
    require(
        torch.equal(tokens, original),
        "Your function changed its input in place; build a new tensor.",
    )
    require(
        result.shape == expected.shape,
        f"Expected shape {tuple(expected.shape)} (one more column), got {tuple(result.shape)}.",
    )
    require(int((result == 99).sum()) == 3, "Each row must contain the flag exactly once.")
    if not torch.equal(result, expected):
        fail(
            f"Wrong placement: for positions {position.tolist()} expected {expected.tolist()}, "
            f"got {result.tolist()}. The flag goes *before* index position[i]."
        )
    large = torch.arange(20_000 * 64).reshape(20_000, 64) % 50
    where = torch.arange(20_000) % 65
    require_fast(
        candidate,
        (large, where, 99),
        2.0,
        "replace the loop over rows by index arithmetic (torch.where, gather).",
    )
    passed("the flag is inserted before the given index of every row, without a loop.")


def check_max_flag_score(candidate) -> None:
    """Check ``candidate(probabilities, from_slot)``: per-row maximum over slots ``>= from_slot``, NaN-safe."""
    probabilities = torch.tensor([[0.9, 0.1, 0.2], [0.1, 0.8, float("nan")], [0.3, 0.2, 0.1]])
    expected = max_flag_score(probabilities, 1)
    result = torch.as_tensor(candidate(probabilities, 1), dtype=torch.float64).numpy()
    require(
        result.shape == expected.shape,
        f"Expected one score per response, shape {expected.shape}, got {result.shape}.",
    )
    require(
        abs(result[0] - 0.9) >= 1e-6,
        "Row 0 scored 0.9: slots before from_slot (the prefilled ones) must be ignored.",
    )
    require(
        bool((result == result).all()),
        "A score is NaN: slots past the end of a response must be ignored, not propagated.",
    )
    require(
        float(abs(result - expected).max()) < 1e-6,
        f"Expected {expected.tolist()}, got {result.tolist()}.",
    )
    passed("the score ignores prefilled slots and padding.")


def _as_vector(value: Any, what: str, size: int) -> np.ndarray:
    """The student's result as a float64 vector of ``size`` entries, or a teaching failure."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    array = np.asarray(value, dtype=np.float64)
    require(
        array.shape == (size,),
        f"Return {what} as one number per row, shape ({size},); got shape {array.shape}.",
    )
    return array


def check_no_flag_probability(candidate: Callable[[torch.Tensor, int], Any]) -> None:
    """Check ``candidate(probabilities, from_slot)``: :math:`\\prod_{j \\ge j_0} (1 - q_j)` per row.

    A model that *samples* ⟨rf⟩ like any other token writes a whole answer without it with
    probability :math:`\\prod_j (1 - q_j)` over the slots it writes (from ``from_slot`` on); NaN
    marks slots after the end of an answer. The messages name the usual mistakes: counting the
    attacker's slots, letting NaN through, returning the probability of being flagged, and the
    threshold reading :math:`1 - \\max_j q_j`.

    Parameters
    ----------
    candidate : callable
        The student's function: flag probabilities ``(N, R)`` (a torch tensor, NaN after the end of
        an answer) and the first slot the model writes, to ``(N,)`` probabilities.
    """
    nan = float("nan")
    q = torch.tensor(
        [[0.5, 0.1, 0.2, nan], [0.9, 0.0, 0.0, 0.0], [0.2, 0.5, 0.5, 0.5]], dtype=torch.float64
    )
    original = q.clone()
    expected = no_flag_probability(q, 1)  # (0.72, 1, 0.125)
    got = _as_vector(candidate(q, 1), "the escape probability", 3)
    require(
        torch.equal(q.nan_to_num(-1.0), original.nan_to_num(-1.0)),
        "Your function changed its input in place; work on a copy.",
    )
    require(
        not np.isnan(got).any(),
        "A result is NaN: slots after the end of an answer (NaN) are not written and must not "
        "count; treat them as q = 0.",
    )
    if np.allclose(got, expected, atol=1e-9):
        long = torch.full((2, 400), 0.01, dtype=torch.float64)
        require(
            np.allclose(_as_vector(candidate(long, 0), "the escape probability", 2), 0.99**400),
            "Right on the small table but not on 400 slots of q = 0.01 (expected 0.99^400 = "
            f"{0.99**400:.4f}): check the product over long answers.",
        )
        passed("an answer escapes a sampled flag only if the flag is missed at every slot.")
        return
    require(
        not np.allclose(got, 1 - expected),
        "You returned the probability that the flag is drawn somewhere (1 - prod(1 - q)); the "
        "question asks for the probability that the answer is written without it.",
    )
    require(
        not np.allclose(got, no_flag_probability(q, 0)),
        "The first slot counted: the attacker wrote it (prefilling), so the model never had the "
        "chance to draw the flag there. Start the product at from_slot.",
    )
    require(
        not np.allclose(got, [0.8, 1.0, 0.5]),
        "You used 1 - max q, the threshold reading. A sampled flag can be drawn at any slot, "
        "independently of the others, so the chances of missing it multiply: prod(1 - q_j).",
    )
    fail(
        f"For the rows {original.tolist()} with from_slot = 1 the escape probabilities are "
        f"{np.round(expected, 6).tolist()}; your function returned {np.round(got, 6).tolist()}."
    )


def check_wilson_interval(candidate: Callable[[np.ndarray, np.ndarray], Any]) -> None:
    """Check ``candidate(successes, trials)``: the 95% Wilson score interval, vectorised.

    The interval is the set of :math:`p` with :math:`|\\hat p - p| \\le z\\sqrt{p(1-p)/n}`,
    :math:`z = \\Phi^{-1}(0.975)`; solving the quadratic gives
    :func:`~inloop.redflag.evaluation.wilson_interval`. The messages name the usual mistakes: the
    Wald interval :math:`\\hat p \\pm z\\sqrt{\\hat p(1-\\hat p)/n}` (which collapses at 0 successes),
    a wrong :math:`z`, and forgetting the denominator :math:`1 + z^2/n`.

    Parameters
    ----------
    candidate : callable
        The student's function: integer arrays of successes and trials, shape ``(m,)`` each, to
        a pair ``(low, high)`` of arrays of shape ``(m,)``.
    """
    successes = np.array([0, 3, 12, 24, 30])
    trials = np.array([24, 24, 24, 24, 32])
    low, high = wilson_interval(successes, trials)
    result = candidate(successes.copy(), trials.copy())
    require(
        isinstance(result, (tuple, list)) and len(result) == 2,
        f"Return a pair (low, high) of arrays; got {type(result).__name__}.",
    )
    got_low = _as_vector(result[0], "the lower ends", 5)
    got_high = _as_vector(result[1], "the upper ends", 5)
    if np.allclose(got_low, low, atol=1e-6) and np.allclose(got_high, high, atol=1e-6):
        passed(
            "the interval inverts the score test; at 0 successes of 24 it is "
            f"[0, {high[0]:.3f}], not the single point 0."
        )
        return
    require(
        bool((got_low <= got_high).all()),
        "Some lower end is above its upper end: return (low, high) in this order.",
    )
    z = norm.ppf(0.975)
    p = successes / trials
    wald = z * np.sqrt(p * (1 - p) / trials)
    require(
        not np.allclose(got_high, np.clip(p + wald, 0, 1), atol=1e-6),
        "This is the Wald interval p ± z sqrt(p(1-p)/n). At 0 successes it is the single point "
        "0, a certainty that 24 trials cannot give. Solve |p_hat - p| <= z sqrt(p(1-p)/n) for p "
        "instead: the variance is taken at the p being tested, not at p_hat.",
    )
    for wrong_z in (norm.ppf(0.95), 2.0, 1.0):
        other_low, other_high = _wilson_with(successes, trials, wrong_z)
        require(
            not (np.allclose(got_low, other_low, atol=1e-6) and np.allclose(got_high, other_high)),
            f"Your interval uses z = {wrong_z:.3f}; a two-sided 95% interval needs "
            f"z = Phi^-1(0.975) = {z:.3f} (scipy.stats.norm.ppf(0.975)).",
        )
    centre = p + z**2 / (2 * trials)
    half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2))
    require(
        not np.allclose(np.clip(got_high, 0, 1), np.clip(centre + half, 0, 1), atol=1e-6),
        "The centre and the half-width must both be divided by 1 + z^2 / n.",
    )
    fail(
        f"For {successes.tolist()} successes of {trials.tolist()} the 95% Wilson interval is "
        f"low {np.round(low, 4).tolist()}, high {np.round(high, 4).tolist()}; got "
        f"low {np.round(got_low, 4).tolist()}, high {np.round(got_high, 4).tolist()}."
    )


def _wilson_with(successes: np.ndarray, trials: np.ndarray, z: float):
    """The Wilson interval with another ``z`` (to recognise a wrong confidence level)."""
    p = successes / trials
    centre = (p + z**2 / (2 * trials)) / (1 + z**2 / trials)
    half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / (1 + z**2 / trials)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
