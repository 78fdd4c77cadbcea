"""Checker for the coding exercise of Chapter 4: the pivotal probability of one agent."""

from __future__ import annotations

import time

import numpy as np

from .poisson_binomial import pmf_by_enumeration


def check_pivotal_probability(candidate) -> bool:
    """Check ``candidate(probs, threshold)``: the probability that exactly ``threshold - 1`` of the
    independent neighbours (cooperating with probabilities ``probs``) cooperate.

    Raises an ``AssertionError`` that says what is wrong, or prints a confirmation.
    """
    rng = np.random.default_rng(0)
    for k, threshold in [(1, 1), (3, 2), (6, 4), (9, 5)]:
        probs = rng.uniform(size=k)
        expected = pmf_by_enumeration(probs)[threshold - 1]
        got = float(candidate(probs.copy(), threshold))
        if abs(got - pmf_by_enumeration(probs)[threshold]) < 1e-9 and abs(got - expected) > 1e-9:
            raise AssertionError(
                "Off by one: an agent is pivotal when exactly T - 1 *others* cooperate, not T."
            )
        if (
            abs(got - pmf_by_enumeration(probs)[threshold - 1 :].sum()) < 1e-9
            and abs(got - expected) > 1e-9
        ):
            raise AssertionError(
                "That is P(at least T - 1 cooperate); pivotal means *exactly* T - 1."
            )
        if abs(got - expected) > 1e-9:
            raise AssertionError(
                f"Wrong value for {k} neighbours and threshold {threshold}: expected {expected:.6f}, got {got:.6f}."
            )
    if abs(float(candidate(np.array([0.5, 0.5]), 5))) > 1e-12:
        raise AssertionError(
            "With threshold 5 and only 2 neighbours the agent can never be pivotal: return 0."
        )
    probs = rng.uniform(size=40)
    start = time.perf_counter()
    candidate(probs, 20)
    if time.perf_counter() - start > 1.0:
        raise AssertionError(
            "Correct, but slow with 40 neighbours: enumeration costs 2**40; use the recursion."
        )
    print("Correct: exact pivotal probabilities, fast enough for hubs with 40 neighbours.")
    return True
