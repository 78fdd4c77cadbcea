"""Chapter 1's package against closed forms, invariants and bad input."""

from functools import partial

import numpy as np
import pytest
from inloop.data import load_credit
from inloop.performative import (
    GaussianLocationProblem,
    LogisticLoss,
    StrategicCredit,
    best_response,
    geometric_batches,
    gradient_descent,
    greedy_deploy,
    lazy_deploy,
    newton,
    repeated_gradient_descent,
    repeated_risk_minimization,
    rgd_max_step,
    rgd_rate,
    risk_proportional_response,
    rrm_rate,
    rrm_threshold,
    stable_optimal_gap_bound,
)
from inloop.performative.exercises import check_best_response
from inloop.scale import Findings, preset
from scipy.optimize import approx_fprime


@pytest.fixture(scope="module")
def credit():
    return load_credit()


@pytest.fixture
def small_logistic():
    rng = np.random.default_rng(0)
    features = np.hstack([rng.standard_normal((200, 3)), np.ones((200, 1))])
    labels = (features @ np.array([1.0, -2.0, 0.5, 0.2]) + rng.standard_normal(200) > 0).astype(
        float
    )
    return LogisticLoss(features, labels, regularization=0.1)


# ---------------------------------------------------------------- losses and solvers


def test_logistic_gradient_and_hessian_match_finite_differences(small_logistic):
    theta = np.array([0.3, -0.2, 0.1, 0.05])
    numeric = approx_fprime(theta, small_logistic.value, 1e-7)
    assert np.allclose(small_logistic.gradient(theta), numeric, atol=1e-6)
    numeric_hessian = np.array(
        [approx_fprime(theta, lambda t, i=i: small_logistic.gradient(t)[i], 1e-7) for i in range(4)]
    )
    assert np.allclose(small_logistic.hessian(theta), numeric_hessian, atol=1e-5)


def test_bias_is_not_penalised(small_logistic):
    theta = np.zeros(4)
    theta[-1] = 3.0
    unpenalised = LogisticLoss(small_logistic.features, small_logistic.labels, 0.0)
    assert small_logistic.value(theta) == pytest.approx(unpenalised.value(theta))


def test_newton_reaches_a_stationary_point(small_logistic):
    result = newton(small_logistic, np.zeros(4))
    assert result.converged and np.linalg.norm(small_logistic.gradient(result.theta)) < 1e-10


def test_gradient_descent_agrees_with_newton_on_a_well_conditioned_problem(small_logistic):
    exact = newton(small_logistic, np.zeros(4))
    approximate = gradient_descent(small_logistic, np.zeros(4), tol=1e-14)
    assert approximate.converged
    assert approximate.value == pytest.approx(exact.value, abs=1e-10)


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(labels=[0, 1, 2]), "binary"),
        (dict(regularization=-1.0), "regularization"),
        (dict(features=np.ones((3, 2)), labels=[0, 1]), "same number of rows"),
        (dict(features=[[np.nan, 1.0]], labels=[1]), "finite"),
    ],
)
def test_logistic_loss_rejects_bad_input(bad, message):
    arguments = dict(features=np.ones((3, 2)), labels=[0, 1, 0], regularization=0.1) | bad
    with pytest.raises(ValueError, match=message):
        LogisticLoss(**arguments)


def test_theta_of_wrong_length_is_rejected(small_logistic):
    with pytest.raises(ValueError, match="4 entries"):
        small_logistic.value(np.zeros(3))


# ---------------------------------------------------------------- closed-form location family


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3, 0.45])
def test_rrm_contracts_at_exactly_eps_beta_over_gamma(eps):
    problem = GaussianLocationProblem(mu=1.0, sigma=0.3, epsilon=eps, gamma=1.0, beta=2.0)
    theta = np.array([0.0, 1.0, -4.0])
    assert np.allclose(
        problem.rrm_map(theta) - problem.stable_point,
        rrm_rate(eps, 2.0, 1.0) * (theta - problem.stable_point),
    )


def test_stable_point_is_a_fixed_point_and_minimises_its_own_risk():
    problem = GaussianLocationProblem(mu=2.0, sigma=0.3, epsilon=0.2, gamma=1.5, beta=2.0)
    theta = problem.stable_point
    grid = np.linspace(theta - 1, theta + 1, 20_001)
    assert abs(problem.rrm_map(theta) - theta) < 1e-12
    assert np.argmin(problem.decoupled_risk(grid, theta)) == 10_000


