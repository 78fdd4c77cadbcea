"""Every hyperparameter of Chapter 2, at book and paper scale (see :mod:`inloop.settings`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..settings import Settings, setting

__all__ = ["NeuralSettings"]


@dataclass(frozen=True)
class NeuralSettings(Settings):
    """Settings of Chapter 2. The defaults are the book preset; ``PAPER`` lists what the paper preset changes."""

    # The neighbourhood bound of the approximating-class theorem, on the scalar map
    # G_F(f) = rho f + eta that attains it.
    bound_rho: float = setting(0.6, low=0.0, high=1.0, high_open=True, doc="contraction factor rho")
    bound_eta: float = setting(0.01, low=0.0, doc="per-round error eta")
    bound_start: float = setting(1.0, doc="starting predictor f_0 (f_PS = 0)")
    bound_rounds: int = setting(40, minimum=1, doc="rounds of the scalar iteration")
    # The tanh counterexample (Mofakhami et al., 2023).
    counterexample_start: float = setting(
        2.5, low=1.0, high=3.0, low_open=True, high_open=True, doc="a_0 = tanh(theta_0) + 2"
    )
    counterexample_epsilons: tuple[float, ...] = setting(
        (1e-3, 1e-1, 1.0, 10.0), low=0.0, low_open=True, doc="scales epsilon of the data map"
    )
    counterexample_rounds: int = setting(8, minimum=2, doc="RRM rounds of the counterexample")
    sensitivity_grid_half_width: float = setting(
        4.0, low=0.0, low_open=True, doc="theta grid [-w, w] that measures the W1 sensitivity"
    )
    sensitivity_grid_points: int = setting(2001, minimum=3, doc="points of that grid")
    # The concept diagram: one RIR round on a handful of individuals.
    diagram_rows: int = setting(6, minimum=2, doc="individuals drawn in the RIR diagram")
    diagram_delta: float = setting(0.3, open_unit=True, doc="delta of the RIR diagram")
    diagram_seed: int = setting(0, doc="seed of the RIR diagram's draws and coins")
    # The induced density of RIR on a continuous base (goodness-of-fit check).
    density_delta: float = setting(0.2, open_unit=True, doc="delta of the density check")
    density_samples: int = setting(200_000, minimum=100, doc="standard normal base draws")
    density_base_seed: int = setting(0, doc="seed of the base sample")
    density_rir_seed: int = setting(1, doc="seed of the RIR draw")
    density_slope: float = setting(2.0, doc="predictor f(x) = (1 - delta) sigmoid(slope x)")
    density_bin_edge: float = setting(3.0, low=0.0, low_open=True, doc="inner bins cover [-b, b]")
    density_bins: int = setting(30, minimum=2, doc="inner bins (two outer bins hold the tails)")
    test_level: float = setting(0.01, open_unit=True, doc="level of the fit test")
    # The chi-square sensitivity of RIR on a finite support.
    support_size: int = setting(40, minimum=2, doc="points of the finite support")
    support_pairs: int = setting(200, minimum=1, doc="random predictor pairs per delta")
    support_seed: int = setting(2, doc="seed of the random predictors")
    # RRM with a network on the credit data (the paper's experiment).
    deltas: tuple[float, ...] = setting(
        (0.1, 0.4, 0.7, 0.9),
        open_unit=True,
        doc="RIR offsets of the delta study",
    )
    start_delta: float = setting(
        0.5,
        open_unit=True,
        doc="delta of the shared starting fit f_0 (its normalised risk is delta-free)",
    )
    width: int = setting(8, minimum=1, doc="hidden width of the delta study")
    init_seed: int = setting(0, doc="seed of the starting networks' weights")
    rounds: int = setting(8, minimum=2, doc="RRM rounds of the delta study")
    seeds: tuple[int, ...] = setting((0, 1, 2), doc="RIR seeds of the delta study")
    floor_seeds: tuple[int, ...] = setting(
        (101, 102), doc="RIR seeds of the two refits that measure the noise floor"
    )
    widths: tuple[int, ...] = setting(
        (8, 16, 32), minimum=1, doc="hidden widths of the width study"
    )
    width_rounds: int = setting(4, minimum=2, doc="RRM rounds of the width study")
    width_deltas: tuple[float, ...] = setting(
        (0.7,),
        open_unit=True,
        doc="RIR offsets of the width study",
    )
    width_seeds: tuple[int, ...] = setting((0, 1), doc="RIR seeds of the width study")
    interval_z: float = setting(
        1.96, low=0.0, low_open=True, doc="normal quantile of the 95% intervals over seeds"
    )
    rtol: float = setting(
        1e-3,
        open_unit=True,
        doc="L-BFGS stops when 10 iterations gain less than this (relative)",
    )
    max_iter: int = setting(300, minimum=1, doc="L-BFGS iteration cap per round")

    PAPER: ClassVar[dict[str, Any]] = {
        "rounds": 30,
        "width_rounds": 30,
        "width_deltas": (0.7, 0.9),
        "width_seeds": (0, 1, 2, 3, 4),
        "seeds": (0, 1, 2, 3, 4),
        "rtol": 1e-5,
        "max_iter": 3000,
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("floor_seeds",):
            if len(set(getattr(self, name))) != 2:
                raise ValueError(
                    f"{name} must be two different seeds, got {getattr(self, name)!r}."
                )
        for name in ("deltas", "widths", "width_deltas", "seeds", "width_seeds"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} must not repeat a value, got {values!r}.")
        if len(self.width_seeds) < 2:
            raise ValueError(
                f"width_seeds must hold at least two seeds (the width study reports intervals), "
                f"got {self.width_seeds!r}."
            )

    @property
    def solver(self) -> dict[str, Any]:
        """The stopping rule of every round's L-BFGS solve, as keyword arguments."""
        return {"rtol": self.rtol, "max_iter": self.max_iter}

    @property
    def start_widths(self) -> tuple[int, ...]:
        """Every width that needs a starting model: the delta study's and the width study's."""
        return tuple(sorted({self.width, *self.widths}))
