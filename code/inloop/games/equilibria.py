"""The set RRM selects from: every performatively stable forecast under full trust.

With full trust (:math:`\\tau = 1`) and a binary forecast :math:`\\theta \\in \\{0, 1\\}^n`, agent
:math:`i` knows how many of its neighbours are forecast to cooperate, :math:`k_i(\\theta)`, and
cooperates iff it is then pivotal and pivotality is worth its cost:

.. math:: y_i(\\theta) = \\big[\\, r\\, \\mathbb 1[k_i(\\theta) = T_i - 1] > c \\,\\big].

RRM copies the induced actions, :math:`\\theta_{t+1} = y(\\theta_t)`, so its iterates are binary
after one round and its stable points are the binary fixed points :math:`y(\\theta) = \\theta`.
:func:`stable_forecasts` lists all of them exactly. Enumerating :math:`2^n` forecasts is hopeless
beyond :math:`n \\approx 25`; instead the agents are assigned one at a time (in ``order``) and a
partial forecast is dropped as soon as some agent whose whole group is assigned violates the
fixed-point condition. On a :math:`L \\times L` torus in row order only about :math:`2^{2L}` times
the number of valid strips of partial forecasts are alive at any step.

:func:`landing_points` then says, for the final forecasts of many RRM runs, which stable point
each one reached: the empirical basins of attraction. :func:`basin` computes a basin exactly, by
searching backwards along the RRM map; given symmetries of the graph (:func:`torus_symmetries`),
it searches from one forecast per symmetry class only. Every array here is a NumPy array.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive_int
from .crd import CollectiveRiskDilemma
from .network import Network

__all__ = [
    "basin",
    "full_trust_response",
    "landing_points",
    "preimages",
    "stable_forecasts",
    "torus_symmetries",
]


def full_trust_response(
    game: CollectiveRiskDilemma, network: Network, forecasts: ArrayLike
) -> NDArray[np.float64]:
    """:math:`y(\\theta)` for binary forecasts under full trust, in exact integer arithmetic.

    Parameters
    ----------
    forecasts : array_like of 0/1, shape ``(..., n)``

    Returns
    -------
    numpy.ndarray, shape ``(..., n)``
        The induced actions (equal to :func:`inloop.games.agents.respond` with trust 1).
    """
    theta = np.asarray(forecasts, dtype=np.float64)
    if theta.ndim == 0 or theta.shape[-1] != network.size or not np.isin(theta, (0, 1)).all():
        raise ValueError(
            f"forecasts must be 0/1 with {network.size} entries on the last axis, "
            f"got shape {theta.shape}."
        )
    counts = np.rint(theta @ network.adjacency.astype(np.float64)).astype(np.int64)
    pivotal = counts == game.thresholds(network) - 1
    return (game.loss_fraction * pivotal > game.cost).astype(np.float64)


def stable_forecasts(
    game: CollectiveRiskDilemma,
    network: Network,
    order: ArrayLike | None = None,
    max_partial: int = 4_000_000,
) -> NDArray[np.float64]:
    """All binary forecasts with :math:`y(\\theta) = \\theta` under full trust.

    Parameters and result as in :func:`preimages`, without ``target``.
    """
    return preimages(game, network, None, order, max_partial)


def preimages(
    game: CollectiveRiskDilemma,
    network: Network,
    target: ArrayLike | None = None,
    order: ArrayLike | None = None,
    max_partial: int = 4_000_000,
) -> NDArray[np.float64]:
    """All binary forecasts :math:`\\theta` with :math:`y(\\theta) = ` ``target`` under full trust.

    With ``target=None``, the fixed points :math:`y(\\theta) = \\theta`: the stable forecasts.
    The preimages of a stable forecast are the forecasts RRM moves to it in one round, so a stable
    forecast whose only preimage is itself has a basin of attraction of size one.

    Parameters
    ----------
    game : CollectiveRiskDilemma
    network : Network
        The graph, with ``n`` agents.
    target : array_like of 0/1, shape ``(n,)``, optional
        The induced actions to reach; ``None`` asks for fixed points.
    order : array_like of int, shape ``(n,)``, optional
        Order in which agents are assigned (default ``0..n-1``). A good order completes groups
        early (row order on a lattice; a breadth-first order on a sparse graph).
    max_partial : int
        Largest number of partial forecasts kept alive; a ``ValueError`` suggests another
        order rather than exhausting memory.

    Returns
    -------
    numpy.ndarray, shape ``(k, n)``
        The ``k`` forecasts found, 0.0/1.0, in lexicographic order.
    """
    n = network.size
    order_ = np.arange(n) if order is None else np.asarray(order, dtype=np.int64)
    if sorted(order_.tolist()) != list(range(n)):
        raise ValueError(f"order must be a permutation of 0..{n - 1}.")
    max_partial = check_positive_int(max_partial, "max_partial")
    position = np.empty(n, dtype=np.int64)
    position[order_] = np.arange(n)
    closed = network.adjacency | np.eye(n, dtype=bool)
    completes_at = np.array([position[closed[i]].max() for i in range(n)])
    cooperate_if_pivotal = game.loss_fraction > game.cost
    pivotal_count = game.thresholds(network) - 1
    goal = None if target is None else _binary(target, n)
    partial = np.zeros((1, 0), dtype=np.int8)  # columns follow `order_`
    for step in range(n):  # one agent at a time: the search is sequential by nature
        partial = np.concatenate(
            [np.repeat(partial, 2, axis=0), np.tile([[0], [1]], (partial.shape[0], 1))], axis=1
        ).astype(np.int8)
        for agent in np.flatnonzero(completes_at == step):
            neighbours = position[network.adjacency[agent]]
            count = partial[:, neighbours].sum(axis=1)
            wants = (count == pivotal_count[agent]) & cooperate_if_pivotal
            own = partial[:, position[agent]] if goal is None else goal[agent]
            partial = partial[own == wants]
        if partial.shape[0] > max_partial:
            raise ValueError(
                f"more than {max_partial} partial forecasts after {step + 1} agents; "
                "pass an order that completes groups earlier, or raise max_partial."
            )
    stable = partial[:, position].astype(np.float64)
    return stable[np.lexsort(stable.T[::-1])]


def basin(
    game: CollectiveRiskDilemma,
    network: Network,
    stable: ArrayLike,
    max_size: int = 100_000,
    symmetries: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Exact basin of attraction of a stable forecast under RRM: every binary forecast RRM takes to it.

    A breadth-first search backwards along the RRM map: the basin is the stable forecast, its
    preimages (:func:`preimages`), their preimages, and so on, until no new forecast appears.
    (Non-binary initial forecasts become binary after one round, so they join the basin of the
    binary forecast they induce.)

    With ``symmetries``, permutations :math:`\\pi` of the agents that preserve the graph, the
    search uses that the RRM map commutes with them, :math:`y(\\theta \\circ \\pi) = y(\\theta)
    \\circ \\pi`. The symmetries that fix ``stable`` then map its basin, and each level of the
    search, onto itself, so only one forecast per class is searched backwards and the classes are
    filled in at the end.

    Parameters
    ----------
    game, network : the game and its graph (``n`` agents).
    stable : array_like of 0/1, shape ``(n,)``
        A stable forecast.
    max_size : int
        The search stops with a ``ValueError`` once the basin holds more forecasts than this.
    symmetries : array_like of int, shape ``(k, n)``, optional
        Automorphisms of ``network`` (row ``pi`` maps agent ``i`` to ``pi[i]``), for example
        :func:`torus_symmetries`; any subset of them that contains the identity is valid.

    Returns
    -------
    numpy.ndarray, shape ``(size, n)``
        The basin, the stable forecast first.
    """
    point = _binary(stable, network.size)
    if not np.array_equal(full_trust_response(game, network, point), point):
        raise ValueError("stable must be a stable forecast: y(stable) must equal stable.")
    max_size = check_positive_int(max_size, "max_size")
    fixing = _stabiliser(network, point, symmetries)
    seen = {_canonical(point[None], fixing)[0].tobytes()}
    representatives = [point]
    frontier = [point]
    count = 1
    while frontier:  # breadth-first: each level is the preimage set of the last
        found = [preimages(game, network, forecast).astype(np.int8) for forecast in frontier]
        rows = np.concatenate(found)
        keys, first = np.unique(_canonical(rows, fixing), axis=0, return_index=True)
        fresh = np.array([key.tobytes() not in seen for key in keys], dtype=bool)
        seen.update(key.tobytes() for key in keys[fresh])
        frontier = list(rows[first[fresh]])
        representatives.extend(frontier)
        count += sum(len(_orbit(row, fixing)) for row in frontier)
        if count > max_size:
            raise ValueError(f"the basin holds more than {max_size} forecasts; raise max_size.")
    rest = [_orbit(row, fixing) for row in representatives[1:]]
    found_all = np.concatenate([point[None], *rest]) if rest else point[None]
    return found_all.astype(np.float64)