def test_optimal_point_minimises_the_performative_risk():
    problem = GaussianLocationProblem(mu=1.0, sigma=0.5, epsilon=0.2, gamma=1.0, beta=2.0)
    grid = np.linspace(-50, 50, 1_000_001)
    assert grid[np.argmin(problem.performative_risk(grid))] == pytest.approx(
        problem.optimal_point, abs=1e-4
    )


def test_mean_estimation_has_equal_stable_and_optimal_points():
    problem = GaussianLocationProblem.mean_estimation(mu=10.0, sigma=0.1, epsilon=0.9)
    assert problem.stable_point == pytest.approx(100.0)
    assert problem.optimal_point == pytest.approx(100.0)


def test_sampling_matches_the_distribution_map():
    problem = GaussianLocationProblem(mu=1.0, sigma=0.5, epsilon=0.5)
    samples = problem.sample(np.array([0.0, 2.0]), 200_000, np.random.default_rng(0))
    assert samples.shape == (200_000, 2)
    assert np.allclose(samples.mean(axis=0), [1.0, 2.0], atol=0.01)
    assert np.allclose(samples.std(axis=0), 0.5, atol=0.01)


def test_no_optimum_when_the_performative_risk_is_concave():
    with pytest.raises(ValueError, match="not convex"):
        _ = GaussianLocationProblem(
            mu=1.0, sigma=0.5, epsilon=0.4, gamma=1.0, beta=2.0
        ).optimal_point


@pytest.mark.parametrize(
    "field, value", [("epsilon", -0.1), ("sigma", -1.0), ("gamma", 0.0), ("mu", float("nan"))]
)
def test_location_family_rejects_bad_parameters(field, value):
    arguments = dict(mu=1.0, sigma=0.5, epsilon=0.2) | {field: value}
    with pytest.raises(ValueError, match=field):
        GaussianLocationProblem(**arguments)


# ---------------------------------------------------------------- bounds


def test_rgd_bound_dominates_the_exact_factor_and_max_step_is_sharp():
    gamma, beta = 1.0, 2.0
    for eps in [0.0, 0.1, 0.3, 0.49]:
        for eta in np.linspace(0.01, 0.8, 40):
            assert abs(1 - eta * (gamma - eps * beta)) <= rgd_rate(eps, beta, gamma, eta) + 1e-12
        eta_max = rgd_max_step(eps, beta, gamma)
        assert (
            rgd_rate(eps, beta, gamma, 0.999 * eta_max)
            < 1
            <= rgd_rate(eps, beta, gamma, 1.001 * eta_max) + 1e-12
        )


def test_no_rgd_step_contracts_past_the_threshold():
    assert rgd_max_step(0.6, 2.0, 1.0) == 0.0
    assert rrm_threshold(2.0, 1.0) == 0.5


@pytest.mark.parametrize(
    "call",
    [
        lambda: rrm_rate(-0.1, 1.0, 1.0),
        lambda: rgd_rate(0.1, 0.5, 1.0, 0.1),
        lambda: rgd_rate(0.1, 2.0, 1.0, 0.0),
        lambda: stable_optimal_gap_bound(0.1, 1.0, -1.0),
    ],
)
def test_bounds_reject_bad_constants(call):
    with pytest.raises(ValueError):
        call()


# ---------------------------------------------------------------- strategic classification


def test_best_response_moves_only_strategic_columns():
    features = np.arange(12.0).reshape(3, 4)
    moved = best_response(features, np.array([1.0, 2.0, 3.0, 4.0]), 0.5, (0, 2))
    assert np.array_equal(moved[:, [1, 3]], features[:, [1, 3]])
    assert np.array_equal(moved[:, [0, 2]], features[:, [0, 2]] - [0.5, 1.5])
    assert np.array_equal(features, np.arange(12.0).reshape(3, 4))


