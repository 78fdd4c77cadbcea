"""Linear ARM regions, proximal RRM on overshooting feedback, and every rate of ``bounds`` on an instance that attains it."""

import numpy as np
import pytest
from inloop.performative import (
    GaussianLocationProblem,
    affine_risk_minimization,
    bounds,
    proximal_risk_minimization,
    repeated_gradient_descent,
    repeated_risk_minimization,
)
from inloop.performative.linear_arm import (
    convergent_interval,
    proximal_linear_factor,
    proximal_overshoot_weight,
    step_ratios,
    uniform_overshoot_limit,
)
from inloop.performative.lower_bounds import (
    GaussianQuadraticInstance,
    TwoPointInstance,
    bidiagonal_instance,
    perdomo_tight_instance,
)


def overshooting_instance(epsilon, beta, gamma, dim=2):
    """:math:`\\mathcal N(-\\varepsilon\\theta, I)`: RRM factor :math:`-\\varepsilon\\beta/\\gamma`."""
    return GaussianQuadraticInstance(-epsilon * np.eye(dim), np.zeros(dim), beta, gamma)


@pytest.mark.parametrize("tau", [1, 2, 3, 4, 5])
def test_uniform_arm_tolerates_overshoot_below_tau(tau):
    weights = np.full(tau, 1.0 / tau)
    low, high = convergent_interval(weights)
    assert low == pytest.approx(-uniform_overshoot_limit(tau), abs=1e-8)
    assert high == pytest.approx(1.0, abs=1e-8)
    assert bounds.linear_arm_rate(-tau, weights) == pytest.approx(1.0)
    assert (
        bounds.linear_arm_rate(-tau * 0.999, weights)
        < 1.0
        < bounds.linear_arm_rate(-tau * 1.001, weights)
    )


def test_convergent_interval_of_other_weights():
    assert convergent_interval([1.5, -0.5]) == pytest.approx((-0.5, 1.0), abs=1e-8)
    low, high = convergent_interval([0.2, 0.8])
    assert (
        bounds.linear_arm_rate(low * 0.99, [0.2, 0.8])
        < 1.0
        < bounds.linear_arm_rate(low * 1.01, [0.2, 0.8])
    )
    with pytest.raises(ValueError, match="search"):
        convergent_interval([1.0], search=0.0)


@pytest.mark.parametrize("weight", [0.0, 0.1, 0.2, 0.3, 0.7, 1.4, 3.0])
def test_proximal_rrm_on_overshooting_feedback(weight):
    epsilon, beta, gamma = 1.5, 1.0, 1.0
    instance = overshooting_instance(epsilon, beta, gamma)
    run = proximal_risk_minimization(instance, [1.0, -0.5], 6, proximal_weight=weight)
    factor = proximal_linear_factor(-epsilon * beta / gamma, gamma, weight)
    np.testing.assert_allclose(run.thetas[1:], factor * run.thetas[:-1], rtol=1e-10, atol=1e-14)
    threshold = proximal_overshoot_weight(-epsilon * beta / gamma, gamma)
    assert threshold == pytest.approx((epsilon * beta - gamma) / 2)
    assert (abs(factor) < 1) == (epsilon * beta < gamma + 2 * weight) == (weight > threshold)


def test_proximal_helpers_validate():
    with pytest.raises(ValueError, match="rho"):
        proximal_overshoot_weight(-0.5, 1.0)
    with pytest.raises(ValueError, match="proximal_weight"):
        proximal_linear_factor(-2.0, 1.0, -1.0)


def test_step_ratios():
    thetas = np.array([0.0, 1.0, 3.0, 4.0, 4.5])
    np.testing.assert_allclose(step_ratios(thetas), [0.5, 0.25])
    with pytest.raises(ValueError, match="rounds"):
        step_ratios([0.0, 1.0])


# --- every rate and threshold of ``bounds`` against an instance that attains it ----------------


