"""The whole book as one PDF (`make pdf`; checked by `make pdf-check`, not by `make test`).

TeX is large and the LaTeX build slow, so the PDF is a separate check. Without a built PDF these
tests skip, unless ``REQUIRE_PDF`` is set (as `make pdf-check` does), when they fail.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LATEX = ROOT / "_build" / "latex"
NAME = "models-in-the-loop"
PDF = LATEX / f"{NAME}.pdf"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


@pytest.fixture(scope="module")
def log() -> str:
    if not PDF.is_file():
        why = f"the PDF is not built ({PDF.relative_to(ROOT)}): run `make pdf`"
        if os.environ.get("REQUIRE_PDF"):
            pytest.fail(why)
        pytest.skip(why)
    return (LATEX / f"{NAME}.log").read_text(encoding="utf8", errors="replace")


def test_pdf_is_a_whole_book(log):
    assert PDF.read_bytes()[:5] == b"%PDF-"
    pages = re.search(r"Output written on \S+ \((\d+) pages?", log)
    assert pages, "the LaTeX log does not say how many pages were written"
    assert int(pages.group(1)) >= 20 * len(CHAPTERS), f"only {pages.group(1)} pages"


def test_every_chapter_is_in_the_pdf():
    if not PDF.is_file():
        pytest.skip("the PDF is not built")
    tex = (LATEX / f"{NAME}.tex").read_text(encoding="utf8")
    for chapter in CHAPTERS:
        cells = json.loads(chapter.read_text())["cells"]
        title = next(
            "".join(cell["source"]).splitlines()[0].lstrip("# ").strip()
            for cell in cells
            if cell["cell_type"] == "markdown" and "".join(cell["source"]).startswith("# ")
        )
        words = [word for word in re.findall(r"[A-Za-z]{4,}", title)][:3]
        assert all(word in tex for word in words), f"{chapter.stem} ({title!r}) is not in the PDF"


def test_latex_had_no_undefined_macros_or_references(log):
    assert "Undefined control sequence" not in log, "a macro is not defined for LaTeX"
    assert "There were undefined references" not in log
    assert "Citation" not in log or not re.search(r"Citation `[^']+' .*undefined", log)
