"""Every hyperparameter of Chapter 4, at book and paper scale (see :mod:`inloop.settings`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..settings import Settings, setting
from .crd import CollectiveRiskDilemma

__all__ = ["GamesSettings"]


@dataclass(frozen=True)
class GamesSettings(Settings):
    """Settings of Chapter 4. The defaults are the book preset; ``PAPER`` lists what the paper preset changes."""

    # The game of the RRM and mechanism-design sections (Góis et al., 2025).
    endowment: float = setting(1.0, low=0.0, low_open=True, doc="endowment e")
    loss_fraction: float = setting(0.4, low=0.0, high=1.0, doc="r: share lost when a group fails")
    cost: float = setting(0.2, low=0.0, doc="c: share a cooperator contributes")
    threshold: float = setting(
        0.5, low=0.0, high=1.0, doc="t: share of a group that must cooperate"
    )
    prior_trust: float = setting(0.5, low=0.0, high=1.0, doc="every agent's trust before round 1")
    # RRM from random forecasts.
    lattice_sides: tuple[int, ...] = setting(
        (5, 6), minimum=3, doc="periodic lattices, side x side"
    )
    lattice_runs: int = setting(200, minimum=1, doc="random initial forecasts per lattice")
    scale_free_sizes: tuple[int, ...] = setting((20, 30, 50), minimum=3, doc="agents per graph")
    scale_free_m: int = setting(2, minimum=1, doc="edges each newcomer brings (Barabasi-Albert)")
    scale_free_graphs: int = setting(20, minimum=2, doc="independent graphs (seeds) per size")
    scale_free_runs: int = setting(10, minimum=1, doc="random initial forecasts per graph")
    rrm_rounds: int = setting(40, minimum=2, doc="RRM rounds")
    long_rrm_rounds: int = setting(200, minimum=2, doc="RRM rounds for runs not settled in time")
    rrm_seed: int = setting(2025, doc="seed of the initial forecasts")
    basin_runs: int = setting(2000, minimum=1, doc="uniform initial forecasts per lattice (basins)")
    exact_basin_sides: tuple[int, ...] = setting(
        (5, 6), minimum=3, doc="lattices whose welfare-1 basins are computed exactly"
    )
    exact_basin_max: int = setting(100_000, minimum=1, doc="largest exact basin searched")
    basin_check_samples: int = setting(
        20_000, minimum=1, doc="one-agent changes to basin members, to check an exact basin"
    )
    enumerate_sizes: tuple[int, ...] = setting(
        (20, 30), minimum=3, doc="scale-free sizes enumerated"
    )
    # Mechanism design.
    train_size: int = setting(20, minimum=3, doc="agents of the scale-free training graph")
    train_graph_seed: int = setting(0, doc="seed of the training graph")
    train_epochs: int = setting(150, minimum=1, doc="Adam steps")
    train_rounds: int = setting(10, minimum=1, doc="rounds of play per training episode")
    learning_rate: float = setting(0.01, low=0.0, low_open=True, doc="Adam learning rate")
    temperature: float = setting(0.05, low=0.0, low_open=True, doc="relaxed response sigma(D/T)")
    welfare_weights: tuple[float, ...] = setting(
        (0.0, 0.5, 0.8, 0.9, 0.95, 1.0), low=0.0, high=1.0, doc="lambda grid"
    )
    social_weight: float = setting(
        0.8, low=0.0, high=1.0, doc="members with lambda >= this are pooled as welfare-heavy"
    )
    flat_weight: float = setting(
        0.9, low=0.0, high=1.0, doc="the front is compared for flatness from this lambda on"
    )
    small_welfare_change: float = setting(
        0.1, low=0.0, high=1.0, doc="a change of mean welfare below this is called small"
    )
    train_seeds: int = setting(4, minimum=2, doc="independently initialised networks per lambda")
    init_seed: int = setting(0, doc="seed of the networks' initialisation")
    mlp_hidden: int = setting(64, minimum=1, doc="MLP hidden width")
    mlp_embedding: int = setting(4, minimum=1, doc="MLP embedding of each agent's action")
    mp_hidden: int = setting(32, minimum=1, doc="message-passing state width")
    mp_layers: int = setting(2, minimum=1, doc="message-passing layers")
    gcn_hidden: int = setting(32, minimum=1, doc="graph-convolution state width (the paper: 512)")
    gcn_layers: int = setting(3, minimum=1, doc="graph convolutions before the readout")
    gcn_readout_hidden: int = setting(
        64, minimum=1, doc="hidden width of the GCN + MLP readout (the paper: 512)"
    )
    eval_graphs: int = setting(5, minimum=1, doc="other scale-free graphs for evaluation")
    eval_prior_trusts: tuple[float, ...] = setting((0.2, 0.8), low=0.0, high=1.0, doc="other trust")
    long_rounds: int = setting(50, minimum=1, doc="evaluation horizon beyond training")
    tradeoff_thresholds: tuple[float, ...] = setting(
        (0.3, 0.7), low=0.0, high=1.0, doc="thresholds t besides t = 0.5 for the trade-off sweep"
    )
    # Trust dynamics on a path of three agents (Góis et al., 2025, trust illustration).
    trust_loss_fraction: float = setting(0.5, low=0.0, high=1.0, doc="r of the trust section")
    trust_cost: float = setting(0.3, low=0.0, doc="c of the trust section")
    trust_threshold: float = setting(2 / 3, low=0.0, high=1.0, doc="t of the trust section")
    myopic_rounds: int = setting(40, minimum=2, doc="rounds of the trust illustration")
    myopic_levels: int = setting(21, minimum=2, doc="grid values per forecast entry")
    accuracy_weight: float = setting(1e-3, low=0.0, doc="myopic tie-break weight on accuracy")
    policy_margin: float = setting(0.01, low=0.0, high=1.0, doc="margin of the paper's policy")
    # The anarchic baseline (no forecast, trust 0), at the paper's r and c.
    anarchic_loss_fraction: float = setting(0.6, low=0.0, high=1.0, doc="r of the anarchic study")
    anarchic_cost: float = setting(0.1, low=0.0, doc="c of the anarchic study")
    anarchic_alphas: int = setting(21, minimum=2, doc="grid of innate priors on [0, 1]")
    anarchic_sizes: tuple[int, ...] = setting((3, 5, 8, 12, 16, 20, 25), minimum=3, doc="n")
    anarchic_graphs: int = setting(5, minimum=1, doc="scale-free graphs per size")

    PAPER: ClassVar[dict[str, Any]] = {
        "lattice_sides": (4, 5, 6, 7),
        "lattice_runs": 1000,
        "scale_free_graphs": 50,
        "scale_free_runs": 20,
        "rrm_rounds": 60,
        "basin_runs": 10000,
        "enumerate_sizes": (20, 30, 50),
        "train_epochs": 400,
        "train_rounds": 20,
        "welfare_weights": (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 1.0),
        "train_seeds": 10,
        "eval_graphs": 20,
        "anarchic_alphas": 101,
        "anarchic_sizes": tuple(range(3, 26)),
    }

    def game(self) -> CollectiveRiskDilemma:
        """The game of the RRM and mechanism-design sections."""
        return CollectiveRiskDilemma(self.endowment, self.loss_fraction, self.cost, self.threshold)

    def trust_game(self) -> CollectiveRiskDilemma:
        """The game of the trust section (path of three agents)."""
        return CollectiveRiskDilemma(
            self.endowment, self.trust_loss_fraction, self.trust_cost, self.trust_threshold
        )

    def anarchic_game(self) -> CollectiveRiskDilemma:
        """The game of the anarchic study."""
        return CollectiveRiskDilemma(
            self.endowment, self.anarchic_loss_fraction, self.anarchic_cost, self.threshold
        )
