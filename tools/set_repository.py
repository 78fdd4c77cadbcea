"""Write the repository URL of ``_config.yml`` into every chapter's Colab install cell.

``repository.url`` in ``_config.yml`` is the one place that names the book's repository. The
website reads it directly; a notebook cannot, so each chapter's install cell carries a copy in the
line ``REPOSITORY = "..."``. After changing the URL (for example in a fork), run::

    python tools/set_repository.py chapters/*.ipynb           # rewrite the install cells
    python tools/set_repository.py --check chapters/*.ipynb   # exit 1 if one differs

Only that line of the first code cell changes; outputs and execution counts are untouched, so the
stored outputs stay valid.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r'^(?P<head>\s*REPOSITORY\s*=\s*)"(?P<url>[^"]*)"', re.M)


def configured_url(config_path: Path = ROOT / "_config.yml") -> str:
    url = yaml.safe_load(config_path.read_text())["repository"]["url"].rstrip("/")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise ValueError(
            f"repository.url in {config_path.name} must look like https://github.com/OWNER/NAME, "
            f"got {url!r}"
        )
    return url


def apply(path: Path, url: str, check: bool = False) -> bool:
    """Set the install cell's URL; return True if it differed."""
    notebook = nbformat.read(path, as_version=4)
    cell = next((cell for cell in notebook.cells if cell.cell_type == "code"), None)
    if cell is None or not LINE.search(cell.source):
        raise ValueError(f'{path}: the first code cell has no line REPOSITORY = "..."')
    updated = LINE.sub(lambda match: f'{match["head"]}"{url}"', cell.source)
    if updated == cell.source:
        return False
    if not check:
        cell.source = updated
        nbformat.write(notebook, path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    url = configured_url()
    differed = False
    for path in args.notebooks:
        if apply(path, url, check=args.check):
            differed = True
            print(f"{path}: {'differs from' if args.check else 'now uses'} {url}")
    return 1 if args.check and differed else 0


if __name__ == "__main__":
    sys.exit(main())
