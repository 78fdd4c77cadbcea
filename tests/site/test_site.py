"""The built website, loaded like a reader would: every page in headless Chromium.

Run after `jupyter-book build .` (``make test`` does). Uses Debian's Chromium through Playwright with
an explicit executable path (no browser download). Outside CI a missing browser skips these tests
with a message; in CI (``CI`` set) it fails them.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def pages() -> list[Path]:
    if not SITE.is_dir():
        return []
    skip = {"genindex.html", "search.html"}
    return sorted(
        p
        for p in SITE.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts and p.name not in skip
    )


def open_page(browser, url):
    page = browser.new_page()
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    # A load the browser cancels itself (the root page's redirect cancels its icon) is not a fault
    # of the site; missing files show up as 4xx responses.
    page.on(
        "requestfailed",
        lambda request: (
            problems.append(f"failed to load {request.url}: {request.failure}")
            if request.failure != "net::ERR_ABORTED"
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} for {response.url}")
            if response.status >= 400
            else None
        ),
    )
    page.goto(url, wait_until="networkidle")
    return page, problems


PAGES = pages()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(SITE)))
def test_page_loads_cleanly(browser, server, path):
    url = urljoin(server, str(path.relative_to(SITE)))
    page, problems = open_page(browser, url)
    # Only requests to this site may be made: the book must work offline.
    external = page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))"
    )
    assert not external, f"{path.name} fetches from outside the site: {external[:3]}"
    assert not problems, f"{path.name}: console errors {problems[:3]}"
    if page.locator(".math").count():
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000
        )
        page.evaluate("() => MathJax.startup.promise")
        assert page.locator("mjx-container").count() >= page.locator(".math").count() * 0.9, (
            "math is not typeset"
        )
        assert page.locator("mjx-merror").count() == 0, "MathJax reported an error"
    broken_images = page.evaluate(
        "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
    )
    assert not broken_images, f"images that did not load: {broken_images[:3]}"
    page.close()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(SITE)))
def test_page_declares_its_icon(path):
    # Without a declared icon, browsers ask for /favicon.ico, which the site does not have: a 404
    # that arrives after the page has settled, so a load test only sometimes sees it.
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', path.read_text())
    assert icons, f"{path.name} declares no icon"
    assert all((path.parent / unquote(icon)).resolve().is_file() for icon in icons), icons


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(SITE)))
def test_internal_links_resolve(path):
    html = path.read_text()
    for href in re.findall(r'href="([^"]+)"', html):
        parsed = urlparse(href)
        if parsed.scheme or href.startswith(("#", "mailto:", "//")):
            continue
        target = (path.parent / unquote(parsed.path)).resolve() if parsed.path else path
        assert target.exists(), f"{path.name} links to missing {href}"
        if parsed.fragment and target.suffix == ".html":
            anchors = set(re.findall(r'id="([^"]+)"', target.read_text()))
            assert unquote(parsed.fragment) in anchors, (
                f"{path.name} links to missing anchor {href}"
            )


def test_search_finds_performative(browser, server):
    page, problems = open_page(browser, urljoin(server, "search.html?q=performative"))
    page.wait_for_selector("ul.search li", timeout=20_000)
    assert page.locator("ul.search li").count() >= 1
    assert not problems, problems[:3]


CHAPTER_PAGES = [p for p in PAGES if p.parent.name == "chapters"]


@pytest.mark.parametrize("path", CHAPTER_PAGES, ids=lambda p: p.stem)
def test_launch_buttons_point_at_the_chapter_notebook(path):
    html = path.read_text()
    owner_repo = urlparse(REPOSITORY).path.strip("/")
    colab = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', html)
    assert colab, f"{path.name} has no Colab button"
    assert all(
        link.endswith(f"{owner_repo}/blob/main/chapters/{path.stem}.ipynb") for link in colab
    ), colab
    binder = re.findall(r'href="(https://mybinder\.org/[^"]+)"', html)
    assert binder and all(f"chapters/{path.stem}.ipynb" in link for link in binder), binder
