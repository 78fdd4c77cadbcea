"""Early exiting (Chapter 6): cached forward passes versus re-running the network, vectorised LTT versus a loop."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch
from inloop.earlyexit import (
    PCEE,
    ConfidenceRule,
    EarlyExitSettings,
    ExitTable,
    RiskControlRule,
    SmoothedPCEE,
    TemperatureRule,
    exit_logits,
    load_splits,
    ltt_violation_rate,
    train_network,
)

SETTINGS = dataclasses.replace(EarlyExitSettings.book(), n_validation=1000, epochs=3)
DELTAS = (0.6, 0.7, 0.8, 0.9, 0.95)


def _rules(net, labels):
    return [
        ConfidenceRule(),
        PCEE(15).fit(net.validation, labels),
        SmoothedPCEE(15, conditional=True).fit(net.validation, labels),
        TemperatureRule().fit(net.validation, labels),
    ]


def _cached_vs_rerun(net, splits, labels) -> dict:
    images = splits.test[0][:1000]
    rules = _rules(net, labels)
    start = time.perf_counter()
    table = ExitTable.from_logits(exit_logits(net.model, images), net.costs.cumulative)
    cached = [rule.decide(table, delta).exits for rule in rules for delta in DELTAS]
    method = time.perf_counter() - start
    start = time.perf_counter()
    rerun = [
        rule.decide(
            ExitTable.from_logits(exit_logits(net.model, images), net.costs.cumulative), delta
        ).exits
        for rule in rules
        for delta in DELTAS
    ]
    baseline = time.perf_counter() - start
    same = all(np.array_equal(a, b) for a, b in zip(cached, rerun, strict=True))
    return {
        "case": f"{len(rules)} rules x {len(DELTAS)} targets, 1000 images",
        "method": "one cached forward pass",
        "method_seconds": method,
        "baseline": "forward pass per rule and target",
        "baseline_seconds": baseline,
        "agreement": "identical exits" if same else "exits differ",
    }


def _ltt_matrix_vs_loop(net, labels) -> dict:
    n_splits, n_cal = 50, 500
    start = time.perf_counter()
    check = ltt_violation_rate(
        net.validation, labels, 0.8, n_calibration=n_cal, n_splits=n_splits, mode="split", seed=0
    )
    method = time.perf_counter() - start
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    ranks = rng.random((n_splits, net.validation.n_samples)).argsort(axis=1).argsort(axis=1)
    errors = []
    for split in ranks:
        cal, test = split < n_cal, split >= n_cal
        rule = RiskControlRule().fit(net.validation.subset(cal), labels[cal])
        errors.append(1 - rule.decide(net.validation.subset(test), 0.8).accuracy(labels[test]))
    baseline = time.perf_counter() - start
    gap = float(np.max(np.abs(np.array(errors) - check["errors"])))
    return {
        "case": f"LTT check, {n_splits} splits",
        "method": "all splits as one matrix product",
        "method_seconds": method,
        "baseline": "fit and test each split",
        "baseline_seconds": baseline,
        "agreement": f"max error gap {gap:.1e}",
    }


def cases() -> list[dict]:
    torch.set_num_threads(SETTINGS.threads)
    splits = load_splits(SETTINGS)
    net = train_network(SETTINGS.large_channels, splits, SETTINGS)
    labels = splits.validation[1]
    return [_cached_vs_rerun(net, splits, labels), _ltt_matrix_vs_loop(net, labels)]


if __name__ == "__main__":
    for case in cases():
        print(case)
