"""The two-firm pricing game: structure, exact maps, and RRM against ARM."""

import numpy as np
import pytest
from inloop.performative import affine_risk_minimization
from inloop.performative.pricing import DemandObjective, PricingGame, synthetic_pricing_game


@pytest.fixture()
def game():
    return synthetic_pricing_game(n_locations=11, seed=0)


def test_structure_of_the_synthetic_instance(game):
    assert np.all(np.diagonal(game.own, axis1=1, axis2=2) < 0)
    assert np.all(game.cross >= 0)
    eigenvalues = np.linalg.eigvals(game.response / game.regularization)
    assert eigenvalues.real.min() < -1.0, "the instance is meant to make RRM overshoot"
    assert np.all(np.abs(game.stable_point) < game.price_bound)


def test_stable_point_is_a_fixed_point_of_the_exact_rrm_map(game):
    stable = game.stable_point
    np.testing.assert_allclose(
        game.expected_demand(stable) / game.regularization, stable, rtol=1e-12
    )
    noiseless = synthetic_pricing_game(seed=0, noise=0.0)
    objective = noiseless.induced_objective(stable[None, :], np.random.default_rng(0))
    np.testing.assert_allclose(noiseless.solve(objective).theta[0], stable, rtol=1e-12)


def test_linearised_rates(game):
    assert game.linearised_rate([1.0]) > 1.0
    assert game.linearised_rate([0.5, 0.5]) < 1.0
    assert game.linearised_rate([0.25] * 4) < 1.0
    rho = np.linalg.eigvals(game.response / game.regularization)
    assert game.linearised_rate([1.0]) == pytest.approx(np.abs(rho).max())


def test_sample_means_have_the_right_spread(game):
    prices = np.zeros((4000, 22))
    snapshot = game.induced_objective(prices, np.random.default_rng(0))
    spread = (snapshot.mean_demand - game.base.ravel()).std()
    assert spread == pytest.approx(game.noise / np.sqrt(game.samples), rel=0.02)


def test_mix_and_revenue(game):
    first, second = (
        DemandObjective(np.ones((3, 22)), 70.0),
        DemandObjective(3 * np.ones((3, 22)), 70.0),
    )
    np.testing.assert_allclose(game.mix([first, second], [1.5, -0.5]).mean_demand, 0.0)
    prices = np.random.default_rng(0).uniform(-1, 1, (5, 22))
    revenue = game.revenue(prices)
    demand = game.expected_demand(prices)
    np.testing.assert_allclose(revenue[:, 0], np.sum(demand[:, :11] * prices[:, :11], axis=1))
    with pytest.raises(ValueError, match="sum to one"):
        game.mix([first, second], [0.5, 0.6])


def test_rrm_oscillates_and_two_snapshots_converge(game):
    theta0 = game.initial_prices(50, seed=0)
    stable = game.stable_point
    rrm = affine_risk_minimization(game, theta0, 40, 1, seed=1)
    assert np.all(np.abs(rrm.thetas[-1]).max(axis=1) == game.price_bound), (
        "RRM should end at the price bounds"
    )
    assert rrm.step_lengths[-10:].min() > 100.0
    arm2 = affine_risk_minimization(game, theta0, 40, 2, seed=1)
    assert np.median(arm2.distances_to(stable)[-1]) < 1.0
    assert np.median(arm2.step_lengths[-10:]) < 1.0


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(base=np.ones((3, 4))), "one row per firm"),
        (dict(own=np.zeros((2, 4, 4))), "negative"),
        (dict(cross=-np.ones((2, 4, 4))), "non-negative"),
        (dict(own=-np.ones((2, 3, 3))), "shape"),
        (dict(regularization=0.0), "regularization"),
        (dict(samples=0), "samples"),
    ],
)
def test_validation(change, message):
    arguments = dict(
        base=np.ones((2, 4)), own=-np.eye(4)[None].repeat(2, 0), cross=np.zeros((2, 4, 4))
    )
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        PricingGame(**arguments)


def test_prices_must_match_the_game(game):
    with pytest.raises(ValueError, match="22 entries"):
        game.revenue(np.zeros(5))


def test_rules_run_with_the_same_seed_see_the_same_noise(game):
    theta0 = game.initial_prices(3, seed=0)
    noiseless = synthetic_pricing_game(seed=0, noise=0.0)
    first = affine_risk_minimization(game, theta0, 1, 1, seed=7).thetas[1]
    second = affine_risk_minimization(game, theta0, 1, 4, seed=7).thetas[1]
    np.testing.assert_array_equal(first, second)  # one snapshot: identical draws, identical prices
    exact = affine_risk_minimization(noiseless, theta0, 1, 1, seed=7).thetas[1]
    assert np.max(np.abs(first - exact)) > 1e-3  # ... and the draws are really noisy
    with pytest.raises(ValueError, match="pass a numpy Generator"):
        game.induced_objective(theta0)


def test_rrm_converges_when_the_regularisation_exceeds_every_own_price_effect():
    damped = synthetic_pricing_game(n_locations=11, seed=0, regularization=120.0)
    eigenvalues = np.linalg.eigvals(damped.response / damped.regularization).real
    assert -1.0 < eigenvalues.min() and eigenvalues.max() < 0.0
    assert damped.linearised_rate([1.0]) < 1.0
    run = affine_risk_minimization(damped, damped.initial_prices(50, seed=0), 40, 1, seed=1)
    assert np.median(run.distances_to(damped.stable_point)[-1]) < 1.0
    assert np.all(np.abs(run.thetas[-1]) < damped.price_bound)
