"""Settings of Chapter 4 at the two scales (see :func:`inloop.scale.preset`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GamesRun:
    """Sizes of every experiment in Chapter 4."""

    lattice_sides: tuple = (5, 6)  # periodic lattices of side x side agents
    lattice_runs: int = 200  # random initial forecasts per lattice
    scale_free_sizes: tuple = (20, 30, 50)  # agents per scale-free network
    scale_free_graphs: int = 20  # independent graphs (seeds) per size
    scale_free_runs: int = 10  # random initial forecasts per graph
    rrm_rounds: int = 40
    train_size: int = 20  # agents of the scale-free network used for mechanism design
    train_epochs: int = 150
    train_rounds: int = 10  # rounds of play per training episode
    weights: tuple = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0)  # welfare weights lambda
    myopic_rounds: int = 40


BOOK = GamesRun()
PAPER = GamesRun(
    lattice_sides=(4, 5, 6, 7),
    lattice_runs=1000,
    scale_free_sizes=(20, 30, 50),
    scale_free_graphs=50,
    scale_free_runs=20,
    rrm_rounds=60,
    train_epochs=400,
    train_rounds=20,
    weights=(0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 1.0),
)
