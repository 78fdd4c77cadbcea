"""Write the student edition of the chapter notebooks: the same notebooks without solutions.

Every sphinx-exercise ``solution`` block is removed from the markdown cells: a fenced
``{solution}`` directive (backticks or colons, any fence length, with nested fences inside), and
everything between ``{solution-start}`` and ``{solution-end}``, including the code cells in
between. Exercises, checkers and everything else stay. The result is what a course hands out;
the website's student edition (``make student``) is built from the same rule by sphinx-exercise's
``hide_solutions``.

Usage::

    python tools/strip_solutions.py OUTPUT_DIR chapters/*.ipynb
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

OPEN = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\s*\{(?P<name>[\w-]+)\}")


def _fence_closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return (
        len(stripped) >= len(fence) and set(stripped) == {fence[0]} and stripped.startswith(fence)
    )


def strip_markdown(source: str) -> tuple[str, int]:
    """Remove fenced ``{solution}`` blocks from one markdown source; return it and the count."""
    lines = source.splitlines(keepends=True)
    kept: list[str] = []
    removed = 0
    index = 0
    while index < len(lines):
        match = OPEN.match(lines[index])
        if match and match["name"] == "solution":
            fence = match["fence"]
            index += 1
            while index < len(lines) and not _fence_closes(lines[index], fence):
                index += 1
            index += 1  # the closing fence
            removed += 1
            continue
        kept.append(lines[index])
        index += 1
    text = "".join(kept)
    return re.sub(r"\n{3,}", "\n\n", text), removed


def _gate(source: str) -> str | None:
    for line in source.splitlines():
        match = OPEN.match(line)
        if match and match["name"] in {"solution-start", "solution-end"}:
            return match["name"]
    return None


def strip_notebook(notebook) -> int:
    """Remove every solution from ``notebook`` in place; return how many were removed."""
    removed = 0
    cells = []
    inside_gate = False
    for cell in notebook.cells:
        gate = _gate(cell.source) if cell.cell_type == "markdown" else None
        if gate == "solution-start":
            inside_gate = True
            removed += 1
            continue
        if gate == "solution-end":
            inside_gate = False
            continue
        if inside_gate:
            continue
        if cell.cell_type == "markdown":
            cell.source, count = strip_markdown(cell.source)
            removed += count
            if not cell.source.strip():
                continue
        cells.append(cell)
    notebook.cells = cells
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="folder for the student notebooks")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    for path in args.notebooks:
        notebook = nbformat.read(path, as_version=4)
        removed = strip_notebook(notebook)
        nbformat.write(notebook, args.output / path.name)
        print(f"{args.output / path.name}: {removed} solutions removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
