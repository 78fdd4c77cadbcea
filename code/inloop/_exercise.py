"""One way for every exercise checker to pass or fail.

A checker runs a student's function on inputs with known answers. When something is wrong it calls
:func:`fail` with a message that teaches (what was expected, what was found, what to try); when
all is well it calls :func:`passed`. Checkers never use a bare ``assert``, which ``python -O``
removes, so an answer can never pass by accident.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NoReturn


class ExerciseFailure(AssertionError):
    """An exercise answer is wrong; the message says what to change."""


def fail(message: str) -> NoReturn:
    """Reject an answer with a teaching ``message``."""
    raise ExerciseFailure(message)


def require(condition: bool, message: str) -> None:
    """Reject the answer with ``message`` unless ``condition`` holds."""
    if not condition:
        fail(message)


def require_fast(
    function: Callable[..., Any], args: tuple[Any, ...], seconds: float, hint: str
) -> Any:
    """Call ``function(*args)`` and reject the answer if it takes longer than ``seconds``.

    The answer is already known to be correct when this runs, so the message starts with
    "Correct, but slow" followed by ``hint`` (usually: which loop to replace by an array operation).
    """
    start = time.perf_counter()
    result = function(*args)
    if time.perf_counter() - start > seconds:
        fail(f"Correct, but slow: {hint}")
    return result


def passed(message: str) -> None:
    """Accept the answer and say what it got right."""
    print(f"Correct: {message}")
