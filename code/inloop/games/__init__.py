"""Performative prediction in games: the collective risk dilemma on a network (Chapter 4).

- :mod:`.network`: lattices, scale-free graphs, validation (no isolated nodes, no self-loops);
- :mod:`.crd`: the collective risk dilemma (thresholds, payoffs, welfare);
- :mod:`.poisson_binomial`: exact, vectorised, differentiable Poisson-binomial probabilities;
- :mod:`.agents`: the agents' response to forecasts and their Bayesian trust;
- :mod:`.rrm`: repeated risk minimisation of the forecasts, through :mod:`inloop.performative.rrm`;
- :mod:`.myopic`: a forecaster that seeks welfare one round at a time (trust oscillation);
- :mod:`.dynamics` and :mod:`.training`: repeated play, and predictors trained for welfare and accuracy.
"""

from .agents import (
    expected_gain,
    innate_pivotal_probability,
    log_likelihood_ratio,
    respond,
    update_trust,
)
from .crd import CollectiveRiskDilemma
from .dynamics import Episode, play
from .exercises import check_pivotal_probability
from .myopic import MyopicRun, forecast_grid, myopic_forecast, run_myopic
from .network import Network, disjoint_union, from_networkx, lattice, scale_free
from .poisson_binomial import (
    pivotal_probability,
    pmf_by_enumeration,
    pmf_fourier,
    pmf_recursion,
    poisson_binomial_pmf,
    success_probability,
)
from .presets import BOOK, PAPER, GamesRun
from .rrm import (
    ActionForecastProblem,
    RRMOutcome,
    fraction_with_interval,
    random_initial_forecasts,
    run_rrm,
)
from .training import (
    MessagePassingPredictor,
    MLPPredictor,
    TrainingResult,
    pareto_front,
    train_predictor,
)

__all__ = [
    "ActionForecastProblem",
    "BOOK",
    "GamesRun",
    "PAPER",
    "CollectiveRiskDilemma",
    "Episode",
    "MLPPredictor",
    "MessagePassingPredictor",
    "MyopicRun",
    "Network",
    "RRMOutcome",
    "TrainingResult",
    "check_pivotal_probability",
    "disjoint_union",
    "expected_gain",
    "forecast_grid",
    "fraction_with_interval",
    "from_networkx",
    "innate_pivotal_probability",
    "lattice",
    "log_likelihood_ratio",
    "myopic_forecast",
    "pareto_front",
    "pivotal_probability",
    "play",
    "pmf_by_enumeration",
    "pmf_fourier",
    "pmf_recursion",
    "poisson_binomial_pmf",
    "random_initial_forecasts",
    "respond",
    "run_myopic",
    "run_rrm",
    "scale_free",
    "success_probability",
    "train_predictor",
    "update_trust",
]
