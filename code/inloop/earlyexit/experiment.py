"""The chapter's experiment in three calls: settings, data, and a trained network with its cached outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..data.images import ImageSplits, load_image_arrays, load_mnist5k, split_images
from .networks import ExitCosts, MultiExitNet, exit_costs, multi_exit_cnn
from .rules import ExitTable
from .settings import EarlyExitSettings
from .training import exit_logits, train_multi_exit


@dataclass
class TrainedNetwork:
    """A trained multi-exit network, its exact exit costs and its cached validation and test outputs.

    ``losses`` has shape ``(epochs,)``; ``validation`` and ``test`` are the tables of every exit's
    outputs on those splits (see :class:`~inloop.earlyexit.rules.ExitTable`).
    """

    model: MultiExitNet
    costs: ExitCosts
    losses: np.ndarray
    validation: ExitTable
    test: ExitTable


def _device(settings: EarlyExitSettings) -> str:
    if settings.device != "auto":
        return settings.device
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_splits(settings: EarlyExitSettings) -> ImageSplits:
    """Load the images and split them three ways.

    Parameters
    ----------
    settings : EarlyExitSettings
        ``data_path`` empty: MNIST 5k from the installed wheel
        (:func:`~inloop.data.images.load_mnist5k`); otherwise CIFAR-style arrays read by
        :func:`~inloop.data.images.load_image_arrays`. ``n_train``, ``n_validation`` and ``seed``
        fix the split.

    Returns
    -------
    ImageSplits
        Images ``(n, channels, height, width)`` in [0, 1] and labels ``(n,)`` for train,
        validation and test (the rest).
    """
    if not isinstance(settings, EarlyExitSettings):
        raise ValueError(f"settings must be an EarlyExitSettings, got {type(settings).__name__}.")
    images, labels = (
        load_mnist5k() if not settings.data_path else load_image_arrays(settings.data_path)
    )
    return split_images(
        images,
        labels,
        n_train=settings.n_train,
        n_validation=settings.n_validation,
        seed=settings.seed,
    )


def train_network(
    channels: Sequence[int],
    splits: ImageSplits,
    settings: EarlyExitSettings,
    *,
    seed: int | None = None,
    exit_weights: Sequence[float] | None = None,
) -> TrainedNetwork:
    """Build a multi-exit CNN, train its heads jointly, and run it once on validation and test data.

    Parameters
    ----------
    channels : sequence of int
        Maps of each block; one exit per block.
    splits : ImageSplits
        The data (:func:`load_splits`).
    settings : EarlyExitSettings
        Training settings (``epochs``, ``lr``, ``batch_size``, ``pooled_blocks``, ``device``,
        ``precision``).
    seed : int, optional
        Seed of the initialisation and of the mini-batches (default ``settings.seed``).
    exit_weights : sequence of float, optional
        Weight of each exit's cross-entropy (default: equal weights). ``(0, ..., 0, 1)`` trains
        the backbone as a single-exit network with only its last head.

    Returns
    -------
    TrainedNetwork
        The model, its exit costs, the loss per epoch ``(epochs,)`` and the validation and test
        tables ``(n, E)``.
    """
    if not isinstance(settings, EarlyExitSettings):
        raise ValueError(f"settings must be an EarlyExitSettings, got {type(settings).__name__}.")
    seed = settings.seed if seed is None else seed
    device = _device(settings)
    images = splits.train[0]
    model = multi_exit_cnn(
        channels,
        n_classes=splits.n_classes,
        in_channels=images.shape[1],
        image_size=images.shape[2],
        pooled_blocks=settings.pooled_blocks,
        seed=seed,
    ).to(getattr(torch, settings.precision))
    costs = exit_costs(model)
    losses = train_multi_exit(
        model,
        *splits.train,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        lr=settings.lr,
        seed=seed,
        device=device,
        exit_weights=exit_weights,
    )
    validation, test = (
        ExitTable.from_logits(exit_logits(model, part[0], device=device), costs.cumulative)
        for part in (splits.validation, splits.test)
    )
    return TrainedNetwork(model, costs, losses, validation, test)
