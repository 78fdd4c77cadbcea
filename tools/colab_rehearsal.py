"""Rehearse every chapter as a Colab user would run it, then check it with strict nbval.

1. ``.colab-venv`` holds only what Colab preinstalls that the book relies on (numpy, scipy,
   matplotlib, torch, pandas), plus the notebook machinery Colab also has (ipykernel, pytest) and
   nbval; nothing of the book's own dependencies.
2. Each chapter is copied to ``_build/colab/`` with its install cell pointed at this checkout
   instead of the repository URL, and with a stand-in ``google.colab`` module so that the guarded
   cell runs (and only it: the stand-in is removed at the end of the cell). Its output (pip's log)
   is excluded from the comparison; every other cell is compared
   strictly with the stored outputs.
3. Strict nbval executes the copies in that environment. A chapter whose install cell misses a
   package fails here, exactly as it would on Colab.

Cells tagged ``processor-dependent`` print digits of long float32 computations (training a
language model's adapters, for instance) or of float64 solves stopped by a tolerance (the credit
networks of Chapters 2 and 3), which differ between processors whose kernels round differently. They are compared strictly when this machine's numerics fingerprint
(``tools/numerics.py``) equals the one the notebook recorded when its outputs were produced;
otherwise only their outputs are excluded: they still run, and their assertions must hold.

Usage: python tools/colab_rehearsal.py [chapters/NAME.ipynb ...]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

from numerics import recorded

ROOT = Path(__file__).resolve().parents[1]
ENV = ROOT / ".colab-venv"
OUT = ROOT / "_build" / "colab"
COLAB_PREINSTALLED = [
    "numpy",
    "scipy",
    "matplotlib",
    "torch",
    "pandas",
    "ipykernel",
    "pytest",
    "nbval",
]
# The stand-in module exists only while the install cell runs: libraries that probe for Colab at
# import time (transformers does) then behave as they do everywhere else in the rehearsal.
STAND_IN = 'import types; sys.modules["google.colab"] = types.ModuleType("google.colab")  # rehearsal only\n'
STAND_IN_REMOVED = '\nsys.modules.pop("google.colab", None)  # rehearsal only\n'
PROCESSOR_TAG = "processor-dependent"
IGNORE_OUTPUT = "# NBVAL_IGNORE_OUTPUT\n"


def python() -> Path:
    return ENV / "bin" / "python"


def create_environment() -> None:
    if not python().exists():
        venv.create(ENV, with_pip=True, clear=True)
    subprocess.run(
        [
            str(python()),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-c",
            str(ROOT / "constraints.txt"),
            *COLAB_PREINSTALLED,
        ],
        check=True,
    )


def machine_numerics() -> str:
    """The numerics fingerprint of this machine, computed in the rehearsal environment."""
    command = [str(python()), str(ROOT / "tools" / "numerics.py")]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def processor_cells(notebook: dict) -> list[dict]:
    """The code cells tagged ``processor-dependent``."""
    return [
        cell
        for cell in notebook["cells"]
        if cell["cell_type"] == "code" and PROCESSOR_TAG in cell["metadata"].get("tags", [])
    ]


def rehearsal_copy(chapter: Path, numerics: str) -> Path:
    notebook = json.loads(chapter.read_text())
    tagged = processor_cells(notebook)
    if tagged and recorded(notebook) != numerics:
        for cell in tagged:
            cell["source"] = IGNORE_OUTPUT + "".join(cell["source"])
        print(
            f"{chapter.name}: outputs made on a machine that rounds differently "
            f"({recorded(notebook)}, here {numerics}); the outputs of its {len(tagged)} "
            f"{PROCESSOR_TAG} cells are not compared, their assertions still run"
        )
    cell = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    source = "".join(cell["source"])
    source, count = re.subn(r'REPOSITORY = "[^"]+"', f'REPOSITORY = "{ROOT.as_uri()}"', source)
    if count != 1 or "git+{REPOSITORY}" not in source:
        raise SystemExit(f"{chapter.name}: the first cell is not the standard install cell")
    source = source.replace("git+{REPOSITORY}", "{REPOSITORY}")
    source = source.replace("import sys\n", "import sys\n" + STAND_IN, 1)
    cell["source"] = "# NBVAL_IGNORE_OUTPUT\n" + source + STAND_IN_REMOVED
    target = OUT / chapter.name
    target.write_text(json.dumps(notebook, indent=1))
    return target


def main(paths: list[str]) -> int:
    chapters = [Path(p).resolve() for p in paths] or sorted((ROOT / "chapters").glob("*.ipynb"))
    create_environment()
    OUT.mkdir(parents=True, exist_ok=True)
    numerics = machine_numerics()
    copies = [rehearsal_copy(chapter, numerics) for chapter in chapters]
    environment = dict(
        os.environ, PIP_CONSTRAINT=str(ROOT / "constraints.txt"), PIP_DISABLE_PIP_VERSION_CHECK="1"
    )
    command = [
        str(python()),
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--nbval",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(ROOT / "tests" / "sanitize.cfg"),
        *map(str, copies),
    ]
    return subprocess.run(command, cwd=OUT, env=environment).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
