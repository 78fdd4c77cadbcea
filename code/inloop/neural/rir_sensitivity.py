"""The chi-square sensitivity of the resample-if-rejected (RIR) map, exactly, on a finite support.

On a base distribution :math:`p` and a predictor :math:`f` with values in :math:`[0, 1-\\delta]`, RIR
(whole-row redraws) induces the density ratio

.. math:: w_f(x) = \\frac{p_f(x)}{p(x)} = 1 - f(x) + \\E_{p} f \\;\\ge\\; \\delta,              \\qquad (1)

so for two predictors :math:`f, f'` with :math:`u = f' - f`,

.. math:: \\chi^2\\big(\\mathcal D(f'), \\mathcal D(f)\\big) = \\E_p\\Big[\\frac{(u - \\E_p u)^2}{w_f}\\Big].  \\qquad (2)

The *sensitivity ratio* divides (2) by a squared norm of :math:`u`: the norm weighted by the induced
distribution, :math:`\\lVert u\\rVert_f^2 = \\E_p[w_f u^2]` (the definition of Khorsandi et al., 2025),
by the other induced distribution, :math:`\\lVert u\\rVert_{f'}^2`, or by the base,
:math:`\\lVert u\\rVert_p^2 = \\E_p u^2` (Mofakhami et al., 2023). Because :math:`w_f \\ge \\delta`,

.. math:: \\chi^2 \\le \\tfrac1\\delta\\operatorname{Var}_p(u) \\le \\tfrac1\\delta\\lVert u\\rVert_p^2
          \\le \\tfrac1{\\delta^2}\\lVert u\\rVert_f^2 ,                                       \\qquad (3)

and :func:`rir_extremal_pair` approaches both inequalities: the sharp constants are :math:`1/\\delta` in the
base norm and :math:`1/\\delta^2` in either induced norm (:func:`rir_sharp_sensitivity`).
"""

from __future__ import annotations

import numpy as np

from .._checks import check_array, check_choice, check_positive_int, check_real
from .._random import as_generator
from .rir import check_delta, check_predictions, rir_sensitivity

__all__ = [
    "DIRECTIONS",
    "NORMS",
    "rir_density_ratio",
    "rir_extremal_pair",
    "rir_extremal_ratio",
    "rir_random_search",
    "rir_sensitivity_claimed_2025",
    "rir_sensitivity_ratio",
    "rir_sharp_sensitivity",
    "rir_strategic_sensitivity_ratio",
]

NORMS = ("induced", "induced_new", "base")
"""Weights of the squared norm of :math:`u = f' - f`: :math:`p_f`, :math:`p_{f'}` or the base :math:`p`."""

DIRECTIONS = ("forward", "reverse")
"""``"forward"``: :math:`\\chi^2(\\mathcal D(f'), \\mathcal D(f))`; ``"reverse"``: :math:`\\chi^2(\\mathcal D(f), \\mathcal D(f'))`."""


def _base_weights(base, size: int) -> np.ndarray:
    """Probability vector of the base distribution (uniform when ``base`` is None)."""
    if base is None:
        return np.full(size, 1.0 / size)
    weights = check_array(base, "base", ndim=1)
    if weights.shape != (size,):
        raise ValueError(f"base must have shape ({size},), one mass per atom; got {weights.shape}.")
    if np.any(weights <= 0) or abs(weights.sum() - 1.0) > 1e-9:
        raise ValueError("base must be a probability vector with positive masses summing to one.")
    return weights


def rir_density_ratio(predictions, delta: float, base=None) -> np.ndarray:
    """Equation (1): :math:`w_f = p_f/p = 1 - f + \\E_p f` on every atom of the support.

    Parameters
    ----------
    predictions : array_like, shape (n,)
        :math:`f` on the atoms, in :math:`[0, 1-\\delta]`.
    delta : float
        The RIR offset :math:`\\delta \\in (0, 1)`.
    base : array_like, shape (n,), optional
        Masses of the base distribution :math:`p` (uniform by default).

    Returns
    -------
    ndarray, shape (n,)
    """
    delta = check_delta(delta)
    values = check_array(predictions, "predictions", ndim=1)
    values = check_predictions(values, delta, values.size)
    weights = _base_weights(base, values.size)
    return 1.0 - values + weights @ values


