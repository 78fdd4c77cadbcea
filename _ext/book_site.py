"""Small additions to the website that the theme and extensions do not offer as options.

- ``exercise-index``: a directive that lists every exercise of the book, grouped by chapter, with
  its number, its title (or, for an untitled exercise, the first words of its statement) and a
  link; the list is built from the exercises themselves, so it never goes stale.
- Two editions from one source. The environment variable ``BOOK_EDITION`` selects
  ``instructor`` (the default: exercise solutions folded under each exercise) or ``student``
  (sphinx-exercise's ``hide_solutions``: no solution reaches the pages, the search index or the
  page sources; a banner names the edition, and the tag ``student`` is set for ``{only}`` blocks).
- One repository URL, the one of ``_config.yml``, for the footer's errata link and the MyST
  substitutions ``{{ repository }}``, ``{{ issues }}`` and ``{{ new_issue }}``.
- The site's MathJax macros, also defined in the LaTeX preamble, so the PDF has them too.
- The PDF's table of contents is headed "Contents" (Sphinx would use the first part's caption).
- In the PDF, front and back matter are unnumbered chapters and Chapter 1 is chapter 1, so section
  numbers agree with the theorem and figure numbers, which count the numbered parts only.
- In the PDF, the root page's text is one unnumbered chapter (``LATEX_PREFACE``, its sections as
  sections: LaTeX would otherwise make each of them a chapter, as the page's own title is the
  book's), and each part of ``_toc.yml`` starts with a part page (``\\part``; a caption
  "I. Performative prediction" is Part I, "Performative prediction"; an unnumbered part, such as
  the front and back matter, is an unnumbered part page listed in the contents).
- In the PDF, the bibliography page gives up its heading: LaTeX sets the references at the end of
  the book under its own "Bibliography" chapter, so the page's heading would be a second, empty one.
- ``static/book.css``: long inline code in prose wraps, so prose fits a phone's screen.
- A default colour mode, so the theme's script does not report an empty mode on every page.
- Each inline script once: the live-code extension registers its configuration script twice,
  and the second copy fails in the browser ("Identifier has already been declared").
- The site's root ``index.html``, a redirect to the first page that also declares the book's icon.
  Without it the table-of-contents extension writes a bare redirect, and a browser that opens it
  asks the server for ``/favicon.ico``, which the site does not have.
"""

import os
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.texescape import escape as latex_escape


class exercise_index(nodes.General, nodes.Element):
    """Placeholder replaced by the list of exercises once every document has been read."""


class ExerciseIndex(SphinxDirective):
    def run(self):
        return [exercise_index()]


EDITIONS = ("instructor", "student")
# The PDF's title for the text of the root page (whose own title is the book's, on the title page).
LATEX_PREFACE = "Preface"
ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
NUMBERED_CAPTION = re.compile(r"^(?P<number>[IVXLC]+)\.\s+(?P<title>\S.*)$")
# Words of an untitled exercise's statement shown in the index.
INDEX_WORDS = 10


def _exercise_title(node) -> list[nodes.Node]:
    """The title of an exercise as inline nodes: its subtitle, else its first words, else its label."""
    for child in node.traverse(nodes.subtitle):
        return [_inline_copy(grandchild) for grandchild in child.children]
    for paragraph in node.traverse(nodes.paragraph):
        words = _first_words(paragraph, INDEX_WORDS)
        if words:
            return words
    return [nodes.Text(node.get("label", "Exercise"))]


def _inline_copy(node) -> nodes.Node:
    """Math stays math (MathJax renders it); anything else becomes its plain text, so no
    unresolved cross-reference from another page is carried into the index."""
    return node.deepcopy() if isinstance(node, nodes.math) else nodes.Text(node.astext())


def _first_words(paragraph, budget: int) -> list[nodes.Node]:
    """The start of ``paragraph``, up to ``budget`` words (an inline formula counts as one)."""
    result: list[nodes.Node] = []
    for child in paragraph.children:
        if isinstance(child, addnodes.pending_xref):
            # a cross-reference shows its target's label until resolved on its own page
            result.append(nodes.Text(" …"))
            return result
        if isinstance(child, nodes.math):
            words = 1
        else:
            words = len(child.astext().split())
        if words >= budget:
            if isinstance(child, nodes.math):
                result.append(_inline_copy(child))
            else:
                cut = re.match(rf"\s*(?:\S+\s+){{{budget}}}", child.astext())
                text = cut.group(0).rstrip() if cut else child.astext().rstrip()
                result.append(nodes.Text(text))
            result.append(nodes.Text(" …"))
            return result
        result.append(_inline_copy(child))
        budget -= words
    return result


def _exercise_number(env, docname: str, label: str) -> str:
    number = env.toc_fignumbers.get(docname, {}).get("exercise", {}).get(label)
    return ".".join(str(part) for part in number) if number else ""


