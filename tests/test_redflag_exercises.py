"""The checkers of Chapter 5's coding exercises accept right answers and name the usual mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from inloop._exercise import ExerciseFailure
from inloop.redflag.evaluation import no_flag_probability, wilson_interval
from inloop.redflag.exercises import check_no_flag_probability, check_wilson_interval
from scipy.stats import norm


def _student_escape(probabilities, from_slot):
    """The solution printed in the chapter."""
    slots = torch.arange(probabilities.shape[1])[None, :]
    written = torch.where(slots >= from_slot, probabilities.nan_to_num(0.0), torch.zeros(()))
    return torch.prod(1 - written, dim=1)


def test_no_flag_checker_accepts_right_answers(capsys):
    check_no_flag_probability(no_flag_probability)
    check_no_flag_probability(_student_escape)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda q, s: 1 - _student_escape(q, s), "probability that the flag is drawn"),
        (lambda q, s: _student_escape(q, 0), "attacker wrote it"),
        (lambda q, s: 1 - q[:, s:].nan_to_num(0.0).max(dim=1).values, "threshold reading"),
        (lambda q, s: torch.prod(1 - q[:, s:], dim=1), "NaN"),
        (lambda q, s: _student_escape(q, s)[:2], r"shape \(3,\)"),
        (lambda q, s: _student_escape(q, s) ** 2, "escape probabilities are"),
    ],
)
def test_no_flag_checker_names_each_mistake(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_no_flag_probability(wrong)


def test_no_flag_checker_rejects_an_in_place_edit():
    def in_place(q, s):
        result = _student_escape(q, s)
        q.zero_()
        return result

    with pytest.raises(ExerciseFailure, match="in place"):
        check_no_flag_probability(in_place)


def _student_wilson(successes, trials):
    """The solution printed in the chapter."""
    z = norm.ppf(0.975)
    p = successes / trials
    denominator = 1 + z**2 / trials
    centre = (p + z**2 / (2 * trials)) / denominator
    half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / denominator
    return centre - half, centre + half


def _wilson_z(z):
    def interval(successes, trials):
        p = successes / trials
        centre = (p + z**2 / (2 * trials)) / (1 + z**2 / trials)
        half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / (1 + z**2 / trials)
        return centre - half, centre + half

    return interval


def _wald(successes, trials):
    p = successes / trials
    half = norm.ppf(0.975) * np.sqrt(p * (1 - p) / trials)
    return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)


def _no_denominator(successes, trials):
    z = norm.ppf(0.975)
    p = successes / trials
    centre = p + z**2 / (2 * trials)
    half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2))
    return centre - half, centre + half


def test_wilson_checker_accepts_right_answers(capsys):
    check_wilson_interval(wilson_interval)
    check_wilson_interval(_student_wilson)
    out = capsys.readouterr().out
    assert out.count("Correct:") == 2 and "0 successes of 24 it is [0, 0.138]" in out


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (_wald, "Wald interval"),
        (_wilson_z(norm.ppf(0.95)), "z = 1.645"),
        (_wilson_z(2.0), "z = 2.000"),
        (_no_denominator, r"1 \+ z\^2 / n"),
        (lambda k, n: _student_wilson(k, n)[::-1], "in this order"),
        (lambda k, n: np.stack(_student_wilson(k, n)), "pair"),
        (lambda k, n: (_student_wilson(k, n)[0][:3], _student_wilson(k, n)[1]), r"shape \(5,\)"),
        (lambda k, n: _wilson_z(1.9)(k, n), "Wilson interval is"),
    ],
)
def test_wilson_checker_names_each_mistake(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_wilson_interval(wrong)
