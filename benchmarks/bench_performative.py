"""Chapter 1 timings: exact (Newton) RRM rounds against the published gradient-descent solver.

Both solvers stop on the decrease of the objective: gradient descent when a step decreases it by
less than 1e-7 (the published rule), Newton when the decrease it predicts for its next step,
half the squared Newton decrement, is below the same 1e-7 (and, in the last row, 1e-12).
"""

from __future__ import annotations

import time
from functools import partial

import numpy as np
from inloop.data import load_credit
from inloop.performative import (
    StrategicCredit,
    gradient_descent,
    newton,
    repeated_risk_minimization,
)


def _timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def cases():
    credit = load_credit()
    rows = []
    for eps, tol in ((1.0, 1e-7), (100.0, 1e-7), (100.0, 1e-12)):
        exact, exact_seconds = _timed(
            partial(
                repeated_risk_minimization,
                StrategicCredit(credit, eps, solver=partial(newton, tol=tol)),
                np.zeros(11),
                25,
            )
        )
        solver = partial(gradient_descent, tol=1e-7, max_iter=1_000_000)
        plain, plain_seconds = _timed(
            partial(
                repeated_risk_minimization,
                StrategicCredit(credit, eps, solver=solver),
                np.zeros(11),
                25,
            )
        )
        rows.append(
            {
                "case": f"credit RRM, 25 rounds, eps = {eps:g}",
                "method": f"Newton (predicted decrease < {tol:.0e})",
                "method_seconds": exact_seconds,
                "baseline": "gradient descent + backtracking (decrease < 1e-7)",
                "baseline_seconds": plain_seconds,
                "agreement": (
                    f"final PR {exact.performative_risks[-1]:.5f} vs {plain.performative_risks[-1]:.5f}; "
                    f"last step {exact.step_lengths[-1]:.0e} vs {plain.step_lengths[-1]:.0e}"
                ),
            }
        )
    return rows
