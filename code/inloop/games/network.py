"""Networks on which the collective risk dilemma is played.

Agent :math:`i` plays in its *group* :math:`G_i = \\{i\\} \\cup \\mathcal N(i)`: itself and its
neighbours. The model needs every agent to have at least one neighbour (a lone agent has no one to
predict and no one to trust) and no self-loops (an agent is already in its own group), so both are
rejected at construction.

Neighbour lists are stored *padded*: ``neighbours[i, s]`` is the ``s``-th neighbour of ``i`` for
``s < degree[i]`` and ``0`` after that, with ``mask[i, s]`` telling which entries are real. This lets
every per-agent quantity be computed for all agents at once. Every array here is a NumPy array.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np

from .._checks import check_positive_int

__all__ = ["Network", "disjoint_union", "from_networkx", "lattice", "scale_free"]


@dataclass(frozen=True)
class Network:
    """An undirected simple graph on agents ``0..n-1`` with padded neighbour lists.

    Parameters
    ----------
    adjacency : numpy.ndarray, shape ``(n, n)``
        0/1 (or boolean), symmetric, zero diagonal, no empty row; stored as booleans.
    name : str
        A label for tables and plots.
    """

    adjacency: np.ndarray  # (n, n) boolean, symmetric, zero diagonal
    name: str = "network"

    def __post_init__(self) -> None:
        adjacency = np.asarray(self.adjacency)
        if (
            adjacency.ndim != 2
            or adjacency.shape[0] != adjacency.shape[1]
            or adjacency.shape[0] < 2
        ):
            raise ValueError(
                f"adjacency must be a square matrix with at least 2 agents, got shape {adjacency.shape}."
            )
        if not np.isin(adjacency, (0, 1)).all():
            raise ValueError("adjacency must contain only 0/1 (or False/True) entries.")
        adjacency = adjacency.astype(bool)
        if not np.array_equal(adjacency, adjacency.T):
            raise ValueError(
                "adjacency must be symmetric: the game is played on an undirected graph."
            )
        loops = np.flatnonzero(np.diag(adjacency))
        if loops.size:
            raise ValueError(
                f"the graph has self-loops at nodes {loops[:5].tolist()}; an agent is already in its own group, "
                "so self-loops are not allowed."
            )
        isolated = np.flatnonzero(~adjacency.any(axis=1))
        if isolated.size:
            raise ValueError(
                f"the graph has isolated nodes {isolated[:5].tolist()}; every agent needs at least one neighbour."
            )
        object.__setattr__(self, "adjacency", adjacency)

    @cached_property
    def size(self) -> int:
        """Number of agents :math:`n`."""
        return self.adjacency.shape[0]

    @cached_property
    def degrees(self) -> np.ndarray:
        """Number of neighbours :math:`|\\mathcal N(i)|` of every agent."""
        return self.adjacency.sum(axis=1)

    @cached_property
    def group_sizes(self) -> np.ndarray:
        """Group sizes :math:`M_i = |\\mathcal N(i)| + 1`."""
        return self.degrees + 1

    @cached_property
    def neighbours(self) -> np.ndarray:
        """Padded neighbour lists, shape ``(n, max degree)`` (padding entries are 0; see :attr:`mask`)."""
        order = np.argsort(~self.adjacency, axis=1, kind="stable")
        return np.where(self.mask, order[:, : self.degrees.max()], 0)

    @cached_property
    def mask(self) -> np.ndarray:
        """``mask[i, s]`` is true when ``neighbours[i, s]`` is a real neighbour of ``i``."""
        return np.arange(self.degrees.max()) < self.degrees[:, None]

    @cached_property
    def groups(self) -> np.ndarray:
        """Padded groups, shape ``(n, max degree + 1)``: agent ``i`` first, then its neighbours."""
        return np.concatenate([np.arange(self.size)[:, None], self.neighbours], axis=1)

    @cached_property
    def group_mask(self) -> np.ndarray:
        """Mask of the real members of every padded group."""
        return np.concatenate([np.ones((self.size, 1), dtype=bool), self.mask], axis=1)


def from_networkx(graph: nx.Graph, name: str = "network") -> Network:
    """Build a :class:`Network` from a networkx graph, relabelling its nodes ``0..n-1`` in node order."""
    if not isinstance(graph, nx.Graph) or graph.is_directed():
        raise ValueError("graph must be an undirected networkx.Graph.")
    if graph.number_of_nodes() < 2:
        raise ValueError(f"graph must have at least 2 nodes, got {graph.number_of_nodes()}.")
    loops = list(nx.nodes_with_selfloops(graph))
    if loops:
        raise ValueError(
            f"the graph has self-loops at nodes {loops[:5]}; an agent is already in its own group, "
            "so self-loops are not allowed."
        )
    return Network(nx.to_numpy_array(graph, dtype=float) > 0, name=name)


def lattice(side: int) -> Network:
    """A periodic square lattice (a torus) of ``side x side`` agents, each with 4 neighbours."""
    side = check_positive_int(side, "side", minimum=3)
    graph = nx.convert_node_labels_to_integers(
        nx.grid_2d_graph(side, side, periodic=True), ordering="sorted"
    )
    return from_networkx(graph, name=f"lattice {side}x{side}")


def scale_free(n: int, m: int = 2, seed: int = 0) -> Network:
    """A Barabási–Albert scale-free graph: ``n`` agents, each newcomer attaching to ``m`` others.

    Parameters
    ----------
    n, m : int
        Number of agents, and edges each newcomer brings (``1 <= m < n``).
    seed : int
        Seed of networkx's generator (the graph is a deterministic function of it).

    Returns
    -------
    Network
    """
    n = check_positive_int(n, "n", minimum=3)
    m = check_positive_int(m, "m")
    if m >= n:
        raise ValueError(f"m must be smaller than n, got m={m} and n={n}.")
    seed = check_positive_int(seed, "seed", minimum=0)
    return from_networkx(nx.barabasi_albert_graph(n, m, seed=seed), name=f"scale-free n={n}")


def disjoint_union(networks: Iterable[Network]) -> Network:
    """One network made of several networks side by side (agent ids offset in order), so that
    independent games can be simulated in one vectorised call."""
    networks = list(networks)
    if not networks or not all(isinstance(net, Network) for net in networks):
        raise ValueError("networks must be a non-empty sequence of Network objects.")
    sizes = [net.size for net in networks]
    adjacency = np.zeros((sum(sizes), sum(sizes)), dtype=bool)
    starts = np.cumsum([0] + sizes)
    for net, start in zip(
        networks, starts[:-1], strict=True
    ):  # loop over graphs (a handful), not agents
        adjacency[start : start + net.size, start : start + net.size] = net.adjacency
    return Network(adjacency, name=f"{len(networks)} networks")
