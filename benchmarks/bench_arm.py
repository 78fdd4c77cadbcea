"""ARM drivers: the pricing game simulated for all runs at once against one run at a time.

Both sides run the same affine risk minimizer on the same noise-free synthetic pricing game, so their
iterates must agree to rounding; the vectorised driver advances every run in one array operation.
"""

from __future__ import annotations

import time

import numpy as np
from inloop.performative import affine_risk_minimization
from inloop.performative.pricing import synthetic_pricing_game


def _pricing_case(rule, runs: int = 200, steps: int = 40) -> dict:
    game = synthetic_pricing_game(seed=0, noise=0.0)
    start = game.initial_prices(runs)
    begin = time.perf_counter()
    batched = affine_risk_minimization(game, start, steps, weights=rule, seed=0).thetas
    method_seconds = time.perf_counter() - begin
    begin = time.perf_counter()
    looped = np.stack(
        [
            affine_risk_minimization(game, start[run], steps, weights=rule, seed=0).thetas
            for run in range(runs)
        ],
        axis=1,
    )
    baseline_seconds = time.perf_counter() - begin
    gap = float(np.max(np.abs(batched - looped)))
    return {
        "case": f"pricing game, {runs} runs x {steps} steps, weights {rule!r}",
        "method": "ARM driver, all runs in one array",
        "method_seconds": method_seconds,
        "baseline": "ARM driver, one run at a time",
        "baseline_seconds": baseline_seconds,
        "agreement": f"max price difference {gap:.1e}",
    }


def cases() -> list[dict]:
    return [_pricing_case(1), _pricing_case(2), _pricing_case("all")]


if __name__ == "__main__":
    for case in cases():
        print(case)
