"""Affine risk minimizers: mixture rules, weight validation, RRM as a special case, stable points."""

import numpy as np
import pytest
from inloop._exercise import ExerciseFailure
from inloop.data import credit
from inloop.performative import (
    MixtureObjective,
    QuadraticObjective,
    StrategicCredit,
    affine_risk_minimization,
    bidiagonal_instance,
    check_affine_weights,
    mixture_weights,
    perdomo_tight_instance,
    proximal_risk_minimization,
    repeated_risk_minimization,
)
from inloop.performative.exercises import check_linear_arm_rate, check_rir_chi_square
from inloop.performative.protocol import ExactProblem


@pytest.mark.parametrize(
    "rule, n, expected",
    [
        (1, 5, [1.0]),
        (2, 1, [1.0]),
        (2, 5, [0.5, 0.5]),
        (4, 3, [1 / 3] * 3),
        ("all", 4, [0.25] * 4),
        ("half", 5, [1 / 3] * 3),
        ("half", 1, [1.0]),
        ((1.5, -0.5), 1, [1.0]),
        ((1.5, -0.5), 3, [1.5, -0.5]),
        (lambda n: np.full(n, 1.0 / n), 3, [1 / 3] * 3),
    ],
)
def test_mixture_rules(rule, n, expected):
    np.testing.assert_allclose(mixture_weights(rule, n), expected)


@pytest.mark.parametrize(
    "weights, message",
    [
        ([0.5, 0.6], "sum to one"),
        ([np.nan, 1.0], "finite"),
        ([], "non-empty"),
        ([[0.5, 0.5]], "1-d"),
        (["a", "b"], "real numbers"),
    ],
)
def test_weights_must_be_affine_and_finite(weights, message):
    with pytest.raises(ValueError, match=message):
        check_affine_weights(weights)


@pytest.mark.parametrize(
    "rule, message", [(0, ">= 1"), ("last", "'all', 'half'"), ((0.2, 0.2), "sum to one")]
)
def test_invalid_rules_are_rejected(rule, message):
    with pytest.raises(ValueError, match=message):
        mixture_weights(rule, 3)


def test_callable_rule_cannot_use_missing_snapshots():
    with pytest.raises(ValueError, match="only 2 snapshots"):
        mixture_weights(lambda n: [0.25] * 4, 2)


def test_driver_validates_its_inputs():
    instance = perdomo_tight_instance(0.5, 1.0, 1.0)
    with pytest.raises(ValueError, match="rounds"):
        affine_risk_minimization(instance, [1.0], 0)
    with pytest.raises(ValueError, match="theta0"):
        affine_risk_minimization(instance, [np.inf], 3)
    with pytest.raises(ValueError, match="sum to one"):
        affine_risk_minimization(instance, [1.0], 3, weights=(0.5, 0.2))
    with pytest.raises(ValueError, match="proximal_weight"):
        proximal_risk_minimization(instance, [1.0], 3, proximal_weight=-1.0)


def test_mixture_objective_is_the_weighted_sum():
    first = QuadraticObjective(np.eye(2), [1.0, 0.0], 0.5)
    second = QuadraticObjective(3 * np.eye(2), [0.0, 2.0], -1.0)
    mixture = MixtureObjective([first, second], [1.5, -0.5])
    theta = np.array([0.3, -0.7])
    assert mixture.value(theta) == pytest.approx(
        1.5 * first.value(theta) - 0.5 * second.value(theta)
    )
    np.testing.assert_allclose(
        mixture.gradient(theta), 1.5 * first.gradient(theta) - 0.5 * second.gradient(theta)
    )
    np.testing.assert_allclose(mixture.hessian(theta), 0.0 * np.eye(2))
    with pytest.raises(ValueError, match="2 objectives but 3 weights"):
        MixtureObjective([first, second], [0.2, 0.3, 0.5])


def test_two_snapshot_recursion_on_the_tight_instance():
    instance = perdomo_tight_instance(0.8, 1.0, 1.0)
    thetas = affine_risk_minimization(instance, [1.0], 6, 2).thetas[:, 0]
    assert thetas[1] == pytest.approx(0.8)  # first round: one snapshot only
    for t in range(1, 6):
        assert thetas[t + 1] == pytest.approx(0.8 * (thetas[t] + thetas[t - 1]) / 2, rel=1e-12)


@pytest.fixture(scope="module")
def strategic():
    return StrategicCredit(credit.load_credit(), epsilon=5.0)