def torus_symmetries(side: int) -> NDArray[np.int64]:
    """The translations, rotations and reflections of the :func:`~inloop.games.network.lattice` torus.

    Agent ``i * side + j`` sits at row ``i`` and column ``j``. The result holds the distinct
    permutations among the :math:`8\\,\\text{side}^2` compositions of a rotation by a multiple
    of 90 degrees, an optional transposition and a translation; every one preserves the lattice.

    Returns
    -------
    numpy.ndarray of int, shape ``(k, side * side)``
        Row ``pi`` maps agent ``i`` to agent ``pi[i]``; the identity is among them.
    """
    side = check_positive_int(side, "side", minimum=3)
    row, column = np.divmod(np.arange(side * side), side)
    maps = []
    for turns in range(4):  # the 8 symmetries of the square, then every translation
        a, b = row, column
        for _ in range(turns):
            a, b = b, side - 1 - a
        for x, y in ((a, b), (b, a)):
            shifts = np.arange(side)
            moved_rows = (x[None, None, :] + shifts[:, None, None]) % side
            moved_columns = (y[None, None, :] + shifts[None, :, None]) % side
            maps.append((moved_rows * side + moved_columns).reshape(-1, side * side))
    return np.unique(np.concatenate(maps), axis=0)


def _stabiliser(
    network: Network, point: NDArray[np.int8], symmetries: ArrayLike | None
) -> NDArray[np.int64]:
    """The given symmetries that fix ``point``, checked to be automorphisms of ``network``."""
    n = network.size
    if symmetries is None:
        return np.arange(n)[None]
    maps = np.asarray(symmetries, dtype=np.int64)
    if maps.ndim != 2 or maps.shape[1] != n or not (np.sort(maps, axis=1) == np.arange(n)).all():
        raise ValueError(f"symmetries must be permutations of 0..{n - 1}, one per row.")
    adjacency = network.adjacency
    if not all(np.array_equal(adjacency[np.ix_(m, m)], adjacency) for m in maps):
        raise ValueError("every symmetry must preserve the graph (map neighbours to neighbours).")
    return maps[(point[maps] == point).all(axis=1)]


