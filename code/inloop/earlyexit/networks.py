"""Multi-exit networks: a backbone cut into blocks, with a classifier head after each block.

A sample that leaves at exit :math:`i` has paid for blocks :math:`1..i` and for heads
:math:`1..i` (each earlier head was evaluated and its answer rejected). Its cost is therefore

.. math:: C_i = \\sum_{j \\le i} (B_j + H_j),

where :math:`B_j` and :math:`H_j` are the multiply-adds of block :math:`j` and head :math:`j`.
:func:`exit_costs` counts them exactly from the layer shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .._checks import check_positive_int
from .._random import seeded_torch


class MultiExitNet(nn.Module):
    """A stack of ``blocks`` with one classifier head after each; ``forward`` returns every exit's logits."""

    def __init__(
        self,
        blocks: Sequence[nn.Module],
        heads: Sequence[nn.Module],
        input_shape: tuple[int, ...],
    ):
        super().__init__()
        if len(blocks) != len(heads) or not blocks:
            raise ValueError(
                f"need one head per block and at least one block, got {len(blocks)} blocks and {len(heads)} heads."
            )
        self.blocks = nn.ModuleList(blocks)
        self.heads = nn.ModuleList(heads)
        self.input_shape = tuple(input_shape)

    @property
    def n_exits(self) -> int:
        return len(self.blocks)

    @property
    def dtype(self) -> torch.dtype:
        """Floating-point type of the weights; inputs are converted to it."""
        return next(self.parameters()).dtype

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Return the list of logits ``[head_1(z_1), ..., head_E(z_E)]`` with ``z_i = block_i(z_{i-1})``."""
        logits = []
        for block, head in zip(self.blocks, self.heads, strict=True):
            x = block(x)
            logits.append(head(x))
        return logits


def _check_widths(widths: Iterable[int], name: str) -> tuple[int, ...]:
    widths = tuple(widths)
    if not widths:
        raise ValueError(f"{name} must list at least one width, got {widths}.")
    return tuple(check_positive_int(width, f"{name}[{k}]") for k, width in enumerate(widths))


def multi_exit_cnn(
    channels: Sequence[int] = (8, 16, 32),
    *,
    n_classes: int = 10,
    in_channels: int = 1,
    image_size: int = 28,
    pooled_blocks: int | None = None,
    head_grid: int = 4,
    seed: int = 0,
) -> MultiExitNet:
    """Build a convolutional multi-exit network.

    Block :math:`i` is a 3x3 convolution to ``channels[i]`` maps and a ReLU; the first
    ``pooled_blocks`` blocks (default: all) end with a 2x2 max-pool that halves the resolution.
    Head :math:`i` average-pools the maps to a ``head_grid x head_grid`` grid and applies a linear
    classifier.

    Parameters
    ----------
    channels : sequence of int
        Output maps of each block, ``E`` entries for ``E`` exits.
    n_classes, in_channels, image_size : int
        Classes, input channels and side of the square input images.
    pooled_blocks : int, optional
        How many leading blocks end with a max-pool (default: all).
    head_grid : int
        Side of the pooled grid each head reads.
    seed : int
        Seed of PyTorch's default layer initialisation (in a forked random state; the caller's
        global state is left untouched).

    Returns
    -------
    MultiExitNet
        ``forward(x)`` maps ``(n, in_channels, image_size, image_size)`` to ``E`` logits ``(n, n_classes)``.
    """
    channels = _check_widths(channels, "channels")
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    in_channels = check_positive_int(in_channels, "in_channels")
    pooled_blocks = (
        len(channels)
        if pooled_blocks is None
        else check_positive_int(pooled_blocks, "pooled_blocks", minimum=0)
    )
    if pooled_blocks > len(channels):
        raise ValueError(
            f"pooled_blocks must be at most the number of blocks ({len(channels)}), got {pooled_blocks}."
        )
    image_size = check_positive_int(image_size, "image_size", minimum=2**pooled_blocks)
    head_grid = check_positive_int(head_grid, "head_grid")
    with seeded_torch(seed):
        return _build_cnn(channels, n_classes, in_channels, image_size, pooled_blocks, head_grid)


def _build_cnn(
    channels: tuple[int, ...],
    n_classes: int,
    in_channels: int,
    image_size: int,
    pooled_blocks: int,
    head_grid: int,
) -> MultiExitNet:
    blocks: list[nn.Module] = []
    heads: list[nn.Module] = []
    size, previous = image_size, in_channels
    for index, width in enumerate(channels):
        layers = [nn.Conv2d(previous, width, 3, padding=1), nn.ReLU()]
        if index < pooled_blocks:
            layers.append(nn.MaxPool2d(2))
            size //= 2
        blocks.append(nn.Sequential(*layers))
        grid = min(head_grid, size)
        heads.append(
            nn.Sequential(
                nn.AdaptiveAvgPool2d(grid), nn.Flatten(), nn.Linear(width * grid * grid, n_classes)
            )
        )
        previous = width
    return MultiExitNet(blocks, heads, (in_channels, image_size, image_size))


def multi_exit_mlp(
    widths: Sequence[int] = (64, 64, 64), *, n_inputs: int, n_classes: int = 10, seed: int = 0
) -> MultiExitNet:
    """Build a fully connected multi-exit network: block :math:`i` is Linear + ReLU, head :math:`i` is Linear.

    Parameters
    ----------
    widths : sequence of int
        Units of each block, one exit per block.
    n_inputs, n_classes : int
        Input features and classes.
    seed : int
        Seed of the default layer initialisation (in a forked random state).

    Returns
    -------
    MultiExitNet
        ``forward(x)`` maps ``(n, n_inputs)`` to ``len(widths)`` logits ``(n, n_classes)``.
    """
    widths = _check_widths(widths, "widths")
    n_inputs = check_positive_int(n_inputs, "n_inputs")
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    blocks: list[nn.Module] = []
    heads: list[nn.Module] = []
    previous = n_inputs
    with seeded_torch(seed):
        for width in widths:
            blocks.append(nn.Sequential(nn.Linear(previous, width), nn.ReLU()))
            heads.append(nn.Linear(width, n_classes))
            previous = width
    return MultiExitNet(blocks, heads, (n_inputs,))


@dataclass(frozen=True)
class ExitCosts:
    """Multiply-adds of each block and head, and the cumulative cost :math:`C_i` of leaving at exit :math:`i`."""

    blocks: np.ndarray
    heads: np.ndarray

    @property
    def cumulative(self) -> np.ndarray:
        """:math:`C_i = \\sum_{j \\le i} (B_j + H_j)`."""
        return np.cumsum(self.blocks + self.heads)

    @property
    def full(self) -> int:
        """Cost of running the backbone to the end without evaluating the intermediate heads."""
        return int(self.blocks.sum() + self.heads[-1])


def _layer_macs(module: nn.Module, output: torch.Tensor) -> int:
    """Multiply-adds of one layer for one sample: a conv costs out_h*out_w*out_c*(in_c/groups)*k_h*k_w, a linear in*out."""
    if isinstance(module, nn.Conv2d):
        per_output = (
            (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]
        )
        return int(output[0].numel()) * per_output
    if isinstance(module, nn.Linear):
        return module.in_features * module.out_features
    return 0


def _module_macs(module: nn.Module, x: torch.Tensor) -> tuple[int, torch.Tensor]:
    total: list[int] = []
    hooks = [
        layer.register_forward_hook(lambda layer, _, out: total.append(_layer_macs(layer, out)))
        for layer in module.modules()
        if isinstance(layer, (nn.Conv2d, nn.Linear))
    ]
    try:
        output = module(x)
    finally:
        for hook in hooks:
            hook.remove()
    return sum(total), output


@torch.no_grad()
def exit_costs(model: MultiExitNet) -> ExitCosts:
    """Count the multiply-adds (MACs) of every block and head for one input of ``model.input_shape``.

    Only convolutions and linear layers are counted (biases, activations and pooling are additions
    or comparisons, an order of magnitude fewer operations). The count is exact: it multiplies the
    layer shapes seen on a dummy input, not a timing.

    Parameters
    ----------
    model : MultiExitNet
        The network, with ``E`` exits.

    Returns
    -------
    ExitCosts
        ``blocks`` and ``heads``, int arrays of shape ``(E,)``; ``cumulative`` gives :math:`C_i`.
    """
    if not isinstance(model, MultiExitNet):
        raise ValueError(f"model must be a MultiExitNet, got {type(model).__name__}.")
    x = torch.zeros((1,) + model.input_shape, dtype=model.dtype)
    blocks: list[int] = []
    heads: list[int] = []
    for block, head in zip(model.blocks, model.heads, strict=True):
        macs, x = _module_macs(block, x)
        blocks.append(macs)
        heads.append(_module_macs(head, x)[0])
    return ExitCosts(np.array(blocks, dtype=np.int64), np.array(heads, dtype=np.int64))
