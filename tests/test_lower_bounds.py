"""Closed forms of the exact lower-bound instances and the rates of Chapter 3."""

import numpy as np
import pytest
from inloop.neural import rir_sensitivity, rir_sensitivity_2023
from inloop.performative import affine_risk_minimization, bounds, proximal_risk_minimization
from inloop.performative.lower_bounds import (
    TwoPointInstance,
    bidiagonal_instance,
    bidiagonal_matrix,
    perdomo_tight_instance,
)


@pytest.mark.parametrize(
    "epsilon, beta, gamma", [(0.5, 2.0, 3.0), (1.2, 1.0, 1.0), (2.49, 1.0, 5.0)]
)
def test_perdomo_instance_contracts_exactly_at_epsilon_beta_over_gamma(epsilon, beta, gamma):
    instance = perdomo_tight_instance(epsilon, beta, gamma, dim=3)
    trajectory = affine_risk_minimization(instance, [1.0, -2.0, 0.5], 8)
    expected = bounds.rrm_rate(epsilon, beta, gamma) * trajectory.thetas[:-1]
    np.testing.assert_allclose(trajectory.thetas[1:], expected, rtol=1e-12, atol=1e-14)
    assert instance.sensitivity == pytest.approx(epsilon)


def test_gaussian_risk_matches_monte_carlo():
    instance = perdomo_tight_instance(0.7, 2.0, 3.0, dim=2, sigma=0.5)
    rng = np.random.default_rng(0)
    deployed, theta = np.array([0.3, -1.0]), np.array([1.0, 0.4])
    z = instance.mean(deployed) + instance.sigma * rng.standard_normal((400_000, 2))
    monte_carlo = np.mean(
        0.5 * instance.gamma * np.sum((theta - instance.beta / instance.gamma * z) ** 2, axis=1)
    )
    assert instance.induced_objective(deployed).value(theta) == pytest.approx(monte_carlo, rel=5e-3)


def test_proximal_rrm_contracts_at_its_factor():
    instance = perdomo_tight_instance(0.9, 1.0, 2.0, dim=2)
    trajectory = proximal_risk_minimization(instance, [1.0, 1.0], 6, proximal_weight=3.0)
    ratios = (
        trajectory.distances_to(instance.stable_point)[1:]
        / trajectory.distances_to(instance.stable_point)[:-1]
    )
    np.testing.assert_allclose(ratios, bounds.proximal_rrm_rate(0.9, 1.0, 2.0, 3.0), rtol=1e-10)


def test_bidiagonal_matrix_norm_and_support_growth():
    matrix = bidiagonal_matrix(12)
    assert np.linalg.norm(matrix, 2) <= 2.0
    instance = bidiagonal_instance(1.5, 1.0, 2.0, horizon=6)
    theta0 = np.eye(12)[0]
    for rule in (1, 2, "all", (1.5, -0.5)):
        thetas = affine_risk_minimization(instance, theta0, 6, rule).thetas
        for t, theta in enumerate(thetas):
            assert np.all(theta[t + 1 :] == 0.0), (
                f"iterate {t} of rule {rule} leaks beyond coordinate {t + 1}"
            )


def test_bidiagonal_stable_point_closed_form_and_bound():
    epsilon, beta, gamma, horizon = 2.49, 1.0, 5.0, 10
    instance = bidiagonal_instance(epsilon, beta, gamma, horizon)
    kappa = epsilon * beta / (2 * gamma)
    q = kappa / (1 - kappa)
    expected = beta / (gamma * (1 - kappa)) * q ** np.arange(2 * horizon)
    np.testing.assert_allclose(instance.stable_point, expected, rtol=1e-12)
    lower = bounds.bidiagonal_lower_bound(np.arange(horizon + 1), epsilon, beta, gamma, horizon)
    for rule in (1, 2, 4, "all", "half", (2.0, -1.0), (0.2, 0.3, 0.5)):
        distances = affine_risk_minimization(
            instance, np.eye(2 * horizon)[0], horizon, rule
        ).distances_to(instance.stable_point)
        assert np.all(distances >= lower * (1 - 1e-9)), rule
    assert np.all(lower[:-1] >= lower[1:])
    # The bound decays at rate q >= epsilon beta / (2 gamma) while the tail is long.
    assert lower[5] / lower[4] == pytest.approx(q, rel=1e-6)
    assert q >= bounds.arm_lower_rate(epsilon, beta, gamma)


def test_bidiagonal_bound_rejects_unstable_settings():
    with pytest.raises(ValueError, match="stable point"):
        bounds.bidiagonal_lower_bound([0, 1], 6.0, 1.0, 5.0, 4)
    with pytest.raises(ValueError, match="non-negative integers"):
        bounds.bidiagonal_lower_bound([0.5], 1.0, 1.0, 5.0, 4)


