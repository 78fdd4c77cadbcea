"""Joint training of all exits, and the single cached forward pass every exit rule reuses."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._checks import check_positive_int, check_real
from .networks import MultiExitNet


def _as_tensors(images, labels=None):
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    if labels is None:
        return x
    y = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise ValueError(
            f"labels must be a vector with one entry per image, got shape {tuple(y.shape)} for {x.shape[0]} images."
        )
    return x, y


def joint_loss(logits: list[torch.Tensor], labels: torch.Tensor, weights=None) -> torch.Tensor:
    """Weighted sum of the exits' cross-entropies, :math:`L = \\sum_i w_i\\, \\mathrm{CE}(f_i(x), y)` (default :math:`w_i = 1/E`)."""
    weights = weights if weights is not None else [1.0 / len(logits)] * len(logits)
    return sum(w * nn.functional.cross_entropy(z, labels) for w, z in zip(weights, logits))


def train_multi_exit(
    model: MultiExitNet,
    images,
    labels,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 2e-3,
    seed: int = 0,
    device: str = "cpu",
) -> np.ndarray:
    """Train every head of ``model`` jointly with Adam on :func:`joint_loss`; return the mean loss per epoch.

    Mini-batches are drawn by a generator seeded with ``seed``, so two runs with the same seed and
    thread count give the same weights. ``device`` (``"cpu"`` or ``"cuda"``) is where training runs;
    the model is moved back to the CPU at the end.
    """
    if not isinstance(model, MultiExitNet):
        raise ValueError(f"model must be a MultiExitNet, got {type(model).__name__}.")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    lr = check_real(lr, "lr", low=0, low_open=True)
    x, y = _as_tensors(images, labels)
    if tuple(x.shape[1:]) != model.input_shape:
        raise ValueError(
            f"images must have shape (n, {', '.join(map(str, model.input_shape))}), got {tuple(x.shape)}."
        )
    generator = torch.Generator().manual_seed(seed)
    model.to(device)
    x, y = x.to(device), y.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    history = np.zeros(epochs)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(x.shape[0], generator=generator).to(device)
        for batch in order.split(batch_size):
            optimiser.zero_grad()
            loss = joint_loss(model(x[batch]), y[batch])
            loss.backward()
            optimiser.step()
            history[epoch] += loss.item() * len(batch) / x.shape[0]
    model.to("cpu").eval()
    return history


@torch.no_grad()
def exit_logits(
    model: MultiExitNet, images, batch_size: int = 1000, device: str = "cpu"
) -> np.ndarray:
    """Run ``model`` once over ``images`` (on ``device``) and return every exit's logits, shape ``(n, n_exits, n_classes)``."""
    if not isinstance(model, MultiExitNet):
        raise ValueError(f"model must be a MultiExitNet, got {type(model).__name__}.")
    x = _as_tensors(images)
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
