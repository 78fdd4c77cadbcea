"""Chapter 5's cross-benchmark check of every defence at the paper preset, one benchmark at a time.

At the paper preset the check trains two flags per training benchmark, 300 steps each with adapters
on all 30 layers: about an hour per benchmark on two CPU cores, on top of the alignment and the
answers it needs. This script runs it one training benchmark per call and records each part, so
that the two parts can be run on different days. It executes the chapter's own cells, read from
the notebook (nothing is copied): the preset and imports, the data split, the alignment, the greedy
answers, the definitions of the flag training and of the classifiers, the prompt classifier's
cross check and the check itself. It leaves out what the check does not read (the toy world, the
sampling attack's answers, the chapter's own two flags and every table built on them) and runs the
check's loop for the training benchmarks asked for. Every piece of the check is seeded on its own,
so the rows are the ones the whole chapter prints.

Each part appends one JSON line to the record: every defence's row (test false positives, AUROC
with its bootstrap interval and detection on each test benchmark), the seconds and peak memory,
and a fingerprint of the alignment losses, the requests and every answer the check reads, which
the two parts must share. ``summary`` prints the report's table and, once both benchmarks are
recorded, runs the chapter's assertion cell on the recorded rows.

Usage::

    python tools/redflag_cross_benchmark_runs.py run HarmBench
    python tools/redflag_cross_benchmark_runs.py summary
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "code"))
CHAPTER = ROOT / "chapters" / "05_red_flag_tokens.ipynb"
RECORD = ROOT / "benchmarks" / "paper-preset" / "ch5-cross-benchmark.jsonl"
"""One JSON object per training benchmark (the record the execution report quotes)."""
BENCHMARKS = ("HarmBench", "AdvBench")
"""The chapter's two benchmarks, in its order."""

# Each cell the check needs, found by a line only it holds, and what is cut from it (the text from
# the first marker up to the second, or to the end of the cell).
NEEDED = {
    "preset": ('SCALE = "book"', None),
    "split": ("harmful_pool = list(", None),
    "alignment": ("aligned, align_losses = shallow_alignment(", None),
    "answers": ("generated = generate_sets(", ("# the sampling attack's answers", "judge_texts =")),
    "flag training": ("def train_defences(", ("defences, flag_losses = train_defences(", None)),
    "classifiers": (
        "def fit_text_classifier(",
        ("scores = {}", "def as_conversation_text"),
        ("prompt_weights = fit_text_classifier(", None),
    ),
    "prompt classifier across benchmarks": ("origin = np.array(", None),
    "every defence across benchmarks": ("cross_all = {}", None),
}
ASSERTIONS = "if settings.cross_benchmark_train:\n    for trained_on in BENCHMARKS:"
"""The opening of the chapter's assertion cell for the check."""
LOOP = "    for trained_on in BENCHMARKS:\n"


def _cell_holding(cells: list[str], marker: str) -> str:
    found = [source for source in cells if marker in source]
    if len(found) != 1:
        raise ValueError(f"{len(found)} cells of {CHAPTER.name} hold {marker!r}; expected one.")
    return found[0]


def _cut(source: str, start: str, end: str | None) -> str:
    if source.count(start) != 1 or (end is not None and source.count(end) != 1):
        raise ValueError(f"cannot cut {start!r} to {end!r}: the chapter's cell has changed.")
    head, tail = source.split(start)
    return head + (tail[tail.index(end) :] if end is not None else "")


def chapter_cells(trained_on: tuple[str, ...], notebook: Path = CHAPTER) -> list[tuple[str, str]]:
    """The chapter's cells the check needs, at the paper preset, its loop over `trained_on` only."""
    import nbformat

    unknown = set(trained_on) - set(BENCHMARKS)
    if not trained_on or unknown:
        raise ValueError(f"train on one or both of {BENCHMARKS}, not {sorted(unknown) or 'none'}.")
    cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    chosen = []
    for name, (marker, *cuts) in NEEDED.items():
        source = _cell_holding(cells, marker)
        for cut in cuts:
            if cut is not None:
                source = _cut(source, *cut)
        chosen.append((name, source))
    chosen[0] = ("preset", chosen[0][1].replace('SCALE = "book"', 'SCALE = "paper"'))
    name, check = chosen[-1]
    if check.count(LOOP) != 1:
        raise ValueError("the check's loop over training benchmarks has changed.")
    chosen[-1] = (name, check.replace(LOOP, LOOP.replace("BENCHMARKS", "TRAINED_ON")))
    return chosen


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def _peak_memory_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kilobytes on Linux


