"""Performative prediction: the foundations every later chapter builds on.

- the problem protocol (:mod:`~inloop.performative.protocol`) and the objectives a round minimises
  (:mod:`~inloop.performative.objectives`);
- the one loop behind RRM, ARM, proximal RRM and RGD (:mod:`~inloop.performative.rrm`) and the
  mixture rules of affine risk minimizers (:mod:`~inloop.performative.arm`);
- problems: the Gaussian location family (closed forms), strategic classification on the credit
  data, the exact lower-bound instances and the pricing game;
- solvers (Newton, gradient descent), stochastic deployment schedules and the bound formulas.

This subpackage imports nothing from the later chapters' subpackages (``neural``, ``games``,
``redflag``, ``earlyexit``); they import it.
"""

from .arm import NAMED_RULES, check_rule, mixture_weights
from .bounds import (
    arm_lower_rate,
    bidiagonal_lower_bound,
    linear_arm_rate,
    prediction_lower_rate,
    prediction_rrm_rate,
    prediction_rrm_rate_2023,
    prediction_rrm_threshold,
    proximal_rrm_rate,
    rgd_max_step,
    rgd_rate,
    rrm_rate,
    rrm_threshold,
    stable_optimal_gap_bound,
    two_snapshot_arm_factor,
    two_snapshot_arm_threshold,
)
from .location import GaussianLocationProblem
from .losses import LogisticLoss
from .lower_bounds import (
    GaussianQuadraticInstance,
    TwoPointInstance,
    bidiagonal_instance,
    perdomo_tight_instance,
)
from .objectives import (
    MixtureObjective,
    Objective,
    ProximalObjective,
    QuadraticObjective,
    check_affine_weights,
    solve_quadratic,
)
from .pricing import DemandObjective, PricingGame, synthetic_pricing_game
from .protocol import ExactProblem, PerformativeProblem
from .rrm import (
    Trajectory,
    affine_risk_minimization,
    proximal_risk_minimization,
    repeated_gradient_descent,
    repeated_risk_minimization,
)
from .solvers import SolverResult, gradient_descent, newton
from .stochastic import DeploymentRun, geometric_batches, greedy_deploy, lazy_deploy
from .strategic import StrategicCredit, best_response, risk_proportional_response

__all__ = [
    "NAMED_RULES",
    "DemandObjective",
    "DeploymentRun",
    "ExactProblem",
    "GaussianLocationProblem",
    "GaussianQuadraticInstance",
    "LogisticLoss",
    "MixtureObjective",
    "Objective",
    "PerformativeProblem",
    "PricingGame",
    "ProximalObjective",
    "QuadraticObjective",
    "SolverResult",
    "StrategicCredit",
    "Trajectory",
    "TwoPointInstance",
    "affine_risk_minimization",
    "arm_lower_rate",
    "best_response",
    "bidiagonal_instance",
    "bidiagonal_lower_bound",
    "check_affine_weights",
    "check_rule",
    "geometric_batches",
    "gradient_descent",
    "greedy_deploy",
    "lazy_deploy",
    "linear_arm_rate",
    "mixture_weights",
    "newton",
    "perdomo_tight_instance",
    "prediction_lower_rate",
    "prediction_rrm_rate",
    "prediction_rrm_rate_2023",
    "prediction_rrm_threshold",
    "proximal_risk_minimization",
    "proximal_rrm_rate",
    "repeated_gradient_descent",
    "repeated_risk_minimization",
    "rgd_max_step",
    "rgd_rate",
    "risk_proportional_response",
    "rrm_rate",
    "rrm_threshold",
    "solve_quadratic",
    "stable_optimal_gap_bound",
    "synthetic_pricing_game",
    "two_snapshot_arm_factor",
    "two_snapshot_arm_threshold",
]
