"""Concept diagram of Chapter 5: where the red flag sits in a conversation, and what trains it.

- :func:`draw_flag_in_conversation` draws three training conversations of the objective of the
  chapter (equation ``eq-redflag-objective``, (5.2) of the book): a harmful answer with the flag
  ⟨rf⟩ inserted inside its harmful part, the fixed-position baseline with the flag at slot 0, and a
  benign answer. Under each answer it marks the flag window :math:`W = \\{s, \\dots, k\\}`, the
  slots :math:`O` kept close to the original model, and the benign slots :math:`B`; beside them it
  draws the model :math:`p_\\theta`: frozen weights with a LoRA adapter and one new row for the flag
  in the embedding and the output head.
- :func:`toy_token_names` gives readable names to the tokens of the toy world
  (:class:`~inloop.redflag.toy.ToyWorld`), so that a chapter can print a toy conversation.

Colour is never the only cue: harmful tokens are hatched as well as tinted, the flag is a filled
box with its own label, and trained parts of the model are labelled "trained".
"""

from __future__ import annotations

import numbers
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from ..plotting import MAX_WIDTH, PALETTE
from .toy import SPECIAL_NAMES, ToyWorld

__all__ = ["FLAG_LABEL", "draw_flag_in_conversation", "toy_token_names"]

#: How the diagram writes the red flag token.
FLAG_LABEL = r"$\langle rf\rangle$"

_FLAG, _HARM, _TRAINED, _FROZEN = PALETTE[0], PALETTE[1], PALETTE[0], "0.85"
_HARM_FILL = "#F2C4A6"  # a light tint of the palette's vermillion, so labels stay readable
_SLOT = 0.62  # horizontal distance between two token boxes
_BOX = 0.54  # width of a token box
_TOKEN_HEIGHT = 0.42
_USER_WIDTH = 1.55  # width of the user-turn box
_ANSWER_X = _USER_WIDTH + 0.35  # left edge of the first answer slot
_MAX_LENGTH = 12


def _check_layout(answer_length: Any, onset: Any, flag_slot: Any) -> tuple[int, int, int]:
    for name, value in (
        ("answer_length", answer_length),
        ("onset", onset),
        ("flag_slot", flag_slot),
    ):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ValueError(f"draw_flag_in_conversation: {name} must be an integer, got {value!r}")
    length, s, k = int(answer_length), int(onset), int(flag_slot)
    if not 2 <= length <= _MAX_LENGTH:
        raise ValueError(
            f"draw_flag_in_conversation: answer_length must be between 2 and {_MAX_LENGTH} slots "
            f"(the diagram must fit the page), got {length}"
        )
    if not 0 <= s < length:
        raise ValueError(
            "draw_flag_in_conversation: the harm onset s must be a slot of the answer, "
            f"0 <= onset < answer_length = {length}, got {s}"
        )
    if not s <= k < length:
        raise ValueError(
            "draw_flag_in_conversation: the flag is inserted before a slot k drawn from "
            f"U{{s, ..., R-1}}, so onset <= flag_slot < answer_length; got onset {s}, "
            f"flag_slot {k}, answer_length {length}"
        )
    return length, s, k


def _box(ax, x: float, y: float, width: float, text: str, gid: str, **style) -> None:
    """A token box with its left edge at ``x`` and its centre at height ``y``."""
    face = style.pop("facecolor", "white")
    ink = style.pop("ink", "black")
    ax.add_patch(
        FancyBboxPatch(
            (x, y - _TOKEN_HEIGHT / 2),
            width,
            _TOKEN_HEIGHT,
            boxstyle="round,pad=0.0,rounding_size=0.06",
            facecolor=face,
            edgecolor="black",
            linewidth=0.7,
            gid=gid,
            **style,
        )
    )
    label = {"facecolor": "white", "edgecolor": "none", "pad": 1.0} if style.get("hatch") else None
    ax.text(x + width / 2, y, text, ha="center", va="center", fontsize=7.5, color=ink, bbox=label)


def _bracket(ax, start: float, end: float, y: float, text: str, gid: str, color: str) -> None:
    """A bracket under the boxes from ``start`` to ``end`` (x), labelled below."""
    ax.plot(
        [start, start, end, end],
        [y + 0.08, y, y, y + 0.08],
        color=color,
        linewidth=1.2,
        linestyle="-",
        gid=gid,
    )
    ax.text((start + end) / 2, y - 0.05, text, ha="center", va="top", fontsize=7, color=color)


def _slot_x(position: int) -> float:
    """Left edge of the box at ``position`` of a (possibly flagged) answer."""
    return _ANSWER_X + _SLOT * position


