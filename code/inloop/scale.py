"""The two presets every chapter runs at.

``"book"`` is sized to run a chapter on a laptop CPU in minutes; it produces the outputs committed
with the book. ``"paper"`` uses the sizes of the paper a chapter reproduces. A chapter keeps its
own table of settings for both presets and selects one with :func:`preset`::

    settings = preset(SCALE, book=CreditRun(rounds=25), paper=CreditRun(rounds=100))
"""

from __future__ import annotations

from typing import TypeVar

from ._checks import check_choice

SCALES = ("book", "paper")

T = TypeVar("T")


def preset(scale: str, *, book: T, paper: T) -> T:
    """Return the settings for ``scale``, which must be ``"book"`` or ``"paper"``."""
    check_choice(scale, "scale", SCALES)
    return book if scale == "book" else paper
