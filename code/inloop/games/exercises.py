"""Checkers for the coding exercises of Chapter 4: the pivotal probability and the trust update."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._exercise import fail, passed, require, require_fast
from .poisson_binomial import pmf_by_enumeration

__all__ = ["check_pivotal_probability", "check_trust_update"]


def check_pivotal_probability(candidate: Callable[[np.ndarray, int], float]) -> None:
    """Check ``candidate(probs, threshold)``: the probability that exactly ``threshold - 1`` of the
    independent neighbours (cooperating with probabilities ``probs``) cooperate.

    Raises ``inloop._exercise.ExerciseFailure`` (an ``AssertionError``) with a message that
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


def _posterior(trust: float, probs: np.ndarray, actions: np.ndarray, alpha: float) -> float:
    """Bayes' rule of Definition 4.2 in log-odds, for one agent (the reference answer)."""
    if trust <= 0.0 or trust >= 1.0:
        return trust
    evidence = np.sum(
        actions * (np.log(probs) - np.log(alpha))
        + (1 - actions) * (np.log1p(-probs) - np.log1p(-alpha))
    )
    log_odds = np.log(trust) - np.log1p(-trust) + evidence
    return float(1 / (1 + np.exp(-np.clip(log_odds, -700, 700))))


def _call(candidate: Callable[..., float], trust, probs, actions, alpha) -> float:
    with np.errstate(all="ignore"):
        return float(candidate(trust, probs, actions, alpha))


def check_trust_update(candidate: Callable[[float, np.ndarray, np.ndarray, float], float]) -> None:
    """Check ``candidate(trust, probs, actions, alpha)``: one agent's trust after a round.

    ``probs`` are the forecasts for the agent's neighbours, ``actions`` (0/1) what they did and
    ``alpha`` the innate prior; the answer is Bayes' rule of Definition 4.2,
    :math:`\\tau L^{\\mathrm{pred}} / (\\tau L^{\\mathrm{pred}} + (1-\\tau) L^{\\alpha})`.
    Raises ``inloop._exercise.ExerciseFailure`` with a message that says what is wrong, or
    prints a confirmation.
    """
    rng = np.random.default_rng(1)
    for k, trust in [(1, 0.5), (3, 0.3), (4, 0.8), (6, 0.05)]:
        probs = rng.uniform(0.05, 0.95, size=k)
        actions = (rng.uniform(size=k) < 0.5).astype(float)
        actions[0] = 1.0 - actions[-1] if k > 1 else 1.0  # at least one of each when k > 1
        expected = _posterior(trust, probs, actions, 0.8)
        kept = (probs.copy(), actions.copy())
        got = _call(candidate, trust, probs, actions, 0.8)
        require(
            np.array_equal(probs, kept[0]) and np.array_equal(actions, kept[1]),
            "Your function changed its input arrays in place; work on copies.",
        )
        if abs(got - expected) <= 1e-9:
            continue
        if abs(got - _posterior(0.5, probs, actions, 0.8)) < 1e-9:
            fail(
                "You ignored the agent's trust before the round: the posterior is proportional "
                "to tau * L_pred and (1 - tau) * L_alpha, not to the likelihoods alone."
            )
        if abs(got - (1 - expected)) < 1e-9:
            fail(
                "You returned the trust in the innate prior: the forecaster's likelihood "
                "L_pred belongs in the numerator."
            )
        if abs(got - _posterior(trust, probs, 1 - actions, 0.8)) < 1e-9:
            fail(
                "A cooperating neighbour (y_j = 1) has likelihood p_j under the forecast and "
                "alpha under the prior; a defecting one 1 - p_j and 1 - alpha. You swapped them."
            )
        fail(
            f"Wrong trust for {k} neighbours and prior trust {trust}: expected {expected:.6f}, "
            f"got {got:.6f}."
        )
    for trust in (0.0, 1.0):
        got = _call(candidate, trust, np.array([0.9, 0.1]), np.array([0.0, 1.0]), 0.8)
        require(
            got == trust,
            f"Trust {trust:g} must stay {trust:g} whatever happens: Bayes' rule cannot move a "
            f"prior probability of 0 or 1 (you returned {got}).",
        )
    many = 2_000
    probs, actions = np.full(many, 0.9), np.ones(many)
    actions[::2] = 0.0
    got = _call(candidate, 0.5, probs, actions, 0.8)
    expected = _posterior(0.5, probs, actions, 0.8)
    require(
        np.isfinite(got) and abs(got - expected) <= 1e-9,
        f"With {many} neighbours the products L_pred and L_alpha underflow to 0 and the ratio "
        f"becomes 0/0 (you returned {got}). Add log-likelihoods instead: the log-odds of trust "
        "grow by log L_pred - log L_alpha.",
    )
    passed("Bayes' rule for trust, absorbing at 0 and 1, stable for hubs with 2,000 neighbours.")
