"""The CI entry point .ci/run: what it installs on a machine that lacks Chromium or TeX, and what it
runs. `apt-get` and `make` are replaced by stubs that record their calls, so nothing is installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CI = ROOT / ".ci" / "run"
MAKEFILE = (ROOT / "Makefile").read_text()
MAKE = shutil.which("make")
TEX_DEBS = " ".join(
    re.search(r"^TEX_DEBS := ((?:.*\\\n)*.*)$", MAKEFILE, re.M)
    .group(1)
    .replace("\\\n", " ")
    .split()
)
RUNS = ["make test", "make pdf-check", "make slides-check"]


def run_ci(tmp_path: Path, present: set[str], apt_fails: bool = False) -> tuple[int, list[str]]:
    """Run .ci/run with only the commands in ``present`` (besides the stubs) on its PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    (bin_dir / "apt-get").write_text(
        "#!/bin/bash\n"
        f'echo "apt-get $* ${{DEBIAN_FRONTEND:+(DEBIAN_FRONTEND=$DEBIAN_FRONTEND)}}" >> {log}\n'
        f"exit {1 if apt_fails else 0}\n"
    )
    (bin_dir / "make").write_text(
        "#!/bin/bash\n"
        f'for arg; do [ "$arg" = tex-debs ] && exec {MAKE} "$@"; done\n'
        f'echo "make $*" >> {log}\n'
    )
    for stub in ("apt-get", "make"):
        (bin_dir / stub).chmod(0o755)
    for name in present | {"dirname", "sh", "echo"}:  # what .ci/run and make's recipes call
        target = shutil.which(name) or shutil.which("true")
        (bin_dir / name).symlink_to(target)
    environment = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    result = subprocess.run(
        ["/bin/bash", str(CI)], env=environment, capture_output=True, text=True, timeout=60
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return result.returncode, [call.strip() for call in calls]


pytestmark = pytest.mark.skipif(
    MAKE is None or not Path("/bin/bash").exists(), reason="needs make and bash"
)


def test_with_chromium_and_tex_present_nothing_is_installed(tmp_path):
    code, calls = run_ci(tmp_path, {"chromium", "xelatex", "latexmk"})
    assert code == 0
    assert calls == RUNS


def test_without_tex_the_makefiles_tex_debs_are_installed_without_recommends(tmp_path):
    code, calls = run_ci(tmp_path, {"chromium", "latexmk"})
    assert code == 0
    assert calls == [
        "apt-get update -qq",
        f"apt-get install -y -qq --no-install-recommends {TEX_DEBS} "
        "(DEBIAN_FRONTEND=noninteractive)",
        *RUNS,
    ]
    assert "texlive-xetex" in TEX_DEBS and "latexmk" in TEX_DEBS


def test_without_latexmk_tex_is_installed_too(tmp_path):
    code, calls = run_ci(tmp_path, {"chromium", "xelatex"})
    assert code == 0
    assert calls[1].startswith("apt-get install -y -qq --no-install-recommends latexmk")


def test_on_a_bare_machine_the_index_is_updated_once_then_both_installed(tmp_path):
    code, calls = run_ci(tmp_path, set())
    assert code == 0
    assert calls == [
        "apt-get update -qq",
        "apt-get install -y -qq chromium (DEBIAN_FRONTEND=noninteractive)",
        f"apt-get install -y -qq --no-install-recommends {TEX_DEBS} "
        "(DEBIAN_FRONTEND=noninteractive)",
        *RUNS,
    ]


def test_a_failed_install_stops_the_run(tmp_path):
    code, calls = run_ci(tmp_path, {"chromium"}, apt_fails=True)
    assert code != 0
    assert not any(call.startswith("make") for call in calls)


def test_ci_is_executable_and_the_readme_says_what_it_runs():
    assert os.access(CI, os.X_OK)
    readme = (ROOT / "README.md").read_text()
    assert ".ci/run" in readme and "make pdf-check" in readme and "make slides-check" in readme