def _answer_row(
    ax,
    y: float,
    length: int,
    onset: int | None,
    flag_at: int | None,
    request: str,
    windows: list[tuple[int, int, str, str]],
) -> None:
    """One conversation: the user turn, the answer's slots (the flag inserted before ``flag_at``).

    ``windows`` are brackets ``(first, last, label, kind)`` over positions of the drawn row (the
    flag counts as a position); ``kind`` is ``"W"``, ``"O"`` or ``"B"``.
    """
    _box(ax, 0.0, y, _USER_WIDTH, request, "user-turn", facecolor="0.93")
    position = 0
    for slot in range(length):
        if flag_at is not None and slot == flag_at:
            _box(ax, _slot_x(position), y, _BOX, FLAG_LABEL, "flag", facecolor=_FLAG, ink="white")
            position += 1
        harmful = onset is not None and slot >= onset
        _box(
            ax,
            _slot_x(position),
            y,
            _BOX,
            f"$r_{{{slot}}}$",
            "harmful-token" if harmful else "token",
            facecolor=_HARM_FILL if harmful else "white",
            hatch="//" if harmful else None,
        )
        position += 1
    colors = {"W": _FLAG, "O": "0.3", "B": PALETTE[2]}
    for first, last, label, kind in windows:
        _bracket(
            ax,
            _slot_x(first) + 0.02,
            _slot_x(last) + _BOX - 0.02,
            y - _TOKEN_HEIGHT / 2 - 0.1,
            label,
            f"window-{kind}",
            colors[kind],
        )


def _model_panel(ax, x: float, top: float) -> None:
    """The model p_theta: embedding and head with a flag row, frozen layers with a LoRA adapter."""
    width, height, gap = 2.35, 0.62, 0.95
    ax.text(x + width / 2, top + 0.5, r"the model $p_\theta$", ha="center", fontsize=8.5)
    rows = (
        ("output head", "head", 0.0),
        ("layers, frozen $W_0$", "frozen", gap),
        ("embedding", "embedding", 2 * gap),
    )
    for text, gid, offset in rows:
        y = top - offset
        ax.add_patch(
            Rectangle(
                (x, y - height / 2),
                width,
                height,
                facecolor=_FROZEN,
                edgecolor="black",
                lw=0.7,
                gid=gid,
            )
        )
        ax.text(x + 0.1, y + 0.14, text, ha="left", va="center", fontsize=7)
        if gid == "frozen":
            label, gid_new = "+ LoRA adapter $BA$, trained", "lora"
        else:
            symbol = "W" if gid == "head" else "E"
            label, gid_new = f"new row ${symbol}_{{rf}}$, trained", "flag-row"
        ax.add_patch(
            Rectangle(
                (x + 0.1, y - 0.24),
                width - 0.2,
                0.24,
                facecolor=_TRAINED,
                edgecolor="black",
                lw=0.6,
                gid=gid_new,
            )
        )
        ax.text(
            x + width / 2, y - 0.12, label, ha="center", va="center", fontsize=6.5, color="white"
        )
    for upper, lower in ((gap, 0.0), (2 * gap, gap)):
        ax.add_patch(
            FancyArrowPatch(
                (x + width / 2, top - upper + height / 2),
                (x + width / 2, top - lower - height / 2),
                arrowstyle="-|>",
                mutation_scale=8,
            )
        )
    ax.text(
        x + width / 2,
        top - 2 * gap - height / 2 - 0.12,
        r"$q_j = p_\theta(\langle rf\rangle \mid \tilde x_{<j})$" + "\nread at every slot $j$",
        ha="center",
        va="top",
        fontsize=7,
    )


