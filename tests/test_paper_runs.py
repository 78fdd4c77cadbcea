"""The resumable runner of Chapter 3's paper-preset credit study (tools/credit_arm_paper_runs.py)."""

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def runner(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.syspath_prepend(str(ROOT / "tools"))
    import credit_arm_paper_runs
    from inloop.performative.arm_settings import ARMSettings

    small = ARMSettings(credit_rows=200, credit_rounds=6, credit_repetitions=4, credit_max_iter=30)
    monkeypatch.setattr(credit_arm_paper_runs, "paper_settings", lambda: small)
    yield credit_arm_paper_runs, small
    credit_arm_paper_runs._WORKER.clear()
    sys.modules.pop("credit_arm_paper_runs", None)


def test_a_recorded_repetition_is_the_chapters_comparison(runner):
    module, settings = runner
    from inloop.data import load_credit
    from inloop.neural import compare_mixture_rules, credit_arm_inputs

    module._start_worker()
    line = module.run_repetition(2)
    assert line["repetition"] == 2 and line["settings"] == module.settings_key(settings)
    assert len(line["numerics"]) == 12 and line["seconds"] >= 0
    shift, theta0 = credit_arm_inputs(load_credit(), settings)
    expected = compare_mixture_rules(
        shift, theta0, module.RULES, 6, seed=settings.credit_run_seed + 2, width=8, max_iter=30
    )
    for name in module.RULES:
        recorded = json.loads(json.dumps(line))["rules"][name]  # through JSON, as stored
        np.testing.assert_array_equal(recorded["shifts"], expected.shifts[name])
        np.testing.assert_array_equal(recorded["risks"], expected.risks[name])
        assert recorded["capped"] == expected.capped[name]


def test_summary_reads_the_record_and_refuses_mixed_settings(runner, tmp_path):
    module, settings = runner
    module._start_worker()
    record = tmp_path / "record.jsonl"
    lines = [module.run_repetition(r) for r in (1, 0, 2)]
    record.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert [line["repetition"] for line in module.read_record(record)] == [0, 1, 2]
    table = module.summary(record)
    assert table.startswith("3 repetitions (numbers 0 to 2), 6 rounds")
    assert "loss shifts averaged over rounds 3 to 6" in table
    rows = [row for row in table.splitlines() if row.startswith("| ") and "Rule" not in row]
    assert len(rows) == 5 and rows[0].split("|")[3].strip() == "1"
    differences = table.splitlines()[-1]
    assert differences.startswith("final risk minus tau = 1's, run by run, x10^3: tau = 2 ")
    assert differences.count(" ± ") == 4
    # nothing left to run below --until 3: the runner returns without starting a worker
    module.run(workers=1, until=3, hours=1.0, path=record)
    assert len(module.read_record(record)) == 3
    with record.open("a") as handle:
        handle.write(json.dumps(lines[0]) + "\n")
    with pytest.raises(ValueError, match="twice"):
        module.read_record(record)
    other = dict(lines[0], repetition=7, settings=dict(lines[0]["settings"], rounds=5))
    record.write_text("".join(json.dumps(line) + "\n" for line in lines + [other]))
    with pytest.raises(SystemExit, match="different settings"):
        module.summary(record)


def test_plus_minus_never_shows_a_zero_half_width(runner):
    module, _ = runner
    assert module.plus_minus(0.4412, 0.0213, 2) == "0.44 ± 0.02"
    assert module.plus_minus(0.0612, 0.0042, 2) == "0.061 ± 0.004"
    assert module.plus_minus(0.0080, 0.00031, 3) == "0.0080 ± 0.0003"
    assert module.plus_minus(1.0, 0.0, 2) == "1.00 ± 0.00"  # an exact zero stays as it is


def test_reproduce_reruns_a_recorded_repetition_and_measures_the_gap(runner, tmp_path):
    module, _ = runner
    module._start_worker()
    line = module.run_repetition(1)
    record = tmp_path / "record.jsonl"
    record.write_text(json.dumps(line) + "\n")
    report = module.reproduce(1, record)
    assert report.startswith("repetition 1: recorded on ")
    assert "loss shifts 0.0e+00 of the rule's largest" in report  # same machine, same bits
    assert "performative risks 0.0e+00 relative, 0 rules with other cap hits" in report
    # a recorded number off by a known amount is measured, in both quantities and in the cap hits
    moved = json.loads(json.dumps(line))
    rule = moved["rules"]["tau = 2"]
    largest = max(abs(v) for v in rule["shifts"])
    rule["shifts"][3] += 0.25 * largest
    rule["risks"][-1] *= 1.001
    rule["capped"] += 1
    gaps = module.largest_differences(moved, line)
    assert gaps["shifts"] == pytest.approx(0.25, rel=1e-9)
    assert gaps["risks"] == pytest.approx(0.001 / 1.001, rel=1e-6)
    assert gaps["capped rules"] == 1
    with pytest.raises(ValueError, match="not the same repetition"):
        module.largest_differences(dict(moved, repetition=2), line)
    with pytest.raises(SystemExit, match="does not record repetition 3"):
        module.reproduce(3, record)


def test_summary_gives_the_seconds_of_each_machine(runner, tmp_path):
    module, _ = runner
    module._start_worker()
    lines = [module.run_repetition(r) for r in (0, 1, 2)]
    lines[0] = dict(lines[0], numerics="aaaaaaaaaaaa", seconds=10.0)
    lines[1] = dict(lines[1], numerics="bbbbbbbbbbbb", seconds=4.0)
    lines[2] = dict(lines[2], numerics="bbbbbbbbbbbb", seconds=6.0)
    record = tmp_path / "record.jsonl"
    record.write_text("".join(json.dumps(line) + "\n" for line in lines))
    header = module.summary(record).splitlines()[0]
    assert header.endswith(
        "by numerics fingerprint: aaaaaaaaaaaa 10 s (1 of them), bbbbbbbbbbbb 5 s (2 of them)"
    )


@pytest.fixture()
def cross_runner(monkeypatch):
    pytest.importorskip("nbformat")
    monkeypatch.syspath_prepend(str(ROOT / "tools"))
    import redflag_cross_benchmark_runs

    yield redflag_cross_benchmark_runs
    sys.modules.pop("redflag_cross_benchmark_runs", None)


def test_the_cross_benchmark_runner_takes_the_chapters_cells(cross_runner):
    import nbformat

    cells = cross_runner.chapter_cells(("AdvBench",))
    assert [name for name, _ in cells] == list(cross_runner.NEEDED)
    chapter = [
        c.source
        for c in nbformat.read(cross_runner.CHAPTER, as_version=4).cells
        if c.cell_type == "code"
    ]
    source = dict(cells)
    assert 'SCALE = "paper"' in source["preset"] and 'SCALE = "book"' not in source["preset"]
    for name in ("split", "alignment", "prompt classifier across benchmarks"):
        assert source[name] in chapter, f"the {name} cell is the chapter's, unchanged"
    assert "samples=settings.samples" not in source["answers"]  # the sampling attack's answers
    assert "judge_weights = fit_logistic_regression(" in source["answers"]
    assert "def train_defences(" in source["flag training"]
    assert "defences, flag_losses" not in source["flag training"]
    assert "defences.items()" not in source["classifiers"]
    assert "prompt_weights =" not in source["classifiers"]
    check = source["every defence across benchmarks"]
    assert check.count("for trained_on in TRAINED_ON:") == 1
    assert check.count("for trained_on in BENCHMARKS") == 0
    for bad in ((), ("MMLU",)):
        with pytest.raises(ValueError, match="train on one or both"):
            cross_runner.chapter_cells(bad)


def _cross_line(trained_on, fixed_on_advbench=(0.40, 0.60), fingerprint="a"):
    """A record line whose rows satisfy every assertion of the chapter's check (unless changed)."""
    aurocs = {  # defence -> (HarmBench interval, AdvBench interval)
        "red flag": ((0.60, 0.70), (0.60, 0.70)),
        "fixed position": ((0.55, 0.65), fixed_on_advbench),
        "prompt classifier": ((0.85, 0.90), (0.95, 0.99)),
        "conversation classifier": (
            (0.70, 0.80),
            (0.90, 0.95) if trained_on == "AdvBench" else (0.70, 0.80),
        ),
        "flag + classifier": ((0.60, 0.70), (0.60, 0.70)),
    }
    detections = {"HarmBench": [50, 100], "AdvBench": [95, 100]}
    rows = {
        defence: {"f.p.": [10, 100]}
        | {
            b: {"auroc": sum(ci) / 2, "auroc interval": list(ci), "detection": detections[b]}
            for b, ci in zip(("HarmBench", "AdvBench"), intervals, strict=True)
        }
        for defence, intervals in aurocs.items()
    }
    return {
        "trained_on": trained_on,
        "training requests": 10,
        "test requests": {"HarmBench": 100, "AdvBench": 100},
        "rows": rows,
        "fingerprint": {"answers": fingerprint},
        "seconds": {"alignment": 1.0},
        "peak memory GB": 1.0,
    }


def test_the_cross_benchmark_summary_runs_the_chapters_assertions(cross_runner, tmp_path):
    record = tmp_path / "record.jsonl"
    assert cross_runner.summary(record).startswith("nothing is recorded")
    record.write_text(json.dumps(_cross_line("AdvBench")) + "\n")
    table = cross_runner.summary(record)
    assert table.endswith("the chapter's assertions need both benchmarks recorded")
    assert "| AdvBench | red flag | 10% [6%, 17%] of 100 | 0.65 [0.60, 0.70] |" in table
    record.write_text("".join(json.dumps(_cross_line(b)) + "\n" for b in ("AdvBench", "HarmBench")))
    lines = cross_runner.read_record(record)
    assert [line["trained_on"] for line in lines] == ["HarmBench", "AdvBench"]
    assert cross_runner.check_assertions(lines) == "every assertion of the chapter's check held"
    failing = [_cross_line("HarmBench"), _cross_line("AdvBench", fixed_on_advbench=(0.6, 0.7))]
    verdict = cross_runner.check_assertions(failing)
    assert verdict.startswith("an assertion of the chapter failed") and "chance" in verdict
    record.write_text(
        json.dumps(_cross_line("HarmBench"))
        + "\n"
        + json.dumps(_cross_line("AdvBench", fingerprint="b"))
        + "\n"
    )
    with pytest.raises(ValueError, match="fingerprints differ"):
        cross_runner.read_record(record)
    record.write_text(
        json.dumps(_cross_line("AdvBench")) + "\n" * 2 + json.dumps(_cross_line("AdvBench"))
    )
    with pytest.raises(ValueError, match="at most once"):
        cross_runner.read_record(record)
    record.write_text(json.dumps(_cross_line("AdvBench")) + "\n")
    with pytest.raises(ValueError, match="already in"):
        cross_runner.run_part("AdvBench", record)


def test_the_execution_report_quotes_the_records_summary(monkeypatch):
    """The report's Chapter 3 section prints what ``summary`` computes from the record, now."""
    monkeypatch.syspath_prepend(str(ROOT / "tools"))
    import credit_arm_paper_runs as module

    try:
        count, block = len(module.read_record()), module.summary()
    finally:
        sys.modules.pop("credit_arm_paper_runs", None)
    report = (ROOT / "front" / "execution-report.md").read_text(encoding="utf-8")
    start = report.index("### Chapter 3: the paper preset")
    section = report[start : report.index("\n### ", start + 1)]
    heading = section.splitlines()[0]
    assert f" {count} of its 500 runs" in heading or (count == 500 and "all 500" in heading)
    assert block in section, "regenerate the section from `credit_arm_paper_runs.py summary`"
    findings = section[section.index("Every finding") :].split("\n\n")[0]
    quoted = re.findall(r"(-?\d+\.\d+) ± (\d+\.\d+)", findings)
    assert len(quoted) >= 7
    for mean, half in quoted:  # every interval the prose quotes is one the summary printed
        assert f"{mean} ± {half}" in block, f"{mean} ± {half} is not in the summary"
    for percent in re.findall(r"within (\d+\.\d+)%", findings):
        assert f"within {percent}%" in block
    row = next(line for line in report.splitlines() if line.startswith("| 3 |"))
    assert f"the first {count} of the 500" in row or (count == 500 and "all 500" in row)
    chapter = json.loads((ROOT / "chapters" / "03_lower_bounds_arm.ipynb").read_text("utf-8"))
    text = "".join("".join(cell["source"]) for cell in chapter["cells"])
    claim = re.search(r"the paper preset \(50 rounds, 500 runs\) is recorded ([^|]*)\|", text)
    assert claim, "Chapter 3's claims table names the paper preset's record"
    assert f"its first {count} runs" in claim[1] or (
        count == 500 and claim[1].startswith("in full") and "its 500 runs" in claim[1]
    ), "Chapter 3's claims table counts the recorded runs"
    for percent in re.findall(r"(\d+\.\d+)%", claim[1]):  # each one the report's findings give
        assert f"({percent}%)" in findings, f"{percent}% is not in the report's findings"
