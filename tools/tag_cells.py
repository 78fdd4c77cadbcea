"""Tag a chapter's setup and check cells so the website folds them; the notebook keeps them all.

Rules (simple on purpose, so a reader can predict them):

- the first code cell, the Colab install cell, gets ``hide-cell``: on the website it is folded
  away behind a toggle (it does nothing outside Colab); in the notebook it stays first, so Colab
  still runs it;
- a code cell whose statements are only ``assert`` statements and ``print(...)`` calls (also
  inside ``for``/``if`` blocks made of the same) gets ``hide-input``: the website folds the code
  and keeps the printed output in view, so the checked numbers stay on the page.

Existing tags are kept; a cell tagged ``show-input`` (or already tagged ``hide-input``,
``hide-cell``, ``remove-input`` or ``remove-cell``) is left alone. Running the tool twice changes
nothing the second time. Only cell metadata changes: sources, outputs and execution counts are
untouched, so stored outputs stay valid.

Usage::

    python tools/tag_cells.py chapters/*.ipynb          # write the tags
    python tools/tag_cells.py --check chapters/*.ipynb  # exit 1 if a notebook lacks a tag
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import nbformat

INSTALL_TAG = "hide-cell"
CHECK_TAG = "hide-input"
DECIDED = {"show-input", "hide-input", "hide-cell", "remove-input", "remove-cell", "hide-output"}


def _python(source: str) -> str:
    """The cell's source without IPython magics and shell escapes."""
    return "\n".join(
        line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )


def _is_check(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Assert):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        function = statement.value.func
        return isinstance(function, ast.Name) and function.id == "print"
    if isinstance(statement, (ast.For, ast.If)):
        return all(_is_check(inner) for inner in statement.body + statement.orelse)
    return False


def is_check_cell(source: str) -> bool:
    """True if the cell only asserts and prints (a pure check cell)."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return False
    return bool(tree.body) and all(_is_check(statement) for statement in tree.body)


def planned_tags(notebook) -> dict[int, str]:
    """Cell index -> the tag the rules give it (only cells whose display is not yet decided)."""
    plan = {}
    code = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    for position, index in enumerate(code):
        cell = notebook.cells[index]
        if DECIDED & set(cell.metadata.get("tags", [])):
            continue
        if position == 0:
            plan[index] = INSTALL_TAG
        elif is_check_cell(cell.source):
            plan[index] = CHECK_TAG
    return plan


def apply(path: Path, check: bool = False) -> dict[int, str]:
    """Tag the notebook at ``path`` (unless ``check``); return the tags added (or missing)."""
    notebook = nbformat.read(path, as_version=4)
    plan = planned_tags(notebook)
    if plan and not check:
        for index, tag in plan.items():
            metadata = notebook.cells[index].metadata
            metadata["tags"] = [*metadata.get("tags", []), tag]
        nbformat.write(notebook, path)
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    missing = False
    for path in args.notebooks:
        plan = apply(path, check=args.check)
        for index, tag in plan.items():
            verb = "needs" if args.check else "tagged"
            print(f"{path}: cell {index} {verb} {tag}")
        missing |= bool(plan)
    return 1 if args.check and missing else 0


if __name__ == "__main__":
    sys.exit(main())
