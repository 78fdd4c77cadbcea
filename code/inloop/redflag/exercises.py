"""Checkers for the coding exercises of Chapter 5.

Each checker runs a student's function on inputs with known answers; it rejects a wrong answer
with a message that says what to change (:func:`inloop._exercise.fail`) or prints a confirmation.
"""

from __future__ import annotations

import torch

from .._exercise import fail, passed, require, require_fast
from .detection import max_flag_score
from .objective import insert_flag

__all__ = ["check_insert_flag", "check_max_flag_score"]


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
