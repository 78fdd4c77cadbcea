"""Tests of inloop.neural: the RIR map, the scaled-sigmoid network, the solvers and neural RRM."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from inloop.neural import (
    ResampleIfRejected,
    ScaledSigmoidNetwork,
    accuracy,
    amplitude,
    check_row_probabilities,
    chi_square,
    closed_form_amplitudes,
    counterexample_rrm,
    fit_adam,
    fit_lbfgs,
    neural_rrm,
    recode_labels,
    rejection_probability,
    rir_constants,
    squared_loss,
)
from inloop.neural.counterexample import location


def toy(n=300, d=4, seed=0):
    rng = np.random.default_rng(seed)
    features = np.hstack([rng.normal(size=(n, d - 1)), np.ones((n, 1))])
    labels = (features[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(float)
    return features, labels


# ---------------------------------------------------------------- input validation


@pytest.mark.parametrize("delta", [0.0, 1.0, -0.2, 1.5, float("nan"), "0.5"])
def test_delta_outside_open_unit_interval_is_rejected(delta):
    features, labels = toy()
    with pytest.raises(ValueError, match="delta"):
        ResampleIfRejected(features, labels, delta)


def test_predictions_outside_range_are_rejected():
    features, labels = toy()
    shift = ResampleIfRejected(features, labels, 0.4)
    with pytest.raises(ValueError, match=r"\[0, 1 - delta\]"):
        shift.sample(np.full(len(labels), 0.7), seed=0)
    with pytest.raises(ValueError, match=r"\[0, 1 - delta\]"):
        shift.sample(np.full(len(labels), -0.01), seed=0)
    with pytest.raises(ValueError, match=r"\[0, 1 - delta\]"):
        rejection_probability([0.1, 0.9], 0.4)


def test_wrong_shapes_are_rejected():
    features, labels = toy()
    with pytest.raises(ValueError, match="same number of rows"):
        ResampleIfRejected(features, labels[:-1], 0.5)
    with pytest.raises(ValueError, match="2-dimensional"):
        ResampleIfRejected(features[:, 0], labels, 0.5)
    shift = ResampleIfRejected(features, labels, 0.5)
    with pytest.raises(ValueError, match="shape"):
        shift.sample(np.full(len(labels) - 1, 0.2), seed=0)
    network = ScaledSigmoidNetwork(4, 3, 0.5)
    with pytest.raises(ValueError, match="columns"):
        network.predict(features[:, :3])
    with pytest.raises(ValueError, match="entries"):
        network.set_flat(np.zeros(5))


@pytest.mark.parametrize("strategic", [[0, 4], [-1], [1, 1], [], [0.5]])
def test_unknown_feature_indices_are_rejected(strategic):
    features, labels = toy()
    with pytest.raises(ValueError, match="strategic"):
        ResampleIfRejected(features, labels, 0.5, strategic=strategic)


def test_other_boundary_errors():
    features, labels = toy()
    with pytest.raises(ValueError, match="binary"):
        recode_labels(np.array([0.0, 2.0]), 0.5)
    with pytest.raises(ValueError, match="seed"):
        ResampleIfRejected(features, labels, 0.5).sample(np.zeros(len(labels)), seed="x")
    with pytest.raises(ValueError, match="strategic=None"):
        ResampleIfRejected(features, labels, 0.5, strategic=[0]).row_probabilities(
            np.zeros(len(labels))
        )
    with pytest.raises(ValueError, match="width"):
        ScaledSigmoidNetwork(4, 0, 0.5)


# ---------------------------------------------------------------- the RIR map


def test_whole_row_redraws_keep_feature_label_pairs():
    features, labels = toy()
    sample = ResampleIfRejected(features, labels, 0.3).sample(np.full(len(labels), 0.5), seed=1)
    assert sample.rejected.any() and (~sample.rejected).any()
    np.testing.assert_array_equal(sample.features, features[sample.donors])
    np.testing.assert_array_equal(sample.labels, labels[sample.donors])


def test_strategic_redraws_keep_labels_and_other_columns_of_the_row():
    features, labels = toy()
    shift = ResampleIfRejected(features, labels, 0.3, strategic=[0, 2])
    sample = shift.sample(np.full(len(labels), 0.5), seed=1)
    np.testing.assert_array_equal(sample.labels, labels)
    np.testing.assert_array_equal(sample.features[:, [1, 3]], features[:, [1, 3]])
    np.testing.assert_array_equal(sample.features[:, [0, 2]], features[sample.donors][:, [0, 2]])
    np.testing.assert_array_equal(sample.donors[~sample.rejected], np.flatnonzero(~sample.rejected))


def test_rejection_frequency_matches_g():
    n, delta = 200_000, 0.25
    predictions = np.where(np.arange(n) % 2 == 0, 0.05, 0.7)
    shift = ResampleIfRejected(np.zeros((n, 1)), np.zeros(n), delta)
    sample = shift.sample(predictions, seed=3)
    for value in (0.05, 0.7):
        chosen = predictions == value
        rate, g = sample.rejected[chosen].mean(), value + delta
        assert abs(rate - g) < 4 * np.sqrt(g * (1 - g) / chosen.sum())


def test_row_frequencies_match_the_induced_density():
    n, delta = 5, 0.2
    predictions = np.array([0.0, 0.1, 0.4, 0.6, 0.8])
    shift = ResampleIfRejected(np.arange(n, dtype=float)[:, None], np.zeros(n), delta)
    expected = shift.row_probabilities(predictions)
    draws = np.concatenate(
        [shift.sample(predictions, seed=s).features[:, 0] for s in range(20_000)]
    )
    observed = np.bincount(draws.astype(int), minlength=n) / draws.size
    assert np.max(np.abs(observed - expected)) < 4 * np.sqrt(0.25 / draws.size)
    assert expected.sum() == pytest.approx(1.0)


def test_sampling_is_reproducible_under_a_seed():
    features, labels = toy()
    shift = ResampleIfRejected(features, labels, 0.3, strategic=[0])
    predictions = np.full(len(labels), 0.3)
    first, second = shift.sample(predictions, seed=7), shift.sample(predictions, seed=7)
    np.testing.assert_array_equal(first.features, second.features)
    np.testing.assert_array_equal(first.rejected, second.rejected)
    assert not np.array_equal(first.rejected, shift.sample(predictions, seed=8).rejected)


def test_expected_loss_is_exact_for_whole_rows_and_unbiased_for_strategic_redraws():
    features, labels = toy(n=200)
    network = ScaledSigmoidNetwork(4, 3, 0.4, seed=1)
    squared = lambda p, y: 0.5 * (p - 0.6 * y) ** 2  # noqa: E731
    shift = ResampleIfRejected(features, labels, 0.4)
    weights = shift.row_probabilities(network.predict)
    exact = np.sum(weights * squared(network.predict(features), labels))
    assert shift.expected_loss(network.predict, network.predict, squared) == pytest.approx(
        exact, rel=1e-12
    )
    partial = ResampleIfRejected(features, labels, 0.4, strategic=[0, 1])
    estimate = partial.expected_loss(network.predict, network.predict, squared, donor_sets=200)
    draws = [
        squared(network.predict(s.features), s.labels).mean()
        for s in (partial.sample(network.predict, seed) for seed in range(400))
    ]
    assert abs(estimate - np.mean(draws)) < 4 * np.std(draws) / np.sqrt(len(draws)) + 1e-4


def test_chi_square_sensitivity_and_norm_constant_hold():
    rng = np.random.default_rng(0)
    n = 50
    for delta in (0.1, 0.5, 0.9):
        constants = rir_constants(delta)
        shift = ResampleIfRejected(np.zeros((n, 1)), np.zeros(n), delta)
        for _ in range(20):
            f, g = rng.uniform(0, 1 - delta, size=(2, n))
            q_f, q_g = shift.row_probabilities(f), shift.row_probabilities(g)
            assert chi_square(q_g, q_f) <= constants.epsilon * np.mean((f - g) ** 2) + 1e-15
            assert np.all(1.0 / n <= constants.norm_constant * q_f + 1e-15)
        assert constants.contraction_factor == pytest.approx((1 - delta) / delta)


# ---------------------------------------------------------------- network and solvers


def test_network_output_range_and_flat_round_trip():
    features, _ = toy()
    network = ScaledSigmoidNetwork(4, 5, 0.3, seed=2)
    predictions = network.predict(100 * features)
    assert predictions.min() >= 0 and predictions.max() <= 0.7
    theta = network.flat()
    assert theta.shape == (4 * 5 + 5 + 5 + 1,)
    other = ScaledSigmoidNetwork(4, 5, 0.3, seed=3).set_flat(theta)
    np.testing.assert_array_equal(other.predict(features), network.predict(features))


def test_lbfgs_gradient_rule_and_adam_baseline():
    features, labels = toy()
    targets = recode_labels(labels, 0.5)
    network = ScaledSigmoidNetwork(4, 3, 0.5, seed=3)
    start = squared_loss(network.predict(features), targets)
    result = fit_lbfgs(network, features, targets, tol=1e-4, rtol=0.0, max_iter=3000)
    assert result.reason == "gradient" and result.gradient_max <= 1e-4
    assert result.loss < start
    stalled = fit_lbfgs(
        ScaledSigmoidNetwork(4, 3, 0.5, seed=0), features, targets, tol=1e-12, rtol=1e-2, window=5
    )
    assert stalled.reason == "stalled" and stalled.iterations < result.iterations
    capped = fit_lbfgs(
        ScaledSigmoidNetwork(4, 3, 0.5, seed=0), features, targets, tol=1e-12, rtol=0.0, max_iter=3
    )
    assert capped.reason == "max_iter" and not capped.converged
    assert accuracy(network.predict(features), labels, 0.5) > 0.75
    adam = fit_adam(
        ScaledSigmoidNetwork(4, 3, 0.5, seed=0),
        features,
        targets,
        lr=1e-2,
        tol=1e-9,
        max_steps=20_000,
    )
    assert adam.reason == "loss change" and adam.loss < start


def test_lbfgs_uses_the_analytic_gradient_of_equation_4():
    features, labels = toy(n=50)
    targets = recode_labels(labels, 0.2)
    network = ScaledSigmoidNetwork(4, 3, 0.2, seed=0)
    from inloop.neural.training import _objective

    objective = _objective(network, features, targets, None)
    theta = network.flat()
    _, gradient = objective(theta)
    step = 1e-6
    numeric = np.array(
        [
            (objective(theta + step * e)[0] - objective(theta - step * e)[0]) / (2 * step)
            for e in np.eye(theta.size)
        ]
    )
    np.testing.assert_allclose(gradient, numeric, atol=1e-8)


# ---------------------------------------------------------------- neural RRM


def test_neural_rrm_converges_on_a_small_instance():
    torch.set_num_threads(1)
    features, labels = toy(n=2000)
    shift = ResampleIfRejected(features, labels, 0.8, strategic=[1, 2])
    start = ScaledSigmoidNetwork(4, 4, 0.8, seed=5).flat()  # an untrained model, far from stable
    history = neural_rrm(shift, rounds=6, width=4, seed=0, theta0=start, rtol=1e-6, max_iter=500)
    assert history.thetas.shape == (7, 4 * 4 + 4 + 4 + 1)
    assert history.performative_risks.shape == (7,) and history.decoupled_risks.shape == (6,)
    assert history.prediction_gaps[-1] < 0.25 * history.prediction_gaps[0]
    assert history.performative_risks[-1] < history.performative_risks[0]
    positions, values = history.sawtooth()
    assert positions.shape == values.shape == (13,)
    assert np.all(history.accuracies[1:] > 0.8)


# ---------------------------------------------------------------- counterexample and exercise checker


def test_counterexample_cycles_for_every_epsilon():
    for epsilon in (1e-3, 0.1, 10.0):
        run = counterexample_rrm(np.arctanh(0.5), epsilon, 6)
        np.testing.assert_allclose(
            amplitude(run.thetas[:, 0]), closed_form_amplitudes(2.5, 6), atol=1e-6
        )
        thetas = np.linspace(-3, 3, 101)
        moves = np.abs(np.diff(location(thetas, epsilon)))
        assert np.all(moves <= epsilon * np.diff(thetas) + 1e-15)


def test_row_probability_checker_catches_mistakes(capsys):
    right = lambda p, d: (1 - p - d + np.mean(p + d)) / len(p)  # noqa: E731
    check_row_probabilities(right)
    assert "Correct:" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="redrawn"):
        check_row_probabilities(lambda p, d: (1 - p - d) / np.sum(1 - p - d))
    with pytest.raises(AssertionError):
        check_row_probabilities(lambda p, d: (1 - p + np.mean(p)) / len(p) + 0.01)


def test_expected_loss_accepts_several_losses_and_validates_donors():
    features, labels = toy(n=200)
    network = ScaledSigmoidNetwork(4, 3, 0.4, seed=1)
    shift = ResampleIfRejected(features, labels, 0.4, strategic=[0])
    first = lambda p, y: (p - y) ** 2  # noqa: E731
    second = lambda p, y: np.abs(p - y)  # noqa: E731
    both = shift.expected_loss(
        network.predict, network.predict, (first, second), donor_sets=3, seed=4
    )
    assert both == (
        shift.expected_loss(network.predict, network.predict, first, donor_sets=3, seed=4),
        shift.expected_loss(network.predict, network.predict, second, donor_sets=3, seed=4),
    )
    with pytest.raises(ValueError, match="donor_sets"):
        shift.expected_loss(network.predict, network.predict, first, donor_sets=0)
    with pytest.raises(ValueError, match="callable"):
        shift.expected_loss(network.predict, np.zeros(200), first)


def test_lbfgs_target_loss_and_weights():
    features, labels = toy()
    targets = recode_labels(labels, 0.5)
    network = ScaledSigmoidNetwork(4, 3, 0.5, seed=3)
    start = squared_loss(network.predict(features), targets)
    reached = fit_lbfgs(network, features, targets, target_loss=0.9 * start, rtol=0.0)
    assert reached.reason == "target" and reached.loss <= 0.9 * start
    weights = np.r_[np.ones(150), np.zeros(150)]
    half = fit_lbfgs(
        ScaledSigmoidNetwork(4, 3, 0.5, seed=3), features, targets, weights=weights, rtol=1e-6
    )
    alone = fit_lbfgs(
        ScaledSigmoidNetwork(4, 3, 0.5, seed=3), features[:150], targets[:150], rtol=1e-6
    )
    np.testing.assert_allclose(half.theta, alone.theta, atol=1e-8)
    with pytest.raises(ValueError, match="weights"):
        fit_lbfgs(network, features, targets, weights=-np.ones(300))


def _product_grid(copies=3000):
    """A base sample in which the strategic column is independent of the other one: every pair once."""
    grid = np.array([[n, s] for n in (0.0, 1.0, 2.0) for s in (0.0, 1.0)])
    return np.tile(grid, (copies, 1))


def _partial_redraw_density(f_cells, delta):
    """Closed form p (1 - f + E_{x_S'} f(x_N, x_S')) on the uniform 3 x 2 product grid."""
    f = f_cells.reshape(3, 2)
    return ((1 - f + f.mean(axis=1, keepdims=True)) / 6).ravel()


def test_partial_redraw_under_independence_matches_its_closed_form():
    delta = 0.3
    base = _product_grid()
    f_cells = np.array([0.1, 0.6, 0.0, 0.7, 0.35, 0.2])
    cell = (base[:, 0] * 2 + base[:, 1]).astype(int)
    shift = ResampleIfRejected(base, np.zeros(len(base)), delta, strategic=[1])
    sample = shift.sample(f_cells[cell], seed=0).features
    drawn = (sample[:, 0] * 2 + sample[:, 1]).astype(int)
    frequencies = np.bincount(drawn, minlength=6) / len(drawn)
    expected = _partial_redraw_density(f_cells, delta)
    standard_error = np.sqrt(expected * (1 - expected) / len(drawn))
    assert np.all(np.abs(frequencies - expected) < 4 * standard_error)


def test_partial_redraw_under_independence_keeps_the_2023_constants():
    rng = np.random.default_rng(0)
    for delta in (0.1, 0.5, 0.9):
        constants = rir_constants(delta)
        base_density = np.full(6, 1 / 6)
        for _ in range(200):
            f, f_new = rng.uniform(0, 1 - delta, size=(2, 6))
            q, q_new = _partial_redraw_density(f, delta), _partial_redraw_density(f_new, delta)
            assert np.all(base_density <= constants.norm_constant * q + 1e-15)
            chi2 = np.sum((q_new - q) ** 2 / q)
            assert chi2 <= constants.epsilon * np.mean((f_new - f) ** 2) + 1e-15


# ---------------------------------------------------------------- settings and exercise checkers


def test_neural_settings_presets_and_validation():
    from inloop.neural import NeuralSettings

    book, paper = NeuralSettings.for_scale("book"), NeuralSettings.for_scale("paper")
    assert book.deltas == (0.1, 0.4, 0.7, 0.9) and book.rounds == 8 and book.width == 8
    assert book.solver == {"rtol": 1e-3, "max_iter": 300}
    assert book.start_widths == (8, 16, 32)
    for name, value in NeuralSettings.PAPER.items():
        assert getattr(paper, name) == value
    assert paper.rounds == 30 and paper.seeds == (0, 1, 2, 3, 4) and paper.rtol == 1e-5
    assert paper.deltas == book.deltas and paper.widths == book.widths
    assert NeuralSettings(width=12, widths=(16, 32)).start_widths == (12, 16, 32)
    with pytest.raises(ValueError, match="deltas"):
        NeuralSettings(deltas=(0.5, 1.0))
    with pytest.raises(ValueError, match="start_delta"):
        NeuralSettings(start_delta=0.0)
    with pytest.raises(ValueError, match="rtol"):
        NeuralSettings(rtol=0.0)
    with pytest.raises(ValueError, match="widths"):
        NeuralSettings(widths=(8, 0))
    with pytest.raises(ValueError, match="floor_seeds"):
        NeuralSettings(floor_seeds=(3, 3))
    with pytest.raises(ValueError, match="width_seeds"):
        NeuralSettings(width_seeds=(0,))
    with pytest.raises(ValueError, match="deltas must not repeat"):
        NeuralSettings(deltas=(0.7, 0.7))
    with pytest.raises(ValueError, match="scale"):
        NeuralSettings.for_scale("huge")


def _reference_rows(predictions, delta):
    g = predictions + delta
    return (1 - g + g.mean()) / len(g)


def test_sensitivity_ratio_checker_accepts_the_answer_and_names_mistakes(capsys):
    from inloop._exercise import ExerciseFailure
    from inloop.neural.exercises import check_sensitivity_ratio

    def answer(f, f_new, delta):
        q, q_new = _reference_rows(f, delta), _reference_rows(f_new, delta)
        return chi_square(q_new, q) / np.mean((f_new - f) ** 2)

    check_sensitivity_ratio(answer)
    assert capsys.readouterr().out.startswith("Correct:")

    def summed(f, f_new, delta):
        return answer(f, f_new, delta) / len(f)

    with pytest.raises(ExerciseFailure, match="deployed"):
        check_sensitivity_ratio(
            lambda f, f_new, delta: (
                chi_square(_reference_rows(f, delta), _reference_rows(f_new, delta))
                / np.mean((f_new - f) ** 2)
            )
        )
    with pytest.raises(ExerciseFailure, match="not its sum"):
        check_sensitivity_ratio(summed)
    with pytest.raises(ExerciseFailure, match="wrong ratio"):
        check_sensitivity_ratio(lambda f, f_new, delta: 1.0)


def test_rir_draw_checker_accepts_the_answer_and_names_mistakes(capsys):
    from inloop._exercise import ExerciseFailure
    from inloop.neural.exercises import check_rir_draw

    def answer(predictions, delta, size, rng):
        n = len(predictions)
        rows = rng.integers(n, size=size)
        rejected = rng.random(size) < predictions[rows] + delta
        return np.where(rejected, rng.integers(n, size=size), rows)

    check_rir_draw(answer)
    assert capsys.readouterr().out.startswith("Correct:")

    def until_kept(predictions, delta, size, rng):
        weights = 1 - predictions - delta
        return rng.choice(len(predictions), size=size, p=weights / weights.sum())

    with pytest.raises(ExerciseFailure, match="ONE fresh draw"):
        check_rir_draw(until_kept)
    with pytest.raises(ExerciseFailure, match="uniform"):
        check_rir_draw(lambda p, delta, size, rng: rng.integers(len(p), size=size))
    with pytest.raises(ExerciseFailure, match="shape"):
        check_rir_draw(lambda p, delta, size, rng: np.zeros(3, dtype=int))
    with pytest.raises(ExerciseFailure, match="integer row indices"):
        check_rir_draw(lambda p, delta, size, rng: rng.random(size))
