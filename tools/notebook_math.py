"""Render every notebook's math as Jupyter and Colab do, with only the macros the notebook defines.

Outside the website a notebook's markdown is rendered by the notebook front end: the math is cut
out of the text (``$...$``, ``$$...$$``, ``\\begin{env}...\\end{env}``; not inside code) and
typeset by MathJax, which knows only the macros that the page itself defines (the hidden macro cell
of tools/notebook_macros.py). This tool extracts every formula of every markdown cell in that way
and typesets them with MathJax 3 under node (tools/render_math.js, package ``mathjax-full`` from the
npm registry, installed by ``make mathjax``), with undefined control sequences and parse errors
reported as errors instead of shown in red.

MyST syntax that Jupyter and Colab do not understand is extracted as the website reads it and
checked all the same, and listed with ``--myst``: a directive in a backtick fence (a theorem, an
exercise ...) shows there as a code block, so its formulas appear as raw TeX; ``{math}`` directives
and roles likewise.

Usage::

    python tools/notebook_math.py chapters/*.ipynb          # exit 1 if a formula fails
    python tools/notebook_math.py --myst chapters/*.ipynb   # also list the MyST-only cells
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / ".node" / "node_modules"
RENDERER = ROOT / "tools" / "render_math.js"

# Directives whose body is not markdown (code, raw text): nothing in them is math.
LITERAL_DIRECTIVES = {
    "code",
    "code-block",
    "code-cell",
    "sourcecode",
    "literalinclude",
    "raw",
    "eval-rst",
    "glue",
    "glue:figure",
    "mermaid",
    "graphviz",
}
FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,}|:{3,})\s*(?P<info>.*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[\w:.-]+)\}")
OPTION = re.compile(r"^\s*:[\w-]+:")
# A code span: a run of backticks, text (not across a blank line) and a run of the same length.
CODE_SPAN = re.compile(
    r"(?P<role>\{[\w:.-]+\})?(?P<ticks>`+)(?P<body>(?:(?!\n[ \t]*\n).)*?[^`])(?P=ticks)(?!`)", re.S
)
ENVIRONMENT = re.compile(r"\\begin\{(?P<name>[A-Za-z]+\*?)\}")
# A double backslash right before a letter: a line break followed by text, where a command was
# meant (`\\theta` in a notebook's markdown renders as a line break and "theta").
LINE_BREAK_TYPO = re.compile(r"(?<!\\)\\\\[A-Za-z]")


@dataclass(frozen=True)
class Formula:
    """One piece of math in a markdown cell.

    ``myst_only``: written in MyST syntax that Jupyter and Colab show as raw text (inside a
    directive in a backtick fence, or a ``{math}`` directive or role).
    """

    tex: str
    display: bool
    myst_only: bool = False


def _blank_code_spans(text: str) -> tuple[str, list[Formula]]:
    """Code spans hold no math: replace them by spaces (keeping ``{math}`` roles as formulas)."""
    roles = []

    def blank(match: re.Match) -> str:
        if match.group("role") == "{math}":
            roles.append(Formula(match.group("body").strip(), display=False, myst_only=True))
        return re.sub(r"[^\n]", " ", match.group(0))

    return CODE_SPAN.sub(blank, text), roles


def _closing_dollar(text: str, start: int, marker: str) -> int:
    """Index of the ``marker`` that closes math opened just before ``start``, or -1. Math does not
    run across a blank line (a new paragraph), as in Jupyter."""
    index = start
    while True:
        index = text.find(marker, index)
        if index < 0 or re.search(r"\n[ \t]*\n", text[start:index]):
            return -1
        if text[index - 1] != "\\" and (marker == "$$" or not text.startswith("$$", index)):
            return index
        index += len(marker)


def _math_in_text(text: str, myst_only: bool) -> list[Formula]:
    """The formulas of a stretch of markdown text, in order, as the notebook front end cuts them."""
    text, found = _blank_code_spans(text)
    index = 0
    while index < len(text):
        if text.startswith("\\$", index) or text.startswith("\\\\", index):
            index += 2
            continue
        if text.startswith("$$", index):
            end = _closing_dollar(text, index + 2, "$$")
            if end >= 0:
                found.append(Formula(text[index + 2 : end].strip(), True, myst_only))
                index = end + 2
                continue
        elif text[index] == "$":
            end = _closing_dollar(text, index + 1, "$")
            if end >= 0:
                found.append(Formula(text[index + 1 : end].strip(), False, myst_only))
                index = end + 1
                continue
        environment = ENVIRONMENT.match(text, index)
        if environment:
            closing = f"\\end{{{environment.group('name')}}}"
            end = text.find(closing, environment.end())
            if end >= 0:
                found.append(Formula(text[index : end + len(closing)], True, myst_only))
                index = end + len(closing)
                continue
        index += 1
    return found


def formulas(markdown: str) -> list[Formula]:
    """Every formula of one markdown cell, in order, with where Jupyter/Colab cannot render it."""
    found: list[Formula] = []
    # Open fences, innermost last: (fence, kind, myst_only) with kind "markdown", "math" or "code".
    stack: list[tuple[str, str, bool]] = []
    chunk: list[str] = []
    body_start = False  # just after a directive's opening line, where its options are

    def flush() -> None:
        myst_only = bool(stack) and stack[-1][2]
        if chunk:
            text = "\n".join(chunk)
            if stack and stack[-1][1] == "math":
                found.append(Formula(text.strip(), True, True))
            elif not stack or stack[-1][1] == "markdown":
                found.extend(_math_in_text(text, myst_only))
        chunk.clear()

    for line in markdown.splitlines():
        match = FENCE.match(line)
        if stack:
            fence = stack[-1][0]
            if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                flush()
                stack.pop()
                body_start = False
                continue
        if match and (not stack or stack[-1][1] != "code"):
            flush()
            fence, info = match.group("fence"), match.group("info")
            directive = DIRECTIVE.match(info)
            outer = bool(stack) and stack[-1][2]
            raw_in_jupyter = outer or fence[0] != ":"
            if directive is None or directive.group("name") in LITERAL_DIRECTIVES:
                stack.append((fence, "code", raw_in_jupyter))
            elif directive.group("name") == "math":
                stack.append((fence, "math", True))
            else:
                stack.append((fence, "markdown", raw_in_jupyter))
                # The title (`{prf:theorem} Title`) is markdown too; Jupyter hides a backtick
                # fence's info string and shows a colon fence's line as text.
                found.extend(_math_in_text(info[directive.end() :], raw_in_jupyter))
            body_start = directive is not None
            continue
        if body_start and (OPTION.match(line) or not line.strip()):
            continue  # directive options (:label:, :class: ...) hold no math
        body_start = False
        chunk.append(line)
    flush()
    return found


@dataclass(frozen=True)
class Located:
    """A formula and where it is: the notebook cell (index among all cells, and id)."""

    formula: Formula
    cell: int
    cell_id: str

    @property
    def key(self) -> str:
        return f"cell {self.cell} ({self.cell_id})"


def notebook_formulas(path: Path) -> list[Located]:
    """Every formula in the notebook's markdown cells, in page order."""
    cells = json.loads(Path(path).read_text(encoding="utf8"))["cells"]
    return [
        Located(formula, index, cell.get("id", "?"))
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "markdown"
        for formula in formulas("".join(cell["source"]))
    ]


