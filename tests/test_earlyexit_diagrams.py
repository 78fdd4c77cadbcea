"""The concept diagram of Chapter 6 (inloop.earlyexit.diagrams)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from inloop.earlyexit import ExitCosts
from inloop.earlyexit.diagrams import draw_multi_exit_network
from inloop.plotting import MAX_WIDTH

COSTS = ExitCosts(blocks=np.array([55680, 225792, 225792, 903168]), heads=np.array([2048] * 4))


def _texts(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def test_diagram_draws_one_block_head_and_cost_bar_per_exit():
    ax = draw_multi_exit_network(COSTS)
    boxes = [patch for patch in ax.patches if patch.get_gid() == "box"]
    bars = [patch for patch in ax.patches if patch.get_gid() == "cost-bar"]
    assert len(boxes) == 1 + 2 * 4  # the input, four blocks, four heads
    assert len(bars) == 4
    heights = np.array([bar.get_height() for bar in bars])
    np.testing.assert_allclose(heights / heights[-1], COSTS.cumulative / COSTS.cumulative[-1])
    labels = _texts(ax)
    for i, cost in enumerate(COSTS.cumulative, start=1):
        assert f"$C_{i}$ = {cost / 1e3:.1f}k" in labels
    assert labels.count("answer") == 1  # only the last head always answers
    assert ax.figure.get_size_inches()[0] <= MAX_WIDTH
    plt.close(ax.figure)


def test_diagram_draws_on_a_given_axes_and_a_single_exit():
    fig, ax = plt.subplots()
    single = ExitCosts(blocks=np.array([500]), heads=np.array([20]))
    assert draw_multi_exit_network(single, ax=ax, input_label="x") is ax
    assert "$C_1$ = 520" in _texts(ax) and "x" in _texts(ax)
    plt.close(fig)


@pytest.mark.parametrize(
    ("blocks", "heads", "match"),
    [
        ([], [], "same, positive length"),
        ([1, 2], [1], "same, positive length"),
        ([1, 0], [1, 1], "block costs must be positive"),
        ([1, 2], [1, -1], "head costs non-negative"),
        ([1, np.nan], [1, 1], "finite"),
    ],
)
def test_diagram_rejects_bad_costs(blocks, heads, match):
    costs = ExitCosts(blocks=np.array(blocks, dtype=float), heads=np.array(heads, dtype=float))
    with pytest.raises(ValueError, match=match):
        draw_multi_exit_network(costs)


def test_diagram_rejects_an_object_without_costs():
    with pytest.raises(ValueError, match="an ExitCosts"):
        draw_multi_exit_network(object())