def test_rrm_is_the_special_case_tau_one(strategic):
    theta0 = np.zeros(strategic.n_features)
    reference = repeated_risk_minimization(strategic, theta0, 4)
    arm = affine_risk_minimization(strategic, theta0, 4, weights=1)
    np.testing.assert_allclose(arm.thetas, reference.thetas, atol=1e-10)
    np.testing.assert_allclose(arm.performative_risks, reference.performative_risks, atol=1e-12)


def test_every_arm_keeps_and_finds_the_stable_point(strategic):
    stable = strategic.stable_point()
    for rule in (2, 4, "all", (1.5, -0.5)):
        stays = affine_risk_minimization(strategic, stable, 3, rule)
        assert np.max(stays.distances_to(stable)) < 1e-8, rule
        found = affine_risk_minimization(strategic, np.zeros(strategic.n_features), 30, rule)
        distances = found.distances_to(stable)
        if rule == "all":  # the oldest snapshots keep weight 1/t: slow, sublinear convergence
            assert distances[-1] < 0.5 * distances[10] and distances[-1] < 0.01
        else:
            assert distances[-1] < 1e-6, rule


def test_history_is_kept_by_reference_not_copied():
    instance = bidiagonal_instance(1.0, 1.0, 2.0, horizon=3)
    built = []

    class Recording(ExactProblem):
        def induced_objective(self, deployed, rng=None):
            built.append(instance.induced_objective(deployed))
            return built[-1]

        def performative_risk(self, theta, objective=None):
            return instance.performative_risk(theta)

        def solve(self, objective, theta0):
            return instance.solve(objective, theta0)

        def mix(self, objectives, weights):
            assert all(any(objective is seen for seen in built) for objective in objectives)
            return MixtureObjective(objectives, weights)

    affine_risk_minimization(Recording(), np.eye(6)[0], 5, "all")
    assert len(built) == 5  # one new objective per round, none rebuilt


@pytest.fixture()
def resampled():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from inloop.neural import NeuralRIRProblem, ResampleIfRejected, ScaledSigmoidNetwork

    rng = np.random.default_rng(0)
    features = np.column_stack([rng.standard_normal((300, 3)), np.ones(300)])
    labels = (features[:, 0] + 0.5 * rng.standard_normal(300) > 0).astype(float)
    shift = ResampleIfRejected(features, labels, 0.55, strategic=(0, 1))
    problem = NeuralRIRProblem(shift, width=3, solver_options={"max_iter": 20})
    return problem, ScaledSigmoidNetwork(4, 3, 0.55, seed=0).flat()


def test_rir_sample_objective_keeps_donor_indices_only(resampled):
    problem, theta0 = resampled
    objective = problem.induced_objective(theta0, np.random.default_rng(1))
    (donors,) = objective.samples
    assert donors.dtype.kind == "i" and donors.shape == (300,)
    features, targets, row_weights = objective.rows()
    base = problem.shift.features
    np.testing.assert_array_equal(features[:, 2:], base[:, 2:])  # non-strategic columns untouched
    np.testing.assert_array_equal(features[:, :2], base[donors][:, :2])
    np.testing.assert_allclose(targets, 0.45 * problem.shift.labels)
    np.testing.assert_allclose(row_weights, 1 / 300)
    mixture = problem.mix([objective, objective], [0.25, 0.75])
    assert mixture.value(theta0) == pytest.approx(objective.value(theta0), rel=1e-12)


def test_rir_sample_objective_gradient_matches_finite_differences(resampled):
    problem, theta0 = resampled
    objective = problem.induced_objective(theta0, np.random.default_rng(1))
    direction = np.random.default_rng(2).standard_normal(theta0.size)
    step = 1e-6
    numeric = (
        objective.value(theta0 + step * direction) - objective.value(theta0 - step * direction)
    ) / (2 * step)
    assert objective.gradient(theta0) @ direction == pytest.approx(numeric, rel=1e-5)


def test_loss_shifts_are_measured_in_expectation(resampled):
    problem, theta0 = resampled
    run = affine_risk_minimization(problem, theta0, 3, weights=2, seed=1)
    shifts = problem.loss_shifts(run.thetas)
    expected = [
        abs(
            problem.performative_risk(run.thetas[t])
            - problem.decoupled_risk(run.thetas[t], run.thetas[t - 1])
        )
        for t in (1, 2, 3)
    ]
    np.testing.assert_allclose(shifts, expected, rtol=1e-12)
    assert np.all(shifts > 0)


def test_resampled_problem_validates(resampled):
    problem, theta0 = resampled
    objective = problem.induced_objective(theta0, np.random.default_rng(1))
    with pytest.raises(ValueError, match="non-negative"):
        problem.mix([objective, objective], [1.5, -0.5])
    with pytest.raises(ValueError, match="pass a numpy Generator"):
        problem.induced_objective(theta0)