def typos(located: list[Located]) -> list[str]:
    """Formulas that typeset but not as meant (``\\\\theta``: a line break, then "theta")."""
    return [
        f"{item.key}: `{item.formula.tex}` has `\\\\` (a line break) before a letter; one "
        "backslash was meant"
        for item in located
        if LINE_BREAK_TYPO.search(item.formula.tex)
    ]


def node() -> str | None:
    """The node executable, or None."""
    return shutil.which("node")


def render(documents: dict[str, list[Located]], modules: Path = NODE_MODULES) -> list[str]:
    """Typeset each document's formulas in order with MathJax 3 (one TeX processor per document,
    so a notebook has only its own macros); one message per formula that fails."""
    executable = node()
    if executable is None:
        raise RuntimeError("node is not installed")
    if not (modules / "mathjax-full").is_dir():
        raise RuntimeError(f"mathjax-full is not installed in {modules}: run `make mathjax`")
    payload = {
        "documents": [
            {
                "name": name,
                "formulas": [
                    {"key": number, "tex": item.formula.tex, "display": item.formula.display}
                    for number, item in enumerate(located)
                ],
            }
            for name, located in documents.items()
        ]
    }
    result = subprocess.run(
        [executable, str(RENDERER), str(modules)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
    )
    messages = []
    for error in json.loads(result.stdout)["errors"]:
        item = documents[error["document"]][error["key"]]
        messages.append(
            f"{error['document']}, {item.key}: {error['message']} in `{item.formula.tex}`"
        )
    return messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--myst", action="store_true", help="list the MyST-only math per cell")
    args = parser.parse_args(argv)
    documents = {path.name: notebook_formulas(path) for path in args.notebooks}
    problems = render(documents)
    for name, located in documents.items():
        problems += [f"{name}, {typo}" for typo in typos(located)]
        if args.myst:
            cells = sorted({item.cell for item in located if item.formula.myst_only})
            count = sum(item.formula.myst_only for item in located)
            print(f"{name}: {len(located)} formulas, {count} in MyST-only syntax in {cells}")
    print("\n".join(problems) or "Every formula renders.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
