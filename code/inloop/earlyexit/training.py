"""Joint training of all exits, and the single cached forward pass every exit rule reuses."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .._checks import check_array, check_positive_int, check_real
from .._random import torch_generator
from .networks import MultiExitNet


def _as_tensors(images, labels=None, dtype: torch.dtype = torch.float32):
    x = torch.as_tensor(np.asarray(images)).to(dtype)
    if labels is None:
        return x
    y = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise ValueError(
            f"labels must be a vector with one entry per image, got shape {tuple(y.shape)} for {x.shape[0]} images."
        )
    return x, y


def joint_loss(
    logits: Sequence[torch.Tensor], labels: torch.Tensor, weights: Sequence[float] | None = None
) -> torch.Tensor:
    """Weighted sum of the exits' cross-entropies, :math:`L = \\sum_i w_i\\, \\mathrm{CE}(f_i(x), y)` (default :math:`w_i = 1/E`).

    ``logits`` holds ``E`` tensors of shape ``(n, K)``, ``labels`` has shape ``(n,)``.
    """
    weights = weights if weights is not None else [1.0 / len(logits)] * len(logits)
    terms = [
        w * nn.functional.cross_entropy(z, labels)
        for w, z in zip(weights, logits, strict=True)
        if w != 0
    ]
    total = terms[0]
    for term in terms[1:]:  # summed in exit order, as a plain Python sum would
        total = total + term
    return total


def _check_exit_weights(weights: Sequence[float] | None, n_exits: int) -> list[float] | None:
    if weights is None:
        return None
    w = check_array(weights, "exit_weights", ndim=1)
    if w.size != n_exits or w.min() < 0 or w.sum() <= 0:
        raise ValueError(
            f"exit_weights must be {n_exits} non-negative numbers with a positive sum, got {w.tolist()}."
        )
    return w.tolist()


def train_multi_exit(
    model: MultiExitNet,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 2e-3,
    seed: int = 0,
    device: str = "cpu",
    exit_weights: Sequence[float] | None = None,
) -> np.ndarray:
    """Train every head of ``model`` jointly with Adam on :func:`joint_loss`.

    Mini-batches are drawn by a generator seeded with ``seed``, so two runs with the same seed and
    thread count give the same weights. Training runs in the floating-point type of ``model``'s
    weights: in float64 the result is the same on every processor to far more digits than any
    printed number (in float32 different processors' kernels round differently, and over a few
    hundred Adam steps those roundings grow into visibly different networks).

    Parameters
    ----------
    model : MultiExitNet
        The network, trained in place and left on the CPU in evaluation mode.
    images : array of shape (n, c, h, w), the model's input shape
        Training inputs.
    labels : int array of shape (n,)
        Training labels.
    epochs, batch_size, lr : int, int, float
        Passes over the data, mini-batch size and Adam learning rate.
    seed : int
        Seed of the mini-batch order.
    device : str
        ``"cpu"`` or ``"cuda"``: where training runs.
    exit_weights : sequence of float, optional
        Weight :math:`w_i` of each exit in :func:`joint_loss` (default :math:`1/E` each).

    Returns
    -------
    numpy.ndarray of shape (epochs,)
        Mean training loss of each epoch.
    """
    if not isinstance(model, MultiExitNet):
        raise ValueError(f"model must be a MultiExitNet, got {type(model).__name__}.")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    lr = check_real(lr, "lr", low=0, low_open=True)
    x, y = _as_tensors(images, labels, model.dtype)
    if tuple(x.shape[1:]) != model.input_shape:
        raise ValueError(
            f"images must have shape (n, {', '.join(map(str, model.input_shape))}), got {tuple(x.shape)}."
        )
    weights = _check_exit_weights(exit_weights, model.n_exits)
    generator = torch_generator(seed)
    model.to(device)
    x, y = x.to(device), y.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    history = np.zeros(epochs)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(x.shape[0], generator=generator).to(device)
        for batch in order.split(batch_size):
            optimiser.zero_grad()
            loss = joint_loss(model(x[batch]), y[batch], weights)
            loss.backward()
            optimiser.step()
            history[epoch] += loss.item() * len(batch) / x.shape[0]
    model.to("cpu").eval()
    return history


@torch.no_grad()
def exit_logits(
    model: MultiExitNet, images: np.ndarray, batch_size: int = 1000, device: str = "cpu"
) -> np.ndarray:
    """Run ``model`` once over ``images`` (on ``device``) and return every exit's logits.

    Parameters
    ----------
    model : MultiExitNet
        A network with ``E`` exits and ``K`` classes.
    images : array of shape (n, c, h, w), the model's input shape
        Inputs.
    batch_size : int
        Images per forward pass.
    device : str
        ``"cpu"`` or ``"cuda"``.

    Returns
    -------
    numpy.ndarray of shape (n, E, K)
        Float64 logits of every exit.
    """
    if not isinstance(model, MultiExitNet):
        raise ValueError(f"model must be a MultiExitNet, got {type(model).__name__}.")
    x = _as_tensors(images, dtype=model.dtype)
    if tuple(x.shape[1:]) != model.input_shape:
        raise ValueError(
            f"images must have shape (n, {', '.join(map(str, model.input_shape))}), got {tuple(x.shape)}."
        )
    model.to(device).eval()
    chunks = [
        torch.stack(model(chunk.to(device)), dim=1).cpu()
        for chunk in x.split(check_positive_int(batch_size, "batch_size"))
    ]
    model.to("cpu")
    return torch.cat(chunks).double().numpy()