def test_two_point_instance_is_tight():
    instance = TwoPointInstance(epsilon=0.49, lipschitz=1.0, gamma=1.0, radius=0.01)
    thetas = np.linspace(-0.01, 0.01, 9)
    np.testing.assert_allclose(
        instance.chi_square(thetas, 0.0), 0.49 * thetas**2, rtol=1e-12, atol=1e-18
    )
    assert instance.gradient_bound() == pytest.approx(1.0)
    assert np.all(
        instance.chi_square(thetas, 0.006)
        <= instance.ball_sensitivity * (thetas - 0.006) ** 2 + 1e-15
    )
    trajectory = affine_risk_minimization(instance, [0.008], 10)
    distances = np.abs(trajectory.thetas[:, 0])
    factor = bounds.prediction_lower_rate(0.49, 1.0, 1.0, 0.01)
    np.testing.assert_allclose(distances, 0.008 * factor ** np.arange(11), rtol=1e-10)
    assert np.all(
        distances <= 0.008 * bounds.prediction_rrm_rate(0.49, 1.0, 1.0) ** np.arange(11) + 1e-15
    )
    assert np.all(np.sign(trajectory.thetas[1:, 0]) == -np.sign(trajectory.thetas[:-1, 0]))


def test_two_point_instance_oscillates_beyond_threshold_and_two_snapshots_converge():
    instance = TwoPointInstance(epsilon=1.21, lipschitz=1.0, gamma=1.0, radius=0.01)
    rrm = affine_risk_minimization(instance, [0.005], 40)
    np.testing.assert_allclose(np.abs(rrm.thetas[-10:, 0]), 0.01)
    arm2 = affine_risk_minimization(instance, [0.005], 40, 2)
    assert abs(arm2.thetas[-1, 0]) < 1e-6
    assert (
        bounds.two_snapshot_arm_factor(1.21, 1.0, 1.0)
        < 1.0
        < bounds.prediction_rrm_rate(1.21, 1.0, 1.0)
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(epsilon=0.5, lipschitz=1.0, gamma=1.0, radius=1.0), "gamma \\* radius"),
        (dict(epsilon=0.0, lipschitz=1.0, gamma=1.0, radius=0.1), "epsilon"),
        (dict(epsilon=1.0, lipschitz=10.0, gamma=1.0, radius=2.0), "probabilities"),
        (dict(epsilon=1.0, lipschitz=1.0, gamma=1.0, radius=0.1, feedback=0), "feedback"),
    ],
)
def test_two_point_instance_validates(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TwoPointInstance(**kwargs)


def test_rates_and_thresholds():
    assert bounds.prediction_rrm_rate(0.25, 2.0, 4.0) == pytest.approx(0.25)
    assert bounds.prediction_rrm_rate_2023(0.25, 2.0, 4.0, 4.0) == pytest.approx(0.5)
    assert bounds.prediction_rrm_threshold(2.0, 4.0) == pytest.approx(4.0)
    assert bounds.two_snapshot_arm_threshold(2.0, 4.0) == pytest.approx(16.0 / 3.0)
    assert bounds.two_snapshot_arm_factor(16.0 / 3.0, 2.0, 4.0) == pytest.approx(1.0)
    assert bounds.arm_lower_rate(2.49, 1.0, 5.0) == pytest.approx(0.249)
    assert bounds.proximal_rrm_rate(1.0, 1.0, 2.0, 0.0) == pytest.approx(
        bounds.rrm_rate(1.0, 1.0, 2.0)
    )
    assert rir_sensitivity(0.55) == pytest.approx(rir_sensitivity_2023(0.55))  # sharp = C eps
    assert rir_sensitivity(1 - 1e-12) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="delta"):
        rir_sensitivity(1.0)
    with pytest.raises(ValueError, match="gamma \\* radius"):
        bounds.prediction_lower_rate(1.0, 1.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="norm_constant"):
        bounds.prediction_rrm_rate_2023(1.0, 1.0, 1.0, 0.5)


def test_linear_arm_rate():
    assert bounds.linear_arm_rate(-0.7, [1.0]) == pytest.approx(0.7)
    # Two snapshots: lambda^2 + (r/2) lambda + r/2 = 0 has |lambda|^2 = r/2 for complex roots.
    assert bounds.linear_arm_rate(-1.5, [0.5, 0.5]) == pytest.approx(np.sqrt(0.75))
    # Positive feedback above 1: a real root above 1 for every affine weighting.
    for weights in ([0.5, 0.5], [0.25] * 4, [2.0, -1.0], [0.1, 0.9]):
        assert bounds.linear_arm_rate(1.05, weights) > 1.0
    with pytest.raises(ValueError, match="affine"):
        bounds.linear_arm_rate(0.5, [0.5, 0.6])
