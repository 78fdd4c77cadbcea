"""Settings of Chapter 1 (performative foundations): every constant, grid, size and seed it runs with.

The chapter's cells take their hyperparameters from one :class:`FoundationsSettings` instance,
``FoundationsSettings.for_scale(SCALE)``; the defaults are the book preset (about a minute on two
CPU cores) and :attr:`FoundationsSettings.PAPER` lists what the paper preset changes. Tolerances of
the chapter's assertions are not settings: they state how exactly a result must hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..settings import Settings, setting
from .location import GaussianLocationProblem

__all__ = ["FoundationsSettings"]

_POSITIVE: dict[str, Any] = {"low": 0.0, "low_open": True}


@dataclass(frozen=True)
class FoundationsSettings(Settings):
    """Hyperparameters of Chapter 1 (book preset; :attr:`PAPER` lists the paper preset's changes)."""

    # The closed-form instance: D(theta) = N(mu + eps theta, sigma^2), loss gamma/2 theta^2 - beta z theta.
    location_mu: float = setting(1.0, doc="mean mu of the unshifted location family")
    location_sigma: float = setting(0.5, **_POSITIVE, doc="standard deviation sigma of the family")
    location_gamma: float = setting(1.0, **_POSITIVE, doc="strong convexity gamma of the loss")
    location_beta: float = setting(2.0, **_POSITIVE, doc="joint smoothness beta of the loss")
    location_epsilon: float = setting(0.2, low=0.0, doc="sensitivity of the first worked instance")
    start: float = setting(0.0, doc="theta_0 of every run on the location family")
    gap_epsilons: tuple[float, ...] = setting(
        (0.01, 0.2, 0.249, 0.2499), low=0.0, doc="sensitivities at which the gap bound is compared"
    )
    grid_radius: float = setting(20.0, **_POSITIVE, doc="grid search for theta_PO on [-r, r]")
    grid_points: int = setting(400_001, minimum=3, doc="points of that grid")
    rrm_epsilons: tuple[float, ...] = setting(
        (0.1, 0.2, 0.3, 0.4, 0.45, 0.55, 0.6), low=0.0, doc="sensitivities of the RRM figure"
    )
    rrm_rounds: int = setting(30, minimum=2, doc="RRM rounds on the location family")
    resolution: float = setting(
        1e-6, **_POSITIVE, doc="distances below this are too close to rounding for a ratio"
    )
    plot_floor: float = setting(
        1e-13, **_POSITIVE, doc="distances below this (rounding noise) are not drawn"
    )
    rgd_epsilons: tuple[float, ...] = setting(
        (0.1, 0.3, 0.45, 0.6), low=0.0, doc="sensitivities of the RGD scan"
    )
    rgd_steps: tuple[float, ...] = setting(
        (0.01, 0.6), **_POSITIVE, doc="smallest and largest step size of the RGD scan"
    )
    rgd_step_count: int = setting(60, minimum=2, doc="step sizes in the RGD scan")
    rgd_step: float = setting(0.2, **_POSITIVE, doc="step size of the RGD runs")
    rgd_rounds: int = setting(200, minimum=1, doc="RGD rounds, on the location family and credit")
    comparison_steps: int = setting(
        400, minimum=2, doc="step sizes at which the two RGD conditions are compared"
    )
    comparison_smallest_step: float = setting(
        1e-4, **_POSITIVE, doc="smallest step of that comparison"
    )
    tight_epsilons: tuple[float, ...] = setting(
        (0.2, 0.6), low=0.0, doc="sensitivities at which q(eta) is shown attained (beta = gamma)"
    )
    tight_steps: tuple[float, ...] = setting(
        (0.01, 1.0), **_POSITIVE, doc="smallest and largest step of that check"
    )
    tight_step_count: int = setting(50, minimum=2, doc="step sizes of that check")
    # Strategic classification on the credit data.
    rounds: int = setting(25, minimum=3, doc="exact RRM rounds on the credit data")
    exact_epsilons: tuple[float, ...] = setting(
        (0.01, 1.0, 100.0, 1000.0), low=0.0, doc="the published sensitivities, run with exact RRM"
    )
    settled: float = setting(1e-8, **_POSITIVE, doc="a step shorter than this counts as settled")
    jacobian_epsilons: tuple[float, ...] = setting(
        (5.0, 1000.0), low=0.0, doc="sensitivities at which DG is checked to be nilpotent"
    )
    check_seed: int = setting(0, doc="seed of the random points of the structural checks")
    start_scale: float = setting(0.01, **_POSITIVE, doc="scale of a random start")
    point_scale: float = setting(0.3, **_POSITIVE, doc="scale of the random points for PR = L0")
    random_points: int = setting(3, minimum=1, doc="random points per sensitivity for PR = L0")
    nearby_scale: float = setting(0.05, **_POSITIVE, doc="scale of the points around theta_PS")
    nearby_points: int = setting(20, minimum=1, doc="random points around theta_PS")
    difference_step: float = setting(1e-6, **_POSITIVE, doc="central-difference step for grad PR")
    published_epsilons: tuple[float, ...] = setting(
        (100.0, 1000.0), low=0.0, doc="sensitivities at which the published loop is re-run"
    )
    published_rounds: int = setting(3, minimum=3, doc="rounds of the published loop")
    published_max_iter: int = setting(8_000, minimum=1, doc="safety cap on its gradient steps")
    penalised_epsilon: float = setting(1000.0, low=0.0, doc="sensitivity of the penalised bias")
    penalised_rounds: int = setting(24, minimum=12, doc="exact RRM rounds with a penalised bias")
    scan_epsilons: tuple[float, ...] = setting(
        (0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 15.0, 20.0),
        **_POSITIVE,
        doc="risk-proportional response: sensitivities of the eigenvalue scan",
    )
    root_half_width: float = setting(
        0.5, **_POSITIVE, doc="eps* is searched within this distance of the linear fit's estimate"
    )
    root_tolerance: float = setting(1e-3, **_POSITIVE, doc="tolerance of that root search")
    bracket_offset: float = setting(0.3, **_POSITIVE, doc="bracket eps* -+ this offset")
    bracket_rounds: int = setting(60, minimum=31, doc="RRM rounds of the bracketing runs")
    transient_rounds: int = setting(
        10, minimum=1, doc="rounds skipped before a bracketing run's rate is measured"
    )
    rate_window: int = setting(20, minimum=2, doc="rounds over which a converging rate is measured")
    linear_range: float = setting(
        0.01,
        **_POSITIVE,
        doc="a growing run's rate is measured while its distance stays below this",
    )
    cycle_window: int = setting(
        10, minimum=1, doc="rounds over which the 2-cycle approach is measured"
    )
    cycle_rounds: int = setting(
        60, minimum=2, doc="the far 2-cycle is read over these first rounds, in both presets"
    )
    excursion_distance: float = setting(
        1.0, **_POSITIVE, doc="distance to the stable point that counts as an excursion"
    )
    return_distance: float = setting(
        0.2, **_POSITIVE, doc="distance that counts as a return after an excursion"
    )
    contrast_epsilons: tuple[float, ...] = setting(
        (2.0, 10.0), **_POSITIVE, doc="far below and far above eps*, run with the bracket"
    )
    rgd_credit_epsilons: tuple[float, ...] = setting(
        (2.0, 20.0), **_POSITIVE, doc="sensitivities of the RRM versus RGD comparison"
    )
    optimum_epsilon: float = setting(
        4.0, **_POSITIVE, doc="where theta_PO is compared with theta_PS"
    )
    optimum_tolerance: float = setting(1e-9, **_POSITIVE, doc="BFGS gradient tolerance")
    # Stochastic deployment schedules (Gaussian mean estimation).
    mean_mu: float = setting(10.0, doc="mean mu of the mean-estimation problem")
    mean_sigma: float = setting(0.1, **_POSITIVE, doc="noise sigma of the mean-estimation problem")
    mean_start: float = setting(10.0, doc="theta_0 = mu, as in the authors' simulation")
    stochastic_epsilons: tuple[float, ...] = setting(
        (0.1, 0.3, 0.5, 0.7, 0.9), low=0.0, high=1.0, high_open=True, doc="sensitivities"
    )
    plotted_epsilons: tuple[float, ...] = setting(
        (0.1, 0.9), low=0.0, high=1.0, high_open=True, doc="sensitivities drawn in the figure"
    )
    stochastic_seed: int = setting(1, doc="seed of the stochastic runs (shared by both schedules)")
    tuned_step_scale: float = setting(
        2.0, **_POSITIVE, doc="greedy deploy's tuned step: scale / ((1 - eps)(k + 1))"
    )
    runs: int = setting(40, minimum=2, doc="independent runs per schedule and sensitivity")
    samples: int = setting(10_000, minimum=1, doc="samples per run")

    PAPER: ClassVar[dict[str, Any]] = {
        "published_epsilons": (0.01, 1.0, 100.0, 1000.0),
        "published_rounds": 25,
        "published_max_iter": 1_000_000,
        "penalised_rounds": 200,
        "bracket_rounds": 200,
        "runs": 100,
        "samples": 50_000,
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("rgd_steps", "tight_steps"):
            low_high = getattr(self, name)
            if len(low_high) != 2 or not low_high[0] < low_high[1]:
                raise ValueError(
                    f"{name} must be (smallest, largest) with smallest < largest, got {low_high}."
                )
        if self.bracket_rounds < self.transient_rounds + self.rate_window + 1:
            raise ValueError(
                "bracket_rounds must exceed transient_rounds + rate_window, got "
                f"{self.bracket_rounds} <= {self.transient_rounds} + {self.rate_window}."
            )
        if not self.cycle_window + 2 <= self.cycle_rounds <= self.bracket_rounds:
            raise ValueError(
                "cycle_rounds must lie between cycle_window + 2 and bracket_rounds, got "
                f"{self.cycle_rounds} (cycle_window {self.cycle_window}, "
                f"bracket_rounds {self.bracket_rounds})."
            )
        unknown = set(self.plotted_epsilons) - set(self.stochastic_epsilons)
        if unknown:
            raise ValueError(
                f"plotted_epsilons must be among stochastic_epsilons {self.stochastic_epsilons}, "
                f"got {sorted(unknown)} that are not."
            )
        if set(self.published_epsilons) - set(self.exact_epsilons):
            raise ValueError(
                "published_epsilons must be among exact_epsilons (each published run is compared "
                f"with exact RRM), got {self.published_epsilons} and {self.exact_epsilons}."
            )

    def location(self, epsilon: float | None = None) -> GaussianLocationProblem:
        """The closed-form instance at sensitivity ``epsilon`` (default ``location_epsilon``)."""
        return GaussianLocationProblem(
            mu=self.location_mu,
            sigma=self.location_sigma,
            epsilon=self.location_epsilon if epsilon is None else epsilon,
            gamma=self.location_gamma,
            beta=self.location_beta,
        )

    def mean_estimation(self, epsilon: float) -> GaussianLocationProblem:
        """The mean-estimation problem of the stochastic section at sensitivity ``epsilon``."""
        return GaussianLocationProblem.mean_estimation(
            mu=self.mean_mu, sigma=self.mean_sigma, epsilon=epsilon
        )
