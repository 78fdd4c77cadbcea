"""Checks of the book as a whole: configuration, table of contents, and every chapter notebook.

These tests read files only; the notebooks themselves are executed by ``pytest --nbval``.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPOSITORY = CONFIG["repository"]["url"]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Packages Colab preinstalls that chapters may rely on without installing them.
COLAB_PREINSTALLED = {"numpy", "scipy", "matplotlib", "torch", "pandas", "IPython"}
# Import names of distributions whose name differs from the module name.
IMPORT_NAMES = {"scikit-learn": "sklearn", "pyyaml": "yaml"}


def notebook(path: Path) -> dict:
    return json.loads(path.read_text())


def code_cells(path: Path) -> list[str]:
    return [
        "".join(cell["source"]) for cell in notebook(path)["cells"] if cell["cell_type"] == "code"
    ]


def toc_files(entries) -> list[str]:
    files = []
    for entry in entries:
        if "file" in entry:
            files.append(entry["file"])
        for key in ("chapters", "sections", "parts"):
            files.extend(toc_files(entry.get(key, [])))
    return files


def test_there_is_at_least_one_chapter():
    assert CHAPTERS, "no chapter notebooks found in chapters/"


def test_toc_lists_every_chapter_and_only_existing_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = toc_files(toc["parts"]) + [toc["root"]]
    for name in listed:
        candidates = [ROOT / f"{name}{suffix}" for suffix in (".md", ".ipynb")]
        assert any(path.exists() for path in candidates), (
            f"_toc.yml lists {name}, which does not exist"
        )
    for chapter in CHAPTERS:
        assert f"chapters/{chapter.stem}" in listed, f"{chapter.name} is not in _toc.yml"


def test_execution_is_off_so_the_site_shows_verified_outputs():
    assert CONFIG["execute"]["execute_notebooks"] == "off"


def _distribution_name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;@]", requirement.strip(), maxsplit=1)[0].lower()


def _modules_provided(extras: list[str]) -> set[str]:
    requirements = list(PYPROJECT["project"]["dependencies"])
    for extra in extras:
        requirements += PYPROJECT["project"]["optional-dependencies"][extra]
    names = {_distribution_name(requirement) for requirement in requirements}
    return {IMPORT_NAMES.get(name, name.replace("-", "_")) for name in names}


def _imported_modules(source: str) -> set[str]:
    source = "\n".join(
        line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_colab_install_cell(chapter):
    """The first code cell installs the package from the configured repository, only on Colab."""
    cell = code_cells(chapter)[0]
    assert 'if "google.colab" in sys.modules:' in cell, "the install cell must be guarded for Colab"
    urls = re.findall(r"https://github\.com/[\w./-]+", cell)
    assert urls == [REPOSITORY], (
        f"the install cell must use the repository URL of _config.yml, found {urls}"
    )
    # Outside Colab the cell must do nothing: every statement after the imports sits in the guard.
    tree = ast.parse(cell)
    for node in tree.body:
        assert isinstance(node, (ast.Import, ast.ImportFrom, ast.If)), (
            f"line {node.lineno} of the install cell runs outside the Colab guard"
        )
    extras = re.findall(r"inloop\[([\w,]+)\] @", cell)
    extras = [extra for group in extras for extra in group.split(",")]
    provided = _modules_provided(extras) | COLAB_PREINSTALLED | {"inloop"}
    imported = set().union(*(_imported_modules(source) for source in code_cells(chapter)))
    missing = {name for name in imported - provided if name not in sys.stdlib_module_names}
    assert not missing, (
        f"{chapter.name} imports {sorted(missing)}, which its install cell does not provide"
    )
    data_wheels = (
        re.search(r"^DATA_WHEELS := (.*)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
    )
    for wheel in re.findall(r"\"([\w-]+==[\w.]+)\"", cell):
        assert wheel in data_wheels, f"{wheel} is installed on Colab but not by the Makefile"
    if "load_credit" in "".join(code_cells(chapter)):
        assert "whynot==0.12.0" in cell, (
            "the chapter loads the credit data, so Colab must install whynot"
        )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_scale_switch_is_visible(chapter):
    cells = code_cells(chapter)
    assert any(re.search(r'^SCALE = "book"', source, re.M) for source in cells[:4]), (
        'a chapter sets SCALE = "book" near the top'
    )


LEAKS = {
    "a machine path": re.compile(r"(/work/|/root/|/home/|/tmp/|site-packages)"),
    "a memory address": re.compile(r"0x[0-9a-fA-F]{6,}"),
    "a progress bar": re.compile(r"\d+%\|"),
    "a traceback": re.compile(r"Traceback \(most recent call last\)"),
    "a timing": re.compile(r"\b\d+(\.\d+)?\s?(ms|seconds|sec)\b|\bWall time\b|\bCPU times\b"),
}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_stored_outputs_are_clean(chapter):
    cells = [cell for cell in notebook(chapter)["cells"] if cell["cell_type"] == "code"]
    counts = [cell["execution_count"] for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        "the chapter must be executed top to bottom once"
    )
    for index, cell in enumerate(cells):
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"cell {index} stored an error"
            assert output.get("name") != "stderr", f"cell {index} stored text on stderr"
            text = "".join(output.get("text", "")) + "".join(
                output.get("data", {}).get("text/plain", "")
            )
            for what, pattern in LEAKS.items():
                assert not pattern.search(text), (
                    f"cell {index} output contains {what}: {text[:200]!r}"
                )
