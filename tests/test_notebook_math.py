"""Every notebook's math renders outside the website, with only the macros the notebook defines.

Jupyter and Colab typeset a notebook's markdown math with MathJax, which knows none of the
website's macros: only those of the notebook's own hidden macro cell. These tests cut the math out
of each notebook as the notebook front end does and typeset it with MathJax 3 under node
(tools/notebook_math.py, tools/render_math.js), with undefined control sequences and parse errors
as failures. They need node and the npm package mathjax-full (`make mathjax`, part of `make test`);
without node they skip.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def _tool():
    spec = importlib.util.spec_from_file_location(
        "notebook_math", ROOT / "tools" / "notebook_math.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


math = _tool()


@pytest.fixture(scope="module")
def mathjax():
    """Typesets {document: formulas} with MathJax 3; skips without node, fails without MathJax."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed, so the notebooks' math cannot be rendered with MathJax")
    if not (math.NODE_MODULES / "mathjax-full").is_dir():
        pytest.fail("MathJax for node is not installed: run `make mathjax`")
    return math.render


@pytest.fixture(scope="module")
def chapter_errors(mathjax) -> dict[str, list[str]]:
    documents = {path.name: math.notebook_formulas(path) for path in CHAPTERS}
    errors = mathjax(documents)
    return {name: [error for error in errors if error.startswith(f"{name},")] for name in documents}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_every_formula_renders_with_the_notebooks_own_macros(chapter, chapter_errors):
    """Includes formulas in MyST-only syntax (directives in backtick fences, {math}): Colab shows
    those as raw TeX, and the website renders them, so their TeX must parse too."""
    assert math.notebook_formulas(chapter), f"{chapter.name} has no math: is the extraction broken?"
    errors = chapter_errors[chapter.name]
    assert not errors, "MathJax cannot render:\n" + "\n".join(errors)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_no_formula_has_a_line_break_where_a_command_was_meant(chapter):
    typos = math.typos(math.notebook_formulas(chapter))
    assert not typos, "\n".join(typos)


def test_without_the_macro_cell_the_site_macros_are_errors(mathjax):
    """The check is not vacuous: MathJax here reports an undefined macro (no `noundefined`), and a
    definition holds only inside its own notebook."""
    defined = math.formulas("$\\newcommand{\\PR}{\\mathrm{PR}}$ and $\\PR(\\theta)$")
    undefined = math.formulas("Then $\\PR(\\theta)$, $\\frac{1}{2$ and $\\E_{z}$.")
    located = {
        "defines.ipynb": [math.Located(formula, 0, "a") for formula in defined],
        "uses.ipynb": [math.Located(formula, 0, "b") for formula in undefined],
    }
    errors = mathjax(located)
    assert len(errors) == 3, errors
    assert all(error.startswith("uses.ipynb") for error in errors)
    assert "Undefined control sequence \\PR" in errors[0]
    assert "Missing close brace" in errors[1]
    assert "Undefined control sequence \\E" in errors[2]


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("The risk $\\PR(\\theta)$ costs \\$5, not $x$.", [("\\PR(\\theta)", False), ("x", False)]),
        ("Display\n$$\n a = b\n$$ (eq-label)\nafter", [("a = b", True)]),
        ("Code `$x$` and ``a `$y$` b`` are not math; $z$ is.", [("z", False)]),
        ("A price of $5\n\nand $6 is no formula.", []),
        ("\\begin{align} a &= b \\end{align}", [("\\begin{align} a &= b \\end{align}", True)]),
        ("```python\nx = '$a$'\n```\n$b$", [("b", False)]),
        ("```{math}\n:label: eq-x\nx^2\n```", [("x^2", True)]),
        ("Role {math}`y^2` here.", [("y^2", False)]),
    ],
)
def test_math_is_cut_out_as_the_notebook_front_end_does(markdown, expected):
    assert [(item.tex, item.display) for item in math.formulas(markdown)] == expected


def test_directives_in_backtick_fences_are_myst_only_and_colon_fences_are_not():
    markdown = (
        "````{prf:theorem} Title with $a$\n:label: thm-a\n\nThe map $T$ contracts.\n\n"
        "```python\nprint('$no$')\n```\n````\n\n"
        ":::{exercise} The $\\chi^2$ divergence\n:label: ex-a\n\nBy $\\gamma < 1$.\n:::\n\n"
        "```{math}\nE = mc^2\n```"
    )
    found = [(item.tex, item.myst_only) for item in math.formulas(markdown)]
    assert found == [
        ("a", True),
        ("T", True),
        ("\\chi^2", False),
        ("\\gamma < 1", False),
        ("E = mc^2", True),
    ]


def test_a_double_backslash_before_a_letter_is_reported():
    located = [
        math.Located(formula, 3, "c") for formula in math.formulas("$\\\\theta = 0$ and $\\theta$")
    ]
    (typo,) = math.typos(located)
    assert "cell 3 (c)" in typo and "\\\\theta" in typo


def test_the_macro_cell_is_the_first_math_of_each_notebook():
    """The macros exist outside the site only because the macro cell is typeset first."""
    for chapter in CHAPTERS:
        cells = json.loads(chapter.read_text())["cells"]
        first = math.notebook_formulas(chapter)[0]
        assert "\\newcommand" in first.formula.tex, chapter.name
        assert "remove-cell" in cells[first.cell]["metadata"].get("tags", []), chapter.name
