"""The chapter's experiment in three calls: settings, data, and a trained network with its cached outputs."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..data.images import ImageSplits, load_image_arrays, load_mnist5k, split_images
from .networks import ExitCosts, MultiExitNet, exit_costs, multi_exit_cnn
from .rules import ExitTable
from .training import exit_logits, train_multi_exit


@dataclass(frozen=True)
class EarlyExitSettings:
    """Sizes of one run: data split, the two networks, training, and the calibration studies."""

    n_train: int
    n_validation: int
    small_channels: tuple[int, ...]
    large_channels: tuple[int, ...]
    pooled_blocks: int
    epochs: int
    lr: float = 5e-3
    batch_size: int = 64
    n_bins: int = 15
    n_splits: int = 500
    data_path: str | None = None
    device: str = "cpu"
    seed: int = 0


@dataclass
class TrainedNetwork:
    """A trained multi-exit network, its exact exit costs and its cached validation and test outputs."""

    model: MultiExitNet
    costs: ExitCosts
    losses: object
    validation: ExitTable
    test: ExitTable


def load_splits(settings: EarlyExitSettings) -> ImageSplits:
    """MNIST 5k from the installed wheel, or your CIFAR-style arrays when ``settings.data_path`` is set."""
    images, labels = (
        load_mnist5k() if settings.data_path is None else load_image_arrays(settings.data_path)
    )
    return split_images(
        images,
        labels,
        n_train=settings.n_train,
        n_validation=settings.n_validation,
        seed=settings.seed,
    )


def train_network(channels, splits: ImageSplits, settings: EarlyExitSettings) -> TrainedNetwork:
    """Build a multi-exit CNN, train all its heads jointly, and run it once on validation and test data."""
    images = splits.train[0]
    model = multi_exit_cnn(
        channels,
        n_classes=splits.n_classes,
        in_channels=images.shape[1],
        image_size=images.shape[2],
        pooled_blocks=settings.pooled_blocks,
        seed=settings.seed,
    )
    costs = exit_costs(model)
    losses = train_multi_exit(
        model,
        *splits.train,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        lr=settings.lr,
        seed=settings.seed,
        device=settings.device,
    )
    tables = [
        ExitTable.from_logits(exit_logits(model, part[0], device=settings.device), costs.cumulative)
        for part in (splits.validation, splits.test)
    ]
    return TrainedNetwork(model, costs, losses, *tables)


def set_threads(n: int = 1) -> None:
    """Fix PyTorch's thread count: float32 training is then repeatable on the same machine."""
    torch.set_num_threads(n)