@pytest.mark.parametrize(
    "epsilon, beta, gamma", [(0.5, 2.0, 3.0), (0.9, 1.0, 1.0), (1.2, 1.0, 1.0)]
)
def test_rrm_rate_and_threshold_are_attained(epsilon, beta, gamma):
    instance = perdomo_tight_instance(epsilon, beta, gamma, dim=2)
    run = repeated_risk_minimization(instance, [1.0, 2.0], 5)
    ratios = (
        run.distances_to(instance.stable_point)[1:] / run.distances_to(instance.stable_point)[:-1]
    )
    np.testing.assert_allclose(ratios, bounds.rrm_rate(epsilon, beta, gamma), rtol=1e-12)
    at_threshold = perdomo_tight_instance(bounds.rrm_threshold(beta, gamma), beta, gamma)
    assert repeated_risk_minimization(at_threshold, [1.0], 3).thetas[:, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("step_size", [0.3, 0.8, 1.0])
def test_rgd_rate_is_attained_with_reinforcing_feedback(step_size):
    # beta = gamma: q(eta) = |1 - eta gamma| + eta eps gamma, the RGD factor 1 - eta gamma + eta eps gamma for eta gamma <= 1.
    epsilon, gamma = 0.4, 1.0
    instance = perdomo_tight_instance(epsilon, gamma, gamma)
    run = repeated_gradient_descent(instance, [1.0], 4, step_size)
    np.testing.assert_allclose(
        run.thetas[1:, 0] / run.thetas[:-1, 0],
        bounds.rgd_rate(epsilon, gamma, gamma, step_size),
        rtol=1e-12,
    )


@pytest.mark.parametrize("epsilon", [0.2, 0.5, 0.8])
def test_rgd_max_step_is_attained_with_overshooting_feedback(epsilon):
    # At eta = rgd_max_step the bound equals 1, and on N(-eps theta) the RGD factor is exactly -1.
    step = bounds.rgd_max_step(epsilon, 1.0, 1.0)
    assert bounds.rgd_rate(epsilon, 1.0, 1.0, step) == pytest.approx(1.0)
    run = repeated_gradient_descent(overshooting_instance(epsilon, 1.0, 1.0, dim=1), [1.0], 4, step)
    np.testing.assert_allclose(run.thetas[1:, 0] / run.thetas[:-1, 0], -1.0, rtol=1e-12)
    assert abs(bounds.rgd_rate(epsilon, 1.0, 1.0, step * 0.99)) < 1.0


def test_prediction_rates_are_attained_on_the_two_point_instance():
    epsilon, lipschitz, gamma = 0.64, 1.0, 1.0
    rates = []
    for radius in (0.1, 0.01, 0.001):
        instance = TwoPointInstance(epsilon, lipschitz, gamma, radius)
        run = repeated_risk_minimization(instance, [radius / 2], 4)
        measured = np.abs(run.thetas[1:, 0] / run.thetas[:-1, 0])
        np.testing.assert_allclose(
            measured, bounds.prediction_lower_rate(epsilon, lipschitz, gamma, radius), rtol=1e-10
        )
        rates.append(measured[0])
    upper = bounds.prediction_rrm_rate(epsilon, lipschitz, gamma)
    assert np.all(np.diff(rates) > 0) and upper - rates[-1] < 2e-3 * upper
    # With C = 1 (constant predictors: base and induced norms coincide) the 2023 rate is the same number.
    assert bounds.prediction_rrm_rate_2023(epsilon, lipschitz, gamma, 1.0) == pytest.approx(upper)
    assert bounds.prediction_rrm_threshold(lipschitz, gamma) == pytest.approx(1.0)


def test_two_snapshot_factor_is_exceeded_by_the_step_recurrence():
    # The recurrence |s_{t+1}| <= (sqrt3/2) sqrt(eps) M/gamma m_t of the two-snapshot theorem fails on
    # the two-point instance for both signs of the feedback (steps of equal sign give ratio |rho|).
    epsilon, radius = 1.21, 0.001
    bound = bounds.two_snapshot_arm_factor(epsilon, 1.0, 1.0)
    for feedback in (-1, 1):
        instance = TwoPointInstance(epsilon, 1.0, 1.0, radius, feedback=feedback)
        arm = affine_risk_minimization(instance, [1e-6], 40, weights=2)
        inside = np.abs(arm.thetas[:, 0]) < radius
        last = np.argmin(inside) if not inside.all() else None
        assert np.nanmax(step_ratios(arm.thetas[:last])) > bound
    assert bounds.two_snapshot_arm_threshold(1.0, 1.0) == pytest.approx(4.0 / 3.0)


def test_arm_lower_bound_is_attained_by_the_truncated_stable_point():
    # The exact bound is the distance from theta_PS of its first t + 1 coordinates: the best point
    # any ARM could reach after t rounds.
    epsilon, beta, gamma, horizon = 2.49, 1.0, 5.0, 12
    instance = bidiagonal_instance(epsilon, beta, gamma, horizon)
    stable = instance.stable_point
    rounds = np.arange(horizon + 1)
    lower = bounds.bidiagonal_lower_bound(rounds, epsilon, beta, gamma, horizon)
    for t in rounds:
        truncated = np.where(np.arange(2 * horizon) <= t, stable, 0.0)
        assert np.linalg.norm(truncated - stable) == pytest.approx(lower[t], rel=1e-12, abs=1e-300)
    assert bounds.arm_lower_rate(epsilon, beta, gamma) == pytest.approx(
        epsilon * beta / (2 * gamma)
    )


def test_proximal_rrm_rate_is_attained():
    instance = perdomo_tight_instance(0.9, 1.0, 2.0)
    for weight in (0.0, 1.0, 5.0):
        run = proximal_risk_minimization(instance, [1.0], 4, proximal_weight=weight)
        np.testing.assert_allclose(
            run.thetas[1:, 0] / run.thetas[:-1, 0],
            bounds.proximal_rrm_rate(0.9, 1.0, 2.0, weight),
            rtol=1e-10,
        )


def test_stable_optimal_gap_bound_is_attained_in_the_limit():
    """On the location family the gap over :math:`2L\\varepsilon/\\gamma` is :math:`\\gamma/(2(\\gamma - \\varepsilon\\beta))`.

    With :math:`L = \\beta|\\theta_{PO}|` the ratio stays below 1 and tends to 1 as
    :math:`\\varepsilon \\to \\gamma/(2\\beta)`, so the constant 2 cannot be lowered.
    """
    gamma, beta = 1.0, 2.0
    ratios = []
    for epsilon in (0.01, 0.1, 0.2, 0.249, 0.2499):
        problem = GaussianLocationProblem(
            mu=1.0, sigma=0.5, epsilon=epsilon, gamma=gamma, beta=beta
        )
        stable, optimal = problem.stable_point, problem.optimal_point
        bound = bounds.stable_optimal_gap_bound(epsilon, gamma, beta * abs(optimal))
        ratios.append(abs(optimal - stable) / bound)
        assert ratios[-1] == pytest.approx(gamma / (2 * (gamma - epsilon * beta)), rel=1e-12)
    assert max(ratios) <= 1 and ratios[-1] > 0.9995
