"""Risk minimisation for the small networks: the squared loss, L-BFGS (the book's solver) and Adam.

With labels :math:`y \\in \\{0, 1\\}` recoded to targets :math:`t = (1-\\delta)\\,y`, the **squared
risk** that Chapter 2 trains its networks on (section "RRM with a neural network on the credit
data": the squared loss against targets :math:`(1-\\delta)\\,y`), with row weights, is

.. math:: L(\\theta) = \\sum_i w_i\\, \\tfrac12 \\big(f_\\theta(x_i) - t_i\\big)^2, \\qquad \\sum_i w_i = 1,

1-strongly convex in the prediction (not in :math:`\\theta`). :func:`fit_lbfgs` minimises :math:`L` with
full-batch L-BFGS in float64 until the largest gradient entry is below a stated tolerance;
:func:`fit_adam` is the published procedure (full-batch Adam until the loss changes by less than
``1e-9`` between steps), kept as the baseline of the benchmark.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import torch

from .._checks import (
    check_array,
    check_binary_labels,
    check_positive_int,
    check_real,
    check_same_length,
)
from .rir import check_delta

GRADIENT_TOLERANCE = 1e-6
"""Stationarity rule of :func:`fit_lbfgs`: the largest entry of the normalised gradient is below this."""

RELATIVE_TOLERANCE = 1e-4
"""Progress rule of :func:`fit_lbfgs`: stop once ``window`` iterations lower the risk by at most this fraction."""


@dataclass(frozen=True)
class FitResult:
    """Outcome of one risk minimisation: parameters, final loss and gradient size, iterations, time.

    ``loss`` is the squared risk :math:`L`; ``gradient_max`` the largest entry of the gradient of the normalised risk
    :math:`L/(1-\\delta)^2`; ``reason`` the rule that ended the run (``"gradient"``, ``"stalled"``,
    ``"loss change"``, ``"round-off"`` when the risk stopped changing at float64 precision, ``"line search"``
    when the solver could not find a decrease, or ``"max_iter"``).
    """

    theta: np.ndarray
    loss: float
    gradient_max: float
    iterations: int
    reason: str
    seconds: float

    @property
    def converged(self) -> bool:
        """Whether the run ended by its stated tolerance rather than by a cap or a failed line search."""
        return self.reason in ("gradient", "stalled", "loss change", "round-off")


def recode_labels(labels, delta: float) -> np.ndarray:
    """Targets :math:`t = (1-\\delta)\\,y`: positive labels become :math:`1-\\delta`, the top of the prediction range."""
    return (1.0 - check_delta(delta)) * check_binary_labels(labels)


def squared_loss(predictions, targets, weights=None) -> float:
    """The squared risk :math:`L` at given predictions: :math:`\\sum_i w_i \\tfrac12 (\\hat y_i - t_i)^2` (uniform ``w`` by default)."""
    predictions = check_array(predictions, "predictions", ndim=1)
    targets = check_array(targets, "targets", ndim=1)
    check_same_length(predictions, targets, "predictions", "targets")
    weights = _weights(weights, predictions.shape[0])
    return float(np.sum(weights * 0.5 * (predictions - targets) ** 2))


def accuracy(predictions, labels, delta: float) -> float:
    """Fraction of rows where thresholding the prediction at :math:`(1-\\delta)/2` recovers the label in {0, 1}."""
    delta = check_delta(delta)
    predictions = check_array(predictions, "predictions", ndim=1)
    labels = check_binary_labels(labels)
    check_same_length(predictions, labels, "predictions", "labels")
    return float(np.mean((predictions > (1.0 - delta) / 2.0) == (labels == 1.0)))


def _weights(weights, n_rows: int) -> np.ndarray:
    if weights is None:
        return np.full(n_rows, 1.0 / n_rows)
    weights = check_array(weights, "weights", ndim=1)
    if weights.shape[0] != n_rows or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(f"weights must be {n_rows} non-negative numbers with a positive sum.")
    return weights / weights.sum()


def _loss_tensors(network, features, targets, weights):
    """Check the data and return the tensors of the squared risk: inputs, targets, row weights."""
    inputs = network._check_features(features)
    targets = check_array(targets, "targets", ndim=1)
    check_same_length(inputs, targets, "features", "targets")
    weights = _weights(weights, targets.shape[0])
    return torch.from_numpy(inputs), torch.from_numpy(targets), torch.from_numpy(weights)


def _objective(network, features, targets, weights):
    """Return a closure computing the squared risk and its gradient as float64 NumPy objects."""
    inputs, targets_t, weights_t = _loss_tensors(network, features, targets, weights)
    parameters = list(network.parameters())

    def loss_and_gradient(theta: np.ndarray):
        network.set_flat(theta)
        loss = torch.sum(weights_t * 0.5 * (network(inputs) - targets_t) ** 2)
        gradients = torch.autograd.grad(loss, parameters)
        return loss.item(), torch.cat([g.reshape(-1) for g in gradients]).numpy()

    return loss_and_gradient


def fit_lbfgs(
    network,
    features,
    targets,
    weights=None,
    tol: float = GRADIENT_TOLERANCE,
    rtol: float = RELATIVE_TOLERANCE,
    window: int = 10,
    max_iter: int = 2000,
    memory: int = 20,
    target_loss: float | None = None,
) -> FitResult:
    """Minimise the squared risk :math:`L` over the parameters of ``network`` (a :class:`~inloop.neural.network.ScaledSigmoidNetwork`), from its current ones, with full-batch L-BFGS (float64).

    The solver works on the *normalised* risk :math:`L(\\theta)/(1-\\delta)^2`, which does not depend on
    the scale of the targets, and stops at the first of

    - stationarity: the largest entry of its gradient is at most ``tol``;
    - stalled progress: it decreased by at most ``rtol`` (relative) over the last ``window`` iterations
      (the scaled-sigmoid risk keeps creeping down as weights grow, so this is the rule that usually
      ends a solve);
    - no decrease at float64 round-off (reported as ``"round-off"``);
    - ``max_iter`` iterations (reported as not converged);
    - if ``target_loss`` is given, :math:`L` at or below it (reported as ``"target"``; used to time
      how long L-BFGS needs to match another solver's loss).

    The network is left at the returned parameters; the reported loss is :math:`L` itself.

    Parameters
    ----------
    network : ScaledSigmoidNetwork
        The model, started from its current parameters.
    features : array_like, shape (n, d)
    targets : array_like, shape (n,)
        Targets :math:`t = (1-\\delta)y` (see :func:`recode_labels`).
    weights : array_like, shape (n,), optional
        Non-negative row weights (normalised to sum to one); uniform by default.
    tol, rtol, window, max_iter, memory, target_loss
        The stopping rules above and the L-BFGS memory.

    Returns
    -------
    FitResult
        Parameters (flat, shape (p,)), loss :math:`L`, largest gradient entry, iterations, the rule that
        stopped the run and its wall-clock seconds.
    """
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    rtol = check_real(rtol, "rtol", low=0.0)
    window = check_positive_int(window, "window")
    max_iter = check_positive_int(max_iter, "max_iter")
    if target_loss is not None:
        target_loss = check_real(target_loss, "target_loss", low=0.0)
    objective = _objective(network, features, targets, weights)
    scale = (1.0 - network.delta) ** 2

    def normalised(theta):
        loss, gradient = objective(theta)
        return loss / scale, gradient / scale

    history, reason = [], []

    def stalled(intermediate_result):
        history.append(intermediate_result.fun)
        if target_loss is not None and intermediate_result.fun * scale <= target_loss:
            reason.append("target")
            raise StopIteration
        if len(history) > window and history[-window - 1] - history[-1] <= rtol * abs(history[-1]):
            reason.append("stalled")
            raise StopIteration

    start = time.perf_counter()
    with single_thread():
        solution = scipy.optimize.minimize(
            normalised,
            network.flat(),
            jac=True,
            method="L-BFGS-B",
            callback=stalled,
            options={
                "gtol": tol,
                "ftol": 0.0,
                "maxiter": max_iter,
                "maxcor": memory,
                "maxfun": 4 * max_iter,
            },
        )
    if not reason:
        reason.append(_scipy_reason(solution, tol))
    return _result(network, objective, solution.x, solution.nit, start, reason[0])


def _scipy_reason(solution, tol) -> str:
    if np.max(np.abs(solution.jac)) <= tol:
        return "gradient"
    message = str(solution.message).upper()
    if "RELATIVE REDUCTION" in message:
        return "round-off"
    return "line search" if "LNSRCH" in message or "ABNORMAL" in message else "max_iter"


@contextlib.contextmanager
def single_thread():
    """Run PyTorch on one thread inside the block: these networks are far too small to gain from more."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def fit_adam(
    network,
    features,
    targets,
    weights=None,
    lr: float = 3e-4,
    tol: float = 1e-9,
    max_steps: int = 200_000,
) -> FitResult:
    """The published procedure: full-batch Adam with learning rate ``lr`` until the loss changes by less than ``tol``.

    ``max_steps`` caps the run; ``converged`` reports whether the loss-change rule was met. Here
    ``gradient_max`` is reported for comparison only; the stopping rule is on the loss change.
    """
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    max_steps = check_positive_int(max_steps, "max_steps")
    inputs, targets_t, weights_t = _loss_tensors(network, features, targets, weights)
    optimizer = torch.optim.Adam(network.parameters(), lr=lr)
    start = time.perf_counter()
    previous, reason, steps = np.inf, "max_iter", 0
    with single_thread():
        while steps < max_steps:
            optimizer.zero_grad()
            loss = torch.sum(weights_t * 0.5 * (network(inputs) - targets_t) ** 2)
            loss.backward()
            optimizer.step()
            steps += 1
            if abs(previous - loss.item()) < tol:
                reason = "loss change"
                break
            previous = loss.item()
    objective = _objective(network, features, targets, weights)
    return _result(network, objective, network.flat(), steps, start, reason)


def _result(network, objective, theta, iterations, start, reason) -> FitResult:
    seconds = time.perf_counter() - start
    loss, gradient = objective(theta)
    gradient_max = float(np.max(np.abs(gradient))) / (1.0 - network.delta) ** 2
    return FitResult(network.flat(), loss, gradient_max, int(iterations), reason, seconds)