def run_part(trained_on: str, path: Path = RECORD) -> dict:
    """Run the check for one training benchmark, append its record line and return it."""
    done = {line["trained_on"] for line in read_record(path)}
    if trained_on in done:
        raise ValueError(
            f"{trained_on} is already in {path.name}; remove its line to run it again."
        )
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {"TRAINED_ON": (trained_on,)}
    seconds = {}
    for name, source in chapter_cells((trained_on,)):
        start = time.perf_counter()
        exec(compile(source, f"<{name}>", "exec"), namespace)  # the chapter's own cell
        seconds[name] = round(time.perf_counter() - start, 1)
    fingerprint = {
        "alignment losses": _digest([round(float(x), 6) for x in namespace["align_losses"]]),
        "requests": _digest(namespace["cross_requests"]),
        "answers": _digest({key: text for key, (_, text) in namespace["cross_answers"].items()}),
        "benign answers": _digest(
            [namespace["texts"][k] for k in ("benign val", "everyday test", "borderline test")]
        ),
    }
    rows = {}
    for (_, defence), row in namespace["cross_all"].items():
        rows[defence] = {"f.p.": [row["f.p."].successes, row["f.p."].trials]} | {
            b: {
                "auroc": float(row[b][0]),
                "auroc interval": [float(x) for x in row[b][1]],
                "detection": [row[b][2].successes, row[b][2].trials],
            }
            for b in BENCHMARKS
        }
    line = {
        "trained_on": trained_on,
        "training requests": len(namespace["cross_requests"][f"{trained_on} train"]),
        "test requests": {b: len(namespace["cross_requests"][f"{b} test"]) for b in BENCHMARKS},
        "rows": rows,
        "fingerprint": fingerprint,
        "seconds": seconds,
        "peak memory GB": round(_peak_memory_gb(), 2),
    }
    with path.open("a") as record:
        record.write(json.dumps(line) + "\n")
    return line


def read_record(path: Path = RECORD) -> list[dict]:
    """The recorded parts in the chapter's benchmark order; parts that disagree are an error."""
    if not path.exists():
        return []
    lines = [json.loads(text) for text in path.read_text().splitlines() if text.strip()]
    names = [line["trained_on"] for line in lines]
    if len(set(names)) != len(names) or not set(names) <= set(BENCHMARKS):
        raise ValueError(f"{path.name} holds {names}; expected each of {BENCHMARKS} at most once.")
    if len({json.dumps(line["fingerprint"], sort_keys=True) for line in lines}) > 1:
        raise ValueError(
            f"the parts in {path.name} read different answers (their fingerprints differ)."
        )
    return sorted(lines, key=lambda line: BENCHMARKS.index(line["trained_on"]))


def recorded_rows(lines: list[dict]) -> dict:
    """The record as the chapter's `cross_all`: (trained on, defence) -> its row of rates."""
    from inloop.redflag import Rate

    return {
        (line["trained_on"], defence): {"f.p.": Rate(*row["f.p."])}
        | {
            b: (row[b]["auroc"], tuple(row[b]["auroc interval"]), Rate(*row[b]["detection"]))
            for b in BENCHMARKS
        }
        for line in lines
        for defence, row in line["rows"].items()
    }


def check_assertions(lines: list[dict], notebook: Path = CHAPTER) -> str:
    """Run the chapter's assertion cell on the recorded rows; say whether every assertion held."""
    import nbformat
    from inloop.redflag import RedFlagSettings

    if {line["trained_on"] for line in lines} != set(BENCHMARKS):
        return "the chapter's assertions need both benchmarks recorded"
    cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    namespace = {
        "cross_all": recorded_rows(lines),
        "BENCHMARKS": BENCHMARKS,
        "settings": RedFlagSettings.for_scale("paper"),
    }
    try:
        exec(compile(_cell_holding(cells, ASSERTIONS), "<assertions>", "exec"), namespace)
    except AssertionError as failed:
        return f"an assertion of the chapter failed: {failed}"
    return "every assertion of the chapter's check held"


def summary(path: Path = RECORD) -> str:
    """The report's table of the recorded parts, with 95% Wilson and bootstrap intervals."""
    lines = read_record(path)
    if not lines:
        return f"nothing is recorded in {path.name} yet"
    rows = recorded_rows(lines)
    header = "| trained on | defence | f.p. | " + " | ".join(
        f"AUROC, {b} | detection, {b}" for b in BENCHMARKS
    )
    table = [header + " |", "|" + "---|" * (3 + 2 * len(BENCHMARKS))]
    for (trained_on, defence), row in rows.items():
        cells = [trained_on, defence, str(row["f.p."])]
        for b in BENCHMARKS:
            auroc, (low, high), detection = row[b]
            cells += [f"{auroc:.2f} [{low:.2f}, {high:.2f}]", str(detection)]
        table.append(
            "| " + " | ".join(" ".join(c.split()).replace("[ ", "[") for c in cells) + " |"
        )
    costs = "; ".join(
        f"trained on {line['trained_on']}: {line['training requests']} training requests, "
        f"{sum(line['seconds'].values()):,.0f} s, peak memory {line['peak memory GB']} GB"
        for line in lines
    )
    return "\n".join([costs, "", *table, "", check_assertions(lines)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the check for one training benchmark")
    run.add_argument("trained_on", choices=BENCHMARKS)
    commands.add_parser("summary", help="print the table of the recorded parts")
    arguments = parser.parse_args()
    if arguments.command == "run":
        run_part(arguments.trained_on)
    print(summary())


if __name__ == "__main__":
    main()