def test_risk_proportional_response_scales_by_predicted_risk():
    features = np.array([[0.0, 1.0], [2.0, 1.0]])
    theta = np.array([1.0, 0.0])
    moved = risk_proportional_response(features, theta, 2.0, (0,))
    risk = 1 / (1 + np.exp(-features @ theta))
    assert np.allclose(moved[:, 0], features[:, 0] - 2.0 * risk * 1.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(epsilon=-1.0), "epsilon"),
        (dict(strategic=(0, 9)), "strategic"),
        (dict(strategic=(0, 0)), "repeat"),
        (dict(theta=np.zeros(3)), "entries"),
    ],
)
def test_responses_reject_bad_input(kwargs, message):
    arguments = (
        dict(features=np.ones((2, 4)), theta=np.zeros(4), epsilon=1.0, strategic=(0, 1)) | kwargs
    )
    with pytest.raises(ValueError, match=message):
        best_response(**arguments)


def test_unknown_response_and_scale_are_rejected(credit):
    with pytest.raises(ValueError, match="response must be one of"):
        StrategicCredit(credit, 1.0, response="random")
    with pytest.raises(ValueError, match="scale must be one of"):
        preset("huge", book=1, paper=2)


def test_findings_are_strict_at_the_preset_the_text_describes(capsys):
    book = Findings("book")
    book.check(True, "holds")
    with pytest.raises(AssertionError, match="two should exceed three"):
        book.check(2 > 3, "two should exceed three")
    paper = Findings("paper")
    paper.check(np.bool_(True), "holds")
    paper.check(np.array(2) > 3, "two should exceed three")
    assert paper.differ == ["two should exceed three"]
    assert (
        "paper preset this finding does not hold: two should exceed three"
        in capsys.readouterr().out
    )
    assert Findings("paper", text_scale="paper").strict and not paper.strict
    with pytest.raises(ValueError, match="scale must be one of"):
        Findings("huge")
    with pytest.raises(ValueError, match="finding must be a non-empty string"):
        book.check(True, "")


def test_exact_rrm_absorbs_a_uniform_shift_in_the_bias(credit):
    trajectory = repeated_risk_minimization(StrategicCredit(credit, 1000.0), np.zeros(11), 4)
    base, second = trajectory.thetas[1], trajectory.thetas[2]
    assert np.allclose(second[:10], base[:10], atol=1e-8)
    assert second[10] == pytest.approx(base[10] + 1000.0 * np.sum(base[[0, 5, 7]] ** 2), rel=1e-8)
    assert trajectory.step_lengths[-1] < 1e-8


def test_risk_proportional_jacobian_predicts_one_rrm_step(credit):
    problem = StrategicCredit(credit, 4.0, response="risk_proportional")
    stable = problem.stable_point()
    assert np.linalg.norm(problem.rrm_map(stable) - stable) < 1e-9
    direction = np.random.default_rng(0).standard_normal(11) * 1e-4
    predicted = problem.rrm_jacobian(stable) @ direction
    assert np.allclose(problem.rrm_map(stable + direction) - stable, predicted, atol=1e-6)


def test_rgd_decreases_distance_on_credit(credit):
    problem = StrategicCredit(credit, 2.0, response="risk_proportional")
    distances = repeated_gradient_descent(problem, np.zeros(11), 20, 0.3).distances_to(
        problem.stable_point()
    )
    assert np.all(np.diff(distances) < 0)


def test_paper_solver_stops_short_of_each_rounds_minimiser(credit):
    solver = partial(gradient_descent, tol=1e-7, max_iter=20_000)
    trajectory = repeated_risk_minimization(
        StrategicCredit(credit, 1000.0, solver=solver), np.zeros(11), 3
    )
    exact = StrategicCredit(credit, 1000.0).rrm_map(trajectory.thetas[-2])
    assert np.linalg.norm(trajectory.thetas[-1] - exact) > 1e-2


# ---------------------------------------------------------------- stochastic deployment


def test_lazy_deploy_mean_matches_the_rrm_map_in_expectation():
    problem = GaussianLocationProblem.mean_estimation(mu=10.0, sigma=0.1, epsilon=0.5)
    run = lazy_deploy(problem, 0.0, [1, 1], 100_000, seed=0)
    # After two deployments theta_2 = mu + eps * theta_1 + noise: E = G(G(0)) = mu + eps * mu = 15,
    # Var = sigma^2 (1 + eps^2). Both are checked in both directions (SE of the mean: 3.5e-4).
    second = run.thetas[:, -1]
    standard_error = second.std() / np.sqrt(second.size)
    assert abs(second.mean() - 15.0) < 4 * standard_error
    assert second.var() == pytest.approx(0.1**2 * (1 + 0.5**2), rel=0.02)