def _canonical(rows: NDArray[np.int8], fixing: NDArray[np.int64]) -> NDArray[np.uint64]:
    """One key per row, the same for all rows of a class: the smallest image, packed, shape ``(rows, words)``."""
    images = np.packbits(rows[:, fixing].astype(bool), axis=-1)  # (rows, symmetries, bytes)
    padding = -images.shape[-1] % 8
    images = np.pad(images, [(0, 0), (0, 0), (0, padding)])
    words = np.ascontiguousarray(images).view(">u8").astype(np.uint64)  # numeric = bit order
    candidate = np.ones(words.shape[:2], dtype=bool)
    for word in range(words.shape[-1]):  # lexicographic minimum over the symmetries, word by word
        values = np.where(candidate, words[..., word], np.iinfo(np.uint64).max)
        candidate &= values == values.min(axis=1, keepdims=True)
    return words[np.arange(len(rows)), candidate.argmax(axis=1)]


def _orbit(row: NDArray[np.int8], fixing: NDArray[np.int64]) -> NDArray[np.int8]:
    """The distinct images of ``row`` under the symmetries that fix the stable forecast."""
    return np.unique(row[fixing], axis=0)


def _binary(values: ArrayLike, n: int) -> NDArray[np.int8]:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (n,) or not np.isin(array, (0, 1)).all():
        raise ValueError(f"target must be a 0/1 vector of {n} entries, got shape {array.shape}.")
    return array.astype(np.int8)


def landing_points(final_forecasts: ArrayLike, stable: ArrayLike) -> NDArray[np.int64]:
    """Index of the stable forecast each final forecast equals, or -1 if it equals none.

    Parameters
    ----------
    final_forecasts : array_like, shape ``(..., n)``
    stable : array_like, shape ``(k, n)``
        E.g. the output of :func:`stable_forecasts`.

    Returns
    -------
    numpy.ndarray of int, shape ``(...)``
    """
    finals = np.asarray(final_forecasts, dtype=np.float64)
    table = np.asarray(stable, dtype=np.float64)
    if table.ndim != 2 or finals.shape[-1] != table.shape[1]:
        raise ValueError(
            f"final_forecasts (..., n) and stable (k, n) must agree on n; "
            f"got {finals.shape} and {table.shape}."
        )
    table_keys, final_keys = _row_keys(table), _row_keys(finals.reshape(-1, table.shape[1]))
    sorter = np.argsort(table_keys)
    slot = np.clip(np.searchsorted(table_keys[sorter], final_keys), 0, max(table.shape[0] - 1, 0))
    if table.shape[0] == 0:
        return np.full(finals.shape[:-1], -1, dtype=np.int64)
    found = np.where(table_keys[sorter][slot] == final_keys, sorter[slot], -1).astype(np.int64)
    return found.reshape(finals.shape[:-1])


def _row_keys(rows: NDArray[np.float64]) -> NDArray[np.void]:
    """One comparable key per 0/1 row (its bits packed into bytes)."""
    packed = np.ascontiguousarray(np.packbits(rows.astype(bool), axis=-1))
    return packed.view(np.dtype((np.void, packed.shape[-1]))).ravel()