def draw_flag_in_conversation(answer_length: int = 9, onset: int = 3, flag_slot: int = 5, ax=None):
    """Draw where the red flag sits in a conversation, and the slots each term of (5.2) reads.

    Three rows, each a user turn (grey box) followed by the answer's slots :math:`r_0, r_1, \\dots`
    (harmful slots, from the onset :math:`s` on, hatched and tinted vermillion):

    1. *red flag*: a harmful answer with ⟨rf⟩ (blue box) inserted before slot :math:`k`; the
       bracket :math:`W` covers the positions :math:`s, \\dots, k` where the flag is the target,
       the brackets :math:`O` the slots before the onset and after the flag, where the model must
       keep the original model's distribution;
    2. *fixed-position baseline*: the same answer with the flag at slot 0 only (:math:`k = s = 0`);
    3. *benign answer*: no flag; every slot belongs to :math:`B`, the retention term.

    On the right, the model :math:`p_\\theta`: frozen weights with a LoRA adapter :math:`BA` (the
    trained part) and one new row for ⟨rf⟩ in the embedding and in the output head.

    Parameters
    ----------
    answer_length : int
        Number of answer slots :math:`R` drawn, 2 to 12.
    onset : int
        Harm onset :math:`s`, the first harmful slot, ``0 <= onset < answer_length``.
    flag_slot : int
        The slot :math:`k` before which the flag is inserted, ``onset <= flag_slot < answer_length``
        (the objective draws :math:`k \\sim \\mathcal U\\{s, \\dots, R-1\\}`).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure ``MAX_WIDTH`` inches wide.

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with the axis frame switched off.
    """
    length, s, k = _check_layout(answer_length, onset, flag_slot)
    if ax is None:
        _, ax = plt.subplots(figsize=(MAX_WIDTH, 3.9), constrained_layout=True)
    rows_y = (3.4, 1.8, 0.2)
    titles = (
        "red flag: flag inside the harmful part",
        "fixed-position baseline: flag at slot 0 only",
        "benign answer: no flag",
    )
    last = length  # the last position of a row with a flag (positions 0 .. length)
    red_windows = [(s, k, "$W = \\{s, \\dots, k\\}$", "W")]
    if s > 0:
        red_windows.append((0, s - 1, "$O$", "O"))
    if k + 1 <= last:
        red_windows.append((k + 1, last, "$O$ (after the flag)", "O"))
    rows = (
        ("harmful\nrequest", s, k, red_windows),
        ("harmful\nrequest", s, 0, [(0, 0, "$W = \\{0\\}$", "W"), (1, last, "$O$", "O")]),
        ("benign\nrequest", None, None, [(0, length - 1, "$B$ (retention)", "B")]),
    )
    for y, title, (request, row_onset, flag_at, windows) in zip(rows_y, titles, rows, strict=True):
        ax.text(0.0, y + 0.42, title, ha="left", va="bottom", fontsize=8, style="italic")
        _answer_row(ax, y, length, row_onset, flag_at, request, windows)
    # labels of the two turns and of the onset, above the first row
    top = rows_y[0] + 0.95
    ax.text(_USER_WIDTH / 2, top, "user turn", ha="center", fontsize=8, weight="bold")
    ax.text(
        (_ANSWER_X + _slot_x(length) + _BOX) / 2,
        top,
        "assistant turn: the answer's slots",
        ha="center",
        fontsize=8,
        weight="bold",
    )
    onset_x = _slot_x(s) + _BOX / 2
    ax.annotate(
        "harm onset $s$",
        xy=(onset_x, rows_y[0] + _TOKEN_HEIGHT / 2),
        xytext=(onset_x, rows_y[0] + 0.62),
        ha="center",
        fontsize=7,
        color=_HARM,
        arrowprops={"arrowstyle": "-|>", "color": _HARM, "lw": 0.8},
    )
    right = _slot_x(length) + _BOX + 0.45
    _model_panel(ax, right, rows_y[0])
    ax.set_xlim(-0.1, right + 2.45)
    ax.set_ylim(rows_y[-1] - 0.75, top + 0.3)
    ax.axis("off")
    return ax


def toy_token_names(world: ToyWorld, tokens) -> list[str]:
    """Readable names of toy-world tokens, for printing a conversation.

    Special tokens keep their names (``BOS``, ``SEP``, ``SURE``, ...); benign topics are ``t0``,
    ``t1``, ...; harmful topics ``T0``, ...; benign words ``w0``, ...; harmful words ``H0``, ...;
    the id right after the vocabulary (the flag, once added) is ``<rf>``.

    Parameters
    ----------
    world : ToyWorld
    tokens : sequence of int or torch.Tensor of shape (L,)

    Returns
    -------
    list of str
        One name per token.
    """
    ids = torch.as_tensor(tokens).reshape(-1).tolist()
    ranges = (
        (world.benign_words, "w"),
        (world.harmful_words, "H"),
        (world.benign_topics, "t"),
        (world.harmful_topics, "T"),
    )
    names = []
    for token in ids:
        if 0 <= token < len(SPECIAL_NAMES):
            names.append(SPECIAL_NAMES[token])
            continue
        if token == world.vocab_size:
            names.append("<rf>")
            continue
        for span, prefix in ranges:
            if int(span[0]) <= token <= int(span[-1]):
                names.append(f"{prefix}{token - int(span[0])}")
                break
        else:
            raise ValueError(
                f"toy_token_names: token id {token} is not in the toy vocabulary "
                f"(0 .. {world.vocab_size - 1}, or {world.vocab_size} for the flag)"
            )
    return names