def test_greedy_deploy_converges_and_is_reproducible():
    problem = GaussianLocationProblem.mean_estimation(mu=10.0, sigma=0.1, epsilon=0.5)
    first = greedy_deploy(problem, 0.0, 2_000, 50, np.random.default_rng(3), step_scale=2.0)
    second = greedy_deploy(problem, 0.0, 2_000, 50, np.random.default_rng(3), step_scale=2.0)
    assert np.array_equal(first.errors, second.errors)
    assert np.median(first.errors[:, -1]) < 0.01


def test_geometric_batches_sum_to_the_budget():
    sizes = geometric_batches(1, 1.05, 4_000)
    assert sizes.sum() == 4_000 and np.all(sizes >= 1)


def test_deployment_schedules_reject_other_losses():
    with pytest.raises(ValueError, match="mean estimation"):
        greedy_deploy(
            GaussianLocationProblem(mu=1.0, sigma=0.1, epsilon=0.2),
            0.0,
            10,
            2,
            np.random.default_rng(0),
        )


# ---------------------------------------------------------------- exercise checker


def test_checker_accepts_the_reference_and_explains_mistakes(capsys):
    check_best_response(best_response)
    assert "Correct:" in capsys.readouterr().out

    def flipped(features, theta, epsilon, strategic):
        return best_response(features, -theta, epsilon, strategic)

    def in_place(features, theta, epsilon, strategic):
        features[:, list(strategic)] -= epsilon * theta[list(strategic)]
        return features

    def all_columns(features, theta, epsilon, strategic):
        return features - epsilon * theta

    with pytest.raises(AssertionError, match="sign is flipped"):
        check_best_response(flipped)
    with pytest.raises(AssertionError, match="in place"):
        check_best_response(in_place)
    with pytest.raises(AssertionError, match="Non-strategic"):
        check_best_response(all_columns)


# ---------------------------------------------------------------- shared helpers


def test_preset_selects_by_scale():
    assert preset("book", book=1, paper=2) == 1
    assert preset("paper", book=1, paper=2) == 2


def test_plot_band_draws_the_median_and_a_band():
    from inloop.plotting import figure, plot_band, use_book_style

    use_book_style()
    fig, ax = figure()
    runs = np.vstack([np.arange(5.0) + offset for offset in (-1.0, 0.0, 1.0)])
    line = plot_band(ax, np.arange(5), runs, label="median")
    assert np.allclose(line.get_ydata(), np.arange(5.0))
    assert len(ax.collections) == 1
    fig2, axes = figure(ncols=2)
    assert len(axes) == 2


def test_uniform_arm_checker_explains_mistakes(capsys):
    from inloop.performative.exercises import _uniform_arm_reference, check_uniform_arm

    check_uniform_arm(_uniform_arm_reference)
    assert "Correct:" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="RRM"):
        check_uniform_arm(lambda rho, rounds, theta0: theta0 * rho ** np.arange(rounds + 1))
    with pytest.raises(AssertionError, match="newest snapshot"):
        check_uniform_arm(
            lambda rho, rounds, theta0: _uniform_arm_reference(
                rho, rounds, theta0, include_current=False
            )
        )
    with pytest.raises(AssertionError, match="shape"):
        check_uniform_arm(lambda rho, rounds, theta0: np.zeros(3))


# --- The published loop, orbit diagnostics and the published stochastic schedules -------------

from inloop.performative.dynamics import periodic_orbit, tail_period  # noqa: E402
from inloop.performative.published import (  # noqa: E402
    published_logistic_regression,
    published_rrm,
    published_step_size,
)
from inloop.performative.schedules import deployment_sizes, sgd_deploy  # noqa: E402


def test_published_solver_reaches_the_newton_minimiser_on_a_well_conditioned_problem(
    small_logistic,
):
    objective = small_logistic
    features, labels = objective.features, objective.labels
    exact = newton(objective, np.zeros(4)).theta
    solve = published_logistic_regression(
        features, labels, objective.regularization, tol=1e-14, squared_penalty=True
    )
    assert not solve.capped
    assert np.linalg.norm(solve.theta - exact) < 1e-4


def test_published_solver_reports_its_cap(small_logistic):
    objective = small_logistic
    solve = published_logistic_regression(
        objective.features, objective.labels, objective.regularization, max_iter=3
    )
    assert solve.capped and solve.iterations == 3


