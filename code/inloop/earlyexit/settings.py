"""Every hyperparameter of Chapter 6 in one validated settings class, with the book and paper presets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..settings import Settings, setting


def _grid(low: float, high: float, step: float) -> np.ndarray:
    """The targets ``low, low + step, ..., high`` rounded to two decimals (``high`` included)."""
    return np.round(np.arange(low, high + step / 2, step), 2)


@dataclass(frozen=True)
class EarlyExitSettings(Settings):
    """Sizes, training, calibration and evaluation settings of the early-exit chapter.

    The defaults are the ``"book"`` preset (MNIST 5k on a CPU); :attr:`PAPER` lists what the
    ``"paper"`` preset changes. Target grids are given by their ends and step and read through
    :attr:`deltas`, :attr:`fine_deltas` and :attr:`sensitivity_deltas`.
    """

    # data and networks
    n_train: int = setting(300, minimum=1, doc="training images")
    n_validation: int = setting(
        1700, minimum=1, doc="validation images (calibration of every rule)"
    )
    small_channels: tuple[int, ...] = setting(
        (8, 16), minimum=1, doc="small network, maps per block"
    )
    large_channels: tuple[int, ...] = setting(
        (8, 16, 32, 64), minimum=1, doc="large network, maps per block"
    )
    pooled_blocks: int = setting(2, minimum=0, doc="blocks that end with a 2x2 max-pool")
    data_path: str = setting("", doc="CIFAR-style images on disk ('' = MNIST 5k from the wheel)")
    device: str = setting(
        "cpu", choices=("cpu", "cuda", "auto"), doc="where training runs ('auto': a GPU if present)"
    )
    threads: int = setting(2, minimum=1, doc="PyTorch CPU threads")
    precision: str = setting(
        "float64",
        choices=("float64", "float32"),
        doc="floating-point type of training (float64: the same networks on every processor)",
    )
    # training
    epochs: int = setting(80, minimum=1, doc="training epochs")
    lr: float = setting(5e-3, low=0.0, low_open=True, doc="Adam learning rate")
    batch_size: int = setting(64, minimum=1, doc="mini-batch size")
    seed: int = setting(0, minimum=0, doc="data split, initialisation and batches of the main run")
    seeds: tuple[int, ...] = setting(
        (0, 1, 2), minimum=0, doc="training seeds of the headline comparison"
    )
    # exit rules and their evaluation
    n_bins: int = setting(15, minimum=1, doc="reliability-diagram bins")
    min_released: int = setting(30, minimum=1, doc="an exit is judged if it releases this many")
    delta_min: float = setting(0.70, low=0.0, high=1.0, doc="smallest target of the main sweep")
    delta_max: float = setting(0.97, low=0.0, high=1.0, doc="largest target of the main sweep")
    delta_step: float = setting(0.01, low=0.0, low_open=True, doc="step of the target sweeps")
    fine_delta_min: float = setting(0.50, low=0.0, high=1.0, doc="smallest target, cost curves")
    fine_delta_max: float = setting(0.99, low=0.0, high=1.0, doc="largest target, cost curves")
    report_delta: float = setting(0.90, low=0.0, high=1.0, doc="target at which costs are compared")
    # sensitivity of PCEE to bins and validation size
    bin_counts: tuple[int, ...] = setting((5, 15, 40), minimum=1, doc="bins tried")
    validation_sizes: tuple[int, ...] = setting((200, 600, 1700), minimum=1, doc="sizes tried")
    sensitivity_repeats: int = setting(8, minimum=1, doc="random validation subsets per size")
    sensitivity_stride: int = setting(3, minimum=1, doc="every k-th target of the main sweep")
    # Learn then Test
    level: float = setting(0.1, open_unit=True, doc="LTT level epsilon")
    ltt_deltas: tuple[float, ...] = setting(
        (0.85, 0.88, 0.90), low=0.0, high=1.0, doc="targets of the LTT check"
    )
    n_calibration: int = setting(1500, minimum=1, doc="calibration-set size of the LTT check")
    n_splits: int = setting(500, minimum=1, doc="random calibration sets of the LTT check")
    ltt_seed: int = setting(1, minimum=0, doc="seed of the LTT check's calibration draws")
    exitwise_fraction: float = setting(
        0.5,
        open_unit=True,
        doc="share of validation data that fits the diagrams of the guaranteed per-exit rule",
    )
    exitwise_min_count: int = setting(
        20, minimum=1, doc="validation samples a bin needs to open, in the guaranteed rule's base"
    )
    exitwise_deltas: tuple[float, ...] = setting(
        (0.80, 0.85, 0.90), low=0.0, high=1.0, doc="targets of the per-exit guarantee"
    )
    exitwise_repeats: int = setting(50, minimum=1, doc="random fit/calibration draws")
    # the headline comparison
    budget_margin: float = setting(
        0.97,
        low=0.0,
        high=1.0,
        low_open=True,
        doc="on validation, aim at this fraction of the small network's cost",
    )
    small_budgets: tuple[float, ...] = setting(
        (100e3, 150e3, 200e3),
        low=0.0,
        low_open=True,
        doc="budgets (MACs) of the small-vs-large check",
    )
    # the over-confident regime
    sharpening: float = setting(
        3.0, low=1.0, doc="logits multiplied by this to make a network over-confident"
    )
    # smoothing where it should matter
    thin_size: int = setting(150, minimum=1, doc="validation size of the few-samples-per-bin test")
    thin_bins: int = setting(40, minimum=1, doc="bins of the few-samples-per-bin test")

    PAPER: ClassVar[dict[str, Any]] = {
        "n_train": 2000,
        "n_validation": 1500,
        "small_channels": (16, 32),
        "large_channels": (16, 32, 64, 128, 128),
        "epochs": 100,
        "n_bins": 20,
        "n_splits": 2000,
        "seeds": (0, 1, 2, 3, 4),
        "validation_sizes": (200, 600, 1500),
        "n_calibration": 1200,
        "exitwise_repeats": 200,
        "small_budgets": (350e3, 500e3, 700e3),  # the book's fractions of the small network's cost
        "device": "auto",
        "precision": "float32",
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.delta_min > self.delta_max or self.fine_delta_min > self.fine_delta_max:
            raise ValueError("target grids need their smallest target below their largest.")

    @property
    def deltas(self) -> np.ndarray:
        """Targets of the main sweep, shape ``(G,)``."""
        return _grid(self.delta_min, self.delta_max, self.delta_step)

    @property
    def fine_deltas(self) -> np.ndarray:
        """Targets of the cost curves, shape ``(G',)``."""
        return _grid(self.fine_delta_min, self.fine_delta_max, self.delta_step)

    @property
    def sensitivity_deltas(self) -> np.ndarray:
        """Every ``sensitivity_stride``-th target of the main sweep."""
        return self.deltas[:: self.sensitivity_stride]
