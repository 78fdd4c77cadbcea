"""The concept diagram of Chapter 5 (inloop.redflag.diagrams)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch
from inloop.plotting import MAX_WIDTH, PALETTE
from inloop.redflag.diagrams import FLAG_LABEL, draw_flag_in_conversation, toy_token_names
from inloop.redflag.toy import BOS, EOS, SEP, SURE, ToyWorld
from matplotlib.colors import to_hex


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _patches(ax, gid: str) -> list:
    return [patch for patch in ax.patches if patch.get_gid() == gid]


def _brackets(ax, kind: str) -> list:
    return [line for line in ax.lines if line.get_gid() == f"window-{kind}"]


def _span(line) -> tuple[float, float]:
    xs = line.get_xdata()
    return min(xs), max(xs)


def _centres(patches) -> list[float]:
    return sorted(patch.get_x() + patch.get_width() / 2 for patch in patches)


def test_three_rows_of_slots_with_two_flags_and_the_harmful_part_hatched():
    ax = draw_flag_in_conversation(answer_length=9, onset=3, flag_slot=5)
    plain, harmful, flags = (_patches(ax, gid) for gid in ("token", "harmful-token", "flag"))
    assert len(_patches(ax, "user-turn")) == 3
    # two harmful answers (slots 3..8 harmful) and one benign answer of nine slots each
    assert len(harmful) == 2 * 6 and len(plain) == 2 * 3 + 9
    assert all(patch.get_hatch() for patch in harmful) and not any(p.get_hatch() for p in plain)
    assert len(flags) == 2
    assert all(to_hex(flag.get_facecolor()) == PALETTE[0].lower() for flag in flags)
    assert sum(text.get_text() == FLAG_LABEL for text in ax.texts) == 2
    assert ax.figure.get_figwidth() <= MAX_WIDTH and not ax.axison


def test_the_flag_sits_before_slot_k_and_the_window_runs_from_the_onset_to_it():
    ax = draw_flag_in_conversation(answer_length=9, onset=3, flag_slot=5)
    red_flag, fixed = sorted(_patches(ax, "flag"), key=lambda patch: -patch.get_y())
    tokens = _patches(ax, "token") + _patches(ax, "harmful-token")
    top_row = sorted(
        (patch for patch in tokens if abs(patch.get_y() - red_flag.get_y()) < 1e-9),
        key=lambda patch: patch.get_x(),
    )
    # five answer slots r_0..r_4 come before the flag, four after it
    assert sum(patch.get_x() < red_flag.get_x() for patch in top_row) == 5
    assert sum(patch.get_x() > red_flag.get_x() for patch in top_row) == 4
    # the fixed-position flag comes before every slot of its row
    second_row = [patch for patch in tokens if abs(patch.get_y() - fixed.get_y()) < 1e-9]
    assert all(patch.get_x() > fixed.get_x() for patch in second_row)
    windows = sorted(_brackets(ax, "W"), key=lambda line: -line.get_ydata()[0])
    assert len(windows) == 2
    first_harmful = min(p.get_x() for p in top_row if p.get_gid() == "harmful-token")
    low, high = _span(windows[0])
    assert low == pytest.approx(first_harmful + 0.02)
    assert high == pytest.approx(red_flag.get_x() + red_flag.get_width() - 0.02)
    low, high = _span(windows[1])
    assert low == pytest.approx(fixed.get_x() + 0.02)
    assert high == pytest.approx(fixed.get_x() + fixed.get_width() - 0.02)
    assert len(_brackets(ax, "O")) == 3 and len(_brackets(ax, "B")) == 1


def test_model_panel_shows_the_trained_parts():
    ax = draw_flag_in_conversation()
    assert len(_patches(ax, "lora")) == 1 and len(_patches(ax, "flag-row")) == 2
    texts = " ".join(text.get_text() for text in ax.texts)
    assert "LoRA" in texts and "frozen" in texts and "$E_{rf}$" in texts and "$W_{rf}$" in texts


def test_edge_cases_drop_the_empty_windows():
    ax = draw_flag_in_conversation(answer_length=4, onset=0, flag_slot=0)
    # no harmless slot before the onset: only the O after the flag (red flag) and the fixed row's O
    assert len(_brackets(ax, "O")) == 2
    ax = draw_flag_in_conversation(answer_length=4, onset=1, flag_slot=3)
    # the flag before the last slot: an O before the onset and one after the flag
    assert len(_brackets(ax, "O")) == 3
    fig, given = plt.subplots()
    assert draw_flag_in_conversation(ax=given) is given


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"answer_length": 1}, "between 2 and 12"),
        ({"answer_length": 13}, "between 2 and 12"),
        ({"answer_length": 9.0}, "must be an integer"),
        ({"onset": True}, "must be an integer"),
        ({"onset": 9}, "harm onset s must be a slot"),
        ({"onset": -1}, "harm onset s must be a slot"),
        ({"onset": 4, "flag_slot": 3}, "onset <= flag_slot < answer_length"),
        ({"flag_slot": 9}, "onset <= flag_slot < answer_length"),
    ],
)
def test_bad_layouts_are_rejected(arguments, match):
    with pytest.raises(ValueError, match=match):
        draw_flag_in_conversation(**arguments)


def test_toy_token_names():
    world = ToyWorld()
    tokens = torch.tensor(
        [
            BOS,
            int(world.benign_topics[2]),
            int(world.harmful_topics[1]),
            SEP,
            SURE,
            int(world.benign_words[0]),
            int(world.harmful_words[7]),
            world.vocab_size,
            EOS,
        ]
    )
    assert toy_token_names(world, tokens) == [
        "BOS",
        "t2",
        "T1",
        "SEP",
        "SURE",
        "w0",
        "H7",
        "<rf>",
        "EOS",
    ]
    with pytest.raises(ValueError, match="not in the toy vocabulary"):
        toy_token_names(world, [world.vocab_size + 1])
