"""Performative prediction in games: the collective risk dilemma on a network (Chapter 4).

- :mod:`.network`: lattices, scale-free graphs, validation (no isolated nodes, no self-loops);
- :mod:`.crd`: the collective risk dilemma (thresholds, payoffs, welfare);
- :mod:`.poisson_binomial`: exact, vectorised, differentiable Poisson-binomial probabilities;
- :mod:`.agents`: the agents' response to forecasts and their Bayesian trust;
- :mod:`.rrm`: repeated risk minimisation of the forecasts, through :mod:`inloop.performative.rrm`;
- :mod:`.equilibria`: every stable forecast under full trust, and where RRM runs land;
- :mod:`.myopic`: forecasting policies that see trust (myopic, and the paper's hand-designed one);
- :mod:`.dynamics` and :mod:`.training`: repeated play, and predictors trained for welfare and accuracy;
- :mod:`.settings`: every hyperparameter of the chapter, at book and paper scale.

Array types: every public function returns NumPy arrays, except those whose names end in
``_tensor``, the pmf kernels, :class:`Episode` and the predictors, which work on float64 tensors
so that training can differentiate through them.
"""

from .agents import (
    CLIP,
    INNATE_PRIOR,
    expected_gain,
    innate_pivotal_probability,
    log_likelihood_ratio,
    log_likelihood_ratio_tensor,
    respond,
    update_trust,
)
from .crd import CollectiveRiskDilemma
from .dynamics import Episode, play
from .equilibria import (
    basin,
    full_trust_response,
    landing_points,
    preimages,
    stable_forecasts,
    torus_symmetries,
)
from .exercises import check_pivotal_probability
from .myopic import (
    MyopicRun,
    forecast_grid,
    myopic_forecast,
    paper_trust_policy,
    run_myopic,
    run_policy,
)
from .network import Network, disjoint_union, from_networkx, lattice, scale_free
from .poisson_binomial import (
    pivotal_probability,
    pivotal_probability_tensor,
    pmf_by_enumeration,
    pmf_fourier,
    pmf_recursion,
    poisson_binomial_pmf,
    success_probability,
    success_probability_tensor,
)
from .rrm import (
    ActionForecastProblem,
    RRMOutcome,
    fraction_with_interval,
    random_initial_forecasts,
    rrm_final_forecasts,
    run_rrm,
    uniform_forecasts,
)
from .settings import GamesSettings
from .statistics import anarchic_success, mean_with_interval
from .training import (
    GCN_READOUTS,
    GCNPredictor,
    MessagePassingPredictor,
    MLPPredictor,
    StackedPredictor,
    TrainingResult,
    evaluate,
    pareto_front,
    train_min_norm,
    train_predictor,
)

__all__ = [
    "CLIP",
    "GCN_READOUTS",
    "INNATE_PRIOR",
    "ActionForecastProblem",
    "CollectiveRiskDilemma",
    "Episode",
    "GCNPredictor",
    "GamesSettings",
    "MLPPredictor",
    "MessagePassingPredictor",
    "MyopicRun",
    "Network",
    "RRMOutcome",
    "StackedPredictor",
    "TrainingResult",
    "anarchic_success",
    "basin",
    "check_pivotal_probability",
    "disjoint_union",
    "evaluate",
    "expected_gain",
    "forecast_grid",
    "fraction_with_interval",
    "from_networkx",
    "full_trust_response",
    "innate_pivotal_probability",
    "landing_points",
    "lattice",
    "log_likelihood_ratio",
    "log_likelihood_ratio_tensor",
    "mean_with_interval",
    "myopic_forecast",
    "paper_trust_policy",
    "pareto_front",
    "pivotal_probability",
    "pivotal_probability_tensor",
    "play",
    "pmf_by_enumeration",
    "pmf_fourier",
    "pmf_recursion",
    "poisson_binomial_pmf",
    "preimages",
    "random_initial_forecasts",
    "respond",
    "rrm_final_forecasts",
    "run_myopic",
    "run_policy",
    "run_rrm",
    "scale_free",
    "stable_forecasts",
    "success_probability",
    "success_probability_tensor",
    "train_min_norm",
    "train_predictor",
    "uniform_forecasts",
    "torus_symmetries",
    "update_trust",
]