def fill_exercise_index(app, doctree, fromdocname):
    registry = getattr(app.env, "sphinx_exercise_registry", {})
    for placeholder in doctree.traverse(exercise_index):
        by_chapter = {}
        for label, entry in registry.items():
            if entry["type"] == "exercise":
                by_chapter.setdefault(entry["docname"], []).append((label, entry["node"]))
        content = []
        for docname in sorted(by_chapter):
            section = nodes.bullet_list()
            for label, node in by_chapter[docname]:
                uri = app.builder.get_relative_uri(fromdocname, docname) + "#" + label
                number = _exercise_number(app.env, docname, label)
                text = [nodes.Text(f"Exercise {number}")] if number else [nodes.Text("Exercise")]
                if app.builder.format == "html":
                    entry = nodes.reference("", "", *text, refuri=uri, internal=True)
                else:  # LaTeX labels exercises its own way; the PDF lists them as text
                    entry = nodes.inline("", "", *text)
                paragraph = nodes.paragraph("", "", entry, nodes.Text(": "))
                paragraph += _exercise_title(node)
                section += nodes.list_item("", paragraph)
            title = app.env.titles[docname].astext() if docname in app.env.titles else docname
            content += [nodes.rubric("", title), section]
        placeholder.replace_self(content)
        if any(True for item in content for _ in item.findall(nodes.math)):
            # the titles carry formulas: have MathJax loaded on this page, as Sphinx decides that
            # from the document as it was read, before the index was filled in
            app.env.get_domain("math").data["has_equations"][fromdocname] = True


def choose_edition(app, config):
    """Apply the edition named by ``BOOK_EDITION`` (see the module docstring)."""
    edition = os.environ.get("BOOK_EDITION", "instructor").strip().lower() or "instructor"
    if edition not in EDITIONS:
        raise ExtensionError(f"BOOK_EDITION must be one of {', '.join(EDITIONS)}, got {edition!r}")
    app.tags.add(edition)
    if edition == "student":
        config.hide_solutions = True
        options = dict(config.html_theme_options or {})
        options["announcement"] = (
            "Student edition: exercises without their solutions. "
            "Solutions are in the instructor edition."
        )
        # The page sources (and the theme's download buttons that serve them) hold the solutions.
        options["use_download_button"] = False
        config.html_theme_options = options
        config.html_copy_source = False
    _footer_links(config)
    _latex_macros(config)
    _latex_contents_name(config)


def _latex_macros(config) -> None:
    """Define the MathJax macros of ``_config.yml`` for the PDF too (one source for both)."""
    mathjax = getattr(config, "mathjax3_config", None) or {}
    macros = mathjax.get("tex", {}).get("macros", {})
    lines = []
    for name, value in macros.items():
        definition, nargs = (value, 0) if isinstance(value, str) else (value[0], int(value[1]))
        arguments = f"[{nargs}]" if nargs else ""
        # \providecommand first: \renewcommand then works whether or not LaTeX knew the name
        lines.append(
            f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}{arguments}{{{definition}}}"
        )
    if lines:
        elements = dict(getattr(config, "latex_elements", None) or {})
        elements["preamble"] = elements.get("preamble", "") + "\n" + "\n".join(lines) + "\n"
        config.latex_elements = elements


def _latex_contents_name(config) -> None:
    """The PDF's table of contents is headed "Contents". Sphinx heads it with the caption of the
    root page's first toctree ("Front matter"); the preamble comes after, so this wins."""
    if (config.language or "en").split("_")[0] != "en":
        return  # only English captions are set here (babel: \captionsenglish)
    elements = dict(getattr(config, "latex_elements", None) or {})
    renew = "\\addto\\captionsenglish{\\renewcommand{\\contentsname}{Contents}}"
    elements["preamble"] = elements.get("preamble", "") + "\n" + renew + "\n"
    config.latex_elements = elements


def _footer_links(config) -> None:
    """Add the errata link to the footer, from the one repository URL of ``_config.yml``."""
    options = dict(config.html_theme_options or {})
    repository = options.get("repository_url", "").rstrip("/")
    if repository:
        footer = options.get("extra_footer", "")
        options["extra_footer"] = (
            f'{footer}<p>Found an error? <a href="{repository}/issues">Report it</a> '
            "(see Errata and feedback in the front matter).</p>"
        )
        substitutions = dict(getattr(config, "myst_substitutions", {}) or {})
        substitutions.setdefault("repository", repository)
        substitutions.setdefault("issues", f"[the issue tracker]({repository}/issues)")
        substitutions.setdefault("new_issue", f"[open an issue]({repository}/issues/new)")
        config.myst_substitutions = substitutions
    config.html_theme_options = options


def _latex(text: str) -> nodes.raw:
    return nodes.raw("", text, format="latex")


def number_latex_chapters(app, doctree, docname):
    """Unnumbered front and back matter in the PDF; the book's chapters numbered from 1."""
    if app.builder.name != "latex":
        return
    starts = list(doctree.findall(addnodes.start_of_file))
    order = [node["docname"] for node in starts]
    chapters = [name for name in order if name.startswith("chapters/")]
    if not chapters:
        return
    after = order.index(chapters[-1]) + 1
    back_matter = order[after] if after < len(order) else None
    for node in starts:
        if node["docname"] == chapters[0]:
            node.insert(
                0, _latex(r"\setcounter{secnumdepth}{\booksecnumdepth}\setcounter{chapter}{0}")
            )
        elif node["docname"] == back_matter:
            node.insert(0, _latex(r"\setcounter{secnumdepth}{-1}"))
    doctree.insert(
        0, _latex(r"\edef\booksecnumdepth{\arabic{secnumdepth}}\setcounter{secnumdepth}{-1}")
    )


