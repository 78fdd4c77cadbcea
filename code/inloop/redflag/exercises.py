"""Checkers for the coding exercises of Chapter 5.

Each checker runs a student's function on inputs with known answers and raises an
``AssertionError`` that says what is wrong, or prints a confirmation.
"""

from __future__ import annotations

import time

import torch

from .detection import max_flag_score
from .objective import insert_flag


def check_insert_flag(candidate) -> bool:
    """Check a vectorised ``candidate(tokens, position, flag_id)`` that inserts the flag before ``position``."""
    tokens = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    position = torch.tensor([0, 2, 4])
    original = tokens.clone()
    result = torch.as_tensor(candidate(tokens, position, 99))
    expected = insert_flag(original, position, 99)
    if not torch.equal(tokens, original):
        raise AssertionError("Your function changed its input in place; build a new tensor.")
    if result.shape != expected.shape:
        raise AssertionError(
            f"Expected shape {tuple(expected.shape)} (one more column), got {tuple(result.shape)}."
        )
    if (result == 99).sum() != 3:
        raise AssertionError("Each row must contain the flag exactly once.")
    if not torch.equal(result, expected):
        raise AssertionError(
            f"Wrong placement: for positions {position.tolist()} expected {expected.tolist()}, "
            f"got {result.tolist()}. The flag goes *before* index position[i]."
        )
    large = torch.randint(0, 50, (20_000, 64))
    start = time.perf_counter()
    candidate(large, torch.randint(0, 65, (20_000,)), 99)
    if time.perf_counter() - start > 2.0:
        raise AssertionError(
            "Correct, but slow: replace the loop over rows by index arithmetic (torch.where, gather)."
        )
    print("Correct: the flag is inserted before the given index of every row, without a loop.")
    return True


def check_max_flag_score(candidate) -> bool:
    """Check ``candidate(probabilities, from_slot)``: per-row maximum over slots ``>= from_slot``, NaN-safe."""
    probabilities = torch.tensor([[0.9, 0.1, 0.2], [0.1, 0.8, float("nan")], [0.3, 0.2, 0.1]])
    expected = max_flag_score(probabilities, 1)
    result = torch.as_tensor(candidate(probabilities, 1), dtype=torch.float64).numpy()
    if result.shape != expected.shape:
        raise AssertionError(
            f"Expected one score per response, shape {expected.shape}, got {result.shape}."
        )
    if abs(result[0] - 0.9) < 1e-6:
        raise AssertionError(
            "Row 0 scored 0.9: slots before from_slot (the prefilled ones) must be ignored."
        )
    if not (result == result).all():
        raise AssertionError(
            "A score is NaN: slots past the end of a response must be ignored, not propagated."
        )
    if not abs(result - expected).max() < 1e-6:
        raise AssertionError(f"Expected {expected.tolist()}, got {result.tolist()}.")
    print("Correct: the score ignores prefilled slots and padding.")
    return True
