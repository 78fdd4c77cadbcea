"""Unit tests for inloop.games: closed forms, brute-force checks, Bayes' rule and input validation."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import torch
from inloop.games import (
    GCN_READOUTS,
    CollectiveRiskDilemma,
    GamesSettings,
    GCNPredictor,
    MessagePassingPredictor,
    MLPPredictor,
    Network,
    StackedPredictor,
    anarchic_success,
    expected_gain,
    from_networkx,
    full_trust_response,
    landing_points,
    lattice,
    mean_with_interval,
    paper_trust_policy,
    pareto_front,
    pivotal_probability,
    play,
    pmf_by_enumeration,
    pmf_fourier,
    pmf_recursion,
    poisson_binomial_pmf,
    respond,
    rrm_final_forecasts,
    run_myopic,
    run_policy,
    run_rrm,
    scale_free,
    stable_forecasts,
    success_probability,
    torus_symmetries,
    train_min_norm,
    train_predictor,
    uniform_forecasts,
    update_trust,
)
from inloop.games.equilibria import basin, preimages
from inloop.games.poisson_binomial import RECURSION_ABOVE, pmf_exact
from inloop.games.training import min_norm_weight

GAME = CollectiveRiskDilemma()  # e = 1, r = 0.4, c = 0.2, t = 0.5


def path(n: int) -> Network:
    return from_networkx(nx.path_graph(n))


# --- Poisson-binomial -------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 5, 9, 12])
def test_pmf_matches_enumeration(k):
    probs = np.random.default_rng(k).uniform(size=k)
    exact = pmf_by_enumeration(probs)
    np.testing.assert_allclose(poisson_binomial_pmf(probs), exact, atol=1e-12)
    np.testing.assert_allclose(pmf_recursion(torch.as_tensor(probs)).numpy(), exact, atol=1e-12)
    assert exact.sum() == pytest.approx(1.0)


def test_both_exact_routes_agree_on_large_batches():
    probs = torch.as_tensor(np.random.default_rng(1).uniform(size=(2000, 30, 9)))
    assert probs.numel() * 10 > RECURSION_ABOVE  # large enough for the recursion route
    np.testing.assert_allclose(
        poisson_binomial_pmf(probs.numpy()), pmf_fourier(probs).numpy(), atol=1e-12, rtol=0
    )
    np.testing.assert_allclose(
        poisson_binomial_pmf(probs.numpy())[7, 3],
        pmf_by_enumeration(probs[7, 3].numpy()),
        atol=1e-12,
    )


def test_pmf_edge_probabilities_and_binomial_case():
    np.testing.assert_allclose(poisson_binomial_pmf([0.0, 1.0, 1.0]), [0, 0, 1, 0], atol=1e-12)
    binomial = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16]
    np.testing.assert_allclose(poisson_binomial_pmf([0.5] * 4), binomial, atol=1e-12)


def test_pmf_is_vectorised_and_differentiable():
    probs = torch.rand(3, 4, 6, dtype=torch.float64, requires_grad=True)
    pmf = pmf_exact(probs)
    assert pmf.shape == (3, 4, 7)
    mean = (pmf * torch.arange(7)).sum(-1)
    torch.testing.assert_close(mean, probs.sum(-1))  # E[sum] = sum p
    mean.sum().backward()
    torch.testing.assert_close(probs.grad, torch.ones_like(probs))


def test_pivotal_and_success_probability_against_enumeration():
    network = scale_free(9, 2, seed=3)
    probs = np.random.default_rng(0).uniform(size=network.size)
    thresholds = GAME.thresholds(network)
    pivotal = pivotal_probability(network, probs, thresholds)
    success = success_probability(network, probs, thresholds)
    for i in range(network.size):  # brute force, one agent at a time
        neighbours = np.flatnonzero(network.adjacency[i])
        assert pivotal[i] == pytest.approx(
            pmf_by_enumeration(probs[neighbours])[thresholds[i] - 1], abs=1e-12
        )
        group = np.append(i, neighbours)
        assert success[i] == pytest.approx(
            pmf_by_enumeration(probs[group])[thresholds[i] :].sum(), abs=1e-12
        )


def test_probabilities_outside_unit_interval_are_rejected():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        poisson_binomial_pmf([0.2, 1.3])
    with pytest.raises(ValueError, match="one per agent"):
        pivotal_probability(path(3), [0.5, 0.5], [1, 2, 1])


# --- network and game -----------------------------------------------------------------------


def test_networks_have_the_expected_shape():
    grid = lattice(5)
    assert grid.size == 25 and (grid.degrees == 4).all()
    sf = scale_free(30, 2, seed=1)
    assert sf.size == 30 and sf.degrees.min() >= 2
    assert (sf.neighbours[sf.mask] != np.arange(30).repeat(sf.degrees)).all()


def test_invalid_graphs_are_rejected():
    lonely = nx.path_graph(3)
    lonely.add_node(3)
    with pytest.raises(ValueError, match="isolated"):
        from_networkx(lonely)
    looped = nx.path_graph(3)
    looped.add_edge(1, 1)
    with pytest.raises(ValueError, match="self-loops"):
        from_networkx(looped)
    with pytest.raises(ValueError, match="symmetric"):
        Network(np.array([[0, 1], [0, 0]]))
    with pytest.raises(ValueError, match="undirected"):
        from_networkx(nx.DiGraph([(0, 1)]))


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("threshold", 1.5, "threshold"),
        ("threshold", -0.1, "threshold"),
        ("cost", -0.2, "cost"),
        ("loss_fraction", 2.0, "loss_fraction"),
        ("endowment", 0.0, "endowment"),
    ],
)
def test_invalid_game_parameters_are_rejected(field, value, message):
    with pytest.raises(ValueError, match=message):
        CollectiveRiskDilemma(**{field: value})


def test_thresholds_use_ceiling_without_rounding_errors():
    assert (
        CollectiveRiskDilemma(threshold=0.3)
        .thresholds(from_networkx(nx.complete_graph(10)))
        .tolist()
        == [3] * 10
    )
    assert GAME.thresholds(path(3)).tolist() == [1, 2, 1]  # groups of 2, 3, 2 with t = 1/2


def test_payoffs_match_hand_computed_cases():
    # Path 0-1-2; groups {0,1}, {0,1,2}, {1,2}; thresholds 1, 2, 1.
    network = path(3)
    # Only agent 1 cooperates: groups {0,1} and {1,2} succeed (1 >= 1), the middle group fails (1 < 2).
    np.testing.assert_allclose(GAME.payoffs(network, [0, 1, 0]), [1.0, 0.6 - 0.2, 1.0])
    # Nobody cooperates: every group fails and every agent keeps e (1 - r) = 0.6.
    np.testing.assert_allclose(GAME.payoffs(network, [0, 0, 0]), [0.6, 0.6, 0.6])
    # Agents 0 and 2 cooperate: all groups succeed; cooperators pay c e = 0.2.
    np.testing.assert_allclose(GAME.payoffs(network, [1, 0, 1]), [0.8, 1.0, 0.8])
    assert GAME.welfare(network, [0, 1, 0]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="0 \\(defect\\) or 1"):
        GAME.payoffs(network, [0, 0.5, 1])


def test_expected_gain_and_response_match_hand_computed_cases():
    # Delta = e (r (tau g_pred + (1 - tau) g_alpha) - c) with e = 1, r = 0.4, c = 0.2.
    assert expected_gain(GAME, 1.0, 1.0, 0.0) == pytest.approx(0.4 - 0.2)
    assert expected_gain(GAME, 0.0, 1.0, 0.25) == pytest.approx(0.4 * 0.25 - 0.2)
    assert expected_gain(GAME, 0.5, 1.0, 0.0) == pytest.approx(
        0.0
    )  # indifferent: does not cooperate
    network = path(3)  # thresholds 1, 2, 1: ends are pivotal iff the middle defects
    trust = np.ones(3)
    # Forecast (1, 0, 0): the middle sees exactly one cooperating neighbour (T - 1 = 1) and the
    # ends see a defecting middle (T - 1 = 0), so all three are pivotal and cooperate.
    assert respond(GAME, network, [1.0, 0.0, 0.0], trust).tolist() == [1.0, 1.0, 1.0]
    # Forecast (0, 1, 0): the ends see one cooperator (not 0), the middle sees none (not 1).
    assert respond(GAME, network, [0.0, 1.0, 0.0], trust).tolist() == [0.0, 0.0, 0.0]
    # Without trust the prior decides: the middle is pivotal with probability 2 * 0.8 * 0.2 = 0.32.
    assert respond(GAME, network, [1.0, 0.0, 0.0], np.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="trust"):
        respond(GAME, network, [0.5, 0.5, 0.5], [0.5, 2.0, 0.5])


# --- trust ----------------------------------------------------------------------------------


def test_trust_update_is_bayes_rule():
    network = path(3)
    trust = np.array([0.5, 0.3, 0.9])
    predictions = np.array([0.7, 0.2, 0.6])
    actions = np.array([1.0, 0.0, 0.0])
    alpha = 0.8
    updated = update_trust(network, trust, predictions, actions, alpha)
    for i in range(3):
        neighbours = np.flatnonzero(network.adjacency[i])
        like_pred = np.prod(
            np.where(actions[neighbours] == 1, predictions[neighbours], 1 - predictions[neighbours])
        )
        like_alpha = np.prod(np.where(actions[neighbours] == 1, alpha, 1 - alpha))
        posterior = trust[i] * like_pred / (trust[i] * like_pred + (1 - trust[i]) * like_alpha)
        assert updated[i] == pytest.approx(posterior, rel=1e-12)
    assert update_trust(network, [0.0, 1.0, 0.5], predictions, actions, alpha)[:2].tolist() == [
        0.0,
        1.0,
    ]
    with pytest.raises(ValueError, match="trust"):
        update_trust(network, [0.5, 1.2, 0.5], predictions, actions, alpha)
    with pytest.raises(ValueError, match="alpha"):
        update_trust(network, trust, predictions, actions, 1.5)


# --- RRM, myopic forecaster, training -------------------------------------------------------


def test_rrm_stable_points_are_fixed_points_of_the_response():
    network = lattice(4)
    outcome = run_rrm(GAME, [network], runs=30, rounds=20, seed=np.random.default_rng(0))
    assert outcome.stable.shape == (30, 1)
    assert (
        outcome.final_accuracy[outcome.stable] == 1.0
    ).all()  # stable forecasts are exactly right
    assert ((outcome.welfare >= 0) & (outcome.welfare <= 1)).all()
    # All-defect is a fixed point on a 4-regular lattice (nobody is pivotal when nobody cooperates).
    assert respond(GAME, network, np.zeros(16), np.ones(16)).sum() == 0


def test_myopic_forecaster_makes_the_middle_agents_trust_oscillate():
    game = CollectiveRiskDilemma(loss_fraction=0.5, cost=0.3, threshold=2 / 3)
    run = run_myopic(game, path(3), rounds=20, levels=11)
    middle = run.trust[:, 1]
    rises = np.diff(middle) > 0
    assert rises.any() and (~rises).any()
    assert middle.max() - middle.min() > 0.2
    assert set(np.round(run.welfare, 6)) >= {1.0}


def test_training_moves_welfare_and_accuracy_in_opposite_directions():
    # 3x3 torus: under the prior alone nobody cooperates, so welfare needs persuasion.
    network = lattice(3)
    model = MLPPredictor(network.size, hidden=16, members=2, seed=0)
    result = train_predictor(
        model, GAME, network, [0.0, 1.0], epochs=40, rounds=4, learning_rate=0.05
    )
    assert result.losses.shape == (40, 2)
    assert result.welfare[1] > result.welfare[0] + 0.25  # the welfare member reaches more welfare
    assert (
        result.accuracy[0] > result.accuracy[1] + 0.1
    )  # ... and the accuracy member more accuracy


def test_min_norm_weight_is_the_min_norm_point_of_the_segment():
    rng = np.random.default_rng(0)
    g_w = [torch.as_tensor(rng.normal(size=(3, 4))), torch.as_tensor(rng.normal(size=(3, 2, 2)))]
    g_a = [torch.as_tensor(rng.normal(size=(3, 4))), torch.as_tensor(rng.normal(size=(3, 2, 2)))]
    s = min_norm_weight(g_w, g_a).numpy()
    grid = np.linspace(0, 1, 100_001)
    for k in range(3):  # brute force over the segment, member by member
        w = np.concatenate([g[k].numpy().ravel() for g in g_w])
        a = np.concatenate([g[k].numpy().ravel() for g in g_a])
        norms = np.linalg.norm(grid[:, None] * w + (1 - grid[:, None]) * a, axis=1)
        assert s[k] == pytest.approx(grid[np.argmin(norms)], abs=1e-4)
    same = [torch.ones(2, 3)]
    assert min_norm_weight(same, same).tolist() == [0.5, 0.5]  # identical gradients: any point


def test_min_norm_training_runs_and_reports_its_weights():
    network = lattice(3)
    model = MLPPredictor(network.size, hidden=8, members=2, seed=1)
    result = train_min_norm(model, GAME, network, epochs=5, rounds=3)
    assert result.losses.shape == (5, 2)
    assert ((result.welfare_weights >= 0) & (result.welfare_weights <= 1)).all()


def test_predictors_keep_no_random_state_and_are_reproducible():
    network = path(4)
    for build in (
        lambda seed: MLPPredictor(4, hidden=8, members=2, seed=seed),
        lambda seed: MessagePassingPredictor(network, hidden=8, members=2, seed=seed),
        lambda seed: GCNPredictor(network, hidden=8, readout="mlp", members=2, seed=seed),
    ):
        first, again, other = build(3), build(3), build(4)
        assert not any(isinstance(v, torch.Generator) for v in vars(first).values())
        for a, b in zip(first.parameters(), again.parameters(), strict=True):
            torch.testing.assert_close(a, b)
        pairs = zip(first.parameters(), other.parameters(), strict=True)
        assert any(not torch.equal(a, c) for a, c in pairs)


def test_trust_gradient_can_be_blocked():
    network = path(3)
    model = MLPPredictor(3, hidden=8, seed=0)
    episode = play(GAME, network, model, rounds=3, trust_gradient=False)
    assert not episode.trust.requires_grad
    assert play(GAME, network, model, rounds=3).trust.requires_grad


def test_rewired_message_passing_uses_the_new_graph():
    network, other = scale_free(8, 2, seed=0), scale_free(8, 2, seed=5)
    model = MessagePassingPredictor(network, hidden=8, seed=0)
    moved = model.rewired(other)
    codes = torch.tensor([0, 1, 0, 1, 1, 0, 0, 1])
    assert not torch.allclose(model(codes), moved(codes))
    torch.testing.assert_close(
        moved(codes), MessagePassingPredictor(other, hidden=8, seed=0)(codes)
    )
    with pytest.raises(ValueError, match="8 agents"):
        model.rewired(path(3))


def test_message_passing_predictor_respects_the_network():
    network = path(4)
    model = MessagePassingPredictor(network, hidden=8, members=3, seed=1)
    out = model(torch.full((4,), 2, dtype=torch.long))
    assert out.shape == (3, 4) and ((out > 0) & (out < 1)).all()
    episode = play(GAME, network, model, rounds=3)
    assert episode.predictions.shape == (3, 3, 4)


def test_gcn_operator_is_the_normalised_adjacency_with_self_loops():
    network = path(3)  # degrees with self-loops: 2, 3, 2
    model = GCNPredictor(network, hidden=4, seed=0)
    d = np.array([2.0, 3.0, 2.0]) ** -0.5
    expected = d[:, None] * (network.adjacency + np.eye(3)) * d[None, :]
    np.testing.assert_allclose(model.propagation.numpy(), expected)


@pytest.mark.parametrize("readout", GCN_READOUTS)
def test_gcn_predictor_readouts(readout):
    network = scale_free(8, 2, seed=0)
    model = GCNPredictor(network, hidden=4, layers=2, readout=readout, members=3, seed=1)
    codes = torch.tensor([0, 1, 0, 1, 1, 0, 0, 2])
    out = model(codes)
    assert out.shape == (3, 8) and ((out > 0) & (out < 1)).all()
    result = train_predictor(model, GAME, network, [0.0, 0.5, 1.0], epochs=2, rounds=2)
    assert result.losses.shape == (2, 3)
    moved = model.rewired(scale_free(8, 2, seed=5))
    assert not torch.allclose(model(codes), moved(codes))
    with pytest.raises(ValueError, match="8 agents"):
        model.rewired(path(3))


def test_gcn_readout_without_a_whole_graph_layer_is_local():
    # With the "gcn" readout, an agent's forecast depends only on agents within layers + 1 hops.
    network = from_networkx(nx.path_graph(8))
    model = GCNPredictor(network, hidden=4, layers=1, readout="gcn", seed=0)
    codes = torch.zeros(8, dtype=torch.long)
    changed = codes.clone()
    changed[7] = 1
    torch.testing.assert_close(model(codes)[0, :5], model(changed)[0, :5])
    assert not torch.allclose(model(codes)[0, 5:], model(changed)[0, 5:])
    whole = GCNPredictor(network, hidden=4, layers=1, readout="linear", seed=0)
    assert not torch.allclose(whole(codes)[0, 0], whole(changed)[0, 0])


def test_a_stack_trains_every_member_as_it_would_alone():
    network = scale_free(8, 2, seed=0)

    def build():
        return [
            MLPPredictor(8, hidden=8, members=2, seed=0),
            GCNPredictor(network, hidden=4, readout="linear", members=2, seed=1),
        ]

    alone = [train_predictor(m, GAME, network, [0.0, 1.0], epochs=3, rounds=3) for m in build()]
    parts = build()
    stacked = train_predictor(
        StackedPredictor(parts), GAME, network, [0.0, 1.0, 0.0, 1.0], epochs=3, rounds=3
    )
    np.testing.assert_allclose(
        stacked.welfare, np.concatenate([r.welfare for r in alone]), atol=1e-12
    )
    np.testing.assert_allclose(
        stacked.accuracy, np.concatenate([r.accuracy for r in alone]), atol=1e-9
    )
    with pytest.raises(ValueError, match="non-empty list"):
        StackedPredictor([])


def test_gcn_predictor_rejects_an_unknown_readout():
    with pytest.raises(ValueError, match="readout must be one of"):
        GCNPredictor(path(3), readout="attention")


def test_training_rejects_bad_weights():
    network = path(3)
    model = MLPPredictor(3, members=2)
    with pytest.raises(ValueError, match="one welfare weight per member"):
        train_predictor(model, GAME, network, [0.5], epochs=1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        train_predictor(model, GAME, network, [0.5, 1.5], epochs=1)


def test_pareto_front_keeps_exactly_the_non_dominated_points():
    points = np.array([[0.9, 0.1], [0.5, 0.5], [0.4, 0.4], [0.1, 0.9], [0.9, 0.05]])
    assert pareto_front(points).tolist() == [True, True, False, True, False]
    brute = [not any((q >= p).all() and (q > p).any() for q in points) for p in points]
    assert pareto_front(points).tolist() == brute


def test_exercise_checker_accepts_a_correct_answer_and_explains_wrong_ones():
    from inloop.games import check_pivotal_probability

    def correct(probs, threshold):
        pmf = pmf_by_enumeration(probs) if len(probs) <= 12 else poisson_binomial_pmf(probs)
        return pmf[threshold - 1] if 0 <= threshold - 1 < len(pmf) else 0.0

    check_pivotal_probability(correct)
    with pytest.raises(AssertionError, match="Off by one"):
        check_pivotal_probability(lambda probs, threshold: correct(probs, threshold + 1))
    with pytest.raises(AssertionError, match="exactly"):
        check_pivotal_probability(
            lambda probs, threshold: poisson_binomial_pmf(probs)[threshold - 1 :].sum()
        )


# --- equilibria, policies, settings, statistics ----------------------------------------------


def _brute_force_stable(game, network):
    profiles = np.array(list(itertools.product((0.0, 1.0), repeat=network.size)))
    induced = respond(game, network, profiles, np.ones_like(profiles))
    return profiles[(induced == profiles).all(axis=1)]


@pytest.mark.parametrize(
    "network, game",
    [
        (lattice(3), GAME),
        (scale_free(12, 2, seed=4), GAME),
        (path(7), GAME),
        (from_networkx(nx.cycle_graph(9)), CollectiveRiskDilemma(threshold=2 / 3)),
        (scale_free(10, 1, seed=0), CollectiveRiskDilemma(loss_fraction=0.1, cost=0.2)),
    ],
)
def test_stable_forecasts_match_brute_force(network, game):
    fast = stable_forecasts(game, network)
    brute = _brute_force_stable(game, network)
    assert fast.shape == brute.shape
    np.testing.assert_array_equal(fast, brute)  # both in lexicographic order
    reordered = stable_forecasts(game, network, order=np.arange(network.size)[::-1])
    np.testing.assert_array_equal(reordered, brute)
    np.testing.assert_array_equal(full_trust_response(game, network, fast), fast)


def test_stable_forecasts_on_the_5x5_lattice():
    grid = lattice(5)
    stable = stable_forecasts(GAME, grid)
    welfare = GAME.welfare(grid, stable)
    assert len(stable) == 81 and (welfare == 1).sum() == 20 and (welfare == 0).sum() == 1
    with pytest.raises(ValueError, match="permutation"):
        stable_forecasts(GAME, grid, order=[0, 1])
    with pytest.raises(ValueError, match="partial forecasts"):
        stable_forecasts(GAME, grid, max_partial=10)


def test_landing_points_find_each_stable_forecast():
    network = lattice(4)
    stable = stable_forecasts(GAME, network)
    finals = np.stack([stable[3], np.ones(16), stable[0]])
    assert landing_points(finals, stable).tolist() == [3, -1, 0]
    assert landing_points(finals[None], stable).shape == (1, 3)
    with pytest.raises(ValueError, match="agree on n"):
        landing_points(np.zeros((2, 5)), stable)


def test_rrm_final_forecasts_follow_the_full_trust_response():
    network = lattice(4)
    initial = uniform_forecasts(16, 8, seed=0)
    forecasts = rrm_final_forecasts(GAME, network, initial, rounds=5)
    assert forecasts.shape == (6, 8, 16)
    np.testing.assert_array_equal(forecasts[0], initial)
    np.testing.assert_array_equal(forecasts[1:], full_trust_response(GAME, network, forecasts[:-1]))
    with pytest.raises(ValueError, match="shape"):
        rrm_final_forecasts(GAME, network, np.zeros((2, 3)), rounds=2)


def test_paper_policy_persuades_and_then_rebuilds_trust_honestly():
    game = CollectiveRiskDilemma(loss_fraction=0.5, cost=0.3, threshold=2 / 3)
    network = path(3)
    run = run_policy(game, network, paper_trust_policy(game, network), rounds=30)
    honest = (run.forecasts == 0).all(axis=1)
    assert honest.any() and (~honest).any()
    assert (run.accuracy[honest] == 1).all() and (run.welfare[honest] == 0).all()
    assert (run.welfare[~honest] == 1).all()  # the least false persuasion works every time
    middle = np.diff(run.trust[:, 1])
    assert (middle[honest[:-1]] > 0).all() and (middle[~honest[:-1]] < 0).all()
    with pytest.raises(ValueError, match="path"):
        paper_trust_policy(game, lattice(3))


def test_settings_validate_and_the_paper_preset_differs():
    book, paper = GamesSettings.for_scale("book"), GamesSettings.for_scale("paper")
    assert book.learning_rate == 0.01 and paper.train_epochs > book.train_epochs
    assert book.game() == CollectiveRiskDilemma(1.0, 0.4, 0.2, 0.5)
    with pytest.raises(ValueError, match="learning_rate"):
        GamesSettings(learning_rate=0.0)
    with pytest.raises(ValueError, match="welfare_weights"):
        GamesSettings(welfare_weights=(0.5, 1.5))


def test_mean_with_interval_matches_the_t_formula():
    values = np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 2.0], [6.0, 2.0]])
    mean, half = mean_with_interval(values)
    assert mean.tolist() == [3.0, 2.0] and half[1] == 0.0
    assert half[0] == pytest.approx(3.182446305 * np.std(values[:, 0], ddof=1) / 2, rel=1e-8)
    with pytest.raises(ValueError, match="at least two"):
        mean_with_interval([1.0])


def test_anarchic_success_on_a_complete_graph():
    # Complete graph of 3: each agent is pivotal when exactly one of two others cooperates
    # (T = 2): g = 2 alpha (1 - alpha); with r = 0.6, c = 0.1 it cooperates iff g > 1/6.
    game = CollectiveRiskDilemma(loss_fraction=0.6, cost=0.1)
    triangle = from_networkx(nx.complete_graph(3))
    alphas = np.array([0.05, 0.5, 0.95])
    expected = (2 * alphas * (1 - alphas) > 1 / 6).astype(float)  # all or nobody cooperates
    np.testing.assert_allclose(anarchic_success(game, [triangle], alphas), expected)
    with pytest.raises(ValueError, match="priors"):
        anarchic_success(game, [triangle], [1.5])


def test_basin_matches_iterating_rrm_from_every_forecast():
    network, game = lattice(4), GAME
    profiles = np.array(list(itertools.product((0.0, 1.0), repeat=16)))
    final = profiles
    for _ in range(64):  # RRM from every one of the 2**16 forecasts (all reach a cycle by then)
        final = full_trust_response(game, network, final)
    stable = stable_forecasts(game, network)
    sizes = np.array([(final == point).all(axis=1).sum() for point in stable])
    assert len(stable) == 57 and sizes.sum() <= 2**16
    for point in stable[sizes < 2000]:  # the small basins (all but universal failure's)
        expected = profiles[(final == point).all(axis=1)]
        found = basin(game, network, point)
        np.testing.assert_array_equal(found[0], point)
        assert {tuple(r) for r in found} == {tuple(r) for r in expected}
        pre = preimages(game, network, point)
        induced = full_trust_response(game, network, pre)
        assert (induced == point).all()
    with pytest.raises(ValueError, match="stable forecast"):
        basin(game, network, np.ones(16))


def test_torus_symmetries_preserve_the_lattice():
    for side in (4, 5):
        network, maps = lattice(side), torus_symmetries(side)
        assert len(maps) == 8 * side**2 and (maps == np.arange(side**2)).all(axis=1).any()
        for m in maps:
            np.testing.assert_array_equal(network.adjacency[np.ix_(m, m)], network.adjacency)


def test_basin_with_symmetries_matches_the_plain_search():
    network, maps = lattice(4), torus_symmetries(4)
    stable = stable_forecasts(GAME, network)
    for point in stable[1:]:  # every stable forecast but universal failure (whose basin is huge)
        plain = basin(GAME, network, point)
        mapped = basin(GAME, network, point, symmetries=maps)
        np.testing.assert_array_equal(mapped[0], point)
        assert len(mapped) == len(plain)
        assert {tuple(r) for r in mapped} == {tuple(r) for r in plain}
    with pytest.raises(ValueError, match="permutations"):
        basin(GAME, network, stable[1], symmetries=np.zeros((1, 16), dtype=int))
    swap = np.arange(16)
    swap[[0, 5]] = [5, 0]  # exchanging two agents alone is not a symmetry of the lattice
    with pytest.raises(ValueError, match="preserve the graph"):
        basin(GAME, network, stable[1], symmetries=swap[None])


def test_bad_forecasts_and_models_are_rejected_at_the_boundary():
    network = path(3)
    with pytest.raises(ValueError, match="predictions must be probabilities"):
        respond(GAME, network, [0.5, 1.5, 0.5], np.ones(3))
    with pytest.raises(ValueError, match="one per agent"):
        respond(GAME, network, [0.5, 0.5], np.ones(3))
    with pytest.raises(ValueError, match="forecasts must be 0/1"):
        full_trust_response(GAME, network, [0.5, 0.0, 1.0])
    with pytest.raises(
        ValueError, match="MLPPredictor, a MessagePassingPredictor or a GCNPredictor"
    ):
        train_min_norm(torch.nn.Linear(3, 3), GAME, network, epochs=1)
    with pytest.raises(ValueError, match="loss_fraction must be positive"):
        train_min_norm(MLPPredictor(3), CollectiveRiskDilemma(loss_fraction=0.0), network, epochs=1)


def test_trust_update_checker_accepts_bayes_rule_and_explains_wrong_answers():
    from inloop.games.exercises import check_trust_update

    def log_odds(trust, probs, actions, alpha):
        if trust in (0.0, 1.0):
            return trust
        evidence = np.sum(
            actions * np.log(probs / alpha) + (1 - actions) * np.log((1 - probs) / (1 - alpha))
        )
        return 1 / (1 + np.exp(-(np.log(trust / (1 - trust)) + evidence)))

    def products(trust, probs, actions, alpha, *, weight=None):
        l_pred = np.prod(probs**actions * (1 - probs) ** (1 - actions))
        l_alpha = np.prod(alpha**actions * (1 - alpha) ** (1 - actions))
        weight = trust if weight is None else weight
        return weight * l_pred / (weight * l_pred + (1 - weight) * l_alpha)

    check_trust_update(log_odds)
    with pytest.raises(AssertionError, match="underflow"):
        check_trust_update(products)  # right formula, but products of 2,000 factors underflow
    with pytest.raises(AssertionError, match="ignored the agent's trust"):
        check_trust_update(lambda t, p, y, a: products(t, p, y, a, weight=0.5))
    with pytest.raises(AssertionError, match="trust in the innate prior"):
        check_trust_update(lambda t, p, y, a: 1 - log_odds(t, p, y, a))
    with pytest.raises(AssertionError, match="swapped"):
        check_trust_update(lambda t, p, y, a: log_odds(t, p, 1 - y, a))
    with pytest.raises(AssertionError, match="must stay 0"):
        check_trust_update(lambda t, p, y, a: log_odds(min(max(t, 1e-3), 1 - 1e-3), p, y, a))

    def in_place(trust, probs, actions, alpha):
        probs *= 1.0
        actions[:] = actions[::-1]
        return log_odds(trust, probs, actions[::-1], alpha)

    with pytest.raises(AssertionError, match="in place"):
        check_trust_update(in_place)


@pytest.mark.parametrize("n", range(3, 13))
def test_ring_stable_forecasts_are_failure_and_the_three_rotations_of_110(n):
    """The claim of the exercise on rings: with t = 1/2 the stable forecasts under full trust are
    'nobody cooperates' and, when 3 divides n, the three rotations of (1, 1, 0, 1, 1, 0, ...),
    under which every group succeeds."""
    game, ring = CollectiveRiskDilemma(), from_networkx(nx.cycle_graph(n))
    stable = stable_forecasts(game, ring)
    pattern = np.resize([1.0, 1.0, 0.0], n)
    expected = [np.zeros(n)] + ([np.roll(pattern, s) for s in range(3)] if n % 3 == 0 else [])
    assert sorted(map(tuple, stable)) == sorted(map(tuple, expected))
    welfare = game.welfare(ring, stable)
    assert (welfare[stable.sum(axis=1) > 0] == 1).all() and (
        welfare[stable.sum(axis=1) == 0] == 0
    ).all()
