"""Input validation shared by the whole package.

Every public function checks its inputs here, at the package boundary, so that a wrong input
fails with a message that says what was wrong and what is allowed, instead of producing a silent
wrong answer or a deep stack trace.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_real(value, name: str, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """Return ``value`` as a float after checking that it is a finite real number in a range.

    ``low``/``high`` bound the range; ``low_open``/``high_open`` make the bound strict.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"{name} must be a real number, got {value!r} of type {type(value).__name__}."
        )
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    if low is not None and (value < low or (low_open and value == low)):
        bracket = "(" if low_open else "["
        upper = f"{high}{')' if high_open else ']'}" if high is not None else "inf)"
        raise ValueError(f"{name} must lie in {bracket}{low}, {upper}, got {value}.")
    if high is not None and (value > high or (high_open and value == high)):
        lower = f"{'(' if low_open else '['}{low}" if low is not None else "(-inf"
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must lie in {lower}, {high}{bracket}, got {value}.")
    return value


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking that it is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"{name} must be an integer, got {value!r} of type {type(value).__name__}."
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}.")
    return int(value)


def check_array(value, name: str, *, ndim: int | None = None, finite: bool = True) -> np.ndarray:
    """Return ``value`` as a float64 array after checking its number of dimensions and finiteness."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of real numbers ({error}).") from None
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-dimensional array, got shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}.")
    if finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite values (found NaN or infinity).")
    return array


def check_binary_labels(labels, name: str = "labels") -> np.ndarray:
    """Return labels as a float64 vector after checking that every entry is 0 or 1."""
    array = check_array(labels, name, ndim=1)
    bad = ~np.isin(array, (0.0, 1.0))
    if bad.any():
        examples = np.unique(array[bad])[:5]
        raise ValueError(
            f"{name} must be binary (0 or 1); found other values such as {examples.tolist()}."
        )
    return array


def check_same_length(
    first: np.ndarray, second: np.ndarray, first_name: str, second_name: str
) -> None:
    """Check that two arrays have the same number of rows."""
    if first.shape[0] != second.shape[0]:
        raise ValueError(
            f"{first_name} and {second_name} must have the same number of rows, "
            f"got {first.shape[0]} and {second.shape[0]}."
        )


def check_choice(value, name: str, allowed) -> str:
    """Check that ``value`` is one of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}.")
    return value


def check_indices(indices, name: str, size: int) -> np.ndarray:
    """Return integer column indices after checking that they are distinct and in ``[0, size)``."""
    array = np.asarray(indices)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must be a non-empty 1-d sequence of integers, got {indices!r}.")
    if array.min() < 0 or array.max() >= size:
        raise ValueError(f"{name} must lie in [0, {size - 1}], got {array.tolist()}.")
    if np.unique(array).size != array.size:
        raise ValueError(f"{name} must not repeat an index, got {array.tolist()}.")
    return array.astype(np.intp)