def latex_preface(app, doctree, docname):
    """In the PDF, gather the root page's text (before the inlined pages of its table of
    contents) into one chapter titled ``LATEX_PREFACE``, so that its sections are sections."""
    if app.builder.name != "latex" or docname != app.config.root_doc:
        return
    top = next(iter(doctree.findall(nodes.section)), None)
    if top is None:
        return
    body = []
    for child in top.children:
        if isinstance(child, nodes.title):
            continue
        if isinstance(child, addnodes.start_of_file) or any(child.findall(addnodes.start_of_file)):
            break  # the pages of the table of contents, inlined
        body.append(child)
    if not any(isinstance(child, nodes.section) for child in body):
        return  # no sections: nothing would become a chapter
    preface = nodes.section("", nodes.title("", LATEX_PREFACE), ids=["latex-preface"])
    top.insert(top.index(body[0]), preface)
    for child in body:
        top.remove(child)
        preface += child


def _roman(numeral: str) -> int:
    values = [ROMAN[char] for char in numeral]
    return sum(-v if v < w else v for v, w in zip(values, values[1:] + [0], strict=True))


def _part_latex(caption: str, numbered: bool) -> str:
    """LaTeX that opens a part titled by a ``_toc.yml`` caption."""
    match = NUMBERED_CAPTION.match(caption)
    if numbered and match:
        number = _roman(match.group("number"))
        title = latex_escape(match.group("title"))
        return f"\\setcounter{{part}}{{{number - 1}}}\\part{{{title}}}"
    if numbered:
        return f"\\part{{{latex_escape(caption)}}}"
    title = latex_escape(caption)
    return (
        f"\\cleardoublepage\\phantomsection\\addcontentsline{{toc}}{{part}}{{{title}}}"
        f"\\part*{{{title}}}"
    )


def latex_parts(app, doctree, docname):
    """In the PDF, a part page before the first page of each captioned part of ``_toc.yml``."""
    if app.builder.name != "latex":
        return
    site_map = getattr(app.env, "external_site_map", None)
    if site_map is None:
        return
    starts = {node["docname"]: node for node in doctree.findall(addnodes.start_of_file)}
    for tree in site_map[app.config.root_doc].subtrees:
        files = [os.path.splitext(name)[0] for name in tree.files()]
        if tree.caption and files and files[0] in starts:
            starts[files[0]].insert(0, _latex(_part_latex(tree.caption, bool(tree.numbered))))


def drop_bibliography_heading(app, doctree, docname):
    """In the PDF, unwrap a page whose text is only its heading (the bibliography page: LaTeX sets
    its citations at the end of the book, under a heading of its own); its other nodes stay."""
    if app.builder.name != "latex":
        return
    for start in list(doctree.findall(addnodes.start_of_file)):
        sections = [child for child in start.children if isinstance(child, nodes.section)]
        if len(sections) != 1:
            continue
        section = sections[0]
        body = [child for child in section.children if not isinstance(child, nodes.title)]
        if "".join(child.astext() for child in body).strip():
            continue
        section.replace_self(body)


def fix_page_context(app, pagename, templatename, context, doctree):
    context["default_mode"] = "light"
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (
            getattr(script, "filename", None) or "",
            getattr(script, "attributes", {}).get("body", ""),
        )
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def write_root_redirect(app, exception):
    root_doc = app.config.root_doc
    if exception is not None or app.builder.name != "html" or root_doc == "index":
        return
    icon = (
        f'<link rel="icon" href="_static/{Path(app.config.html_favicon).name}" />\n'
        if app.config.html_favicon
        else ""
    )
    redirect = f'<meta http-equiv="Refresh" content="0; url={root_doc}.html" />\n'
    Path(app.outdir, "index.html").write_text(redirect + icon, encoding="utf8")


def add_static_files(app):
    app.config.html_static_path.append(str(Path(__file__).parent / "static"))


def setup(app):
    app.connect("builder-inited", add_static_files)
    app.add_css_file("book.css")
    app.add_node(exercise_index)
    app.connect("config-inited", choose_edition)
    app.add_directive("exercise-index", ExerciseIndex)
    app.connect("doctree-resolved", fill_exercise_index)
    app.connect("doctree-resolved", number_latex_chapters)
    app.connect("doctree-resolved", drop_bibliography_heading)
    app.connect("doctree-resolved", latex_preface)
    app.connect("doctree-resolved", latex_parts)
    app.connect("html-page-context", fix_page_context, priority=900)
    # before sphinx-external-toc's handler (priority 500), which keeps an index.html that exists
    app.connect("build-finished", write_root_redirect, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}
