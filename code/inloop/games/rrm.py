"""Repeated risk minimisation for a predictor of the agents' actions.

The model :math:`\\theta \\in [0, 1]^n` is the vector of predicted cooperation probabilities, one per
agent. Deployed, it induces actions :math:`y(\\theta)` (agents fully trust the forecast, :math:`\\tau = 1`,
so that RRM meets its own consequences and nothing else). The loss is the misclassification
:math:`\\ell(y; \\theta) = \\tfrac1n \\sum_i |y_i - \\theta_i|`, and its minimiser on the data
induced by :math:`\\theta_t` is those data themselves: :math:`\\theta_{t+1} = y(\\theta_t)`. A
*performatively stable* forecast is a fixed point, :math:`y(\\theta) = \\theta`: perfectly accurate.

Many independent runs (random initial forecasts, on several networks at once) are packed into one
flat :math:`\\theta`, so the book's RRM driver
:func:`inloop.performative.rrm.repeated_risk_minimization` runs them all in one vectorised loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_positive_int, check_real
from .._random import SeedLike, as_generator
from ..performative.protocol import ExactProblem
from ..performative.rrm import repeated_risk_minimization
from ..performative.solvers import SolverResult
from .agents import INNATE_PRIOR, respond
from .crd import CollectiveRiskDilemma
from .network import Network, disjoint_union

__all__ = [
    "ActionForecastProblem",
    "RRMOutcome",
    "fraction_with_interval",
    "random_initial_forecasts",
    "rrm_final_forecasts",
    "run_rrm",
    "uniform_forecasts",
]


class ForecastObjective:
    """The misclassification :math:`\\theta \\mapsto \\tfrac1n\\sum_i |y_i - \\theta_i|` on fixed induced actions ``actions`` (runs, n)."""

    def __init__(self, actions: np.ndarray) -> None:
        self.actions = actions

    def value(self, theta) -> float:
        """Mean absolute error of the forecasts ``theta`` (flat or (runs, n)) on the actions."""
        forecasts = np.asarray(theta, dtype=np.float64).reshape(self.actions.shape)
        return float(np.abs(self.actions - forecasts).mean())

    def minimizer(self) -> np.ndarray:
        """The loss is minimised (at 0) by forecasting the actions themselves."""
        return self.actions.ravel()


@dataclass(frozen=True)
class ActionForecastProblem(ExactProblem):
    """RRM problem: ``runs`` independent forecasts for the agents of ``network``, flattened into one vector."""

    game: CollectiveRiskDilemma
    network: Network
    runs: int
    alpha: float = INNATE_PRIOR

    def induced_actions(self, theta) -> np.ndarray:
        """Actions :math:`y(\\theta)` induced by deploying the forecasts (full trust), shape ``(runs, n)``."""
        forecasts = np.asarray(theta, dtype=np.float64).reshape(self.runs, self.network.size)
        return respond(self.game, self.network, forecasts, np.ones_like(forecasts), self.alpha)

    def induced_objective(self, deployed, rng=None) -> ForecastObjective:
        """The misclassification on the actions the deployed forecasts induce (deterministic)."""
        return ForecastObjective(self.induced_actions(deployed))

    def solve(self, objective: ForecastObjective, theta0) -> SolverResult:
        """Risk minimiser on the induced data: the induced actions themselves (loss 0)."""
        return SolverResult(objective.minimizer(), 0.0, 1, True)


@dataclass(frozen=True)
class RRMOutcome:
    """Where RRM ends, for every (run, network) pair; arrays have shape ``(runs, networks)``."""

    stable: np.ndarray  # the last forecast is a fixed point of RRM
    cycle_length: np.ndarray  # 1 when stable, k > 1 for a k-cycle, 0 if neither was detected
    welfare: np.ndarray  # fraction of successful groups, averaged over the final cycle
    initial_welfare: np.ndarray  # fraction of successful groups induced by the first forecast
    final_accuracy: np.ndarray  # fraction of agents whose last forecast was right
    welfare_by_round: np.ndarray  # (rounds + 1, runs, networks)


def random_initial_forecasts(size: int, runs: int, seed: SeedLike = 0) -> np.ndarray:
    """Random 0/1 forecasts, shape ``(runs, size)``: run ``k`` predicts cooperation with probability :math:`q_k \\sim U(0,1)`."""
    size = check_positive_int(size, "size")
    runs = check_positive_int(runs, "runs")
    rng = as_generator(seed)
    density = rng.uniform(size=(runs, 1))
    return (rng.uniform(size=(runs, size)) < density).astype(np.float64)


def run_rrm(
    game: CollectiveRiskDilemma,
    networks,
    runs: int,
    rounds: int,
    seed: SeedLike = 0,
    alpha: float = INNATE_PRIOR,
) -> RRMOutcome:
    """Run RRM ``runs`` times on each network from random 0/1 forecasts, all at once, and classify the ends.

    A run is stable when its last two forecasts agree; otherwise the smallest :math:`k \\le` rounds/2
    with :math:`\\theta_T = \\theta_{T-k}` is its cycle length. Welfare is averaged over the final cycle.
    ``seed`` (an int or a generator, shared across calls to continue its stream) draws the
    initial forecasts.
    """
    check_real(alpha, "alpha", low=0.0, high=1.0)
    networks = [networks] if isinstance(networks, Network) else list(networks)
    union = disjoint_union(networks)
    starts = np.cumsum([0] + [net.size for net in networks])[:-1]
    initial = random_initial_forecasts(union.size, runs, seed)
    problem = ActionForecastProblem(game, union, runs, alpha)
    trajectory = repeated_risk_minimization(problem, initial.ravel(), rounds)
    forecasts = trajectory.thetas.reshape(-1, runs, union.size)
    # RRM deploys, in round t + 1, exactly the actions induced in round t; only the last round is new.
    induced = np.concatenate([forecasts[1:], problem.induced_actions(forecasts[-1])[None]])
    per_round = _per_network_mean(
        game.group_success(union, induced), starts
    )  # (rounds + 1, runs, networks)
    cycle = _cycle_lengths(forecasts, starts)
    right = _per_network_mean(induced[-1] == forecasts[-1], starts)
    return RRMOutcome(
        cycle == 1, cycle, _average_over_cycle(per_round, cycle), per_round[0], right, per_round
    )


def _per_network_mean(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Mean over each network's slice of the last (agent) axis."""
    sizes = np.diff(np.append(starts, values.shape[-1]))
    return np.add.reduceat(values.astype(np.float64), starts, axis=-1) / sizes