def test_published_step_is_one_over_the_mean_smoothness():
    features = np.array([[1.0, 1.0], [3.0, 1.0]])
    # mean |x|^2 / 4 = (2 + 10) / 8 = 1.5
    assert published_step_size(features, 0.5) == pytest.approx(0.5)


def test_published_loop_reproduces_the_authors_erm_fit(credit):
    solve = published_logistic_regression(credit.features, credit.labels, 1 / credit.n_samples)
    accuracy = np.mean((credit.features @ solve.theta > 0) == credit.labels)
    assert abs(accuracy - 0.7207059977120445) < 1e-15
    assert abs(solve.loss - 0.6099486754166711) < 1e-12
    assert abs(np.linalg.norm(solve.theta) - 2.4515844200763777) < 1e-12


def test_published_rrm_records_one_entry_per_round(credit):
    run = published_rrm(
        credit.features, credit.labels, credit.strategic_features, 0.01, 2, max_iter=50
    )
    assert run.thetas.shape == (3, 11) and run.loss_start.shape == (2,)
    assert run.capped.all() and run.step_lengths.shape == (2,)
    np.testing.assert_allclose(run.thetas[0], run.erm.theta)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(tol=0.0), "tol"),
        (dict(max_iter=0), "max_iter"),
        (dict(theta_init=np.zeros(3)), "theta_init"),
    ],
)
def test_published_solver_rejects_bad_input(small_logistic, kwargs, message):
    with pytest.raises(ValueError, match=message):
        published_logistic_regression(small_logistic.features, small_logistic.labels, 0.1, **kwargs)


def _flip_map(mu):
    """Flip normal form G(x) = -(1 + mu) x + x^3: fixed point 0, 2-cycle +-sqrt(mu) for mu > 0."""
    return (lambda x: -(1 + mu) * x + x**3), (lambda x: np.array([[-(1 + mu) + 3 * x[0] ** 2]]))


def test_periodic_orbit_finds_the_repelling_fixed_point_and_the_attracting_2_cycle():
    rrm_map, jacobian = _flip_map(0.2)
    fixed = periodic_orbit(rrm_map, jacobian, np.array([0.05]), period=1)
    assert abs(fixed.points[0, 0]) < 1e-10 and not fixed.attracting
    assert fixed.multipliers[0].real == pytest.approx(-1.2)
    cycle = periodic_orbit(rrm_map, jacobian, np.array([0.5]), period=2)
    assert cycle.points[:, 0] == pytest.approx([np.sqrt(0.2), -np.sqrt(0.2)])
    assert cycle.attracting and cycle.multipliers[0].real == pytest.approx((-1 + 2 * 0.2) ** 2)
    assert cycle.period == 2 and cycle.residual < 1e-10


def test_periodic_orbit_raises_when_newton_fails():
    with pytest.raises(RuntimeError, match="Newton"):
        periodic_orbit(lambda x: x + 1.0, lambda x: 2.0 * np.eye(1), [0.0], max_iter=2)


def test_tail_period_detects_fixed_points_and_cycles():
    assert tail_period(np.ones((10, 2))) == 1
    alternating = np.array([[(-1.0) ** t] for t in range(10)])
    assert tail_period(alternating) == 2
    assert tail_period(np.arange(10.0)[:, None]) is None
    with pytest.raises(ValueError, match="max_period"):
        tail_period(np.ones((3, 1)), max_period=5)


def test_deployment_sizes_follow_the_schedules_and_sum_to_the_budget():
    assert deployment_sizes("k", 10).tolist() == [1, 2, 3, 4]
    assert deployment_sizes("square", 10).tolist() == [1, 4, 5]
    assert deployment_sizes("sqrt", 5).tolist() == [1, 2, 2]
    assert deployment_sizes("greedy", 3).tolist() == [1, 1, 1]
    with pytest.raises(ValueError, match="schedule"):
        deployment_sizes("daily", 3)


def test_sgd_deploy_is_reproducible_and_lazy_wins_at_strong_performativity():
    greedy = sgd_deploy(10.0, 0.1, 0.9, 10.0, 2000, 20, "greedy", seed=3)
    again = sgd_deploy(10.0, 0.1, 0.9, 10.0, 2000, 20, "greedy", seed=3)
    lazy = sgd_deploy(10.0, 0.1, 0.9, 10.0, 2000, 20, "k", seed=3)
    np.testing.assert_array_equal(greedy.thetas, again.thetas)
    assert greedy.deployments[-1] == 2000 and lazy.deployments[-1] == len(
        deployment_sizes("k", 2000)
    )
    assert lazy.errors[:, -1].max() < greedy.errors[:, -1].min()


