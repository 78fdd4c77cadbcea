"""The published strategic-classification loop, re-run as it was written (a baseline).

Perdomo et al. (2020) solved every round of repeated risk minimisation on the credit data with
their own gradient-descent routine. This module re-implements that routine and that loop from
their description and public code, so the book can compare it with exact rounds:

* **start**: the loop starts from :math:`\\theta_0 = \\theta_{\\mathrm{ERM}}`, the minimiser on the
  unshifted data;
* **rounds**: each round moves the applicants with the best response
  :math:`x'_S = x_S - \\varepsilon\\theta_S` and minimises from a *cold start* at zero;
* **step**: a fixed step :math:`\\eta_0 = 1/(\\overline{\\lVert x'\\rVert^2}/4 + \\lambda)` computed on
  the *shifted* data, divided by 10 only when a step increases the loss (and reset to
  :math:`\\eta_0` after every accepted step);
* **stopping**: when an accepted step decreases the loss by at most ``tol`` (:math:`10^{-7}`); the
  published routine has no iteration cap, this one has a generous safety cap ``max_iter`` whose
  hits are reported;
* **loss**: the loss compared inside the loop uses :math:`\\tfrac{\\lambda}{2}\\lVert w\\rVert`
  (the norm, not its square) for the penalty; the gradient is that of
  :math:`\\tfrac{\\lambda}{2}\\lVert w\\rVert^2`. ``squared_penalty=True`` switches the compared loss
  to the square.

The bias (last column) is never penalised. ``log(1 + exp(z))`` and the sigmoid
``exp(z) / (1 + exp(z))`` are evaluated as published (the logits stay far below the overflow point
of ``exp`` on the credit data); ``exp(z)`` of an accepted step is kept for the next gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import check_array, check_binary_labels, check_positive_int, check_real
from .strategic import best_response

__all__ = [
    "PublishedRRM",
    "PublishedSolve",
    "published_logistic_regression",
    "published_rrm",
    "published_step_size",
]


@dataclass(frozen=True)
class PublishedSolve:
    """Result of one published gradient-descent solve.

    ``theta`` (d,), ``loss`` (the last compared loss, the value the published code reports),
    ``iterations`` (accepted steps), ``backtracks`` (rejected steps), ``capped`` (whether the safety
    cap stopped it before the published stopping rule fired).
    """

    theta: np.ndarray
    loss: float
    iterations: int
    backtracks: int
    capped: bool


@dataclass(frozen=True)
class PublishedRRM:
    """The published RRM loop's record, one entry per round ``t = 0, ..., rounds - 1``.

    ``thetas`` (rounds + 1, d): ``thetas[0]`` is :math:`\\theta_{\\mathrm{ERM}}`, ``thetas[t + 1]``
    the model fitted in round ``t``. ``loss_start[t]``/``accuracy_start[t]``: the deployed model
    ``thetas[t]`` on the data it induced; ``loss_end[t]``/``accuracy_end[t]``: the newly fitted
    ``thetas[t + 1]`` on the same data (the two ends of one segment of the published figure).
    ``iterations[t]`` and ``capped[t]`` describe the round's solve; ``erm`` is the initial solve.
    """

    thetas: np.ndarray
    loss_start: np.ndarray
    loss_end: np.ndarray
    accuracy_start: np.ndarray
    accuracy_end: np.ndarray
    iterations: np.ndarray
    capped: np.ndarray
    erm: PublishedSolve

    @property
    def step_lengths(self) -> np.ndarray:
        """Distances :math:`\\lVert\\theta_{t+1} - \\theta_t\\rVert`, shape (rounds,)."""
        return np.linalg.norm(np.diff(self.thetas, axis=0), axis=-1)


def published_step_size(features, regularization: float) -> float:
    """The published fixed step :math:`\\eta_0 = 1/(\\tfrac{1}{4n}\\sum_i\\lVert x_i\\rVert^2 + \\lambda)`."""
    features = check_array(features, "features", ndim=2)
    regularization = check_real(regularization, "regularization", low=0.0)
    smoothness = np.sum(features**2) / (4.0 * features.shape[0])
    return float(1.0 / (smoothness + regularization))


def _compared_loss(exp_logits, logits, labels, weights, regularization, squared_penalty):
    """Loss compared inside the published loop: mean logistic loss plus its penalty term."""
    data_term = np.mean(np.log1p(exp_logits) - labels * logits)
    norm = np.linalg.norm(weights)
    return data_term + 0.5 * regularization * (norm**2 if squared_penalty else norm)


def published_logistic_regression(
    features,
    labels,
    regularization: float,
    *,
    tol: float = 1e-7,
    theta_init=None,
    max_iter: int = 1_000_000,
    squared_penalty: bool = False,
) -> PublishedSolve:
    """Minimise the ridge logistic loss (bias unpenalised) with the published gradient descent.

    Parameters
    ----------
    features : array of shape (n, d)
        Data, last column the bias.
    labels : array of shape (n,)
        Binary labels.
    regularization : float
        Ridge weight :math:`\\lambda \\ge 0` on every coordinate but the last.
    tol : float
        Stop once an accepted step decreases the compared loss by at most ``tol``.
    theta_init : array of shape (d,), optional
        Starting point (default: zero, the published cold start).
    max_iter : int
        Safety cap on accepted steps (the published routine has none).
    squared_penalty : bool
        Compare losses with :math:`\\lVert w\\rVert^2` instead of the published :math:`\\lVert w\\rVert`.

    Returns
    -------
    PublishedSolve
    """
    features = check_array(features, "features", ndim=2)
    labels = check_binary_labels(labels).astype(float)
    if labels.shape[0] != features.shape[0]:
        raise ValueError(
            f"features have {features.shape[0]} rows but labels have {labels.shape[0]} entries."
        )
    regularization = check_real(regularization, "regularization", low=0.0)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    max_iter = check_positive_int(max_iter, "max_iter")
    n, d = features.shape
    theta = np.zeros(d) if theta_init is None else check_array(theta_init, "theta_init", ndim=1)
    if theta.shape[0] != d:
        raise ValueError(f"theta_init must have {d} entries, got {theta.shape[0]}.")
    theta = theta.copy()
    initial_step = published_step_size(features, regularization)
    mask = np.ones(d)
    mask[-1] = 0.0
    logits = features @ theta
    exp_logits = np.exp(logits)
    # The published routine starts from the loss with the squared penalty.
    previous = _compared_loss(exp_logits, logits, labels, theta[:-1], regularization, True)
    step, iterations, backtracks = initial_step, 0, 0
    while iterations < max_iter:
        residual = exp_logits / (1.0 + exp_logits) - labels
        gradient = features.T @ residual / n + regularization * mask * theta
        candidate = theta - step * gradient
        candidate_logits = features @ candidate
        candidate_exp = np.exp(candidate_logits)
        loss = _compared_loss(
            candidate_exp, candidate_logits, labels, candidate[:-1], regularization, squared_penalty
        )
        if loss > previous:
            step *= 0.1
            backtracks += 1
            continue
        step = initial_step
        theta, logits, exp_logits = candidate, candidate_logits, candidate_exp
        iterations += 1
        gap, previous = previous - loss, loss
        if gap <= tol:
            return PublishedSolve(theta, float(previous), iterations, backtracks, False)
    return PublishedSolve(theta, float(previous), iterations, backtracks, True)


def _evaluate(features, labels, theta, regularization):
    """Published evaluation: logistic loss with the squared penalty, and accuracy of ``x^T theta > 0``."""
    logits = features @ theta
    loss = _compared_loss(np.exp(logits), logits, labels, theta[:-1], regularization, True)
    return float(loss), float(np.mean((logits > 0) == (labels == 1)))


def published_rrm(
    features,
    labels,
    strategic,
    epsilon: float,
    rounds: int,
    *,
    regularization: float | None = None,
    tol: float = 1e-7,
    max_iter: int = 1_000_000,
    squared_penalty: bool = False,
) -> PublishedRRM:
    """Run the published RRM loop: start at :math:`\\theta_{\\mathrm{ERM}}`, cold-start every round.

    Round ``t`` moves the applicants to :math:`x'_S = x_S - \\varepsilon\\theta_{t,S}`, records the
    deployed model's loss and accuracy on the moved data, fits a new model from zero with
    :func:`published_logistic_regression`, and records the new model on the same data.

    Parameters
    ----------
    features : array of shape (n, d)
        Credit features, last column the bias.
    labels : array of shape (n,)
        Binary labels.
    strategic : sequence of int
        Columns the applicants can change.
    epsilon : float
        Strength of the response.
    rounds : int
        Number of rounds (the published experiment runs 25).
    regularization : float, optional
        Ridge weight; default :math:`1/n` as published.
    tol, max_iter, squared_penalty
        Passed to :func:`published_logistic_regression`.

    Returns
    -------
    PublishedRRM
    """
    features = check_array(features, "features", ndim=2)
    labels = check_binary_labels(labels).astype(float)
    epsilon = check_real(epsilon, "epsilon", low=0.0)
    rounds = check_positive_int(rounds, "rounds")
    if regularization is None:
        regularization = 1.0 / features.shape[0]
    options: dict[str, Any] = dict(tol=tol, max_iter=max_iter, squared_penalty=squared_penalty)
    erm = published_logistic_regression(features, labels, regularization, **options)
    thetas = [erm.theta]
    record: dict[str, list] = {key: [] for key in ("ls", "le", "as", "ae", "it", "cap")}
    for _ in range(rounds):
        moved = best_response(features, thetas[-1], epsilon, strategic)
        loss, accuracy = _evaluate(moved, labels, thetas[-1], regularization)
        record["ls"].append(loss)
        record["as"].append(accuracy)
        solve = published_logistic_regression(moved, labels, regularization, **options)
        loss, accuracy = _evaluate(moved, labels, solve.theta, regularization)
        record["le"].append(loss)
        record["ae"].append(accuracy)
        record["it"].append(solve.iterations)
        record["cap"].append(solve.capped)
        thetas.append(solve.theta)
    return PublishedRRM(
        thetas=np.array(thetas),
        loss_start=np.array(record["ls"]),
        loss_end=np.array(record["le"]),
        accuracy_start=np.array(record["as"]),
        accuracy_end=np.array(record["ae"]),
        iterations=np.array(record["it"]),
        capped=np.array(record["cap"]),
        erm=erm,
    )
