// Typeset TeX with MathJax 3, as a browser page does, and report every formula it cannot render.
//
// Used by tools/notebook_math.py (and through it by tests/test_notebook_math.py). Reads JSON from
// stdin: {"documents": [{"name": ..., "formulas": [{"key": ..., "tex": ..., "display": bool}]}]}
// and writes {"errors": [{"document": ..., "key": ..., "message": ...}]} to stdout.
//
// Each document gets its own TeX input processor, as each notebook is its own page in Jupyter or
// Colab: a \newcommand in one formula holds for the formulas after it in the same document only.
// The TeX packages are those of a default MathJax 3 page (tex-chtml.js: base, ams, newcommand,
// configmacros, and the packages it loads on demand), WITHOUT `noundefined` and `noerrors`: an
// unknown control sequence or a parse error is reported here instead of being shown in red.
//
// Usage: node tools/render_math.js MODULES_DIR < formulas.json   (MODULES_DIR holds mathjax-full)
"use strict";

const path = require("path");

const modules = process.argv[2];
if (!modules) {
  process.stderr.write("usage: node render_math.js MODULES_DIR < formulas.json\n");
  process.exit(2);
}
const mj = (name) => require(path.resolve(modules, "mathjax-full", "js", name));

const { mathjax } = mj("mathjax.js");
const { TeX } = mj("input/tex.js");
const { liteAdaptor } = mj("adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = mj("handlers/html.js");
const { STATE } = mj("core/MathItem.js");
mj("input/tex/AllPackages.js"); // registers every package's configuration

// A default MathJax 3 page: these are loaded at start-up or on first use (autoload). Left out:
// bussproofs (its prooftree environment needs an output processor to measure boxes; the book has
// no proof trees).
const PACKAGES = [
  "base", "ams", "newcommand", "configmacros",
  "action", "amscd", "bbox", "boldsymbol", "braket", "cancel", "color", "enclose", "extpfeil",
  "html", "mhchem", "unicode", "verb",
];

RegisterHTMLHandler(liteAdaptor());

function render(document) {
  const tex = new TeX({
    packages: PACKAGES,
    formatError: (jax, error) => {
      throw error;
    },
  });
  const page = mathjax.document("", { InputJax: tex });
  const errors = [];
  for (const formula of document.formulas) {
    try {
      page.convert(formula.tex, { display: formula.display, end: STATE.CONVERT });
    } catch (error) {
      errors.push({ document: document.name, key: formula.key, message: error.message });
    }
  }
  return errors;
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { documents } = JSON.parse(input);
  const errors = documents.flatMap(render);
  process.stdout.write(JSON.stringify({ mathjax: mathjax.version, errors }) + "\n");
});
