"""Performative prediction: distribution maps, losses, solvers, RRM and RGD, and their bounds."""

from .bounds import rgd_max_step, rgd_rate, rrm_rate, rrm_threshold, stable_optimal_gap_bound
from .location import GaussianLocationProblem
from .losses import LogisticLoss
from .rrm import Trajectory, repeated_gradient_descent, repeated_risk_minimization
from .solvers import SolverResult, gradient_descent, newton
from .stochastic import DeploymentRun, geometric_batches, greedy_deploy, lazy_deploy
from .strategic import StrategicCredit, best_response, risk_proportional_response

__all__ = [
    "DeploymentRun",
    "GaussianLocationProblem",
    "LogisticLoss",
    "SolverResult",
    "StrategicCredit",
    "Trajectory",
    "best_response",
    "geometric_batches",
    "gradient_descent",
    "greedy_deploy",
    "lazy_deploy",
    "newton",
    "repeated_gradient_descent",
    "repeated_risk_minimization",
    "rgd_max_step",
    "rgd_rate",
    "risk_proportional_response",
    "rrm_rate",
    "rrm_threshold",
    "stable_optimal_gap_bound",
]

# Chapter 3: affine risk minimizers, exact lower-bound instances, the pricing game.
from .arm import (
    ARMTrajectory,
    MixtureObjective,
    affine_risk_minimization,
    check_affine_weights,
    mixture_weights,
    proximal_risk_minimization,
)
from .bounds import (
    arm_lower_rate,
    bidiagonal_lower_bound,
    linear_arm_rate,
    prediction_lower_rate,
    prediction_rrm_rate,
    prediction_rrm_rate_2023,
    prediction_rrm_threshold,
    proximal_rrm_rate,
    rir_sensitivity,
    rir_sensitivity_2023,
    two_snapshot_arm_factor,
    two_snapshot_arm_threshold,
)
from .lower_bounds import (
    GaussianQuadraticInstance,
    QuadraticObjective,
    TwoPointInstance,
    bidiagonal_instance,
    perdomo_tight_instance,
)
from .pricing import PricingGame, synthetic_pricing_game

__all__ += [
    "ARMTrajectory",
    "GaussianQuadraticInstance",
    "MixtureObjective",
    "PricingGame",
    "QuadraticObjective",
    "TwoPointInstance",
    "affine_risk_minimization",
    "arm_lower_rate",
    "bidiagonal_instance",
    "bidiagonal_lower_bound",
    "check_affine_weights",
    "linear_arm_rate",
    "mixture_weights",
    "perdomo_tight_instance",
    "prediction_lower_rate",
    "prediction_rrm_rate",
    "prediction_rrm_rate_2023",
    "prediction_rrm_threshold",
    "proximal_risk_minimization",
    "proximal_rrm_rate",
    "rir_sensitivity",
    "rir_sensitivity_2023",
    "synthetic_pricing_game",
    "two_snapshot_arm_factor",
    "two_snapshot_arm_threshold",
]
