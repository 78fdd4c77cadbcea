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
