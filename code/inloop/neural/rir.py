"""The resample-if-rejected (RIR) distribution map of Mofakhami, Mitliagkas and Gidel (2023).

The names below are those of Chapter 2 (section "Resample if rejected"). A deployed predictor
:math:`f` with outputs in :math:`[0, 1-\\delta]` acts on a base sample as follows. Each base row
:math:`x` is kept with probability :math:`1 - g(f(x))` and *rejected* with the **rejection
probability**

.. math:: g(f(x)) = f(x) + \\delta \\in [\\delta, 1];

a rejected row is replaced by a uniformly random row of the base sample, which is accepted whatever
its prediction (one redraw only). When the whole row is redrawn, the **induced density** (Chapter 2,
:prf:ref:`prop-rir-density`) is

.. math:: p_f(x) = p(x)\\,\\big(1 - g(f(x)) + \\E_{X\\sim p}\\, g(f(X))\\big)
          = p(x)\\,\\big(1 - f(x) + \\E_{X\\sim p} f(X)\\big).

On the credit data only the strategic columns of a rejected row are redrawn (they are copied from
the random row), while the other columns and the label stay those of the original row; this is the
variant the published experiment runs. :class:`ResampleIfRejected` offers both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_array, check_indices, check_real, check_same_length
from .._random import as_generator

PREDICTION_SLACK = 1e-12
"""Round-off allowed above ``1 - delta`` in a prediction (the scaled sigmoid can round up to it)."""


def check_delta(delta) -> float:
    """Return ``delta`` as a float after checking that it lies in the open interval (0, 1)."""
    return check_real(delta, "delta", low=0.0, high=1.0, low_open=True, high_open=True)


def check_predictions(predictions, delta: float, n_rows: int) -> np.ndarray:
    """Return predictions as a float64 vector after checking shape ``(n_rows,)`` and range ``[0, 1-delta]``."""
    predictions = check_array(predictions, "predictions")
    if predictions.shape != (n_rows,):
        raise ValueError(
            f"predictions must have shape ({n_rows},), one per base row; got shape {predictions.shape}."
        )
    low, high = predictions.min(), predictions.max()
    if low < 0.0 or high > 1.0 - delta + PREDICTION_SLACK:
        raise ValueError(
            f"predictions must lie in [0, 1 - delta] = [0, {1.0 - delta:g}] so that g = f + delta is a "
            f"probability; got values in [{low:g}, {high:g}]."
        )
    return np.clip(predictions, 0.0, 1.0 - delta)


def rejection_probability(predictions, delta: float) -> np.ndarray:
    """The rejection probability :math:`g(f(x)) = f(x) + \\delta` of a row (Chapter 2, RIR)."""
    delta = check_delta(delta)
    predictions = check_array(predictions, "predictions", ndim=1)
    return check_predictions(predictions, delta, predictions.shape[0]) + delta


@dataclass(frozen=True)
class RIRSample:
    """One draw from the induced distribution.

    ``features`` and ``labels`` are the induced sample (one row per base row), ``rejected[i]`` says
    whether base row ``i`` was rejected and ``donors[i]`` is the base row its redrawn part came from
    (``donors[i] == i`` for accepted rows).
    """

    features: np.ndarray
    labels: np.ndarray
    rejected: np.ndarray
    donors: np.ndarray


class ResampleIfRejected:
    """The RIR distribution map on a finite base sample.

    A *prediction function* is either a callable mapping an (m, d) feature array to m predictions, or
    the vector of its predictions on the base rows (RIR only ever evaluates the deployed model on
    base rows: the redraw is accepted unconditionally).

    Parameters
    ----------
    features, labels:
        The base sample: ``features`` of shape (n, d), ``labels`` of shape (n,).
    delta:
        The offset :math:`\\delta \\in (0, 1)` of the rejection probability. Predictions must lie in
        :math:`[0, 1-\\delta]`, so that every row is rejected with probability at least
        :math:`\\delta` and at most 1.
    strategic:
        ``None`` (default): a rejected row is replaced by a whole random row, label included, which
        is the map of the induced density. A sequence of column indices: only those columns are copied from
        the random row; the other columns and the label stay with the original row (the credit
        experiment, with ``strategic=(0, 5, 7)``).
    """

    def __init__(self, features, labels, delta: float, strategic=None):
        self.features = check_array(features, "features", ndim=2)
        self.labels = check_array(labels, "labels", ndim=1)
        check_same_length(self.features, self.labels, "features", "labels")
        self.delta = check_delta(delta)
        self.strategic = (
            None
            if strategic is None
            else check_indices(strategic, "strategic", self.features.shape[1])
        )

    @property
    def n_samples(self) -> int:
        return self.features.shape[0]

    @property
    def n_features(self) -> int:
        return self.features.shape[1]

    def predictions(self, predict) -> np.ndarray:
        """Predictions of ``predict`` (a callable or a vector) on the base rows, checked to lie in [0, 1-delta]."""
        values = predict(self.features) if callable(predict) else predict
        return check_predictions(values, self.delta, self.n_samples)

    def rejection_probabilities(self, predict) -> np.ndarray:
        """The rejection probability of every base row: :math:`g(f(x_i)) = f(x_i) + \\delta`."""
        return self.predictions(predict) + self.delta

    def sample(self, predict, seed=None) -> RIRSample:
        """Draw the induced sample: reject row ``i`` with probability ``g_i`` and redraw it once.

        Vectorised: one uniform per row decides rejection, one uniform row index is its donor.
        """
        rng = as_generator(seed)
        rejection = self.rejection_probabilities(predict)
        rejected = rng.random(self.n_samples) < rejection
        candidates = rng.integers(0, self.n_samples, size=self.n_samples)
        donors = np.where(rejected, candidates, np.arange(self.n_samples))
        if self.strategic is None:
            return RIRSample(self.features[donors], self.labels[donors], rejected, donors)
        features = self.features.copy()
        features[:, self.strategic] = self.features[donors][:, self.strategic]
        return RIRSample(features, self.labels.copy(), rejected, donors)

    def row_probabilities(self, predict) -> np.ndarray:
        """The induced density on the base sample: the probability that an induced row is base row ``k``.

        Only defined for whole-row redraws (``strategic=None``), where
        :math:`q_k = (1 - g_k + \\bar g)/n` with :math:`\\bar g` the mean rejection probability.
        """
        if self.strategic is not None:
            raise ValueError(
                "row_probabilities needs whole-row redraws (strategic=None); "
                "with a strategic subset the induced rows are not base rows."
            )
        rejection = self.rejection_probabilities(predict)
        return (1.0 - rejection + rejection.mean()) / self.n_samples

    def expected_loss(self, deployed, model, loss, donor_sets: int = 8, seed=0):
        """:math:`\\E_{(x,y)\\sim\\mathcal D(f)}\\, \\ell(h(x), y)` for deployed ``f`` and evaluated model ``h``.

        ``loss(predictions, labels)`` returns one loss per row (or pass a tuple of such functions to
        get a tuple of expectations from one pass). The expectation over each row's rejection coin is
        exact: row :math:`i` contributes :math:`(1-g_i)\\,\\ell_i + g_i\\,\\bar\\ell_i`, where
        :math:`\\bar\\ell_i` is its loss after a redraw. With whole-row redraws :math:`\\bar\\ell_i` is the
        base mean (the induced density, exact); with a strategic subset it is averaged over ``donor_sets``
        donor draws fixed by ``seed``, so repeated calls use the same donors (common random numbers)
        and differences between models are not sampling noise.
        """
        losses = tuple(loss) if isinstance(loss, (tuple, list)) else (loss,)
        rejection = self.rejection_probabilities(deployed)
        own_predictions = self._predict(model, self.features)
        if self.strategic is not None:
            redrawn_features, redrawn_labels, sets = self._redrawn_rows(donor_sets, seed)
            redrawn_predictions = self._predict(model, redrawn_features)
        values = []
        for row_loss in losses:
            own = row_loss(own_predictions, self.labels)
            if self.strategic is None:
                redrawn = np.full(self.n_samples, own.mean())
            else:
                redrawn = (
                    row_loss(redrawn_predictions, redrawn_labels)
                    .reshape(sets, self.n_samples)
                    .mean(axis=0)
                )
            values.append(float(np.mean((1.0 - rejection) * own + rejection * redrawn)))
        return tuple(values) if isinstance(loss, (tuple, list)) else values[0]

    def _redrawn_rows(self, donor_sets, seed):
        """Every base row ``donor_sets`` times, its strategic columns copied from random donors."""
        if (
            isinstance(donor_sets, bool)
            or not isinstance(donor_sets, (int, np.integer))
            or donor_sets < 1
        ):
            raise ValueError(f"donor_sets must be a positive integer, got {donor_sets!r}.")
        donors = as_generator(seed).integers(0, self.n_samples, size=(donor_sets, self.n_samples))
        stacked = np.tile(self.features, (donor_sets, 1))
        stacked[:, self.strategic] = self.features[donors.ravel()][:, self.strategic]
        return stacked, np.tile(self.labels, donor_sets), donor_sets

    def _predict(self, model, features) -> np.ndarray:
        if not callable(model):
            raise ValueError("model must be a callable mapping a feature array to predictions.")
        predictions = check_array(model(features), "model predictions", ndim=1)
        if predictions.shape[0] != features.shape[0]:
            raise ValueError(
                f"model returned {predictions.shape[0]} predictions for {features.shape[0]} rows."
            )
        return predictions


@dataclass(frozen=True)
class RIRConstants:
    """Constants of the convergence condition :math:`\\sqrt{C\\varepsilon}\\,M/\\gamma < 1` for RIR with the squared loss.

    ``epsilon``: chi-square sensitivity, :math:`\\chi^2(p_{f'}, p_f) \\le \\varepsilon \\lVert f-f'\\rVert_p^2`
    with :math:`\\varepsilon = 1/\\delta`; ``norm_constant``: :math:`C = 1/\\delta`, from :math:`p \\le C p_f`;
    ``gradient_bound``: :math:`M = 1-\\delta`, the largest :math:`|\\hat y - y|` with targets in
    :math:`\\{0, 1-\\delta\\}`; ``strong_convexity``: :math:`\\gamma = 1` for :math:`\\tfrac12(\\hat y-y)^2`.
    """

    delta: float
    epsilon: float
    norm_constant: float
    gradient_bound: float
    strong_convexity: float = 1.0

    @property
    def contraction_factor(self) -> float:
        """:math:`\\sqrt{C\\varepsilon}\\,M/\\gamma = (1-\\delta)/\\delta`; RRM provably converges when it is below 1."""
        return float(
            np.sqrt(self.norm_constant * self.epsilon) * self.gradient_bound / self.strong_convexity
        )


def rir_constants(delta: float) -> RIRConstants:
    """The sensitivity constants of RIR (Mofakhami et al., 2023): :math:`\\varepsilon = C = 1/\\delta`, :math:`M = 1-\\delta`."""
    delta = check_delta(delta)
    return RIRConstants(
        delta=delta, epsilon=1.0 / delta, norm_constant=1.0 / delta, gradient_bound=1.0 - delta
    )


def rir_sensitivity(delta: float) -> float:
    """The sharp :math:`\\chi^2` sensitivity of RIR in the induced norm, :math:`\\varepsilon = 1/\\delta^2`.

    The supremum of :math:`\\chi^2(\\mathcal D(f'), \\mathcal D(f))/\\lVert f'-f\\rVert_f^2` over base distributions and
    predictors with values in :math:`[0, 1-\\delta]` (:mod:`inloop.neural.rir_sensitivity` has the proof and the
    extremal pair). It equals the earlier :math:`C\\varepsilon` (:func:`rir_sensitivity_2023`): the smaller
    constant stated by Khorsandi et al. (2025, Theorem 8) does not hold under this definition
    (:func:`~inloop.neural.rir_sensitivity.rir_sensitivity_claimed_2025`).
    """
    delta = check_delta(delta)
    return 1.0 / delta**2


def rir_sensitivity_2023(delta: float) -> float:
    """The earlier constant :math:`C\\varepsilon = 1/\\delta^2` of the resample-if-rejected shift (Mofakhami et al., 2023); it is sharp (:func:`rir_sensitivity`)."""
    delta = check_delta(delta)
    return 1.0 / delta**2


def chi_square(p, q) -> float:
    """Pearson :math:`\\chi^2(p, q) = \\sum_k (p_k - q_k)^2 / q_k` between two probability vectors on one support."""
    p = check_array(p, "p", ndim=1)
    q = check_array(q, "q", ndim=1)
    check_same_length(p, q, "p", "q")
    if np.any(q <= 0) or np.any(p < 0):
        raise ValueError("chi_square needs p >= 0 and q > 0 on every point of the support.")
    return float(np.sum((p - q) ** 2 / q))