def rir_sensitivity_ratio(
    predictions,
    new_predictions,
    delta: float,
    base=None,
    *,
    norm: str = "induced",
    direction: str = "forward",
) -> float:
    """The ratio :math:`\\chi^2 / \\lVert f' - f\\rVert^2` for one pair of predictors (equation 2 over a norm).

    Parameters
    ----------
    predictions, new_predictions : array_like, shape (n,)
        :math:`f` and :math:`f'` on the atoms, in :math:`[0, 1-\\delta]`, not equal.
    delta : float
        The RIR offset.
    base : array_like, shape (n,), optional
        Base masses (uniform by default).
    norm : {"induced", "induced_new", "base"}
        Weight of the norm: :math:`p_f`, :math:`p_{f'}` or :math:`p`.
    direction : {"forward", "reverse"}
        :math:`\\chi^2(\\mathcal D(f'), \\mathcal D(f))` or :math:`\\chi^2(\\mathcal D(f), \\mathcal D(f'))`.

    Returns
    -------
    float
    """
    norm = check_choice(norm, "norm", NORMS)
    direction = check_choice(direction, "direction", DIRECTIONS)
    ratio_old = rir_density_ratio(predictions, delta, base)
    ratio_new = rir_density_ratio(new_predictions, delta, base)
    weights = _base_weights(base, ratio_old.size)
    change = np.asarray(new_predictions, dtype=float) - np.asarray(predictions, dtype=float)
    weight = {"induced": ratio_old, "induced_new": ratio_new, "base": np.ones_like(ratio_old)}[norm]
    squared_norm = float(weights @ (weight * change**2))
    if squared_norm <= 0.0:
        raise ValueError("the two predictors must differ somewhere on the support.")
    reference = ratio_old if direction == "forward" else ratio_new
    chi_square = float(weights @ ((ratio_new - ratio_old) ** 2 / reference))
    return chi_square / squared_norm


def rir_strategic_sensitivity_ratio(
    predictions,
    new_predictions,
    delta: float,
    strategic_base=None,
    other_base=None,
    *,
    norm: str = "induced",
    direction: str = "forward",
) -> float:
    """The sensitivity ratio when only the strategic features are redrawn (the credit experiment).

    The support is a grid of strategic values :math:`s` (rows) and other values :math:`o` (columns),
    independent under the base :math:`p = p_S \\otimes p_O`. A rejected point keeps :math:`o` and takes a
    fresh :math:`s' \\sim p_S`, so :math:`w_f(s, o) = 1 - f(s, o) + \\E_{p_S} f(\\cdot, o)`, and equation (3) holds
    conditionally on :math:`o`; with a single column this is :func:`rir_sensitivity_ratio`.

    Parameters
    ----------
    predictions, new_predictions : array_like, shape (n_strategic, n_other)
        :math:`f` and :math:`f'` on the grid, in :math:`[0, 1-\\delta]`.
    delta : float
        The RIR offset.
    strategic_base, other_base : array_like, optional
        Masses of :math:`p_S` (length n_strategic) and :math:`p_O` (length n_other); uniform by default.
    norm, direction : str
        As in :func:`rir_sensitivity_ratio`.

    Returns
    -------
    float
    """
    norm = check_choice(norm, "norm", NORMS)
    direction = check_choice(direction, "direction", DIRECTIONS)
    delta = check_delta(delta)
    old = check_array(predictions, "predictions", ndim=2)
    new = check_array(new_predictions, "new_predictions", ndim=2)
    if new.shape != old.shape:
        raise ValueError(f"the two predictors must share a shape, got {old.shape} and {new.shape}.")
    for values in (old, new):
        check_predictions(values.ravel(), delta, values.size)
    strategic = _base_weights(strategic_base, old.shape[0])
    other = _base_weights(other_base, old.shape[1])
    mass = np.outer(strategic, other)
    ratio_old = 1.0 - old + strategic @ old
    ratio_new = 1.0 - new + strategic @ new
    change = new - old
    weight = {"induced": ratio_old, "induced_new": ratio_new, "base": np.ones_like(ratio_old)}[norm]
    squared_norm = float(np.sum(mass * weight * change**2))
    if squared_norm <= 0.0:
        raise ValueError("the two predictors must differ somewhere on the support.")
    reference = ratio_old if direction == "forward" else ratio_new
    return float(np.sum(mass * (ratio_new - ratio_old) ** 2 / reference)) / squared_norm


