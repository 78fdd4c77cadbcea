"""Concept diagrams of Chapters 1–3: what they draw, their size, and their errors on bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from inloop.performative.diagrams import deployment_loop_diagram, rrm_vs_arm_diagram
from inloop.plotting import MAX_WIDTH, PALETTE


def _gids(ax, gid):
    return [patch for patch in ax.patches if patch.get_gid() == gid]


def _texts(ax):
    return [text.get_text() for text in ax.texts]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_loop_has_three_stages_and_three_arrows():
    ax = deployment_loop_diagram()
    assert len(_gids(ax, "node")) == 3
    for kind in ("deploy", "respond", "retrain"):
        assert len(_gids(ax, kind)) == 1, kind
    assert ax.figure.get_size_inches()[0] <= MAX_WIDTH
    assert not ax.axison


def test_loop_labels_are_configurable_and_arrows_differ_by_style():
    nodes = ("classifier", "applicants adapt", "new applications")
    arrows = ("publish", "strategic response", "refit")
    ax = deployment_loop_diagram(nodes=nodes, arrows=arrows, title="The loop")
    texts = _texts(ax)
    assert all(label in texts for label in nodes + arrows)
    assert ax.get_title() == "The loop"
    styles = {
        patch.get_linestyle()
        for kind in ("deploy", "respond", "retrain")
        for patch in _gids(ax, kind)
    }
    assert len(styles) == 3, "each arrow kind has its own line style, not only its own colour"


def test_loop_draws_on_a_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    assert deployment_loop_diagram(right) is right
    assert not left.patches and right.patches


@pytest.mark.parametrize("bad", [("a", "b"), "abc", ("a", "b", 3)])
def test_loop_rejects_bad_labels(bad):
    with pytest.raises(ValueError, match="three strings"):
        deployment_loop_diagram(nodes=bad)
    with pytest.raises(ValueError, match="three strings"):
        deployment_loop_diagram(arrows=bad)


@pytest.mark.parametrize("rounds, window", [(4, 1), (4, 2), (5, 3), (3, 3)])
def test_arm_diagram_counts(rounds, window):
    ax = rrm_vs_arm_diagram(rounds=rounds, window=window)
    assert len(_gids(ax, "node")) == 4 * rounds
    assert len(_gids(ax, "deploy")) == 2 * rounds
    arm_arrows = sum(min(window, t + 1) for t in range(rounds - 1))
    assert len(_gids(ax, "retrain")) == (rounds - 1) + arm_arrows
    assert ax.figure.get_size_inches()[0] <= MAX_WIDTH


def test_arm_diagram_labels_weights_and_colours():
    ax = rrm_vs_arm_diagram(rounds=5, window=3, weights=(0.5, 0.3, 0.2))
    texts = _texts(ax)
    assert "RRM" in texts and any("tau = 3" in text for text in texts)
    assert any("0.5" in text and "0.3" in text and "0.2" in text for text in texts)
    assert sum(text == "$\\alpha_{2}$" for text in texts) == 2  # rounds 3 and 4 mix 3 snapshots
    colours = {matplotlib.colors.to_hex(patch.get_edgecolor()) for patch in _gids(ax, "node")}
    assert colours <= {colour.lower() for colour in PALETTE}


def test_arm_diagram_default_weights_are_uniform():
    texts = _texts(rrm_vs_arm_diagram(rounds=4, window=4))
    assert any("0.25" in text for text in texts)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rounds": 1}, "rounds must be an integer >= 2"),
        ({"rounds": 2.5}, "rounds must be an integer"),
        ({"window": 0}, "window must be an integer >= 1"),
        ({"rounds": 3, "window": 4}, "at most rounds"),
        ({"window": 2, "weights": (1.0,)}, "2 finite numbers"),
        ({"window": 2, "weights": (0.7, 0.7)}, "sum to 1"),
        ({"window": 2, "weights": (float("nan"), 1.0)}, "finite"),
    ],
)
def test_arm_diagram_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        rrm_vs_arm_diagram(**kwargs)
