"""Put MyST directives of notebooks' markdown cells in colon fences instead of backtick fences.

Jupyter and Colab know nothing of MyST: a directive in a backtick fence (```` ```{prf:theorem} ````,
```` ````{exercise} ````) is shown there as a code block, so its formulas appear as raw TeX. In a
colon fence (``:::{prf:theorem}`` ... ``:::``) the same directive is built by the website exactly
as before, and the notebook front end shows its body as markdown, with the math typeset (the fence
lines show as text). This tool rewrites every directive fence of backticks or tildes whose body is
markdown into a colon fence, in markdown cells only:

- the opening line keeps its indentation and everything after the fence (``{name}``, the title);
  options (``:label:``, ``:class:``) and the body are kept byte for byte;
- fences of literal content stay as they are: code blocks (```` ```python ````) and directives
  whose body is not markdown (``{code-block}``, ``{math}``, ``{raw}`` ...; see ``LITERAL``), also
  inside a rewritten directive;
- nesting: a colon fence ends at the first line of at least as many colons, so a directive gets
  one colon more than the longest colon-only line of its body (three colons when there is none);
- code cells, outputs, execution counts and metadata are not touched; a notebook is written
  only if one of its cells changed, in the JSON layout of nbformat (a file that nbformat wrote
  differs only in those cells).

Usage::

    python tools/colon_fences.py chapters/04_games.ipynb      # rewrite in place
    python tools/colon_fences.py --check chapters/*.ipynb     # list what would change, exit 1 if any
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_math import LITERAL_DIRECTIVES  # noqa: E402

# Directives whose body is not markdown: a backtick fence shows them in Jupyter as the literal
# text they are. Those whose body is no math, plus {math} itself.
LITERAL = LITERAL_DIRECTIVES | {"math"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<rest>.*)$", re.S)
DIRECTIVE = re.compile(r"^\s*\{(?P<name>[\w:.-]+)\}")


@dataclass
class Block:
    """A fenced block of a markdown text: lines ``start`` (opening) to ``end`` (closing fence, or
    None when the fence is never closed) and the fenced blocks of its body, if that is markdown."""

    start: int
    end: int | None
    fence: str
    name: str | None
    children: list[Block] = field(default_factory=list)

    @property
    def markdown_body(self) -> bool:
        return self.name is not None and self.name not in LITERAL

    @property
    def in_backticks(self) -> bool:
        """A directive with a markdown body in a backtick (or tilde) fence: shown as code."""
        return self.markdown_body and self.fence[0] != ":"


def _only(line: str, char: str) -> int:
    """The length of ``line`` if it holds only ``char`` (and surrounding white space), else 0."""
    text = line.strip()
    return len(text) if text and set(text) == {char} else 0


def _closing(lines: list[str], start: int, stop: int, fence: str) -> int | None:
    for index in range(start, stop):
        if _only(lines[index], fence[0]) >= len(fence):
            return index
    return None


def blocks(lines: list[str], start: int = 0, stop: int | None = None) -> list[Block]:
    """The fenced blocks of ``lines[start:stop]``, each with the blocks nested in its body."""
    stop = len(lines) if stop is None else stop
    found = []
    index = start
    while index < stop:
        match = FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        fence = match.group("fence")
        directive = DIRECTIVE.match(match.group("rest"))
        end = _closing(lines, index + 1, stop, fence)
        block = Block(index, end, fence, directive.group("name") if directive else None)
        if block.markdown_body:
            block.children = blocks(lines, index + 1, stop if end is None else end)
        found.append(block)
        if end is None:
            break  # an unclosed fence runs to the end of its container
        index = end + 1
    return found


def _walk(found: list[Block]):
    for block in found:
        yield block
        yield from _walk(block.children)


def backtick_directives(markdown: str) -> list[str]:
    """The opening lines of the directives in backtick fences that a notebook shows as code."""
    lines = markdown.splitlines()
    return [lines[block.start].strip() for block in _walk(blocks(lines)) if block.in_backticks]


def _refence(line: str, fence: str) -> str:
    match = FENCE.match(line)
    assert match is not None
    return match.group("indent") + fence + match.group("rest")


def _rewrite(lines: list[str], found: list[Block]) -> None:
    """Rewrite the directives of ``found`` (innermost first) in ``lines``, in place."""
    for block in found:
        _rewrite(lines, block.children)
        if block.end is None or not block.markdown_body:
            continue  # an unclosed fence is left alone: where the author meant it to end is unknown
        body = lines[block.start + 1 : block.end]
        colons = max([_only(line, ":") for line in body], default=0)
        length = max(3 if block.in_backticks else len(block.fence), colons + 1)
        if block.in_backticks or length != len(block.fence):
            lines[block.start] = _refence(lines[block.start], ":" * length)
            lines[block.end] = _refence(lines[block.end], ":" * length)


def to_colon_fences(markdown: str) -> str:
    """``markdown`` with every directive of markdown body in a colon fence (see the module)."""
    lines = markdown.splitlines(keepends=True)
    _rewrite(lines, blocks(lines))
    return "".join(lines)


def _markdown_cells(notebook: dict):
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "markdown":
            yield index, cell


def cells_with_backtick_directives(path: Path) -> dict[int, list[str]]:
    """{cell index: opening lines} of the directives in backtick fences of a notebook's markdown."""
    notebook = json.loads(Path(path).read_text(encoding="utf8"))
    found = {}
    for index, cell in _markdown_cells(notebook):
        openings = backtick_directives("".join(cell["source"]))
        if openings:
            found[index] = openings
    return found


def convert_notebook(path: Path, write: bool = True) -> list[int]:
    """Rewrite the markdown cells of the notebook at ``path``; return the indices that changed."""
    path = Path(path)
    notebook = json.loads(path.read_text(encoding="utf8"))
    changed = []
    for index, cell in _markdown_cells(notebook):
        source = "".join(cell["source"])
        converted = to_colon_fences(source)
        if converted != source:
            cell["source"] = converted.splitlines(keepends=True)
            changed.append(index)
    if changed and write:
        text = json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a notebook would change"
    )
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        changed = convert_notebook(path, write=not args.check)
        verb = "would rewrite" if args.check else "rewrote"
        print(f"{path}: {verb} {len(changed)} markdown cells {changed}")
        # after a rewrite, only unclosed fences are left
        for index, openings in cells_with_backtick_directives(path).items():
            print(f"  cell {index}: " + "; ".join(openings))
            status = 1
        if args.check and changed:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
