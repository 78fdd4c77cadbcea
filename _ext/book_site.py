"""Small additions to the website that the theme and extensions do not offer as options.

- ``exercise-index``: a directive that lists every exercise of the book, grouped by chapter, with
  links; the list is built from the exercises themselves, so it never goes stale.
- A default colour mode, so the theme's script does not report an empty mode on every page.
- Each inline script once: the live-code extension registers its configuration script twice,
  and the second copy fails in the browser ("Identifier has already been declared").
- The site's root ``index.html``, a redirect to the first page that also declares the book's icon.
  Without it the table-of-contents extension writes a bare redirect, and a browser that opens it
  asks the server for ``/favicon.ico``, which the site does not have.
"""

from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


class exercise_index(nodes.General, nodes.Element):
    """Placeholder replaced by the list of exercises once every document has been read."""


class ExerciseIndex(SphinxDirective):
    def run(self):
        return [exercise_index()]


def _exercise_title(node) -> str:
    for child in node.traverse(nodes.title):
        return child.astext()
    return node.get("label", "Exercise")


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
                reference = nodes.reference("", _exercise_title(node), refuri=uri, internal=True)
                section += nodes.list_item("", nodes.paragraph("", "", reference))
            title = app.env.titles[docname].astext() if docname in app.env.titles else docname
            content += [nodes.rubric("", title), section]
        placeholder.replace_self(content)


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


def setup(app):
    app.add_node(exercise_index)
    app.add_directive("exercise-index", ExerciseIndex)
    app.connect("doctree-resolved", fill_exercise_index)
    app.connect("html-page-context", fix_page_context, priority=900)
    # before sphinx-external-toc's handler (priority 500), which keeps an index.html that exists
    app.connect("build-finished", write_root_redirect, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