def test_resampled_rrm_is_reproducible_and_seeded(resampled):
    problem, theta0 = resampled
    first = affine_risk_minimization(problem, theta0, 2, seed=1).thetas
    np.testing.assert_array_equal(
        affine_risk_minimization(problem, theta0, 2, seed=1).thetas, first
    )
    other = affine_risk_minimization(problem, theta0, 2, seed=2).thetas
    assert np.max(np.abs(other - first)) > 1e-6


def test_resampled_tau_one_matches_chapter_two_rrm(resampled):
    """With one snapshot, the ARM draws the same samples and solves the same problems as Chapter 2's RRM."""
    problem, theta0 = resampled
    expected = repeated_risk_minimization(problem, theta0, 2, seed=1).thetas
    arm = affine_risk_minimization(problem, theta0, 2, weights=1, seed=1).thetas
    np.testing.assert_array_equal(arm, expected)


# Exercise checkers of Chapter 3: a right answer passes, each typical mistake gets its own message.


def _rate(rho, weights, flip=1.0, reverse=False, pick=None):
    alphas = np.asarray(weights, dtype=float)
    alphas = alphas[::-1] if reverse else alphas
    roots = np.roots(np.concatenate(([1.0], -flip * rho * alphas)))
    return pick(roots) if pick else np.max(np.abs(roots))


