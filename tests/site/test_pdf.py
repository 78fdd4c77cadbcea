"""The whole book as one PDF (`make pdf`; checked by `make pdf-check`, which CI runs after `make test`).

TeX is large and the LaTeX build slow, so the PDF is a separate check. Without a built PDF these
tests skip, unless ``REQUIRE_PDF`` is set (as `make pdf-check` does), when they fail. They read the
log and the table of contents of the last LaTeX run (no PDF tools needed).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

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
    pages = re.findall(r"Output written on \S+ \((\d+) pages?", log)
    assert pages, "the LaTeX log does not say how many pages were written"
    # About 30 to 60 pages a chapter (text, figures, exercises) plus the API reference; far fewer
    # means content is missing, far more that something (an output, a table) ran away.
    assert 20 * len(CHAPTERS) <= int(pages[-1]) <= 150 * len(CHAPTERS), f"{pages[-1]} pages"


def _words(title: str) -> list[str]:
    return re.findall(r"[A-Za-z]+", title)


def _chapter_title(chapter: Path) -> str:
    cells = json.loads(chapter.read_text())["cells"]
    return next(
        "".join(cell["source"]).splitlines()[0].lstrip("# ").strip()
        for cell in cells
        if cell["cell_type"] == "markdown" and "".join(cell["source"]).startswith("# ")
    )


def test_every_chapter_is_a_numbered_chapter_of_the_pdf_in_order(log):
    toc = (LATEX / f"{NAME}.toc").read_text(encoding="utf8")
    numbered = re.findall(
        r"\\contentsline \{chapter\}\{\\numberline \{(\d+)\}(.*)\}\{\d+\}\{chapter", toc
    )
    assert [number for number, _ in numbered] == [str(i) for i in range(1, len(CHAPTERS) + 1)]
    for chapter, (number, title) in zip(CHAPTERS, numbered, strict=True):
        assert _words(title) == _words(_chapter_title(chapter)), (
            f"chapter {number} of the PDF is {title!r}, not {chapter.stem}"
        )


def test_no_chapter_title_appears_twice(log):
    """The bibliography page has no heading of its own in the PDF, where LaTeX gives the references
    their own "Bibliography" chapter at the end (see _ext/book_site.py)."""
    toc = (LATEX / f"{NAME}.toc").read_text(encoding="utf8")
    titles = re.findall(
        r"\\contentsline \{chapter\}\{(?:\\numberline \{\d+\})?(.*)\}\{\d+\}\{", toc
    )
    assert "Bibliography" in titles
    assert len(titles) == len(set(titles)), f"chapters with the same title: {sorted(titles)}"


def test_no_character_is_missing_from_the_fonts(log):
    missing = sorted(set(re.findall(r"Missing character: There is no (.+?) in font", log)))
    assert not missing, f"characters the PDF's fonts lack (they print as nothing): {missing}"


def test_latex_had_no_undefined_macros_or_references(log):
    assert "Undefined control sequence" not in log, "a macro is not defined for LaTeX"
    assert "There were undefined references" not in log
    assert "Citation" not in log or not re.search(r"Citation `[^']+' .*undefined", log)


def _toc_entries() -> list[tuple[str, str]]:
    """(level, title) of every line of the PDF's table of contents, in order; a numbered title
    keeps its number in front (``1 Performative ...``, ``I Performative prediction``)."""
    toc = (LATEX / f"{NAME}.toc").read_text(encoding="utf8")
    entries = []
    for level, title in re.findall(
        r"^\\contentsline \{(\w+)\}\{(.*)\}\{[^{}]*\}\{[^{}]*\}%?$", toc, re.M
    ):
        title = re.sub(r"\\numberline \{([^{}]*)\}", r"\1 ", title)
        title = re.sub(r"\\hspace \{[^{}]*\}", " ", title)
        entries.append((level, title))
    return entries


def test_the_intro_is_one_chapter_and_its_headings_are_its_sections(log):
    """LaTeX makes the root page's title the book's title; without a chapter of their own, its
    sections would each be a chapter of the PDF (see _ext/book_site.py)."""
    headings = re.findall(r"^## (.+)$", (ROOT / "intro.md").read_text(encoding="utf8"), re.M)
    assert headings, "intro.md has no sections"
    entries = _toc_entries()
    chapters = [index for index, (level, _) in enumerate(entries) if level == "chapter"]
    first, second = chapters[0], chapters[1]
    assert entries[first] == ("chapter", "Preface")
    assert entries[first + 1 : first + 1 + len(headings)] == [
        ("section", heading) for heading in headings
    ]
    assert first + 1 + len(headings) <= second
    assert not [title for level, title in entries if level == "chapter" and title in headings]


def test_the_parts_of_the_contents_are_parts_of_the_pdf_in_order(log):
    """Each captioned part of _toc.yml is a part of the PDF (a numbered part "I. ..." is Part I)
    and holds its chapters; the contents are headed "Contents", not by the first caption."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf8"))
    expected = []
    for part in toc["parts"]:
        caption = part["caption"]
        numbered = re.match(r"^([IVX]+)\.\s+(.+)$", caption)
        expected.append(f"{numbered[1]} {numbered[2]}" if part.get("numbered") else caption)
    entries = _toc_entries()
    parts = [index for index, (level, _) in enumerate(entries) if level == "part"]
    assert [entries[index][1] for index in parts] == expected
    # every chapter notebook sits between its own part's line and the next part's
    ends = parts[1:] + [len(entries)]
    for part, start, end in zip(toc["parts"], parts, ends, strict=True):
        titles = [title for level, title in entries[start:end] if level == "chapter"]
        for item in part["chapters"]:
            if item["file"].startswith("chapters/"):
                chapter = ROOT / f"{item['file']}.ipynb"
                assert any(_words(title) == _words(_chapter_title(chapter)) for title in titles), (
                    f"{chapter.stem} is not in the part {part['caption']!r} of the PDF"
                )
    tex = (LATEX / f"{NAME}.tex").read_text(encoding="utf8")
    names = re.findall(r"\\renewcommand\{\\contentsname\}\{([^{}]*)\}", tex)
    assert names and names[-1] == "Contents", names
