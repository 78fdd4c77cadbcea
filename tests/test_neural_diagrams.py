"""Tests of the Chapter 2 concept diagram (inloop.neural.diagrams)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from inloop.neural.diagrams import draw_rir_diagram, rir_round  # noqa: E402
from inloop.plotting import MAX_WIDTH  # noqa: E402


def test_rir_round_follows_the_rejection_rule():
    round_ = rir_round(n=50, delta=0.3, seed=1)
    g = round_.rejection_probabilities
    assert np.all((round_.scores >= 0) & (round_.scores <= 1 - 0.3))
    np.testing.assert_array_equal(round_.rejected, round_.coins < g)
    kept = ~round_.rejected
    np.testing.assert_array_equal(round_.donors[kept], np.flatnonzero(kept))
    np.testing.assert_array_equal(round_.induced, round_.features[round_.donors])
    assert round_.rejected.any() and kept.any()


def test_rir_round_is_reproducible_and_validates_its_input():
    a, b = rir_round(seed=3), rir_round(seed=3)
    np.testing.assert_array_equal(a.features, b.features)
    np.testing.assert_array_equal(a.donors, b.donors)
    with pytest.raises(ValueError, match="delta"):
        rir_round(delta=1.0)
    with pytest.raises(ValueError, match="n"):
        rir_round(n=1)


def test_default_diagram_shows_both_verdicts_and_one_arrow_per_redraw():
    round_ = rir_round()
    assert round_.rejected.any() and (~round_.rejected).any(), "the default round shows both cases"
    fig, ax = draw_rir_diagram(round_)
    texts = [text.get_text() for text in ax.texts]
    assert texts.count("rejected") == round_.rejected.sum()
    assert texts.count("kept") == (~round_.rejected).sum()
    assert sum("(redrawn)" in text for text in texts) == round_.rejected.sum()
    assert any("RRM" in text for text in texts)
    width, _ = fig.get_size_inches()
    assert width <= MAX_WIDTH
    plt.close(fig)


def test_diagram_rejects_a_figure_wider_than_the_page():
    with pytest.raises(ValueError, match="width"):
        draw_rir_diagram(width=MAX_WIDTH + 1)
