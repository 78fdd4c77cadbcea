"""Calibration utilities: softmax confidences, reliability diagrams, ECE, monotone smoothing, temperature scaling."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from .._checks import check_array, check_positive_int, check_same_length


def softmax(logits, temperature=1.0) -> np.ndarray:
    """Softmax over the last axis, :math:`p_k = e^{z_k/T} / \\sum_j e^{z_j/T}`, computed stably."""
    z = np.asarray(logits, dtype=np.float64) / np.asarray(temperature, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def confidences_and_predictions(logits, temperature=1.0) -> tuple[np.ndarray, np.ndarray]:
    """Return the confidence :math:`c = \\max_k p_k` and the predicted class :math:`\\arg\\max_k p_k`."""
    p = softmax(logits, temperature)
    return p.max(axis=-1), p.argmax(axis=-1)


def check_confidences(
    confidences, name: str = "confidences", ndim: int | None = None
) -> np.ndarray:
    """Return confidences as floats after checking they lie in [0, 1]."""
    c = check_array(confidences, name, ndim=ndim)
    if c.min() < 0 or c.max() > 1:
        raise ValueError(
            f"{name} must lie in [0, 1], got values in [{c.min():.3g}, {c.max():.3g}]."
        )
    return c


def check_labels(labels, n_samples: int) -> np.ndarray:
    """Check integer class labels, one per sample; return them as an array of shape ``(n_samples,)``."""
    y = np.asarray(labels)
    if y.ndim != 1 or y.shape[0] != n_samples or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"labels must be an integer vector with one entry per sample ({n_samples}), got {y.dtype} {y.shape}."
        )
    return y


def bin_index(confidences, n_bins: int) -> np.ndarray:
    """Index of the equal-width bin :math:`[k/B, (k+1)/B)` holding each confidence (1.0 falls in the last bin)."""
    return np.minimum((np.asarray(confidences) * n_bins).astype(np.intp), n_bins - 1)


@dataclass(frozen=True)
class ReliabilityDiagram:
    """Per-bin sample counts, mean confidence and accuracy (NaN where a bin is empty)."""

    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray

    @property
    def n_bins(self) -> int:
        return self.counts.size

    @property
    def edges(self) -> np.ndarray:
        return np.linspace(0.0, 1.0, self.n_bins + 1)


def reliability_diagram(confidences, correct, n_bins: int = 10) -> ReliabilityDiagram:
    """Bin the confidences into ``n_bins`` equal-width bins and average confidence and correctness in each.

    :math:`\\mathrm{acc}(b) = |B_b|^{-1} \\sum_{n \\in B_b} \\mathbb{1}[\\hat y_n = y_n]`, :math:`\\mathrm{conf}(b)`
    likewise for :math:`c_n`.
    """
    c = check_confidences(confidences, ndim=1)
    hits = check_array(correct, "correct", ndim=1)
    check_same_length(c, hits, "confidences", "correct")
    n_bins = check_positive_int(n_bins, "n_bins")
    index = bin_index(c, n_bins)
    counts = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.bincount(index, weights=c, minlength=n_bins) / counts
        accuracy = np.bincount(index, weights=hits, minlength=n_bins) / counts
    return ReliabilityDiagram(counts, confidence, accuracy)


def expected_calibration_error(confidences, correct, n_bins: int = 15) -> float:
    """ECE :math:`= \\sum_b \\frac{|B_b|}{n} |\\mathrm{acc}(b) - \\mathrm{conf}(b)|` over equal-width bins."""
    diagram = reliability_diagram(confidences, correct, n_bins)
    full = diagram.counts > 0
    gaps = np.abs(diagram.accuracy[full] - diagram.confidence[full])
    return float(np.sum(diagram.counts[full] * gaps) / diagram.counts.sum())


def isotonic_fit(values, weights) -> np.ndarray:
    """Weighted least-squares non-decreasing fit of ``values``, by the max-min formula.

    :math:`\\hat f_i = \\max_{j \\le i} \\min_{k \\ge i} \\bar v_{j:k}`, where :math:`\\bar v_{j:k}` is the
    weighted mean of ``values[j..k]``. All pairs are formed at once, which suits the few dozen bins of
    a reliability diagram.
    """
    v = check_array(values, "values", ndim=1)
    w = check_array(weights, "weights", ndim=1)
    check_same_length(v, w, "values", "weights")
    if w.min() <= 0:
        raise ValueError("weights must be positive.")
    sums = np.concatenate([[0.0], np.cumsum(w * v)])
    mass = np.concatenate([[0.0], np.cumsum(w)])
    j, k = np.meshgrid(np.arange(v.size), np.arange(v.size), indexing="ij")
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (sums[k + 1] - sums[j]) / (mass[k + 1] - mass[j])
    means = np.where(k >= j, means, np.inf)  # row j, column k holds the mean of values[j..k]
    tail_min = np.minimum.accumulate(means[:, ::-1], axis=1)[
        :, ::-1
    ]  # [j, i] = min_{k >= i} mean[j..k]
    return np.where(j <= k, tail_min, -np.inf).max(axis=0)  # f_i = max_{j <= i} tail_min[j, i]


def fit_temperature(logits, labels) -> float:
    """Temperature :math:`T` minimising the validation negative log-likelihood of ``softmax(logits / T)``.

    :math:`T^\\star = \\arg\\min_T -\\frac1n\\sum_n \\log \\mathrm{softmax}(z_n/T)_{y_n}`. The objective is
    convex in :math:`1/T`, so it is unimodal in :math:`\\log T`, and one bounded scalar search over
    :math:`T \\in [10^{-4}, 10^4]` finds its minimum, including a strongly over-confident exit that
    needs a temperature well above 20.

    Parameters
    ----------
    logits : array of shape (n, K)
        One exit's logits on validation data.
    labels : int array of shape (n,)
        The true classes.

    Returns
    -------
    float
        The fitted temperature :math:`T^\\star` (:math:`T>1`: the exit was over-confident).
    """
    z = check_array(logits, "logits", ndim=2)
    y = check_labels(labels, z.shape[0])

    def nll(log_t: float) -> float:
        scaled = z / np.exp(log_t)
        top = scaled.max(axis=1)
        log_norm = top + np.log(np.exp(scaled - top[:, None]).sum(axis=1))
        return float(np.mean(log_norm - scaled[np.arange(len(y)), y]))

    log_t = minimize_scalar(
        nll, bounds=(np.log(1e-4), np.log(1e4)), method="bounded", options={"xatol": 1e-6}
    ).x
    return float(np.exp(log_t))
