"""The slide decks (`make slides`; checked by `make slides-check`, which CI runs after `make test`).

Each deck is opened from disk in headless Chromium with every network request refused, as a
teacher would open it offline: reveal.js must start, MathJax must typeset every formula with the
book's macros, and nothing may be fetched from outside the slides folder. Without built slides these
tests skip, unless ``REQUIRE_SLIDES`` is set (as `make slides-check` does), when they fail.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SLIDES = ROOT / "_build" / "slides"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# Formulas MathJax could not read show in red (its noundefined and noerrors packages).
UNREAD_MATH = """() => Array.from(MathJax.startup.document.math)
    .filter(item => /mathcolor="red"|<merror/.test(MathJax.startup.toMML(item.root)))
    .map(item => item.math)"""


def _deck(chapter: Path) -> Path:
    return SLIDES / f"{chapter.stem}.slides.html"


@pytest.fixture(scope="module")
def built() -> None:
    if not all(_deck(chapter).is_file() for chapter in CHAPTERS):
        why = f"the slides are not built ({SLIDES.relative_to(ROOT)}): run `make slides`"
        if os.environ.get("REQUIRE_SLIDES"):
            pytest.fail(why)
        pytest.skip(why)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_deck_refers_only_to_files_next_to_it(built, chapter):
    html = _deck(chapter).read_text(encoding="utf8")
    assets = re.findall(r'<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"', html)
    for modules in re.findall(r"require\(\[([^\]]*)\]", html):  # RequireJS modules, without .js
        names = re.findall(r'"([^"]+)"', modules)
        assets += [name if name.endswith(".js") else f"{name}.js" for name in names]
    assert any("reveal.js" in asset for asset in assets), "is this a reveal.js deck?"
    for asset in assets:
        assert not re.match(r"[a-z]+:", asset), f"{chapter.stem} loads {asset} from outside"
        assert (SLIDES / asset).is_file(), (
            f"{chapter.stem} needs {asset}, which is not in the slides folder"
        )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_deck_runs_offline_in_a_browser(built, browser, chapter):
    page = browser.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    def offline(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            problems.append(f"tried to fetch {route.request.url}")
            route.abort()

    page.route("**/*", offline)
    page.goto(_deck(chapter).as_uri(), wait_until="load")
    # reveal.js is a RequireJS module here (no global Reveal); it marks its element when started.
    page.wait_for_selector(".reveal.ready", state="attached", timeout=30_000)
    slides = page.locator(".reveal .slides section").count()
    page.wait_for_function("() => window.MathJax && MathJax.startup.promise", timeout=30_000)
    page.evaluate("() => MathJax.startup.promise")
    formulas = page.evaluate("() => Array.from(MathJax.startup.document.math).length")
    unread = page.evaluate(UNREAD_MATH)
    page.close()
    assert not problems, f"{chapter.stem}: {problems[:3]}"
    assert slides >= 10, f"{chapter.stem} has only {slides} slides"
    assert formulas > 0, f"{chapter.stem}: MathJax typeset nothing"
    assert not unread, f"{chapter.stem}: MathJax could not read {unread[:3]}"
