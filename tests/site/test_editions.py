"""The two editions of the website: the student edition carries no solution text.

`make test` builds the instructor edition into _build/html and the student edition into
_build/student/_build/html (``BOOK_EDITION=student``), then runs this file with
``REQUIRE_EDITIONS=1``: a missing edition then fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
INSTRUCTOR = ROOT / "_build" / "html"
STUDENT = ROOT / "_build" / "student" / "_build" / "html"
# A quotation of a solution this long cannot appear in the student edition by accident.
SNIPPET = 60


def _require(site: Path, edition: str) -> None:
    if site.is_dir():
        return
    why = f"the {edition} edition is not built ({site.relative_to(ROOT)})"
    if os.environ.get("REQUIRE_EDITIONS"):
        pytest.fail(why)
    pytest.skip(why)


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf8"), "html.parser")


def _text(node) -> str:
    return re.sub(r"\s+", " ", node.get_text(" ")).strip()


def _chapters(site: Path) -> list[Path]:
    return sorted((site / "chapters").glob("*.html"))


def _solutions(page: Path) -> list:
    return _soup(page).select("div.solution")


@pytest.fixture(scope="module")
def editions():
    _require(INSTRUCTOR, "instructor")
    _require(STUDENT, "student")
    return INSTRUCTOR, STUDENT


def test_both_editions_have_the_same_pages(editions):
    instructor, student = editions
    pages = {path.relative_to(instructor) for path in instructor.rglob("*.html")}
    assert pages == {path.relative_to(student) for path in student.rglob("*.html")}


def test_instructor_edition_has_a_solution_for_every_exercise(editions):
    instructor, _ = editions
    for page in _chapters(instructor):
        soup = _soup(page)
        exercises = soup.select("div.exercise")
        assert exercises, f"{page.name} has no exercises"
        assert len(soup.select("div.solution")) >= len(exercises), (
            f"{page.name}: {len(exercises)} exercises but fewer solutions"
        )


def test_student_edition_keeps_the_exercises_and_drops_every_solution(editions):
    instructor, student = editions
    for page in _chapters(student):
        soup = _soup(page)
        assert not soup.select("div.solution"), f"{page.name} shows a solution"
        assert len(soup.select("div.exercise")) == len(
            _soup(instructor / "chapters" / page.name).select("div.exercise")
        ), f"{page.name} lost exercises"


def test_no_solution_text_reaches_the_student_edition(editions):
    instructor, student = editions
    student_text = {
        page.name: _text(_soup(page)) for page in _chapters(student) + [student / "search.html"]
    }
    all_student_text = " ".join(student_text.values())
    searchindex = (student / "searchindex.js").read_text(encoding="utf8")
    checked = 0
    for page in _chapters(instructor):
        for solution in _solutions(page):
            content = solution.select_one(".solution-content, section") or solution
            text = _text(content)
            # the longest stretch of prose without math, quoted from the middle of the solution
            stretches = sorted(re.split(r"\\\(|\\\)|\\\[|\\\]|\$", text), key=len, reverse=True)
            quote = stretches[0].strip()[:SNIPPET]
            if len(quote) < 25:
                continue
            checked += 1
            assert quote not in all_student_text, f"solution text in the student edition: {quote!r}"
            assert quote not in searchindex, f"solution text in the student search index: {quote!r}"
    assert checked >= len(_chapters(instructor)), "too few solutions were checked"


def test_student_edition_serves_no_page_sources(editions):
    _, student = editions
    assert not list(student.rglob("*.ipynb")), "the student edition ships notebooks"
    assert not (student / "_sources").exists(), "the student edition ships its page sources"
    for page in _chapters(student):
        html = page.read_text(encoding="utf8")
        assert "_sources/" not in html, f"{page.name} links to a page source"


def test_student_edition_names_itself(editions):
    instructor, student = editions
    intro = "intro.html"
    assert "Student edition" in _text(_soup(student / intro))
    assert "Student edition" not in _text(_soup(instructor / intro))
