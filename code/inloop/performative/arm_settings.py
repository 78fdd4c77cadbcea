"""Settings of Chapter 3 (lower bounds and affine risk minimizers): the experiments' sizes and seeds.

The exact instances of the chapter are mathematical examples whose constants are part of the text;
everything an experiment could be run with differently lives here, with the book preset as defaults
and the paper preset in :attr:`ARMSettings.PAPER`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..settings import Settings, setting

__all__ = ["ARMSettings"]


@dataclass(frozen=True)
class ARMSettings(Settings):
    """Hyperparameters of Chapter 3's experiments (book preset; :attr:`PAPER` lists the paper's)."""

    horizon: int = setting(25, minimum=1, doc="rounds T of the bidiagonal instance (dimension 2T)")
    rir_deltas: tuple[float, ...] = setting(
        (0.1, 0.4, 0.55, 0.7, 0.9),
        open_unit=True,
        doc="RIR offsets at which the sensitivity constant is checked",
    )
    rir_atoms: int = setting(100_000, minimum=4, doc="support size of the extremal RIR instance")
    rir_step: float = setting(1e-4, low=0.0, low_open=True, doc="perturbation eta of that instance")
    rir_random_pairs: int = setting(2000, minimum=1, doc="random predictor pairs per delta")
    rir_seed: int = setting(0, doc="seed of the random predictor pairs")
    response_epsilons: tuple[float, ...] = setting(
        (8.0, 10.0, 15.0),
        low=0.0,
        low_open=True,
        doc="strengths of Chapter 1's risk-proportional response, all past its threshold",
    )
    response_rounds: int = setting(40, minimum=2, doc="rounds of RRM and ARM on that response")
    pricing_runs: int = setting(200, minimum=1, doc="independent runs of the pricing game")
    pricing_steps: int = setting(40, minimum=2, doc="deployments per run")
    pricing_seed: int = setting(0, doc="seed of the synthetic pricing instance")
    pricing_run_seed: int = setting(1, doc="seed of the initial prices and the demand noise")
    pricing_damped_regularization: float = setting(
        120.0,
        low=0.0,
        low_open=True,
        doc="lambda of the pricing instance on which RRM converges (above every own-price effect)",
    )
    credit_rows: int = setting(0, minimum=0, doc="borrowers subsampled (0: all of them)")
    credit_delta: float = setting(
        0.55,
        open_unit=True,
        doc="RIR offset delta of the credit experiment",
    )
    credit_width: int = setting(8, minimum=1, doc="hidden width of the network")
    credit_rounds: int = setting(10, minimum=3, doc="ARM rounds per run")
    credit_repetitions: int = setting(3, minimum=2, doc="runs per rule (common random numbers)")
    credit_max_iter: int = setting(2000, minimum=1, doc="L-BFGS iteration cap per round")
    credit_seed: int = setting(0, doc="seed of the subsample and of the initial network")
    credit_run_seed: int = setting(1000, doc="run r draws its RIR samples with seed run_seed + r")

    PAPER: ClassVar[dict] = {
        "credit_rounds": 50,
        "credit_repetitions": 500,
        "credit_max_iter": 5000,
    }
