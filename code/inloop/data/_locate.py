"""Find a data file inside an installed wheel without importing the package, and verify it."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path


class DataFileError(FileNotFoundError):
    """A data file is missing or is not the file the book expects."""


def file_in_installed_package(package: str, relative_path: str, install_command: str) -> Path:
    """Return the path of ``relative_path`` inside the installed ``package``.

    The package is located with :func:`importlib.util.find_spec`, which reads the import system's
    metadata without running the package's code (some data-carrying packages have broken
    dependencies and cannot be imported).
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataFileError(
            f"The package {package!r}, which ships the data file {relative_path!r}, is not installed. "
            f"Install it with:\n    {install_command}"
        )
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / relative_path
        if candidate.is_file():
            return candidate
    raise DataFileError(
        f"The package {package!r} is installed but does not contain {relative_path!r}; "
        f"reinstall the expected version with:\n    {install_command}"
    )


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str, install_command: str) -> None:
    """Raise :class:`DataFileError` unless the file's SHA-256 digest equals ``expected``."""
    actual = sha256_of(path)
    if actual != expected:
        raise DataFileError(
            f"The file {path.name} is corrupt or a different version (sha256 {actual[:12]}..., "
            f"expected {expected[:12]}...). Reinstall it with:\n    {install_command}"
        )
