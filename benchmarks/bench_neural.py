"""Chapter 2: one RRM round with full-batch L-BFGS (the book) against full-batch Adam (the paper).

Both start from the same parameters on the same credit sample. Adam runs with learning rate 3e-4
until the loss changes by less than 1e-9 between steps, capped at ``ADAM_STEPS`` steps; L-BFGS then
runs until its loss is at or below Adam's final loss. The agreement column compares the two losses.
"""

from __future__ import annotations

from inloop.data import load_credit
from inloop.neural import (
    ResampleIfRejected,
    ScaledSigmoidNetwork,
    fit_adam,
    fit_base,
    fit_lbfgs,
    recode_labels,
)

DELTA = 0.5
WIDTH = 8
ADAM_STEPS = 10_000


def _race(name, features, targets, theta):
    adam_net = ScaledSigmoidNetwork(features.shape[1], WIDTH, DELTA).set_flat(theta)
    adam = fit_adam(adam_net, features, targets, lr=3e-4, tol=1e-9, max_steps=ADAM_STEPS)
    lbfgs_net = ScaledSigmoidNetwork(features.shape[1], WIDTH, DELTA).set_flat(theta)
    lbfgs = fit_lbfgs(
        lbfgs_net, features, targets, tol=1e-12, rtol=0.0, max_iter=5000, target_loss=adam.loss
    )
    stop = "1e-9 rule met" if adam.converged else f"capped at {ADAM_STEPS} steps"
    return {
        "case": name,
        "method": f"L-BFGS float64 ({lbfgs.iterations} it.)",
        "method_seconds": lbfgs.seconds,
        "baseline": f"Adam lr 3e-4 ({adam.iterations} steps, {stop})",
        "baseline_seconds": adam.seconds,
        "agreement": f"loss {lbfgs.loss:.6g} vs {adam.loss:.6g} (rel. diff {(lbfgs.loss - adam.loss) / adam.loss:+.1e})",
    }


def cases():
    credit = load_credit()
    shift = ResampleIfRejected(
        credit.features, credit.labels, DELTA, strategic=credit.strategic_features
    )
    targets = recode_labels(credit.labels, DELTA)
    initial = ScaledSigmoidNetwork(credit.features.shape[1], WIDTH, DELTA, seed=0).flat()
    rows = [_race("credit, first fit from initialisation", credit.features, targets, initial)]
    base = fit_base(shift, WIDTH, 0, rtol=1e-3, max_iter=300)
    sample = shift.sample(
        ScaledSigmoidNetwork(11, WIDTH, DELTA).set_flat(base.theta).predict, seed=0
    )
    rows.append(
        _race(
            "credit, warm-started RRM round",
            sample.features,
            recode_labels(sample.labels, DELTA),
            base.theta,
        )
    )
    return rows
