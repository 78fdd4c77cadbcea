"""One validated settings dataclass per chapter, with a book and a paper preset.

A chapter's hyperparameters (sizes, rounds, learning rates, thresholds, seeds) live in one frozen
dataclass derived from :class:`Settings`, never as numbers written inside a chapter's cells. Each
field is declared with :func:`setting`, which records its allowed range; the base class checks
every field when an instance is made, so a wrong value fails at once with a message that names
the field and what is allowed. The defaults are the ``"book"`` preset; the class attribute
``PAPER`` lists what the ``"paper"`` preset changes::

    @dataclass(frozen=True)
    class CreditSettings(Settings):
        rounds: int = setting(25, minimum=1, doc="RRM rounds")
        epsilon: float = setting(100.0, low=0.0, doc="strength of the response")
        PAPER: ClassVar[dict] = {"rounds": 100}

    settings = CreditSettings.for_scale(SCALE)     # SCALE is "book" or "paper"
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from ._checks import check_choice, check_positive_int, check_real
from .scale import preset

S = TypeVar("S", bound="Settings")


def setting(
    default: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    minimum: int | None = None,
    choices: tuple[Any, ...] | None = None,
    open_unit: bool = False,
    doc: str = "",
) -> Any:
    """A settings field: its book default, its allowed range and a short description.

    ``low``/``high`` (with ``low_open``/``high_open``) bound a real field, ``minimum`` an integer
    field (default 0), ``choices`` a field that takes one of a few values; ``open_unit=True`` is
    shorthand for a number in the open interval (0, 1). For a tuple field the bounds apply to
    every entry.
    """
    if open_unit:
        low, high, low_open, high_open = 0.0, 1.0, True, True
    metadata = {
        "low": low,
        "high": high,
        "low_open": low_open,
        "high_open": high_open,
        "minimum": minimum,
        "choices": choices,
        "doc": doc,
    }
    if isinstance(default, (list, dict, set)):
        raise TypeError("settings are immutable: use a tuple for a sequence of values.")
    return dataclasses.field(default=default, metadata=metadata)


def _check_value(value: Any, kind: str, name: str, meta: Mapping[str, Any]) -> Any:
    if meta.get("choices") is not None:
        return check_choice(value, name, meta["choices"])
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be True or False, got {value!r}.")
        return value
    if kind == "int":
        minimum = 0 if meta.get("minimum") is None else meta["minimum"]
        return check_positive_int(value, name, minimum=minimum)
    if kind == "float":
        return check_real(
            value,
            name,
            low=meta.get("low"),
            high=meta.get("high"),
            low_open=meta.get("low_open", False),
            high_open=meta.get("high_open", False),
        )
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a string, got {value!r}.")
        return value
    return value


class Settings:
    """Base class of every chapter's settings (use with ``@dataclass(frozen=True)``).

    Fields are validated by their annotation: ``int``, ``float``, ``bool``, ``str`` and tuples of
    them (``tuple[int, ...]``, ``tuple[float, ...]``); fields of other types are left to the
    subclass's own ``__post_init__``.
    """

    PAPER: ClassVar[Mapping[str, Any]] = {}
    """Fields the ``"paper"`` preset changes, with their paper values."""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            kind = str(field.type).replace(" ", "")
            value = getattr(self, field.name)
            if kind.startswith("tuple["):
                if not isinstance(value, tuple) or not value:
                    raise ValueError(f"{field.name} must be a non-empty tuple, got {value!r}.")
                inner = kind[len("tuple[") :].split(",")[0].rstrip("]")
                checked = tuple(
                    _check_value(item, inner, f"{field.name}[{i}]", field.metadata)
                    for i, item in enumerate(value)
                )
            else:
                checked = _check_value(value, kind, field.name, field.metadata)
            if isinstance(value, numbers.Real) and not isinstance(value, bool) and kind == "float":
                object.__setattr__(self, field.name, checked)
            elif kind.startswith("tuple[") and inner == "float":
                object.__setattr__(self, field.name, checked)

    @classmethod
    def book(cls: type[S]) -> S:
        """The ``"book"`` preset: sized to run the chapter on 2 CPU cores; the stored outputs."""
        return cls()

    @classmethod
    def paper(cls: type[S]) -> S:
        """The ``"paper"`` preset: the book preset with :attr:`PAPER` applied."""
        unknown = set(cls.PAPER) - {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        if unknown:
            raise TypeError(f"{cls.__name__}.PAPER names unknown fields {sorted(unknown)}.")
        return dataclasses.replace(cls(), **cls.PAPER)  # type: ignore[type-var]

    @classmethod
    def for_scale(cls: type[S], scale: str) -> S:
        """The preset for ``scale``: ``"book"`` or ``"paper"``."""
        return preset(scale, book=cls.book(), paper=cls.paper())

    def describe(self) -> str:
        """One line per field: name, value and description (for a chapter to print)."""
        rows = []
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            doc = field.metadata.get("doc", "")
            rows.append(
                f"{field.name} = {getattr(self, field.name)!r}" + (f"  # {doc}" if doc else "")
            )
        return "\n".join(rows)
