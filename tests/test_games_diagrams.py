"""Tests for the concept diagram of Chapter 4 (inloop.games.diagrams)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pytest
from inloop.games import CollectiveRiskDilemma, from_networkx
from inloop.games.diagrams import EXAMPLE, draw_crd_loop, example_network
from inloop.plotting import MAX_WIDTH, PALETTE
from matplotlib.colors import to_hex
from matplotlib.patches import Circle, Ellipse


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def test_example_draws_every_agent_with_its_action_forecast_and_trust():
    ax = draw_crd_loop()
    circles = [patch for patch in ax.patches if isinstance(patch, Circle)]
    assert len(circles) == example_network().size == 6
    texts = _texts(ax)
    assert texts.count("C") == sum(EXAMPLE["actions"]) and texts.count("D") == 6 - sum(
        EXAMPLE["actions"]
    )
    for p, tau in zip(EXAMPLE["forecasts"], EXAMPLE["trust"], strict=True):
        assert f"$p={p:.1f}$" in texts and f"$\\tau={tau:.1f}$" in texts
    # Cooperators are filled with the palette's first colour, defectors are white and hatched.
    for circle, action in zip(circles, EXAMPLE["actions"], strict=True):
        filled = to_hex(circle.get_facecolor()) == PALETTE[0].lower()
        assert filled == bool(action) and (circle.get_hatch() is None) == bool(action)


def test_group_label_states_the_threshold_of_the_focus_agent():
    ax = draw_crd_loop(focus=1)
    assert sum(type(patch) is Ellipse for patch in ax.patches) == 1  # Circle subclasses Ellipse
    # Agent 1 has neighbours 0, 2, 3: group of 4, T = ceil(0.5 * 4) = 2.
    assert any("T_{1} = 2" in text and "of its 4" in text for text in _texts(ax))
    ax = draw_crd_loop(focus=4, game=CollectiveRiskDilemma(threshold=0.7))
    # Agent 4 has neighbours 3, 5: group of 3, T = ceil(0.7 * 3) = 3.
    assert any("T_{4} = 3" in text and "of its 3" in text for text in _texts(ax))


def test_default_figure_fits_the_page_width():
    ax = draw_crd_loop()
    assert ax.figure.get_figwidth() <= MAX_WIDTH
    assert not ax.axison


def test_other_networks_with_their_own_positions():
    path = from_networkx(nx.path_graph(3))
    ax = draw_crd_loop(
        network=path,
        positions=[(0.5, 2.0), (2.0, 2.0), (3.5, 2.0)],
        forecasts=[1.0, 0.6, 1.0],
        trust=[0.5, 0.5, 0.5],
        actions=[1, 0, 1],
        focus=1,
    )
    assert sum(isinstance(patch, Circle) for patch in ax.patches) == 3
    _, existing = plt.subplots()
    assert draw_crd_loop(existing) is existing


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"forecasts": [0.5] * 5}, "forecasts must have shape"),
        ({"forecasts": [1.5] + [0.5] * 5}, r"forecasts must lie in \[0.0, 1.0\]"),
        ({"trust": [np.nan] * 6}, "trust must lie in"),
        ({"actions": [0.5] * 6}, "actions must be 0"),
        ({"focus": 6}, "focus must be an agent index in 0..5"),
        ({"focus": True}, "focus must be an agent index"),
        ({"positions": [(0, 0)] * 5}, "positions must be finite"),
        ({"game": "book"}, "game must be a CollectiveRiskDilemma"),
        (
            {"network": "graph", "positions": [(0, 0)] * 2},
            "network must be an inloop.games.Network",
        ),
        ({"network": from_networkx(nx.path_graph(3))}, "positions are required"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(kwargs, match):
    with pytest.raises(ValueError, match=match):
        draw_crd_loop(**kwargs)
