"""Early exiting with performance control (Chapter 6).

- :mod:`~inloop.earlyexit.networks`: multi-exit CNN and MLP builders, exact multiply-add counts per exit.
- :mod:`~inloop.earlyexit.training`: joint training of all heads, one cached forward pass.
- :mod:`~inloop.earlyexit.calibration`: reliability diagrams, ECE, monotone fits, temperature scaling.
- :mod:`~inloop.earlyexit.rules`: confidence, PCEE, smoothed PCEE, temperature and Learn-then-Test
  rules behind one interface over cached outputs.
- image data come from :mod:`inloop.data.images` (MNIST 5k from an installed wheel, CIFAR-style arrays from disk).
"""

from types import ModuleType as _ModuleType

from .calibration import (
    ReliabilityDiagram,
    confidences_and_predictions,
    expected_calibration_error,
    fit_temperature,
    isotonic_fit,
    reliability_diagram,
    softmax,
)
from ..data.images import ImageSplits, load_image_arrays, load_mnist5k, split_images
from .experiment import EarlyExitSettings, TrainedNetwork, load_splits, set_threads, train_network
from .networks import ExitCosts, MultiExitNet, exit_costs, multi_exit_cnn, multi_exit_mlp
from .rules import (
    PCEE,
    ConfidenceRule,
    ExitResult,
    ExitRule,
    ExitTable,
    RiskControlRule,
    SmoothedPCEE,
    TemperatureRule,
    binomial_p_values,
    fixed_sequence,
    hoeffding_bentkus_p_values,
    ltt_violation_rate,
)
from .training import exit_logits, joint_loss, train_multi_exit

__all__ = sorted(
    name
    for name, value in globals().items()
    if not name.startswith("_") and not isinstance(value, _ModuleType)
)
