"""Performative prediction with neural networks (Mofakhami, Mitliagkas and Gidel, 2023).

The pieces, each usable on its own:

- :class:`ResampleIfRejected`: the RIR distribution map on any base sample, redrawing whole rows or
  only a strategic subset of columns, for any prediction function with outputs in ``[0, 1 - delta]``;
  :func:`rir_constants` gives its sensitivity constants.
- :class:`ScaledSigmoidNetwork`: the ``d -> h -> 1`` LeakyReLU network with output
  ``(1 - delta) * sigmoid``, float64, parameters as one flat vector.
- :func:`fit_lbfgs` (full-batch L-BFGS with a stated stopping rule) and :func:`fit_adam` (the
  published full-batch Adam), both for the squared loss with targets ``(1 - delta) * y`` and optional
  sample weights (for mixtures of past distributions).
- :class:`NeuralRIRProblem`: RIR with the network as a performative problem (RRM and ARM);
  :func:`neural_rrm`: RRM through :func:`inloop.performative.repeated_risk_minimization`, returning a
  :class:`NeuralRRMHistory` (parameters, performative and decoupled risks, accuracies, solver reports).

A typical run on the credit data::

    from inloop.data import load_credit
    from inloop.neural import ResampleIfRejected, neural_rrm

    credit = load_credit()
    shift = ResampleIfRejected(credit.features, credit.labels, delta=0.55, strategic=credit.strategic_features)
    history = neural_rrm(shift, rounds=30, width=8, seed=0)
"""

from .counterexample import (
    CounterexampleProblem,
    amplitude,
    closed_form_amplitudes,
    counterexample_rrm,
)
from .exercises import check_row_probabilities
from .network import ScaledSigmoidNetwork, initial_parameters
from .rir import (
    ResampleIfRejected,
    RIRConstants,
    RIRSample,
    chi_square,
    rejection_probability,
    rir_constants,
    rir_sensitivity,
    rir_sensitivity_2023,
)
from .rrm import (
    MixtureRuleComparison,
    NeuralRIRProblem,
    NeuralRRMHistory,
    RIRSampleObjective,
    compare_mixture_rules,
    credit_arm_inputs,
    fit_base,
    neural_rrm,
)
from .settings import NeuralSettings
from .training import FitResult, accuracy, fit_adam, fit_lbfgs, recode_labels, squared_loss

__all__ = [
    "CounterexampleProblem",
    "FitResult",
    "MixtureRuleComparison",
    "NeuralRIRProblem",
    "NeuralRRMHistory",
    "NeuralSettings",
    "RIRConstants",
    "RIRSample",
    "RIRSampleObjective",
    "ResampleIfRejected",
    "ScaledSigmoidNetwork",
    "accuracy",
    "compare_mixture_rules",
    "credit_arm_inputs",
    "check_row_probabilities",
    "chi_square",
    "amplitude",
    "closed_form_amplitudes",
    "counterexample_rrm",
    "fit_adam",
    "fit_base",
    "fit_lbfgs",
    "initial_parameters",
    "neural_rrm",
    "recode_labels",
    "rejection_probability",
    "rir_constants",
    "rir_sensitivity",
    "rir_sensitivity_2023",
    "squared_loss",
]