def rir_extremal_pair(
    delta: float, n_atoms: int, set_size: int, step: float
) -> tuple[np.ndarray, np.ndarray]:
    """A pair of predictors whose sensitivity ratio approaches the sup of equation (3).

    Uniform base on ``n_atoms`` atoms. :math:`f = 1 - \\delta - \\eta` on the first ``set_size`` atoms (a
    set of mass :math:`m`), 0 elsewhere; :math:`f' = f \\pm \\eta` on alternate atoms of that set, so that
    :math:`u = f' - f` has mean zero. Then (:func:`rir_extremal_ratio`) the induced-norm ratio is
    :math:`1/(\\delta + \\eta + (1-\\delta-\\eta)m)^2`, which tends to :math:`1/\\delta^2` as
    :math:`m, \\eta \\to 0`.

    Parameters
    ----------
    delta : float
        The RIR offset.
    n_atoms : int
        Size of the support.
    set_size : int
        Even number of atoms at (nearly) maximal score, at most ``n_atoms``.
    step : float
        :math:`\\eta \\in (0, (1-\\delta)/2]`.

    Returns
    -------
    (ndarray, ndarray), each shape (n_atoms,)
    """
    delta = check_delta(delta)
    n_atoms = check_positive_int(n_atoms, "n_atoms", minimum=2)
    set_size = check_positive_int(set_size, "set_size", minimum=2)
    if set_size % 2 or set_size > n_atoms:
        raise ValueError(f"set_size must be even and at most n_atoms = {n_atoms}, got {set_size}.")
    step = check_real(step, "step", low=0.0, high=(1.0 - delta) / 2.0, low_open=True)
    predictions = np.zeros(n_atoms)
    predictions[:set_size] = 1.0 - delta - step
    signs = np.where(np.arange(set_size) % 2 == 0, 1.0, -1.0)
    new_predictions = predictions.copy()
    new_predictions[:set_size] += step * signs
    return predictions, new_predictions


def rir_extremal_ratio(delta: float, mass: float, step: float) -> float:
    """Closed form of the induced-norm ratio of :func:`rir_extremal_pair`: :math:`1/(\\delta + \\eta + (1-\\delta-\\eta)m)^2`.

    On the set :math:`S` (mass :math:`m`), :math:`w_f = \\delta + \\eta + (1-\\delta-\\eta)m`; :math:`u = \\pm\\eta`
    there has mean zero, so :math:`\\chi^2 = m\\eta^2/w_f` and :math:`\\lVert u\\rVert_f^2 = m\\eta^2 w_f`.
    """
    delta = check_delta(delta)
    mass = check_real(mass, "mass", low=0.0, high=1.0, low_open=True)
    step = check_real(step, "step", low=0.0, high=(1.0 - delta) / 2.0, low_open=True)
    return 1.0 / (delta + step + (1.0 - delta - step) * mass) ** 2


def rir_random_search(
    delta: float, pairs: int, seed=0, *, norm: str = "induced", direction: str = "forward"
) -> float:
    """The largest sensitivity ratio over ``pairs`` random instances: a search for violations of equation (3).

    Each instance draws a support of 2 to 40 atoms, base masses from a flat Dirichlet distribution, a
    predictor :math:`f` uniform in :math:`[0, 1-\\delta]` on a random half of the atoms (0 elsewhere) and
    :math:`f' = f + u` with Gaussian :math:`u` of scale 0.1, clipped to :math:`[0, 1-\\delta]`.

    Returns
    -------
    float
        The largest ratio found (it can only approach the sup from below).
    """
    delta = check_delta(delta)
    pairs = check_positive_int(pairs, "pairs")
    rng = as_generator(seed)
    best = 0.0
    for _ in range(pairs):
        size = int(rng.integers(2, 41))
        predictions = rng.uniform(0.0, 1.0 - delta, size) * (rng.uniform(size=size) < 0.5)
        new = np.clip(predictions + rng.normal(0.0, 0.1, size), 0.0, 1.0 - delta)
        if np.allclose(new, predictions):
            continue
        base = rng.dirichlet(np.ones(size))
        ratio = rir_sensitivity_ratio(predictions, new, delta, base, norm=norm, direction=direction)
        best = max(best, ratio)
    return best


def rir_sharp_sensitivity(delta: float, norm: str = "induced") -> float:
    """The sharp sensitivity constant of RIR: the sup of the ratio over all base distributions and predictors.

    :math:`1/\\delta^2` for either induced norm (``"induced"``, ``"induced_new"``) and either direction
    of :math:`\\chi^2`; :math:`1/\\delta` for the base norm. Equation (3) gives the upper bound and
    :func:`rir_extremal_pair` approaches it; the sup is not attained.
    """
    delta = check_delta(delta)
    norm = check_choice(norm, "norm", NORMS)
    return 1.0 / delta if norm == "base" else rir_sensitivity(delta)


def rir_sensitivity_claimed_2025(delta: float) -> float:
    """The constant :math:`\\tfrac1\\delta\\big(1 + \\tfrac{1-\\delta}{2\\sqrt\\delta}\\big)` stated by Khorsandi et al. (2025, Theorem 8).

    It lies below :func:`rir_sharp_sensitivity` for every :math:`\\delta \\in (0, 1)`, so it is *not* a
    valid sensitivity constant under the induced-norm definition: kept only to be compared.
    """
    delta = check_delta(delta)
    return (1.0 + (1.0 - delta) / (2.0 * np.sqrt(delta))) / delta
