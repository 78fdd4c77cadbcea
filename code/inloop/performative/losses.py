"""Regularised logistic loss, its gradient and Hessian, vectorised over samples.

For features ``X`` (n, d), labels ``y`` in {0, 1} and parameters ``theta`` (d,),

.. math::

    L(\\theta; X, y) = \\frac{1}{n}\\sum_{i=1}^n \\big[\\log(1 + e^{x_i^\\top\\theta}) - y_i x_i^\\top\\theta\\big]
    + \\frac{\\lambda}{2} \\lVert m \\odot \\theta \\rVert^2,

where the mask ``m`` is 1 on every coordinate except an unpenalised bias.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .._checks import check_array, check_binary_labels, check_real, check_same_length


def penalty_mask(n_features: int, bias_column: int | None) -> np.ndarray:
    """Return the ridge mask ``m``: ones, with a zero at ``bias_column`` (if any)."""
    mask = np.ones(n_features)
    if bias_column is not None:
        mask[bias_column] = 0.0
    return mask


class LogisticLoss:
    """The regularised logistic objective :math:`L(\\theta; X, y)` on one data set.

    Parameters
    ----------
    features, labels:
        Data, ``features`` of shape (n, d) and binary ``labels`` of shape (n,).
    regularization:
        The ridge weight :math:`\\lambda \\ge 0`.
    bias_column:
        Index of the unpenalised bias column, or ``None`` to penalise every coordinate.
    """

    def __init__(self, features, labels, regularization: float, bias_column: int | None = -1):
        self.features = check_array(features, "features", ndim=2)
        self.labels = check_binary_labels(labels)
        check_same_length(self.features, self.labels, "features", "labels")
        self.regularization = check_real(regularization, "regularization", low=0.0)
        n_features = self.features.shape[1]
        if bias_column is not None:
            bias_column = range(n_features)[bias_column]
        self.mask = penalty_mask(n_features, bias_column)

    @property
    def n_features(self) -> int:
        return self.features.shape[1]

    def _check_theta(self, theta) -> np.ndarray:
        theta = check_array(theta, "theta", ndim=1)
        if theta.shape[0] != self.n_features:
            raise ValueError(
                f"theta must have {self.n_features} entries (one per feature), got {theta.shape[0]}."
            )
        return theta

    def value(self, theta) -> float:
        """The objective :math:`L(\\theta)`."""
        theta = self._check_theta(theta)
        logits = self.features @ theta
        data_term = np.mean(np.logaddexp(0.0, logits) - self.labels * logits)
        return float(data_term + 0.5 * self.regularization * np.sum(self.mask * theta**2))

    def gradient(self, theta) -> np.ndarray:
        """The gradient :math:`X^\\top(\\sigma(X\\theta) - y)/n + \\lambda\\, m \\odot \\theta`."""
        theta = self._check_theta(theta)
        residual = expit(self.features @ theta) - self.labels
        return (
            self.features.T @ residual / len(self.labels) + self.regularization * self.mask * theta
        )

    def hessian(self, theta) -> np.ndarray:
        """The Hessian :math:`X^\\top W X/n + \\lambda\\, \\mathrm{diag}(m)`, ``W = diag(p(1-p))``."""
        theta = self._check_theta(theta)
        probabilities = expit(self.features @ theta)
        weights = probabilities * (1.0 - probabilities)
        weighted = self.features * weights[:, None]
        return self.features.T @ weighted / len(self.labels) + self.regularization * np.diag(
            self.mask
        )

    def accuracy(self, theta) -> float:
        """Fraction of samples whose label equals ``1[x^T theta > 0]``."""
        theta = self._check_theta(theta)
        return float(np.mean((self.features @ theta > 0) == (self.labels == 1)))
