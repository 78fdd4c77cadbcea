"""The resumable runner of Chapter 3's paper-preset credit study (tools/credit_arm_paper_runs.py)."""

import json
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