def _cycle_lengths(forecasts: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Smallest k in 1..T/2 with forecasts[T] == forecasts[T - k] on a network's agents (0 if none)."""
    last = forecasts[-1]
    horizon = (forecasts.shape[0] - 1) // 2
    lengths = np.zeros((last.shape[0], starts.size), dtype=int)
    for k in range(
        horizon, 0, -1
    ):  # loop over candidate periods, vectorised over runs and networks
        same = _per_network_mean(forecasts[-1 - k] == last, starts) == 1.0
        lengths = np.where(same, k, lengths)
    return lengths


def _average_over_cycle(per_round: np.ndarray, cycle: np.ndarray) -> np.ndarray:
    """Mean of the last ``cycle`` rounds for every (run, network) (the last round if no cycle was found)."""
    steps = np.arange(per_round.shape[0])[::-1][:, None, None]  # rounds counted back from the end
    window = steps < np.maximum(cycle, 1)[None]
    return (per_round * window).sum(axis=0) / window.sum(axis=0)


def fraction_with_interval(hits) -> tuple[float, float]:
    """Fraction of (run, network) pairs where ``hits`` is true, and the half-width of a 95% interval.

    Runs on the same network are not independent, so with several networks the interval comes from
    the spread of the per-network fractions (:math:`1.96\\, s/\\sqrt{G}` for :math:`G` networks);
    with one network the runs are independent and the binomial standard error is used.
    """
    hits = np.asarray(hits, dtype=np.float64)
    if hits.ndim != 2 or hits.size == 0:
        raise ValueError(
            f"hits must be a non-empty (runs, networks) array, got shape {hits.shape}."
        )
    fraction = float(hits.mean())
    runs, networks = hits.shape
    if networks > 1:
        spread = hits.mean(axis=0).std(ddof=1) / np.sqrt(networks)
    else:
        spread = np.sqrt(fraction * (1 - fraction) / runs)
    return fraction, float(1.96 * spread)


def rrm_final_forecasts(
    game: CollectiveRiskDilemma,
    network: Network,
    initial: np.ndarray,
    rounds: int,
    alpha: float = INNATE_PRIOR,
) -> np.ndarray:
    """Forecasts of every RRM round from given initial forecasts, with the same driver as :func:`run_rrm`.

    Parameters
    ----------
    game, network : the game and its graph (``n`` agents).
    initial : numpy.ndarray, shape ``(runs, n)``
        Initial forecasts, one run per row.
    rounds : int
    alpha : float
        The innate prior (irrelevant under the full trust RRM assumes, kept for symmetry).

    Returns
    -------
    numpy.ndarray, shape ``(rounds + 1, runs, n)``
        Entry ``t`` holds the forecasts deployed in round ``t`` (entry 0 is ``initial``).
    """
    initial = np.asarray(initial, dtype=np.float64)
    if initial.ndim != 2 or initial.shape[1] != network.size:
        raise ValueError(f"initial must have shape (runs, {network.size}), got {initial.shape}.")
    runs = initial.shape[0]
    problem = ActionForecastProblem(game, network, runs, alpha)
    trajectory = repeated_risk_minimization(problem, initial.ravel(), rounds)
    return np.asarray(trajectory.thetas).reshape(-1, runs, network.size)


def uniform_forecasts(size: int, runs: int, seed: SeedLike = None) -> np.ndarray:
    """``runs`` forecasts drawn uniformly from :math:`\\{0, 1\\}^n`, shape ``(runs, size)``."""
    size = check_positive_int(size, "size")
    runs = check_positive_int(runs, "runs")
    return as_generator(seed).integers(0, 2, size=(runs, size)).astype(np.float64)
