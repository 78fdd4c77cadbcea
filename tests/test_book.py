"""Checks of the book as a whole: configuration, table of contents, and every chapter notebook.

These tests read files only; the notebooks themselves are executed by ``pytest --nbval``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPOSITORY = CONFIG["repository"]["url"]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Packages Colab preinstalls that chapters may rely on without installing them.
COLAB_PREINSTALLED = {"numpy", "scipy", "matplotlib", "torch", "pandas", "IPython"}
# Import names of distributions whose name differs from the module name.
IMPORT_NAMES = {"scikit-learn": "sklearn", "pyyaml": "yaml"}


def notebook(path: Path) -> dict:
    return json.loads(path.read_text())


def code_cells(path: Path) -> list[str]:
    return [
        "".join(cell["source"]) for cell in notebook(path)["cells"] if cell["cell_type"] == "code"
    ]


def toc_files(entries) -> list[str]:
    files = []
    for entry in entries:
        if "file" in entry:
            files.append(entry["file"])
        for key in ("chapters", "sections", "parts"):
            files.extend(toc_files(entry.get(key, [])))
    return files


def test_there_is_at_least_one_chapter():
    assert CHAPTERS, "no chapter notebooks found in chapters/"


def test_toc_lists_every_chapter_and_only_existing_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = toc_files(toc["parts"]) + [toc["root"]]
    for name in listed:
        candidates = [ROOT / f"{name}{suffix}" for suffix in (".md", ".ipynb")]
        assert any(path.exists() for path in candidates), (
            f"_toc.yml lists {name}, which does not exist"
        )
    for chapter in CHAPTERS:
        assert f"chapters/{chapter.stem}" in listed, f"{chapter.name} is not in _toc.yml"


def test_execution_is_off_so_the_site_shows_verified_outputs():
    assert CONFIG["execute"]["execute_notebooks"] == "off"


def _distribution_name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;@]", requirement.strip(), maxsplit=1)[0].lower()


def _modules_provided(extras: list[str]) -> set[str]:
    requirements = list(PYPROJECT["project"]["dependencies"])
    for extra in extras:
        requirements += PYPROJECT["project"]["optional-dependencies"][extra]
    names = {_distribution_name(requirement) for requirement in requirements}
    return {IMPORT_NAMES.get(name, name.replace("-", "_")) for name in names}


def _imported_modules(source: str) -> set[str]:
    source = "\n".join(
        line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_colab_install_cell(chapter):
    """The first code cell installs the package from the configured repository, only on Colab."""
    cell = code_cells(chapter)[0]
    assert 'if "google.colab" in sys.modules:' in cell, "the install cell must be guarded for Colab"
    urls = re.findall(r"https://github\.com/[\w./-]+", cell)
    assert urls == [REPOSITORY], (
        f"the install cell must use the repository URL of _config.yml, found {urls}"
    )
    # Outside Colab the cell must do nothing: every statement after the imports sits in the guard.
    tree = ast.parse(cell)
    for node in tree.body:
        assert isinstance(node, (ast.Import, ast.ImportFrom, ast.If)), (
            f"line {node.lineno} of the install cell runs outside the Colab guard"
        )
    extras = re.findall(r"inloop\[([\w,]+)\] @", cell)
    extras = [extra for group in extras for extra in group.split(",")]
    provided = _modules_provided(extras) | COLAB_PREINSTALLED | {"inloop"}
    imported = set().union(*(_imported_modules(source) for source in code_cells(chapter)))
    missing = {name for name in imported - provided if name not in sys.stdlib_module_names}
    assert not missing, (
        f"{chapter.name} imports {sorted(missing)}, which its install cell does not provide"
    )
    data_wheels = (
        re.search(r"^DATA_WHEELS := (.*)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
    )
    for wheel in re.findall(r"\"([\w-]+==[\w.]+)\"", cell):
        assert wheel in data_wheels, f"{wheel} is installed on Colab but not by the Makefile"
    if "load_credit" in "".join(code_cells(chapter)):
        assert "whynot==0.12.0" in cell, (
            "the chapter loads the credit data, so Colab must install whynot"
        )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_scale_switch_is_visible(chapter):
    cells = code_cells(chapter)
    assert any(re.search(r'^SCALE = "book"', source, re.M) for source in cells[:4]), (
        'a chapter sets SCALE = "book" near the top'
    )


LEAKS = {
    "a machine path": re.compile(r"(/work/|/root/|/home/|/tmp/|site-packages)"),
    "a memory address": re.compile(r"0x[0-9a-fA-F]{6,}"),
    "a progress bar": re.compile(r"\d+%\|"),
    "a traceback": re.compile(r"Traceback \(most recent call last\)"),
    "a timing": re.compile(r"\b\d+(\.\d+)?\s?(ms|seconds|sec)\b|\bWall time\b|\bCPU times\b"),
}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_stored_outputs_are_clean(chapter):
    cells = [cell for cell in notebook(chapter)["cells"] if cell["cell_type"] == "code"]
    counts = [cell["execution_count"] for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        "the chapter must be executed top to bottom once"
    )
    for index, cell in enumerate(cells):
        assert "execution" not in cell["metadata"], (
            f"cell {index} stores when it ran (tools/run_notebook.py records no timing)"
        )
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"cell {index} stored an error"
            assert output.get("name") != "stderr", f"cell {index} stored text on stderr"
            text = "".join(output.get("text", "")) + "".join(
                output.get("data", {}).get("text/plain", "")
            )
            for what, pattern in LEAKS.items():
                assert not pattern.search(text), (
                    f"cell {index} output contains {what}: {text[:200]!r}"
                )


# --- Teaching and publishing: editions, licences, workflow, notebook macros and cell tags ---------


def _tool(name: str):
    """Import one of the scripts in tools/ as a module (its imports of sibling scripts resolve)."""
    if str(ROOT / "tools") not in sys.path:
        sys.path.insert(0, str(ROOT / "tools"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _markdown_cells(path: Path) -> list[dict]:
    return [cell for cell in notebook(path)["cells"] if cell["cell_type"] == "markdown"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


SITE_MACROS = CONFIG["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_every_notebook_defines_the_macros_it_uses(chapter):
    """Outside the website (Jupyter, Colab) only the notebook's own definitions exist: every site
    macro a notebook uses is defined, as on the site, in a cell before its first use, and that
    cell stays off the website (remove-cell). Insert it with tools/notebook_macros.py."""
    cells = _markdown_cells(chapter)
    defined: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(cells):
        for name, definition in re.findall(
            r"\\newcommand\{\\(\w+)\}(?:\[\d\])?\{((?:[^{}]|\{[^{}]*\})*)\}", _source(cell)
        ):
            defined.setdefault(name, (index, definition))
            assert "remove-cell" in cell["metadata"].get("tags", []), (
                f"the cell defining \\{name} must be tagged remove-cell (the site has the macros)"
            )
    for name, expansion in SITE_MACROS.items():
        expansion = expansion if isinstance(expansion, str) else expansion[0]
        uses = [
            index
            for index, cell in enumerate(cells)
            if re.search(
                rf"\\{name}(?![A-Za-z])", re.sub(r"\\newcommand\{[^}]*\}", "", _source(cell))
            )
        ]
        if not uses:
            continue
        assert name in defined, (
            f"{chapter.name} uses \\{name} but does not define it: run "
            f"`python tools/notebook_macros.py chapters/{chapter.name}`"
        )
        index, definition = defined[name]
        assert index <= min(uses), f"\\{name} is used before the cell that defines it"
        assert definition == expansion, (
            f"\\{name} is defined as {definition!r} in the notebook but {expansion!r} on the site"
        )


def _tiny_notebook(path: Path, cells: list) -> Path:
    nbformat = pytest.importorskip("nbformat")
    book = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(book, path)
    return path


def test_notebook_macros_tool_inserts_one_hidden_cell_idempotently(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    tool = _tool("notebook_macros")
    path = _tiny_notebook(
        tmp_path / "chapter.ipynb",
        [
            nbformat.v4.new_markdown_cell("# Title\n\nThe risk $\\PR(\\theta)$ and $\\E[X]$."),
            nbformat.v4.new_code_cell("x = 1"),
        ],
    )
    macros = tool.site_macros()
    assert set(macros) == set(SITE_MACROS)
    assert tool.apply(path, macros) is True
    once = path.read_text()
    assert tool.apply(path, macros) is False
    assert tool.apply(path, macros, check=True) is False
    assert path.read_text() == once
    cells = nbformat.read(path, as_version=4).cells
    assert len(cells) == 3
    assert cells[0].metadata["tags"] == ["remove-cell"]
    assert "\\newcommand{\\PR}{\\mathrm{PR}}" in cells[0].source
    assert cells[1].source.startswith("# Title")


def test_tag_cells_tool_folds_the_install_cell_and_pure_checks(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    tool = _tool("tag_cells")
    install = 'import sys\n\nif "google.colab" in sys.modules:\n    pass'
    path = _tiny_notebook(
        tmp_path / "chapter.ipynb",
        [
            nbformat.v4.new_markdown_cell("# Title"),
            nbformat.v4.new_code_cell(install),
            nbformat.v4.new_code_cell("x = compute()\nassert x > 0"),
            nbformat.v4.new_code_cell('assert x > 0, "positive"\nprint(f"x = {x:.3f}")'),
            nbformat.v4.new_code_cell("for v in values:\n    assert v > 0\nprint('ok')"),
            nbformat.v4.new_code_cell("print('shown')", metadata={"tags": ["show-input"]}),
        ],
    )
    assert tool.apply(path) == {1: "hide-cell", 3: "hide-input", 4: "hide-input"}
    assert tool.apply(path) == {}
    cells = nbformat.read(path, as_version=4).cells
    assert cells[1].source == install, "the install cell stays in the notebook, unchanged"
    assert "tags" not in cells[2].metadata
    assert cells[5].metadata["tags"] == ["show-input"]


def test_strip_solutions_removes_every_solution_and_keeps_the_exercises(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    tool = _tool("strip_solutions")
    markdown = (
        "```{exercise} Title\n:label: ex-a\n\nDo it.\n```\n\n"
        "````{solution} ex-a\n:class: dropdown\n\nSECRET one.\n```python\nx = 1\n```\n````\n\n"
        ":::{solution} ex-b\nSECRET two.\n:::\n\nAfter."
    )
    book = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(markdown),
            nbformat.v4.new_markdown_cell("```{solution-start} ex-c\n```\nSECRET three"),
            nbformat.v4.new_code_cell("secret = 3"),
            nbformat.v4.new_markdown_cell("```{solution-end}\n```"),
            nbformat.v4.new_code_cell("kept = 1"),
        ]
    )
    assert tool.strip_notebook(book) == 3
    text = json.dumps(book)
    assert "SECRET" not in text and "secret = 3" not in text
    assert "{exercise} Title" in text and "After." in text and "kept = 1" in text


def test_licences_for_text_and_code():
    code = (ROOT / "LICENSE").read_text()
    text = (ROOT / "LICENSE-TEXT").read_text()
    assert code.startswith("MIT License") and PYPROJECT["project"]["license"] == "MIT"
    assert "Creative Commons Attribution 4.0 International Public License" in text
    readme = (ROOT / "README.md").read_text()
    assert "CC BY 4.0" in readme and "MIT" in readme
    footer = CONFIG["html"]["extra_footer"]
    assert "creativecommons.org/licenses/by/4.0" in footer and "MIT" in footer


WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _run_steps(workflow: dict) -> list[str]:
    return [
        step["run"]
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if "run" in step
    ]


def test_workflow_runs_make_test_and_publishes_both_editions():
    assert WORKFLOWS, "no GitHub Actions workflow in .github/workflows"
    workflow = yaml.safe_load(WORKFLOWS[0].read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as True
    assert "push" in triggers and "pull_request" in triggers
    runs = _run_steps(workflow)
    assert any(re.search(r"^make test\b", run, re.M) for run in runs), runs
    assert any(re.search(r"^make pages\b", run, re.M) for run in runs), runs
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^pages:", makefile, re.M), "the workflow calls a `pages` target"
    uses = [
        step.get("uses", "") for job in workflow["jobs"].values() for step in job.get("steps", [])
    ]
    assert any(use.startswith("actions/upload-pages-artifact@") for use in uses)
    assert any(use.startswith("actions/deploy-pages@") for use in uses)
    upload = next(
        step
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/upload-pages-artifact@")
    )
    pages_dir = re.search(r"^PAGES_DIR := (\S+)", makefile, re.M).group(1)
    assert upload["with"]["path"] == pages_dir
    deploy = next(job for job in workflow["jobs"].values() if "deploy-pages" in str(job))
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_make_builds_both_editions_and_tests_the_student_one():
    makefile = (ROOT / "Makefile").read_text()
    book = re.search(r"^book:(.*)$", makefile, re.M).group(1).split()
    assert "site" in book and "student" in book
    assert re.search(r"^student:.*\n\tBOOK_EDITION=student ", makefile, re.M)
    test_recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "BOOK_EDITION=student" in test_recipe and "tests/site/test_editions.py" in test_recipe


def test_set_repository_tool_rewrites_only_the_install_line(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    tool = _tool("set_repository")
    install = 'import sys\n\nif "google.colab" in sys.modules:\n    REPOSITORY = "https://github.com/old/name"\n'
    path = _tiny_notebook(
        tmp_path / "chapter.ipynb",
        [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell(install)],
    )
    assert tool.configured_url() == REPOSITORY.rstrip("/")
    assert tool.apply(path, REPOSITORY, check=True) is True
    assert tool.apply(path, REPOSITORY) is True
    assert tool.apply(path, REPOSITORY) is False
    source = nbformat.read(path, as_version=4).cells[1].source
    assert source == install.replace("https://github.com/old/name", REPOSITORY)
    for chapter in CHAPTERS:
        assert tool.apply(chapter, REPOSITORY, check=True) is False, (
            f"{chapter.name}: run `python tools/set_repository.py chapters/{chapter.name}`"
        )


def test_slides_use_plain_markdown_and_leave_out_solutions_and_setup():
    nbformat = pytest.importorskip("nbformat")
    tool = _tool("make_slides")
    text = tool.plain_markdown(
        "See {cite}`perdomo2020performative`.\n"
        "```{prf:theorem} RRM converges\n:label: thm-x\nIf $a < 1$.\n```\n"
        "```{math}\n:label: eq-x\nx = 1\n```"
    )
    assert text == (
        "See [perdomo2020performative].\n**Theorem (RRM converges).**\nIf $a < 1$.\n\n$$\nx = 1\n$$"
    )
    book = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("macros", metadata={"tags": ["remove-cell"]}),
            nbformat.v4.new_markdown_cell("# Chapter"),
            nbformat.v4.new_code_cell('import sys\nif "google.colab" in sys.modules:\n    pass'),
            nbformat.v4.new_markdown_cell("### A subsection"),
            nbformat.v4.new_code_cell("assert True", metadata={"tags": ["hide-input"]}),
            nbformat.v4.new_markdown_cell("```{solution} ex-a\nSECRET\n```"),
        ]
    )
    slides = tool.prepare(book, _tool("strip_solutions"))
    kinds = [cell.metadata["slideshow"]["slide_type"] for cell in slides.cells]
    assert [cell.source for cell in slides.cells][0] == "# Chapter"
    assert kinds == ["slide", "subslide", "-"]
    assert slides.cells[2].metadata["transient"] == {"remove_source": True}
    assert "SECRET" not in json.dumps(slides)


# --- Outputs that depend on the processor --------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_processor_dependent_outputs_name_the_machine_that_made_them(chapter):
    """A chapter with cells whose digits depend on the processor records the numerics fingerprint
    of the machine that produced its outputs (tools/run_notebook.py writes it), so that the
    rehearsal knows where those digits can be compared strictly. Only code cells carry the tag."""
    rehearsal, content = _tool("colab_rehearsal"), notebook(chapter)
    tagged = [
        cell
        for cell in content["cells"]
        if rehearsal.PROCESSOR_TAG in cell["metadata"].get("tags", [])
    ]
    if not tagged:
        return
    assert tagged == rehearsal.processor_cells(content), "only code cells carry the tag"
    assert re.fullmatch(r"[0-9a-f]{12}", _tool("numerics").recorded(content) or ""), (
        f"{chapter.name}: run `python tools/run_notebook.py chapters/{chapter.name}`"
    )


def test_rehearsal_stops_comparing_only_processor_dependent_outputs_elsewhere(tmp_path):
    """On the machine that made the outputs every cell is compared; on one that rounds differently
    only the tagged cells' outputs are excluded, and they still run."""
    rehearsal = _tool("colab_rehearsal")
    rehearsal.OUT = tmp_path
    install = next(cell for cell in notebook(CHAPTERS[0])["cells"] if cell["cell_type"] == "code")
    cells = [
        install,
        {
            "cell_type": "code",
            "metadata": {"tags": [rehearsal.PROCESSOR_TAG]},
            "source": ["print(0.1)\n"],
        },
        {"cell_type": "code", "metadata": {}, "source": ["print(0.2)\n"]},
    ]
    source = tmp_path / "source"
    source.mkdir()
    path = source / "chapter.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}}))
    content = notebook(path)
    content["metadata"]["inloop"] = {"numerics": "a" * 12}  # what numerics.record writes
    assert _tool("numerics").recorded(content) == "a" * 12
    path.write_text(json.dumps(content))

    def sources(copy: Path) -> list[str]:
        return ["".join(cell["source"]) for cell in notebook(copy)["cells"]]

    same = sources(rehearsal.rehearsal_copy(path, "a" * 12))
    assert same[1:] == ["print(0.1)\n", "print(0.2)\n"]
    other = sources(rehearsal.rehearsal_copy(path, "b" * 12))
    assert other[1:] == ["# NBVAL_IGNORE_OUTPUT\nprint(0.1)\n", "print(0.2)\n"]
    assert same[0] == other[0] and same[0].startswith("# NBVAL_IGNORE_OUTPUT")


def test_numerics_fingerprint_is_repeatable_and_sees_the_kernels():
    """The same machine gives the same fingerprint twice; forcing PyTorch onto its portable
    (non-vectorised) kernels, as an older processor would, changes it."""
    import os
    import subprocess

    def run(**environment: str) -> str:
        command = [sys.executable, str(ROOT / "tools" / "numerics.py")]
        env = dict(os.environ, **environment)
        return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout

    first, second = run(), run()
    assert first == second and re.fullmatch(r"[0-9a-f]{12}\n", first)
    torch = pytest.importorskip("torch")
    if torch.backends.cpu.get_cpu_capability() == "DEFAULT":
        pytest.skip("this processor already runs PyTorch's portable kernels")
    assert run(ATEN_CPU_CAPABILITY="default") != first
