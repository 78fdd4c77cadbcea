"""One reveal.js slide deck per chapter, from the chapter notebooks, that opens without a network.

For each notebook, a copy is prepared for slides and exported with nbconvert's reveal.js exporter:

- a cell with a ``#`` or ``##`` heading starts a slide, one with a ``###`` heading a sub-slide
  (below it), and a code cell that draws a figure gets a sub-slide of its own;
- exercise solutions are left out (as in the student edition), and so are cells the website
  hides or removes (``remove-cell``, ``hide-cell``: the macro and install cells); cells tagged
  ``hide-input`` or ``remove-input`` show their output only;
- MyST markup that nbconvert does not know is turned into plain Markdown: a directive such as
  ``{prf:theorem} Title`` becomes a bold "Theorem (Title)." paragraph, roles such as
  ``{cite}`key``` become their text.

The JavaScript the slides need is put next to them, so the folder works offline: reveal.js,
RequireJS and jQuery are fetched once with ``npm pack`` from the npm registry (pinned versions,
see ``SLIDES_NPM`` in the Makefile) and unpacked into ``OUTPUT/reveal.js`` and ``OUTPUT/vendor``;
MathJax 3 is the book's own offline copy (the ``sphinx-mathjax-offline`` package), configured
with the book's macros from ``_config.yml``.

Usage::

    python tools/make_slides.py --output _build/slides \\
        --npm "reveal.js@4.6.1 requirejs@2.3.7 jquery@3.7.1" chapters/*.ipynb
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
DROP_CELL = {"remove-cell", "hide-cell"}
DROP_INPUT = {"remove-input", "hide-input"}
COLAB_GUARD = '"google.colab" in sys.modules'
NAMES = {
    "prf:theorem": "Theorem",
    "prf:proposition": "Proposition",
    "prf:lemma": "Lemma",
    "prf:corollary": "Corollary",
    "prf:definition": "Definition",
    "prf:proof": "Proof",
    "prf:remark": "Remark",
    "prf:example": "Example",
    "prf:assumption": "Assumption",
    "exercise": "Exercise",
    "note": "Note",
    "warning": "Warning",
    "important": "Important",
    "tip": "Tip",
    "admonition": "",
}
FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<title>.*)$")
ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<text>[^`]*)`")
TEMPLATE = """{%- extends 'reveal/index.html.j2' -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<script>
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], processEscapes: true, macros: MACROS},
  options: {ignoreHtmlClass: 'tex2jax_ignore'}
};
</script>
<script src="mathjax/tex-chtml.js"></script>
{%- endblock html_head_js_mathjax -%}
{% block footer_js %}
<script>
require(["reveal.js/dist/reveal.js", "reveal.js/plugin/notes/notes.js"],
  function(Reveal, RevealNotes) {
    Reveal.initialize({controls: true, progress: true, history: true, transition: "slide",
                       slideNumber: true, plugins: [RevealNotes], width: 1280, height: 800});
    Reveal.on("slidechanged", function(event) {
      if (window.MathJax && MathJax.typesetPromise) { MathJax.typesetPromise([event.currentSlide]); }
    });
  });