def test_sgd_deploy_without_noise_contracts_towards_the_stable_point():
    run = sgd_deploy(1.0, 0.0, 0.5, 0.0, 500, 1, "k", seed=0)
    assert run.stable_point == pytest.approx(2.0)
    assert run.errors[0, -1] < run.errors[0, 0]


def test_sgd_deploy_rejects_eps_of_one():
    with pytest.raises(ValueError, match="epsilon"):
        sgd_deploy(1.0, 0.1, 1.0, 0.0, 10, 1)


def test_foundations_settings_validate_and_give_the_paper_preset():
    from dataclasses import FrozenInstanceError

    from inloop.performative.foundations_settings import FoundationsSettings

    book, paper = FoundationsSettings.for_scale("book"), FoundationsSettings.for_scale("paper")
    assert book == FoundationsSettings()
    assert paper.published_epsilons == book.exact_epsilons and paper.published_rounds == 25
    assert paper.runs == 100 and paper.samples == 50_000 and paper.bracket_rounds == 200
    assert paper.location_beta == book.location_beta  # unchanged fields stay at the book value
    assert book.location(0.3).epsilon == 0.3 and book.location().epsilon == book.location_epsilon
    assert book.location().stable_point == pytest.approx(
        book.location_beta * book.location_mu / (book.location_gamma - 0.2 * book.location_beta)
    )
    assert book.mean_estimation(0.5).stable_point == pytest.approx(book.mean_mu / 0.5)
    with pytest.raises(FrozenInstanceError):
        book.rounds = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="location_sigma"):
        FoundationsSettings(location_sigma=0.0)
    with pytest.raises(ValueError, match="rounds"):
        FoundationsSettings(rounds=0)
    with pytest.raises(ValueError, match="rgd_steps"):
        FoundationsSettings(rgd_steps=(0.6, 0.01))
    with pytest.raises(ValueError, match="tight_steps"):
        FoundationsSettings(tight_steps=(1.0,))
    with pytest.raises(ValueError, match="bracket_rounds"):
        FoundationsSettings(bracket_rounds=40, rate_window=35)
    with pytest.raises(ValueError, match="cycle_rounds"):
        FoundationsSettings(cycle_rounds=80)  # beyond the book preset's 60 bracketing rounds
    with pytest.raises(ValueError, match="cycle_rounds"):
        FoundationsSettings(cycle_rounds=11)  # too short for its 10-round window
    assert paper.cycle_rounds == book.cycle_rounds, "the cycle is read over the same rounds"
    with pytest.raises(ValueError, match="plotted_epsilons"):
        FoundationsSettings(plotted_epsilons=(0.1, 0.95))
    with pytest.raises(ValueError, match="published_epsilons"):
        FoundationsSettings(published_epsilons=(42.0,))
    with pytest.raises(ValueError, match="scale"):
        FoundationsSettings.for_scale("huge")


def test_rgd_factor_checker_accepts_the_reference_and_names_each_mistake(capsys):
    import math

    from inloop.performative.exercises import check_rgd_factor

    check_rgd_factor(rgd_rate)
    assert "Correct:" in capsys.readouterr().out
    mistakes = {
        "square root": lambda e, b, g, h: 1 - 2 * h * g + (h * b) ** 2 + h * e * b,
        "missing": lambda e, b, g, h: math.sqrt(1 - 2 * h * g + (h * b) ** 2),
        "converts": lambda e, b, g, h: math.sqrt(1 - 2 * h * g + (h * b) ** 2) + h * e,
        "Lipschitz": lambda e, b, g, h: abs(1 - h * g) + h * e * b,
        "added": lambda e, b, g, h: math.sqrt(1 - 2 * h * g + (h * b) ** 2) - h * e * b,
        "expected q": lambda e, b, g, h: 0.5,
        "Call it": lambda e, b: 0.5,
    }
    for message, wrong in mistakes.items():
        with pytest.raises(AssertionError, match=message):
            check_rgd_factor(wrong)
