"""Data sets used in the book, loaded from files that installed packages ship (never downloaded).

Every file goes through :func:`~inloop.data.files.resolve_data_file`, which locates it in its wheel
and checks its SHA-256 digest: the credit data (:mod:`inloop.data.credit`), MNIST 5k
(:mod:`inloop.data.images`), the HarmBench and AdvBench prompts (:mod:`inloop.data.prompts`), and
the files of the two language models of Chapter 5.
"""

from .credit import CREDIT_SHA256, CreditData, load_credit, locate_credit_archive
from .files import DATA_FILES, DataFile, DataFileError, resolve_data_file, sha256_of
from .images import ImageSplits, load_image_arrays, load_mnist5k, split_images

__all__ = [
    "CREDIT_SHA256",
    "DATA_FILES",
    "CreditData",
    "DataFile",
    "DataFileError",
    "ImageSplits",
    "load_credit",
    "load_image_arrays",
    "load_mnist5k",
    "locate_credit_archive",
    "resolve_data_file",
    "sha256_of",
    "split_images",
]
