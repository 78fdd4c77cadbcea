"""Define the book's math macros inside each notebook, so its formulas render in Jupyter and Colab.

The website defines ``\\PR``, ``\\PS``, ``\\PO``, ``\\E``, ``\\R`` ... in its MathJax configuration
(``sphinx.config.mathjax3_config.tex.macros`` in ``_config.yml``); a notebook opened anywhere else
does not see that configuration. This tool puts one markdown cell at the top of each notebook that
defines every macro with ``\\newcommand`` inside inline math (MathJax in Jupyter keeps such
definitions for the whole page). The cell is tagged ``remove-cell``, so the website, which has the
macros already, does not show it.

The definitions are read from ``_config.yml``, the one source of the macros. Running the tool again
updates the cell in place (idempotent); it never touches code cells or outputs.

Usage::

    python tools/notebook_macros.py chapters/*.ipynb          # insert or update the cell
    python tools/notebook_macros.py --check chapters/*.ipynb  # exit 1 if a notebook needs it
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
MARKER = "book-macros"  # the cell's id and metadata key that identify it
TAG = "remove-cell"
INTRO = (
    "*The formulas below use a few notation macros, defined here so that they render in Jupyter "
    "and Colab (the book's website defines them itself and does not show this cell):*"
)


def site_macros(config_path: Path = ROOT / "_config.yml") -> dict[str, tuple[str, int]]:
    """The MathJax macros of the website: name -> (definition, number of arguments)."""
    config = yaml.safe_load(config_path.read_text())
    raw = config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    macros = {}
    for name, value in raw.items():
        if isinstance(value, str):
            macros[name] = (value, 0)
        elif isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
            macros[name] = (value[0], int(value[1]))
        else:
            raise ValueError(
                f"macro {name!r} in {config_path.name}: expected a string or [definition, "
                f"number of arguments], got {value!r}"
            )
    return macros


def newcommands(macros: dict[str, tuple[str, int]]) -> str:
    """One ``\\newcommand`` per macro, in the order of ``_config.yml``."""
    parts = []
    for name, (definition, nargs) in macros.items():
        arguments = f"[{nargs}]" if nargs else ""
        parts.append(f"\\newcommand{{\\{name}}}{arguments}{{{definition}}}")
    return "".join(parts)


def macro_cell_source(macros: dict[str, tuple[str, int]]) -> str:
    return f"{INTRO}\n${newcommands(macros)}$"


def _is_macro_cell(cell) -> bool:
    return cell.get("id") == MARKER or MARKER in cell.get("metadata", {})


def apply(path: Path, macros: dict[str, tuple[str, int]], check: bool = False) -> bool:
    """Insert or update the macro cell of the notebook at ``path``; True if it changed (or, with
    ``check``, would change)."""
    notebook = nbformat.read(path, as_version=4)
    source = macro_cell_source(macros)
    existing = [index for index, cell in enumerate(notebook.cells) if _is_macro_cell(cell)]
    cell = nbformat.v4.new_markdown_cell(source, metadata={"tags": [TAG], MARKER: True})
    if notebook.nbformat_minor >= 5:
        cell["id"] = MARKER
    else:
        cell.pop("id", None)
    if existing == [0] and notebook.cells[0] == cell:
        return False
    if check:
        return True
    for index in reversed(existing):
        del notebook.cells[index]
    notebook.cells.insert(0, cell)
    nbformat.write(notebook, path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="report, do not write")
    parser.add_argument("--config", type=Path, default=ROOT / "_config.yml")
    args = parser.parse_args(argv)
    macros = site_macros(args.config)
    stale = []
    for path in args.notebooks:
        if apply(path, macros, check=args.check):
            stale.append(path)
            print(f"{path}: {'needs' if args.check else 'wrote'} the macro cell")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
