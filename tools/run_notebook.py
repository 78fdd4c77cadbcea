"""Execute chapter notebooks top to bottom in place, so their stored outputs are fresh.

Usage: python tools/run_notebook.py chapters/01_performative_foundations.ipynb [more.ipynb ...]

This is how committed outputs are produced; `make test` then re-executes every chapter with strict
nbval and compares it with what is stored. The notebook's metadata records the numerics fingerprint
of the machine that produced the outputs (``tools/numerics.py``): cells tagged
``processor-dependent`` print digits that depend on how the processor rounds (long float32
computations, float64 solves stopped by a tolerance), and the rehearsal compares them
only on a machine with the same fingerprint.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from numerics import record


def run(path: Path, timeout: int = 1200, write: bool = True) -> float:
    """Execute the notebook at ``path`` top to bottom in a fresh kernel; return the seconds taken.

    With ``write`` the executed notebook (outputs included) replaces the file.
    """
    notebook = nbformat.read(path, as_version=4)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,  # no timestamps of when each cell ran in the stored notebook
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    if write:
        record(notebook)
        nbformat.write(notebook, path)
    return elapsed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        seconds = run(Path(name))
        print(f"{name}: executed in {seconds:.1f} s")
