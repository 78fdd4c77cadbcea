"""Small fixes to the website that the theme does not expose as options.

- A default colour mode, so the theme's script does not report an empty mode on every page.
- Each inline script once: the live-code extension registers its configuration script twice,
  and the second copy fails in the browser ("Identifier has already been declared").
"""


def fix_page_context(app, pagename, templatename, context, doctree):
    context["default_mode"] = "light"
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", None) or "", getattr(script, "attributes", {}).get("body", ""))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", fix_page_context, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