def test_linear_arm_rate_checker_accepts_a_right_answer(capsys):
    check_linear_arm_rate(_rate)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize(
    "answer, message",
    [
        (lambda rho, w: _rate(rho, w, reverse=True), "wrong powers"),
        (lambda rho, w: _rate(rho, w, flip=-1.0), "sign of rho"),
        (lambda rho, w: _rate(rho, w, pick=lambda r: np.max(r.real)), "largest real part"),
        (lambda rho, w: _rate(rho, w, pick=lambda r: np.min(np.abs(r))), "smallest root"),
        (lambda rho, w: abs(rho), "RRM's rate"),
        (lambda rho, w: "fast", "raised"),
        (lambda rho, w: np.nan, "finite"),
    ],
)
def test_linear_arm_rate_checker_explains_mistakes(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_linear_arm_rate(answer)


def _chi_square(base, f, f_new):
    old = 1 - f + base @ f
    new = 1 - f_new + base @ f_new
    return base @ ((new - old) ** 2 / old)


def test_rir_chi_square_checker_accepts_a_right_answer(capsys):
    check_rir_chi_square(_chi_square)
    assert capsys.readouterr().out.startswith("Correct:")


def _in_place(base, f, f_new):
    value = _chi_square(base, f, f_new)
    f_new -= f
    return value


@pytest.mark.parametrize(
    "answer, message",
    [
        (
            lambda p, f, g: p @ (((1 - g + p @ g) - (1 - f + p @ f)) ** 2 / (1 - g + p @ g)),
            "divided by w_f'",
        ),
        (lambda p, f, g: p @ ((g - f) ** 2 / (1 - f + p @ f)), "centred"),
        (lambda p, f, g: p @ ((g - f) ** 2 / (1 - f)), "not 1 - f"),
        (lambda p, f, g: p @ (((1 - g + p @ g) - (1 - f + p @ f)) ** 2), "forgot to divide"),
        (lambda p, f, g: _chi_square(np.full(p.size, 1 / p.size), f, g), "base masses"),
        (_in_place, "in place"),
        (lambda p, f, g: 2 * _chi_square(p, f, g), "Compute w"),
    ],
)
def test_rir_chi_square_checker_explains_mistakes(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_rir_chi_square(answer)


def test_rir_chi_square_checker_rejects_a_positive_divergence_between_equal_predictors():
    def biased(p, f, g):
        return _chi_square(p, f, g) + (1.0 if np.array_equal(f, g) else 0.0)

    with pytest.raises(ExerciseFailure, match="must be 0"):
        check_rir_chi_square(biased)


def test_rules_on_one_problem_share_their_first_rounds_bit_for_bit(resampled):
    """Runs sharing a problem reuse identical solves and give exactly what separate problems give."""
    from inloop.neural import NeuralRIRProblem

    problem, theta0 = resampled
    shared = NeuralRIRProblem(problem.shift, width=3, solver_options={"max_iter": 20})
    for rule in (1, 2, "all"):
        alone = NeuralRIRProblem(problem.shift, width=3, solver_options={"max_iter": 20})
        expected = affine_risk_minimization(alone, theta0, 4, weights=rule, seed=3)
        together = affine_risk_minimization(shared, theta0, 4, weights=rule, seed=3)
        np.testing.assert_array_equal(together.thetas, expected.thetas)
        np.testing.assert_array_equal(together.performative_risks, expected.performative_risks)
        np.testing.assert_array_equal(
            shared.loss_shifts(together.thetas), alone.loss_shifts(expected.thetas)
        )
    assert len(shared.log) == 12
    # Every rule's first round is RRM's, and rules 2 and "all" agree on their first two rounds.
    assert len({id(fit) for fit in shared.log}) == 4 + 3 + 2
    assert shared.log[4] is shared.log[0] and shared.log[9] is shared.log[5]


def test_a_changed_stopping_rule_is_not_served_a_remembered_fit(resampled):
    problem, theta0 = resampled
    objective = problem.induced_objective(theta0, np.random.default_rng(1))
    first = problem.solve(objective, theta0)
    assert problem.solve(objective, theta0) is first
    problem.solver_options["max_iter"] = 2
    capped = problem.solve(objective, theta0)
    assert capped is not first and capped.iterations <= 2


def test_compare_mixture_rules_gives_what_each_rule_gives_alone(resampled):
    """The comparison's shifts, risks and capped rounds are exactly those of separate runs."""
    from inloop.neural import NeuralRIRProblem, compare_mixture_rules

    problem, theta0 = resampled
    rules = {"rrm": 1, "two": 2, "all": "all"}
    comparison = compare_mixture_rules(
        problem.shift, theta0, rules, 4, seed=3, width=3, max_iter=20
    )
    assert set(comparison.shifts) == set(comparison.risks) == set(comparison.capped) == set(rules)
    for name, rule in rules.items():
        alone = NeuralRIRProblem(problem.shift, width=3, solver_options={"max_iter": 20})
        run = affine_risk_minimization(alone, theta0, 4, weights=rule, seed=3)
        np.testing.assert_array_equal(comparison.shifts[name], alone.loss_shifts(run.thetas))
        np.testing.assert_array_equal(comparison.risks[name], run.performative_risks)
        assert comparison.capped[name] == int(np.sum(~run.converged))
    # a cap of 2 iterations stops every round at the cap
    capped = compare_mixture_rules(
        problem.shift, theta0, {"rrm": 1}, 3, seed=3, width=3, max_iter=2
    )
    assert capped.capped["rrm"] == 3 and capped.shifts["rrm"].shape == (3,)


def test_compare_mixture_rules_rejects_empty_rules_and_rounds(resampled):
    from inloop.neural import compare_mixture_rules

    problem, theta0 = resampled
    with pytest.raises(ValueError, match="rules is empty"):
        compare_mixture_rules(problem.shift, theta0, {}, 3, seed=0, width=3)
    with pytest.raises(ValueError, match="rounds"):
        compare_mixture_rules(problem.shift, theta0, {"rrm": 1}, 0, seed=0, width=3)


def test_credit_arm_inputs_shuffle_subsample_and_seed_as_the_settings_say():
    pytest.importorskip("torch")
    from inloop.data import load_credit
    from inloop.neural import credit_arm_inputs
    from inloop.performative.arm_settings import ARMSettings

    data = load_credit()
    every, theta_every = credit_arm_inputs(data, ARMSettings(credit_rows=0))
    some, theta_some = credit_arm_inputs(data, ARMSettings(credit_rows=50))
    assert every.n_samples == data.n_samples and some.n_samples == 50
    assert every.delta == some.delta == ARMSettings().credit_delta
    assert tuple(every.strategic) == tuple(data.strategic_features)
    # the same shuffle: the 50 rows are the first 50 of the full shuffled sample
    np.testing.assert_array_equal(some.features, every.features[:50])
    np.testing.assert_array_equal(theta_every, theta_some)
    # and a shuffle: the rows are the base rows in another order, labels travelling with them
    assert not np.array_equal(every.features, data.features)
    shuffled = np.column_stack([every.features, every.labels])
    base = np.column_stack([data.features, data.labels])
    np.testing.assert_array_equal(shuffled[np.lexsort(shuffled.T)], base[np.lexsort(base.T)])
    other, theta_other = credit_arm_inputs(data, ARMSettings(credit_rows=50, credit_seed=1))
    assert not np.array_equal(other.features, some.features)
    assert not np.array_equal(theta_other, theta_some)
    width = ARMSettings().credit_width
    assert theta_every.shape == ((data.features.shape[1] + 2) * width + 1,)
