"""Checker for the coding exercise of Chapter 4: the pivotal probability of one agent."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._exercise import fail, passed, require, require_fast
from .poisson_binomial import pmf_by_enumeration

__all__ = ["check_pivotal_probability"]


def check_pivotal_probability(candidate: Callable[[np.ndarray, int], float]) -> None:
    """Check ``candidate(probs, threshold)``: the probability that exactly ``threshold - 1`` of the
    independent neighbours (cooperating with probabilities ``probs``) cooperate.

    Raises :class:`inloop._exercise.ExerciseFailure` (an ``AssertionError``) with a message that
    says what is wrong, or prints a confirmation.
    """
    rng = np.random.default_rng(0)
    for k, threshold in [(1, 1), (3, 2), (6, 4), (9, 5)]:
        probs = rng.uniform(size=k)
        pmf = pmf_by_enumeration(probs)
        expected = pmf[threshold - 1]
        got = float(candidate(probs.copy(), threshold))
        if abs(got - expected) <= 1e-9:
            continue
        if threshold < pmf.size and abs(got - pmf[threshold]) < 1e-9:
            fail("Off by one: an agent is pivotal when exactly T - 1 *others* cooperate, not T.")
        if abs(got - pmf[threshold - 1 :].sum()) < 1e-9:
            fail("That is P(at least T - 1 cooperate); pivotal means *exactly* T - 1.")
        fail(
            f"Wrong value for {k} neighbours and threshold {threshold}: "
            f"expected {expected:.6f}, got {got:.6f}."
        )
    require(
        abs(float(candidate(np.array([0.5, 0.5]), 5))) <= 1e-12,
        "With threshold 5 and only 2 neighbours the agent can never be pivotal: return 0.",
    )
    require_fast(
        candidate,
        (rng.uniform(size=40), 20),
        1.0,
        "with 40 neighbours enumeration costs 2**40; use the recursion.",
    )
    passed("exact pivotal probabilities, fast enough for hubs with 40 neighbours.")
