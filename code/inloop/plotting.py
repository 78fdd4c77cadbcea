"""One figure style for the whole book, and the few plot helpers chapters share.

Colours come from the Okabe–Ito palette, which stays distinguishable under the common forms of
colour blindness; every curve also gets its own line style, so that curves can be told apart in
grey-scale print and where two colours are still close. Figures are stored at 200 dpi (twice the
screen resolution, displayed at screen size) so that they stay sharp on high-density screens and
in the PDF.
"""

from __future__ import annotations

from typing import Any, cast

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler

__all__ = [
    "DPI",
    "LINESTYLES",
    "MARKERS",
    "MAX_WIDTH",
    "OKABE_ITO",
    "PALETTE",
    "SAVE_DPI",
    "BOOK_STYLE",
    "figure",
    "plot_band",
    "style",
    "use_book_style",
]

#: The eight colours of Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

#: The book's colour cycle: Okabe–Ito without yellow (too light on a white page), ordered so that
#: neighbours differ in hue and in lightness; the last entry (black) is for reference curves.
PALETTE = tuple(
    OKABE_ITO[name]
    for name in (
        "blue",
        "vermillion",
        "bluish green",
        "orange",
        "reddish purple",
        "sky blue",
        "black",
    )
)

#: One line style per palette entry: the second cue, so no two curves differ by colour alone.
LINESTYLES: tuple[Any, ...] = (
    "-",
    "--",
    "-.",
    ":",
    (0, (5, 1, 1, 1, 1, 1)),
    (0, (8, 2)),
    (0, (3, 1, 1, 1)),
)

#: Markers to pair with the palette where points matter more than lines (see :func:`style`).
MARKERS = ("o", "s", "^", "D", "v", "P", "X")

#: Screen resolution of a figure, in dots per inch; stored images have twice as many (`SAVE_DPI`).
DPI = 100
SAVE_DPI = 200
#: The widest figure, in inches, that still reads on a phone once scaled to the page.
MAX_WIDTH = 7.5

BOOK_STYLE: dict[str, Any] = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": DPI,
    "savefig.dpi": SAVE_DPI,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=list(PALETTE), linestyle=list(LINESTYLES)),
    "font.size": 10,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "lines.markersize": 4.5,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style (call once at the top of a chapter).

    Inside a Jupyter kernel (including Colab) figures are also shown as pixel-doubled PNGs
    (``SAVE_DPI`` dots per inch, displayed at their size in inches), so they stay sharp on
    high-density screens and in print. Outside a kernel only matplotlib's settings change.
    """
    cast(Any, mpl.rcParams).update(BOOK_STYLE)
    _show_figures_at_high_resolution()


def _show_figures_at_high_resolution() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is installed wherever notebooks run
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("retina")


def style(index: int, *, marker: bool = False) -> dict[str, Any]:
    """The colour and line style (and, if asked, marker) of the ``index``-th curve.

    Use it where a chapter draws curves in a loop and wants the same look in several panels::

        for i, (name, values) in enumerate(results.items()):
            ax.plot(values, label=name, **style(i))

    Parameters
    ----------
    index:
        Position of the curve (an integer); wraps around after ``len(PALETTE)`` curves.
    marker:
        Also return a marker, placed at about ten points along the line (``markevery=0.1``).

    Returns
    -------
    dict
        Keyword arguments for ``Axes.plot``: ``color``, ``linestyle`` and, with ``marker=True``,
        ``marker`` and ``markevery``.
    """
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise ValueError(f"style(index): index must be an integer, got {index!r}")
    position = int(index) % len(PALETTE)
    kwargs: dict[str, Any] = {"color": PALETTE[position], "linestyle": LINESTYLES[position]}
    if marker:
        kwargs.update(marker=MARKERS[position], markevery=0.1)
    return kwargs


def figure(
    ncols: int = 1,
    nrows: int = 1,
    width: float | None = None,
    height: float | None = None,
    **kwargs,
):
    """Create a figure with ``nrows x ncols`` axes sized for the book's page width.

    Parameters
    ----------
    ncols, nrows:
        Number of panels across and down (positive integers).
    width, height:
        Size in inches. By default 3.3 inches per column (at most ``MAX_WIDTH`` in all, so that a
        figure scaled to a phone's width stays readable) and 2.9 inches per row.
    kwargs:
        Passed to ``matplotlib.pyplot.subplots`` (for example ``sharey=True``).

    Returns
    -------
    tuple
        The figure, and one ``Axes`` or a flat array of ``nrows * ncols`` axes.
    """
    for name, value in (("ncols", ncols), ("nrows", nrows)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"figure(): {name} must be a positive integer, got {value!r}")
    for name, size in (("width", width), ("height", height)):
        if size is not None and not size > 0:
            raise ValueError(f"figure(): {name} must be a positive number of inches, got {size!r}")
    width = width or min(3.3 * ncols + 0.6, MAX_WIDTH)
    height = height or 2.9 * nrows + 0.3
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, height), constrained_layout=True, squeeze=False, **kwargs
    )
    return fig, axes.ravel() if axes.size > 1 else axes[0, 0]


def plot_band(
    ax,
    x,
    runs,
    label=None,
    color=None,
    quantiles=(0.1, 0.9),
    log=False,
    band_alpha=0.2,
    **kwargs,
):
    """Plot the median of several runs with a shaded band between two quantiles.

    Returns the median line (a matplotlib ``Line2D``, whose colour is the band's).

    Parameters
    ----------
    ax:
        The matplotlib ``Axes`` to draw on.
    x:
        The horizontal positions, of shape (n,).
    runs:
        One row per run (seed), of shape (runs, n); the median and the band are taken over rows.
    label, color:
        The line's legend label and colour (by default the next colour of the style's cycle).
    quantiles:
        Lower and upper quantile of the band, ``0 <= low <= 0.5 <= high <= 1``; ``(0, 1)`` shades
        the range from the smallest to the largest run.
    log:
        Use a logarithmic vertical axis.
    band_alpha:
        Opacity of the band.
    kwargs:
        Passed to ``Axes.plot`` for the median line (for example ``linestyle="--"``,
        ``marker="o"``, ``linewidth=1``).
    """
    x = np.asarray(x)
    runs = np.asarray(runs, dtype=float)
    if runs.ndim != 2:
        raise ValueError(
            f"plot_band: runs must have shape (runs, len(x)), got an array with shape {runs.shape}"
        )
    if x.ndim != 1 or runs.shape[1] != x.shape[0]:
        raise ValueError(
            f"plot_band: runs has {runs.shape[1]} columns but x has shape {x.shape}; "
            "pass one row per run and one column per x value (transpose with .T if needed)"
        )
    low_q, high_q = quantiles
    if not 0.0 <= low_q <= 0.5 <= high_q <= 1.0:
        raise ValueError(
            f"plot_band: quantiles must satisfy 0 <= low <= 0.5 <= high <= 1, got {quantiles!r}"
        )
    low, mid, high = np.quantile(runs, [low_q, 0.5, high_q], axis=0)
    (line,) = ax.plot(x, mid, label=label, color=color, **kwargs)
    ax.fill_between(x, low, high, color=line.get_color(), alpha=band_alpha, linewidth=0)
    if log:
        ax.set_yscale("log")
    return line
