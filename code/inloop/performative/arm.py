"""Mixture rules of affine risk minimizers (ARM, Khorsandi et al. 2025).

An ARM retrains, in round :math:`t`, on an affine mixture of the distributions its past models
induced,

.. math::

    \\theta_{t+1} = \\arg\\min_\\theta \\sum_{j=0}^{k-1} \\alpha^{(t)}_j\\, \\E_{Z\\sim\\mathcal D(\\theta_{t-j})} \\ell(Z;\\theta),
    \\qquad \\sum_j \\alpha^{(t)}_j = 1,

with ``weights[0]`` on the newest snapshot. The weights are *affine*: they sum to one and may be
negative (then the mixture objective of a non-quadratic loss may be non-convex; problems that
cannot take negative weights reject them). This module says which weights a rule puts on the
snapshots; the loop itself is :func:`inloop.performative.rrm.affine_risk_minimization`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._checks import check_positive_int
from .objectives import check_affine_weights

NAMED_RULES = ("all", "half")


def check_rule(rule: Any) -> Any:
    """Check a mixture rule: an int ``tau >= 1``, ``"all"``, ``"half"``, a sequence of affine weights or a callable."""
    if callable(rule):
        return rule
    if isinstance(rule, (int, np.integer)) and not isinstance(rule, bool):
        return check_positive_int(int(rule), "tau")
    if isinstance(rule, str):
        if rule in NAMED_RULES:
            return rule
        raise ValueError(
            f"weights must be an int tau >= 1, 'all', 'half', affine weights or a callable; got {rule!r}."
        )
    return tuple(check_affine_weights(rule))


def mixture_weights(rule: Any, n_snapshots: int) -> NDArray[np.float64]:
    """Weights (newest snapshot first) that ``rule`` puts on the newest snapshots when ``n_snapshots`` exist.

    ``rule`` is

    - an int :math:`\\tau`: uniform over the last :math:`\\min(\\tau, n)` snapshots (:math:`\\tau = 1` is RRM);
    - ``"all"``: uniform over all :math:`n` snapshots; ``"half"``: uniform over the last :math:`\\lceil n/2\\rceil`;
    - a sequence of affine weights :math:`(\\alpha_0, \\dots, \\alpha_{k-1})`, used once :math:`k` snapshots
      exist (before that, the newest snapshot alone, an RRM step);
    - a callable ``rule(n)`` returning affine weights of length at most ``n``.
    """
    n_snapshots = check_positive_int(n_snapshots, "n_snapshots")
    rule = check_rule(rule)
    if callable(rule):
        weights = check_affine_weights(rule(n_snapshots), "weights returned by the rule")
        if weights.size > n_snapshots:
            raise ValueError(
                f"the rule returned {weights.size} weights but only {n_snapshots} snapshots exist."
            )
        return weights
    if isinstance(rule, tuple):
        return np.array(rule) if len(rule) <= n_snapshots else np.ones(1)
    if rule == "all":
        size = n_snapshots
    elif rule == "half":
        size = math.ceil(n_snapshots / 2)
    else:
        size = min(rule, n_snapshots)
    return np.full(size, 1.0 / size)


def history_length(rule: Any) -> int | None:
    """How many snapshots the rule can ever use (``None``: unbounded)."""
    if isinstance(rule, tuple):
        return len(rule)
    if isinstance(rule, int):
        return rule
    return None
