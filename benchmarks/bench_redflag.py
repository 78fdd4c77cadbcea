"""Chapter 5 timings: vectorised flag insertion and teacher caching against simple baselines."""

from __future__ import annotations

import time

import torch

from inloop.redflag.objective import insert_flag


def _loop_insert(tokens: torch.Tensor, position: torch.Tensor, flag_id: int) -> torch.Tensor:
    rows = []
    for row, where in zip(tokens.tolist(), position.tolist()):
        rows.append(row[:where] + [flag_id] + row[where:])
    return torch.tensor(rows)


def _time(function, *args, repeat: int = 5):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - start)
    return result, best


def cases() -> list[dict]:
    generator = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, 49152, (16384, 128), generator=generator)
    position = torch.randint(0, 129, (16384,), generator=generator)
    fast, fast_seconds = _time(insert_flag, tokens, position, 49152)
    slow, slow_seconds = _time(_loop_insert, tokens, position, 49152)
    return [{
        "case": "insert the flag into 16384 sequences of 128 tokens",
        "method": "insert_flag (gather + where)",
        "method_seconds": fast_seconds,
        "baseline": "Python loop over rows",
        "baseline_seconds": slow_seconds,
        "agreement": "identical" if torch.equal(fast, slow) else "DIFFERENT",
    }]
