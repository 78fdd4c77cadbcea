"""The book's figure style and plot helpers (inloop.plotting)."""

from __future__ import annotations

import io
import itertools

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from inloop import plotting
from inloop.plotting import (
    BOOK_STYLE,
    LINESTYLES,
    MARKERS,
    MAX_WIDTH,
    OKABE_ITO,
    PALETTE,
    figure,
    plot_band,
    style,
    use_book_style,
)
from matplotlib.colors import to_rgb
from PIL import Image


@pytest.fixture(autouse=True)
def book_style():
    with mpl.rc_context():
        use_book_style()
        yield
    plt.close("all")


def _relative_luminance(colour: str) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in to_rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_palette_is_okabe_ito_without_yellow():
    assert set(PALETTE) <= set(OKABE_ITO.values())
    assert len(set(PALETTE)) == len(PALETTE) == 7
    assert OKABE_ITO["yellow"] not in PALETTE
    # the chapters index the palette up to PALETTE[6]
    assert PALETTE[6] == OKABE_ITO["black"]


def test_every_palette_colour_is_visible_on_white():
    # WCAG contrast ratio against white; 2:1 keeps thin lines visible (yellow would be 1.2:1)
    for colour in PALETTE:
        contrast = 1.05 / (_relative_luminance(colour) + 0.05)
        assert contrast >= 2.0, f"{colour} has contrast {contrast:.2f} on white"


def test_every_pair_of_curves_differs_in_line_style_too():
    assert len(LINESTYLES) == len(MARKERS) == len(PALETTE)
    for first, second in itertools.combinations(range(len(PALETTE)), 2):
        assert LINESTYLES[first] != LINESTYLES[second]
        assert MARKERS[first] != MARKERS[second]


def test_style_cycle_pairs_colour_with_line_style():
    cycle = mpl.rcParams["axes.prop_cycle"].by_key()
    assert cycle["color"] == list(PALETTE)
    assert cycle["linestyle"] == list(LINESTYLES)
    fig, ax = plt.subplots()
    lines = [ax.plot(np.arange(3))[0] for _ in PALETTE]
    assert [mpl.colors.to_hex(line.get_color()).lower() for line in lines] == [
        colour.lower() for colour in PALETTE
    ]
    assert lines[1].get_linestyle() == "--"


def test_explicit_colour_and_line_style_still_win():
    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], color="gray", ls=":")
    assert line.get_linestyle() == ":"
    assert mpl.colors.to_hex(line.get_color()) == "#808080"
    (points,) = ax.plot([0, 1], "s")
    assert points.get_linestyle() == "None" and points.get_marker() == "s"


def test_style_returns_plot_keywords_and_wraps_around():
    assert style(0) == {"color": PALETTE[0], "linestyle": LINESTYLES[0]}
    assert style(len(PALETTE) + 2) == style(2)
    with_marker = style(3, marker=True)
    assert with_marker["marker"] == MARKERS[3] and with_marker["markevery"] == 0.1
    fig, ax = plt.subplots()
    ax.plot(np.arange(50), **style(1, marker=True))
    with pytest.raises(ValueError, match="index must be an integer"):
        style(1.5)


def test_figures_are_stored_at_200_dpi():
    assert BOOK_STYLE["savefig.dpi"] == 200 == plotting.SAVE_DPI
    fig, ax = figure()
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    with Image.open(io.BytesIO(buffer.getvalue())) as image:
        assert image.info["dpi"] == pytest.approx((200, 200), abs=0.01)
        width_px, height_px = image.size
    width_in, height_in = fig.get_size_inches()
    # bbox "tight" trims unused margins and pads by savefig.pad_inches on every side
    pad = 2 * mpl.rcParams["savefig.pad_inches"]
    assert 0.8 * 200 * width_in <= width_px <= 200 * (width_in + pad) + 1
    assert 0.8 * 200 * height_in <= height_px <= 200 * (height_in + pad) + 1


def test_figure_shapes_and_default_width_cap():
    fig, ax = figure()
    assert isinstance(ax, mpl.axes.Axes)
    fig, axes = figure(ncols=3, nrows=2)
    assert axes.shape == (6,)
    assert fig.get_size_inches()[0] == pytest.approx(MAX_WIDTH)
    fig, axes = figure(ncols=2, width=7.6, height=3.2)
    assert tuple(fig.get_size_inches()) == pytest.approx((7.6, 3.2))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"ncols": 0}, "ncols must be a positive integer"),
        ({"nrows": 1.5}, "nrows must be a positive integer"),
        ({"width": -1.0}, "width must be a positive number"),
    ],
)
def test_figure_rejects_bad_sizes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        figure(**kwargs)


def test_plot_band_draws_the_median_and_the_quantile_band():
    x = np.arange(5)
    runs = np.vstack([x + offset for offset in (-2.0, -1.0, 0.0, 1.0, 2.0)])
    fig, ax = plt.subplots()
    line = plot_band(ax, x, runs, label="runs", quantiles=(0.0, 1.0))
    np.testing.assert_allclose(line.get_ydata(), x)
    band = ax.collections[0]
    vertices = band.get_paths()[0].vertices
    assert vertices[:, 1].min() == pytest.approx(-2.0)
    assert vertices[:, 1].max() == pytest.approx(6.0)
    assert mpl.colors.to_rgba(band.get_facecolor()[0])[:3] == pytest.approx(
        to_rgb(line.get_color())
    )
    assert line.get_label() == "runs"


def test_plot_band_passes_line_keywords_and_log_scale():
    fig, ax = plt.subplots()
    runs = np.exp(np.random.default_rng(0).normal(size=(4, 6)))
    line = plot_band(
        ax, np.arange(6), runs, color=PALETTE[2], linestyle="--", marker="o", linewidth=1, log=True
    )
    assert line.get_linestyle() == "--"
    assert line.get_marker() == "o"
    assert line.get_linewidth() == 1
    assert mpl.colors.to_hex(line.get_color()).lower() == PALETTE[2].lower()
    assert ax.get_yscale() == "log"


@pytest.mark.parametrize(
    "runs, quantiles, message",
    [
        (np.zeros(4), (0.1, 0.9), "must have shape"),
        (np.zeros((3, 5)), (0.1, 0.9), "transpose"),
        (np.zeros((3, 4)), (0.6, 0.9), "quantiles must satisfy"),
    ],
)
def test_plot_band_rejects_bad_input(runs, quantiles, message):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=message):
        plot_band(ax, np.arange(4), runs, quantiles=quantiles)


def test_use_book_style_outside_a_kernel_only_sets_rc_params():
    mpl.rcParams["figure.dpi"] = 72
    use_book_style()
    assert mpl.rcParams["figure.dpi"] == 100
    assert mpl.rcParams["savefig.dpi"] == 200
