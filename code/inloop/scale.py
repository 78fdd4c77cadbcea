"""The two presets every chapter runs at.

``"book"`` is sized to run a chapter on a laptop CPU in minutes; it produces the outputs committed
with the book. ``"paper"`` uses the sizes of the paper a chapter reproduces. A chapter keeps its
own table of settings for both presets and selects one with :func:`preset`::

    settings = preset(SCALE, book=CreditRun(rounds=25), paper=CreditRun(rounds=100))

The prose of a chapter quotes the book preset's outputs; :class:`Findings` checks its stated
results strictly there and lists, at the paper preset, the ones that come out differently.
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


class Findings:
    """The checks behind a chapter's stated results, strict at the preset its text describes.

    A chapter's prose quotes the outputs of one preset (``text_scale``, the book preset). There, a
    finding that fails raises ``AssertionError``, exactly as a plain ``assert`` would. At the other
    preset the numbers may legitimately come out differently; a failed finding is printed and kept
    in ``differ`` instead of stopping the run, so that one run of the other preset lists every
    finding that does not carry over to it. Checks that must hold at every preset (a guarantee, a
    closed form, a budget) stay plain ``assert`` statements.

    >>> findings = Findings("paper")
    >>> findings.check(1 > 2, "one should exceed two")
    at the paper preset this finding does not hold: one should exceed two
    >>> findings.differ
    ['one should exceed two']
    """

    def __init__(self, scale: str, text_scale: str = "book"):
        self.scale = check_choice(scale, "scale", SCALES)
        self.text_scale = check_choice(text_scale, "text_scale", SCALES)
        self.differ: list[str] = []

    @property
    def strict(self) -> bool:
        """Whether a failed finding raises (the preset the text describes)."""
        return self.scale == self.text_scale

    def check(self, condition, finding: str) -> None:
        """Check one stated finding; ``finding`` says in words what should hold."""
        if not isinstance(finding, str) or not finding:
            raise ValueError(f"finding must be a non-empty string, got {finding!r}.")
        if bool(condition):
            return
        if self.strict:
            raise AssertionError(finding)
        self.differ.append(finding)
        print(f"at the {self.scale} preset this finding does not hold: {finding}")