</script>
{% endblock footer_js %}
"""


def _strip_solutions():
    spec = importlib.util.spec_from_file_location(
        "strip_solutions", ROOT / "tools" / "strip_solutions.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _role_text(match: re.Match) -> str:
    role, text = match["role"], match["text"]
    shown = re.sub(r"\s*<[^>]*>$", "", text)  # {ref}`text <label>` shows text
    if role == "cite":
        return "[" + ", ".join(key.strip() for key in text.split(",")) + "]"
    return shown


def plain_markdown(source: str) -> str:
    """Replace MyST directives and roles by plain Markdown that nbconvert renders."""
    lines: list[str] = []
    directives: list[tuple[str, str]] = []  # open directives: (fence, name)
    code_fence = ""  # the fence of an open code block, if any
    for line in source.splitlines():
        stripped = line.strip()
        bare = re.fullmatch(r"(`{3,}|:{3,})", stripped)
        if code_fence:
            lines.append(line)
            if bare and stripped.startswith(code_fence):
                code_fence = ""
            continue
        if bare and directives and stripped == directives[-1][0]:
            _, name = directives.pop()
            lines.append("$$" if name == "math" else "")
            continue
        match = FENCE.match(stripped)
        if match:
            name, title = match["name"], match["title"].strip()
            directives.append((match["fence"], name))
            if name == "math":
                lines.append("$$")
                continue
            label = NAMES.get(name, name.split(":")[-1].capitalize())
            heading = f"{label} ({title})." if label and title else f"{label or title}."
            lines.append(f"**{heading}**" if heading != "." else "")
            continue
        if re.match(r"^`{3,}", stripped):
            code_fence = re.match(r"^`{3,}", stripped).group(0)
            lines.append(line)
            continue
        if directives and re.match(r"^:[\w-]+:", stripped):
            continue  # a directive option such as :label: or :class:
        lines.append(line)
    return ROLE.sub(_role_text, "\n".join(lines))


def _has_figure(cell) -> bool:
    return any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))


def prepare(notebook, strip) -> nbformat.NotebookNode:
    """The slide version of a chapter notebook (see the module docstring)."""
    notebook = copy.deepcopy(notebook)
    strip.strip_notebook(notebook)
    cells = []
    for cell in notebook.cells:
        tags = set(cell.metadata.get("tags", []))
        if tags & DROP_CELL or (cell.cell_type == "code" and COLAB_GUARD in cell.source):
            continue  # hidden on the site; the Colab install cell, even before it is tagged
        slide = "-"
        if cell.cell_type == "markdown":
            cell.source = plain_markdown(cell.source)
            if re.search(r"^#{1,2} ", cell.source, re.M):
                slide = "slide"
            elif re.search(r"^#{3,} ", cell.source, re.M):
                slide = "subslide"
        elif cell.cell_type == "code":
            if tags & DROP_INPUT:
                cell.metadata["transient"] = {"remove_source": True}
            if _has_figure(cell):
                slide = "subslide"
        cell.metadata["slideshow"] = {"slide_type": slide}
        cells.append(cell)
    notebook.cells = cells
    return notebook


def vendor(output: Path, specs: list[str]) -> None:
    """Unpack the pinned npm packages next to the slides (once)."""
    wanted = {
        "reveal.js": ("", output / "reveal.js"),
        "requirejs": ("require.js", output / "vendor" / "require.js"),
        "jquery": ("dist/jquery.min.js", output / "vendor" / "jquery.min.js"),
    }
    for spec in specs:
        name = spec.rsplit("@", 1)[0]
        if name not in wanted:
            raise ValueError(f"--npm: unknown package {name!r}; expected one of {sorted(wanted)}")
        member, target = wanted[name]
        if target.exists():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            packed = subprocess.run(
                ["npm", "pack", spec, "--silent", "--pack-destination", tmp],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
            with tarfile.open(Path(tmp) / packed) as archive:
                archive.extractall(tmp, filter="data")
            source = Path(tmp) / "package" / member
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)


def offline_mathjax(output: Path) -> None:
    target = output / "mathjax"
    if target.exists():
        return
    candidates = list(
        Path(sysconfig.get_paths()["purelib"]).glob("sphinx*mathjax*offline*/**/tex-chtml.js")
    )
    if not candidates:
        raise FileNotFoundError("the offline MathJax of sphinx-mathjax-offline was not found")
    shutil.copytree(candidates[0].parent, target)


def site_macros() -> dict:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]


def export(notebooks: list[Path], output: Path) -> list[Path]:
    from nbconvert import SlidesExporter

    strip = _strip_solutions()
    written = []
    with tempfile.TemporaryDirectory() as templates:
        folder = Path(templates) / "book_reveal"
        folder.mkdir()
        (folder / "conf.json").write_text(
            json.dumps({"base_template": "reveal", "mimetypes": {"text/html": True}})
        )
        (folder / "index.html.j2").write_text(TEMPLATE.replace("MACROS", json.dumps(site_macros())))
        exporter = SlidesExporter(
            extra_template_basedirs=[templates],
            template_name="book_reveal",
            reveal_url_prefix="reveal.js",
            require_js_url="vendor/require.js",
            jquery_url="vendor/jquery.min.js",
            reveal_scroll=True,
            reveal_theme="white",  # its fonts ship with reveal.js (the "simple" theme loads web fonts)
        )
        for path in notebooks:
            notebook = prepare(nbformat.read(path, as_version=4), strip)
            body, _ = exporter.from_notebook_node(
                notebook, resources={"metadata": {"name": path.stem}}
            )
            target = output / f"{path.stem}.slides.html"
            target.write_text(body, encoding="utf8")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--output", type=Path, default=ROOT / "_build" / "slides")
    parser.add_argument("--npm", default="reveal.js@4.6.1 requirejs@2.3.7 jquery@3.7.1")
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    vendor(args.output, args.npm.split())
    offline_mathjax(args.output)
    for target in export(args.notebooks, args.output):
        print(f"{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
