"""Unit tests for inloop.games: closed forms, brute-force checks, Bayes' rule and input validation."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from inloop.games import (
    CollectiveRiskDilemma,
    MessagePassingPredictor,
    MLPPredictor,
    Network,
    expected_gain,
    from_networkx,
    lattice,
    pareto_front,
    pivotal_probability,
    play,
    pmf_by_enumeration,
    pmf_fourier,
    pmf_recursion,
    poisson_binomial_pmf,
    respond,
    run_myopic,
    run_rrm,
    scale_free,
    success_probability,
    train_predictor,
    update_trust,
)
from inloop.games.poisson_binomial import RECURSION_ABOVE

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
    torch.testing.assert_close(poisson_binomial_pmf(probs), pmf_fourier(probs), atol=1e-12, rtol=0)
    np.testing.assert_allclose(
        poisson_binomial_pmf(probs)[7, 3].numpy(),
        pmf_by_enumeration(probs[7, 3].numpy()),
        atol=1e-12,
    )


def test_pmf_edge_probabilities_and_binomial_case():
    np.testing.assert_allclose(poisson_binomial_pmf([0.0, 1.0, 1.0]), [0, 0, 1, 0], atol=1e-12)
    binomial = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16]
    np.testing.assert_allclose(poisson_binomial_pmf([0.5] * 4), binomial, atol=1e-12)


def test_pmf_is_vectorised_and_differentiable():
    probs = torch.rand(3, 4, 6, dtype=torch.float64, requires_grad=True)
    pmf = poisson_binomial_pmf(probs)
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
        ("risk", 2.0, "risk"),
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
    outcome = run_rrm(GAME, [network], runs=30, rounds=20, rng=np.random.default_rng(0))
    assert outcome.stable.shape == (30, 1)
    assert (
        outcome.final_accuracy[outcome.stable] == 1.0
    ).all()  # stable forecasts are exactly right
    assert ((outcome.welfare >= 0) & (outcome.welfare <= 1)).all()
    # All-defect is a fixed point on a 4-regular lattice (nobody is pivotal when nobody cooperates).
    assert respond(GAME, network, np.zeros(16), np.ones(16)).sum() == 0


def test_myopic_forecaster_makes_the_middle_agents_trust_oscillate():
    game = CollectiveRiskDilemma(risk=0.5, cost=0.3, threshold=2 / 3)
    run = run_myopic(game, path(3), rounds=20, levels=11)
    middle = run.trust[:, 1]
    rises = np.diff(middle) > 0
    assert rises.any() and (~rises).any()
    assert middle.max() - middle.min() > 0.2
    assert set(np.round(run.welfare, 6)) >= {1.0}


def test_training_moves_welfare_and_accuracy_in_opposite_directions():
    network = path(4)
    game = CollectiveRiskDilemma(threshold=0.6)
    model = MLPPredictor(network.size, hidden=16, members=2, seed=0)
    result = train_predictor(
        model, game, network, [0.0, 1.0], epochs=40, rounds=4, learning_rate=0.05, temperature=0.1
    )
    assert result.losses.shape == (40, 2)
    assert result.accuracy.shape == (2,) and result.welfare.shape == (2,)
    assert result.losses[-1, 0] < result.losses[0, 0]


def test_message_passing_predictor_respects_the_network():
    network = path(4)
    model = MessagePassingPredictor(network, hidden=8, members=3, seed=1)
    out = model(torch.full((4,), 2, dtype=torch.long))
    assert out.shape == (3, 4) and ((out > 0) & (out < 1)).all()
    episode = play(GAME, network, model, rounds=3)
    assert episode.predictions.shape == (3, 3, 4)


def test_training_rejects_bad_weights():
    network = path(3)
    model = MLPPredictor(3, members=2)
    with pytest.raises(ValueError, match="one weight per member"):
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

    assert check_pivotal_probability(correct)
    with pytest.raises(AssertionError, match="Off by one"):
        check_pivotal_probability(lambda probs, threshold: correct(probs, threshold + 1))
    with pytest.raises(AssertionError, match="exactly"):
        check_pivotal_probability(
            lambda probs, threshold: poisson_binomial_pmf(probs)[threshold - 1 :].sum()
        )
