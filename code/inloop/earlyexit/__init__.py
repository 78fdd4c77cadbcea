"""Early exiting with performance control (Chapter 6).

- :mod:`~inloop.earlyexit.settings`: every hyperparameter of the chapter, book and paper presets.
- :mod:`~inloop.earlyexit.networks`: multi-exit CNN and MLP builders, exact multiply-add counts per exit.
- :mod:`~inloop.earlyexit.training`: joint training of all heads, one cached forward pass.
- :mod:`~inloop.earlyexit.calibration`: reliability diagrams, ECE, monotone fits, temperature scaling.
- :mod:`~inloop.earlyexit.rules`: confidence, PCEE, smoothed PCEE, temperature, Learn-then-Test and
  per-exit Learn-then-Test rules behind one interface over cached outputs.
- :mod:`~inloop.earlyexit.analysis`: sweeps over targets, summaries and the chapter's checks.
- image data come from :mod:`inloop.data.images` (MNIST 5k from an installed wheel, CIFAR-style
  arrays from disk).
"""

from .analysis import (
    best_within_budget,
    cost_matched_accuracy,
    exit_errors,
    exit_summary,
    exitwise_violation_rate,
    paired_interval,
    pcee_sensitivity,
    per_exit_accuracy,
    sharpen,
    shortfall,
    sweep,
)
from .calibration import (
    ReliabilityDiagram,
    check_labels,
    confidences_and_predictions,
    expected_calibration_error,
    fit_temperature,
    isotonic_fit,
    reliability_diagram,
    softmax,
)
from .experiment import TrainedNetwork, load_splits, train_network
from .networks import ExitCosts, MultiExitNet, exit_costs, multi_exit_cnn, multi_exit_mlp
from .rules import (
    PCEE,
    ConfidenceRule,
    ExitResult,
    ExitRule,
    ExitTable,
    ExitwiseRiskControlRule,
    RiskControlRule,
    SmoothedPCEE,
    TemperatureRule,
    binomial_p_values,
    exitwise_p_values,
    fixed_sequence,
    hoeffding_bentkus_p_values,
    ltt_violation_rate,
)
from .settings import EarlyExitSettings
from .training import exit_logits, joint_loss, train_multi_exit

__all__ = [
    "PCEE",
    "ConfidenceRule",
    "EarlyExitSettings",
    "ExitCosts",
    "ExitResult",
    "ExitRule",
    "ExitTable",
    "ExitwiseRiskControlRule",
    "MultiExitNet",
    "ReliabilityDiagram",
    "RiskControlRule",
    "SmoothedPCEE",
    "TemperatureRule",
    "TrainedNetwork",
    "best_within_budget",
    "binomial_p_values",
    "check_labels",
    "confidences_and_predictions",
    "cost_matched_accuracy",
    "exit_costs",
    "exit_errors",
    "exit_logits",
    "exit_summary",
    "exitwise_p_values",
    "exitwise_violation_rate",
    "expected_calibration_error",
    "fit_temperature",
    "fixed_sequence",
    "hoeffding_bentkus_p_values",
    "isotonic_fit",
    "joint_loss",
    "load_splits",
    "ltt_violation_rate",
    "multi_exit_cnn",
    "multi_exit_mlp",
    "paired_interval",
    "pcee_sensitivity",
    "per_exit_accuracy",
    "reliability_diagram",
    "sharpen",
    "shortfall",
    "softmax",
    "sweep",
    "train_multi_exit",
    "train_network",
]
