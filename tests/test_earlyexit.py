"""Unit tests for inloop.earlyexit: costs, calibration, exit rules, risk control, data loaders."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from inloop.data.images import load_image_arrays, load_mnist5k, split_images
from inloop.earlyexit import (
    PCEE,
    ConfidenceRule,
    EarlyExitSettings,
    ExitTable,
    RiskControlRule,
    SmoothedPCEE,
    TemperatureRule,
    binomial_p_values,
    exit_costs,
    exit_logits,
    expected_calibration_error,
    fit_temperature,
    fixed_sequence,
    hoeffding_bentkus_p_values,
    isotonic_fit,
    ltt_violation_rate,
    multi_exit_cnn,
    multi_exit_mlp,
    reliability_diagram,
    softmax,
    train_multi_exit,
)
from inloop.earlyexit.analysis import (
    cost_matched_accuracy,
    pcee_sensitivity,
    per_exit_accuracy,
    shortfall,
    sweep,
)
from inloop.earlyexit.exercises import check_ece

# --- costs -------------------------------------------------------------------------------------


def test_cnn_costs_match_a_manual_count():
    model = multi_exit_cnn((4, 6, 5), in_channels=1, image_size=16, pooled_blocks=2, head_grid=2)
    costs = exit_costs(model)
    blocks = [
        16 * 16 * 4 * 1 * 9,
        8 * 8 * 6 * 4 * 9,
        4 * 4 * 5 * 6 * 9,
    ]  # conv outputs before pooling
    heads = [4 * 2 * 2 * 10, 6 * 2 * 2 * 10, 5 * 2 * 2 * 10]
    assert costs.blocks.tolist() == blocks
    assert costs.heads.tolist() == heads
    assert costs.cumulative.tolist() == np.cumsum(np.add(blocks, heads)).tolist()
    assert costs.full == sum(blocks) + heads[-1]


def test_mlp_costs_match_a_manual_count():
    costs = exit_costs(multi_exit_mlp((7, 5), n_inputs=12, n_classes=3))
    assert costs.blocks.tolist() == [12 * 7, 7 * 5]
    assert costs.heads.tolist() == [7 * 3, 5 * 3]


def test_forward_pass_shapes_and_training_reduces_loss():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 10)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = multi_exit_mlp((16, 16), n_inputs=10, n_classes=2, seed=0)
    history = train_multi_exit(model, x, y, epochs=15, batch_size=16, lr=1e-2, seed=0)
    assert history[-1] < 0.5 * history[0]
    logits = exit_logits(model, x)
    assert logits.shape == (64, 2, 2)
    again = multi_exit_mlp((16, 16), n_inputs=10, n_classes=2, seed=0)
    train_multi_exit(again, x, y, epochs=15, batch_size=16, lr=1e-2, seed=0)
    assert np.array_equal(exit_logits(again, x), logits), "same seed, same weights"


# Trains a small CNN on random labels (the chaotic regime of over-fitting) in float32 and in
# float64 and saves every exit's logits; run under two kernel choices by the test below.
_KERNEL_SCRIPT = """
import sys, numpy as np, torch
from inloop.earlyexit import exit_logits, multi_exit_cnn, train_multi_exit
torch.set_num_threads(1)
rng = np.random.default_rng(0)
x, y = rng.random((120, 1, 12, 12)), rng.integers(0, 3, 120)
out = {}
for dtype in ("float32", "float64"):
    model = multi_exit_cnn((4, 8), n_classes=3, image_size=12, pooled_blocks=1, seed=0)
    model = model.to(getattr(torch, dtype))
    train_multi_exit(model, x, y, epochs=40, batch_size=16, lr=1e-2, seed=0)
    out[dtype] = exit_logits(model, x)
np.savez(sys.argv[1], **out)
"""


def test_float64_training_barely_depends_on_the_processor_kernels(tmp_path):
    """The same training under PyTorch's vectorised kernels and under its portable ones (which
    round differently, as another processor's would). In float64 the two networks agree closely
    on every processor tried. Where the float32 networks differ visibly (on an AVX2 processor, by
    more than 1e-2 in their logits), the float64 ones differ a thousand times less; that is why
    Chapter 6 trains in float64. On an AVX-512 processor the float32 kernels happen to agree with
    the portable ones far more closely (7e-6 for this network), and there is nothing to shrink."""
    import os
    import subprocess
    import sys

    if torch.backends.cpu.get_cpu_capability() == "DEFAULT":
        pytest.skip("this processor already runs PyTorch's portable kernels")
    runs = {}
    for kernels in ("native", "default"):
        env = dict(os.environ)
        env.pop("ATEN_CPU_CAPABILITY", None)
        if kernels == "default":
            env["ATEN_CPU_CAPABILITY"] = "default"
        path = tmp_path / f"{kernels}.npz"
        subprocess.run([sys.executable, "-c", _KERNEL_SCRIPT, str(path)], check=True, env=env)
        runs[kernels] = np.load(path)
    gap = {
        dtype: np.abs(runs["native"][dtype] - runs["default"][dtype]).max()
        for dtype in ("float32", "float64")
    }
    assert gap["float64"] < 1e-4, "float64 training should barely depend on the kernels"
    if gap["float32"] > 1e-2:  # float32 training amplified the rounding differences
        assert gap["float64"] < 1e-3 * gap["float32"], "float64 should shrink them a thousandfold"
    models = [
        multi_exit_cnn((4,), n_classes=3, image_size=12, pooled_blocks=1, seed=0).to(dtype)
        for dtype in DTYPES
    ]
    assert [next(m.parameters()).dtype for m in models] == list(DTYPES)
    costs = [exit_costs(model).cumulative for model in models]
    assert np.array_equal(*costs), "the cost count does not depend on the precision"
    with pytest.raises(ValueError, match="precision must be one of 'float64', 'float32'"):
        EarlyExitSettings(precision="float16")


DTYPES = (torch.float32, torch.float64)


def test_network_errors():
    with pytest.raises(ValueError, match="channels"):
        multi_exit_cnn(())
    with pytest.raises(ValueError, match="pooled_blocks"):
        multi_exit_cnn((4, 4), pooled_blocks=3)
    with pytest.raises(ValueError, match="MultiExitNet"):
        exit_costs(torch.nn.Linear(2, 2))
    model = multi_exit_mlp((4,), n_inputs=3)
    with pytest.raises(ValueError, match="shape"):
        exit_logits(model, np.zeros((5, 4)))
    with pytest.raises(ValueError, match="one entry per image"):
        train_multi_exit(model, np.zeros((5, 3)), np.zeros(4, dtype=int))


# --- calibration -------------------------------------------------------------------------------


def test_reliability_diagram_and_ece_on_a_hand_table():
    confidences = np.array([0.15, 0.25, 0.55, 0.65, 0.95, 1.0])
    correct = np.array([0, 1, 1, 0, 1, 1])
    diagram = reliability_diagram(confidences, correct, n_bins=2)
    assert diagram.counts.tolist() == [2, 4]
    assert np.allclose(diagram.accuracy, [0.5, 0.75])
    assert np.allclose(diagram.confidence, [0.2, 0.7875])
    expected = (2 * abs(0.5 - 0.2) + 4 * abs(0.75 - 0.7875)) / 6
    assert expected_calibration_error(confidences, correct, n_bins=2) == pytest.approx(expected)
    assert np.isnan(reliability_diagram(confidences, correct, n_bins=10).accuracy[0])


def test_isotonic_fit_is_monotone_and_matches_pooling():
    assert np.allclose(isotonic_fit([1.0, 3.0, 2.0, 4.0], [1, 1, 1, 1]), [1.0, 2.5, 2.5, 4.0])
    assert np.allclose(isotonic_fit([2.0, 1.0], [3, 1]), [1.75, 1.75])
    rng = np.random.default_rng(1)
    fitted = isotonic_fit(rng.random(25), rng.random(25) + 0.1)
    assert np.all(np.diff(fitted) >= -1e-12)


def test_temperature_recovers_the_generating_temperature():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3.0, size=(20000, 5))
    probabilities = softmax(
        logits, 2.0
    )  # labels drawn from softmax(z / 2): the right temperature is 2
    labels = (probabilities.cumsum(axis=1) > rng.random((20000, 1))).argmax(axis=1)
    assert fit_temperature(logits, labels) == pytest.approx(2.0, rel=0.05)


@pytest.mark.parametrize("factor", [1 / 40, 1.0, 30.0, 100.0])
def test_temperature_follows_a_rescaling_of_the_logits_beyond_the_first_interval(factor):
    # Multiplying every logit by s multiplies the fitted temperature by s exactly (the NLL of
    # softmax(s z / sT) is that of softmax(z / T)), also where s T leaves [0.05, 20].
    rng = np.random.default_rng(3)
    logits = rng.normal(scale=3.0, size=(5000, 4))
    probabilities = softmax(logits, 1.5)
    labels = (probabilities.cumsum(axis=1) > rng.random((5000, 1))).argmax(axis=1)
    base = fit_temperature(logits, labels)
    assert 0.05 < base < 20
    assert fit_temperature(factor * logits, labels) == pytest.approx(factor * base, rel=1e-4)


def test_calibration_errors():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        reliability_diagram([0.5, 1.2], [1, 0])
    with pytest.raises(ValueError, match="same number of rows"):
        reliability_diagram([0.5, 0.6], [1])
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error([0.5], [1], n_bins=0)


def test_ece_checker_accepts_a_right_answer_and_names_a_wrong_one():
    assert check_ece(expected_calibration_error) is None

    def unweighted(confidences, correct, n_bins):
        diagram = reliability_diagram(confidences, correct, n_bins)
        full = diagram.counts > 0
        return np.mean(np.abs(diagram.accuracy[full] - diagram.confidence[full]))

    with pytest.raises(AssertionError, match="share of the samples"):
        check_ece(unweighted)


# --- exit rules on hand-built tables ----------------------------------------------------------


def hand_table():
    confidences = np.array(
        [[0.95, 0.99, 0.99], [0.60, 0.92, 0.99], [0.50, 0.60, 0.70], [0.91, 0.50, 0.99]]
    )
    predictions = np.array([[1, 1, 1], [0, 2, 2], [3, 3, 4], [5, 6, 6]])
    return ExitTable(confidences, predictions, costs=[1.0, 3.0, 6.0])


def test_tables_accept_lists():
    table = ExitTable([[0.9, 0.8]], [[1, 2]], [1, 2])
    assert table.subset([0]).predictions.tolist() == [[1, 2]]


def test_confidence_rule_on_a_hand_table():
    result = ConfidenceRule().decide(hand_table(), 0.9)
    assert result.exits.tolist() == [0, 1, 2, 0]
    assert result.predictions.tolist() == [1, 2, 4, 5]
    assert result.mean_cost == pytest.approx((1 + 3 + 6 + 1) / 4)
    assert np.allclose(result.histogram(), [0.5, 0.25, 0.25])
    labels = np.array([1, 2, 3, 6])
    assert result.accuracy(labels) == 0.5
    assert result.early_accuracy(labels) == pytest.approx(2 / 3)


def test_pcee_reads_bin_accuracies():
    # Validation: at exit 1, bin [0.5, 0.75) is 100% right and bin [0.75, 1] is 50% right (n_bins=4).
    val = ExitTable(
        np.array([[0.6, 0.9], [0.7, 0.9], [0.8, 0.9], [0.9, 0.9]]),
        np.zeros((4, 2), dtype=int),
        [1, 2],
    )
    labels = np.array([0, 0, 0, 1])
    rule = PCEE(n_bins=4).fit(val, labels)
    test = ExitTable(
        np.array([[0.55, 0.9], [0.95, 0.9], [0.3, 0.9]]), np.zeros((3, 2), dtype=int), [1, 2]
    )
    assert rule.decide(test, 0.9).exits.tolist() == [
        0,
        1,
        1,
    ]  # 0.3 lies in an empty bin: never exits there
    assert rule.decide(test, 0.5).exits.tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match="bin 1 of exit 0"):
        PCEE(n_bins=4, empty="error").fit(val, labels).decide(test, 0.5)


def test_conditional_pcee_uses_only_samples_that_reach_the_exit():
    # Six easy samples (confidence 0.95 at exit 1, always right) and four hard ones (confidence 0.6 at
    # exit 1, two of them wrong at exits 1 and 2). At exit 2 every sample has confidence 0.9.
    confidences = np.array([[0.95, 0.9, 1.0]] * 6 + [[0.6, 0.9, 1.0]] * 4)
    predictions = np.zeros((10, 3), dtype=int)
    predictions[6:8, :2] = 1
    table = ExitTable(confidences, predictions, [1, 2, 3])
    labels = np.zeros(10, dtype=int)
    # Plain PCEE: exit 2's bin holds all ten samples, 80% right, so at a 0.75 target the hard ones leave there.
    assert PCEE(n_bins=5).fit(table, labels).decide(table, 0.75).exits.tolist() == [0] * 6 + [1] * 4
    # Conditional PCEE: only the four hard samples reach exit 2, 50% right there, so they go on to exit 3.
    assert (
        PCEE(n_bins=5, conditional=True).fit(table, labels).decide(table, 0.75).exits.tolist()
        == [0] * 6 + [2] * 4
    )
    assert (
        SmoothedPCEE(n_bins=5, conditional=True)
        .fit(table, labels)
        .decide(table, 0.75)
        .exits.tolist()
        == [0] * 6 + [2] * 4
    )


def test_smoothed_pcee_is_monotone_and_fills_empty_bins():
    rng = np.random.default_rng(0)
    confidences = rng.uniform(0.3, 1.0, size=(400, 2))
    correct = rng.random((400, 2)) < confidences
    table = ExitTable(confidences, np.where(correct, 0, 1), [1, 2])
    rule = SmoothedPCEE(n_bins=10).fit(table, np.zeros(400, dtype=int))
    assert np.all(np.diff(rule.table_, axis=1) >= -1e-12)
    assert np.all(rule.table_[:, :3] == 0.0)  # below every validation sample: never exit


def test_pcee_meets_its_target_on_calibrated_synthetic_data():
    rng = np.random.default_rng(0)
    n, exits = 20000, 3
    confidences = rng.beta(5, 1.5, size=(n, exits))
    correct = rng.random((n, exits)) < confidences  # calibrated: P(correct | c) = c
    table = ExitTable(confidences, np.where(correct, 0, 1), [1, 2, 3])
    labels = np.zeros(n, dtype=int)
    rule = PCEE(n_bins=20).fit(table.subset(slice(0, n // 2)), labels[: n // 2])
    test = table.subset(slice(n // 2, None))
    for delta in (0.7, 0.8, 0.9):
        result = rule.decide(test, delta)
        assert result.early_accuracy(labels[n // 2 :]) >= delta - 0.01


def test_temperature_rule_needs_logits_and_scales_them():
    with pytest.raises(ValueError, match="logits"):
        TemperatureRule().fit(hand_table(), np.zeros(4, dtype=int))
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=4.0, size=(3000, 2, 4))
    labels = (softmax(logits[:, 1], 3.0).cumsum(axis=1) > rng.random((3000, 1))).argmax(axis=1)
    table = ExitTable.from_logits(logits, [1, 2])
    rule = TemperatureRule().fit(table, labels)
    assert rule.temperatures_[1] == pytest.approx(3.0, rel=0.15)
    assert np.all(rule.scores(table) <= 1.0)


def test_rule_errors():
    table = hand_table()
    for bad in (0.0, -0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="delta"):
            ConfidenceRule().decide(table, bad)
    with pytest.raises(ValueError, match="same shape"):
        ExitTable(np.full((3, 2), 0.5), np.zeros((3, 3), dtype=int), [1, 2])
    with pytest.raises(ValueError, match="one entry per exit"):
        ExitTable(np.full((3, 2), 0.5), np.zeros((3, 2), dtype=int), [1, 2, 3])
    with pytest.raises(ValueError, match="non-decreasing"):
        ExitTable(np.full((3, 2), 0.5), np.zeros((3, 2), dtype=int), [2, 1])
    with pytest.raises(ValueError, match="one entry per sample"):
        PCEE().fit(table, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="fitted"):
        PCEE().decide(table, 0.9)
    with pytest.raises(ValueError, match="n_bins"):
        PCEE(n_bins=0)
    with pytest.raises(ValueError, match="empty"):
        PCEE(empty="skip")
    with pytest.raises(ValueError, match="exits"):
        PCEE(n_bins=4).fit(table, np.zeros(4, dtype=int)).decide(
            ExitTable(np.full((2, 2), 0.5), np.zeros((2, 2), dtype=int), [1, 2]), 0.9
        )


# --- risk control ------------------------------------------------------------------------------


def test_p_values_and_fixed_sequence():
    assert binomial_p_values(0, 10, 0.2) == pytest.approx(0.8**10)
    hb = hoeffding_bentkus_p_values(np.array([0.0, 0.1, 0.3]), 100, 0.2)
    exact = binomial_p_values(np.array([0, 10, 30]), 100, 0.2)
    assert np.all(hb >= exact - 1e-12), (
        "Hoeffding-Bentkus is never less conservative than the exact tail"
    )
    assert hb[2] == pytest.approx(min(1.0, np.e * binomial_p_values(30, 100, 0.2)))
    assert fixed_sequence([0.01, 0.02, 0.5, 0.01], 0.05) == 2
    assert fixed_sequence([0.5, 0.01], 0.05) == 0


def test_risk_control_rule_on_a_hand_table():
    table = hand_table()
    rule = RiskControlRule(level=0.5, grid=[0.9]).fit(
        table, np.array([1, 2, 4, 5])
    )  # every exit right
    assert rule.grid.tolist() == [np.inf, 0.9]
    assert rule.threshold(0.5) == 0.9
    assert rule.decide(table, 0.5).exits.tolist() == [0, 1, 2, 0]
    with pytest.raises(ValueError, match="level"):
        RiskControlRule(level=1.0)
    with pytest.raises(ValueError, match="p_value"):
        RiskControlRule(p_value="hoeffding")


def synthetic_pool(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    confidences = rng.beta(4, 1.2, size=(n, 3))
    correct = rng.random((n, 3)) < confidences**1.5  # over-confident intermediate exits
    correct[:, -1] = rng.random(n) < 0.9  # a last exit that is right 90% of the time
    return ExitTable(confidences, np.where(correct, 0, 1), [1, 2, 3]), np.zeros(n, dtype=int)


def test_ltt_guarantee_holds_on_simulated_data():
    table, labels = synthetic_pool()
    for p_value in ("binomial", "hoeffding_bentkus"):
        check = ltt_violation_rate(
            table, labels, 0.75, n_calibration=500, n_splits=400, level=0.1, p_value=p_value, seed=3
        )
        assert check["feasible_rate"] > 0.9
        assert check["violation_rate"] <= 0.1 + 3 * np.sqrt(0.09 / 400)
        assert check["early_exit_rate"] > 0.0


def test_ltt_violation_rate_matches_a_direct_loop():
    table, labels = synthetic_pool(n=800, seed=1)
    check = ltt_violation_rate(
        table, labels, 0.75, n_calibration=300, n_splits=5, mode="split", seed=2
    )
    rng = np.random.default_rng(2)
    ranks = rng.random((5, 800)).argsort(axis=1).argsort(axis=1)
    for split, errors in zip(ranks, check["errors"], strict=True):
        cal, test = split < 300, split >= 300
        rule = RiskControlRule().fit(table.subset(cal), labels[cal])
        assert errors == pytest.approx(
            1 - rule.decide(table.subset(test), 0.75).accuracy(labels[test])
        )


def test_ltt_errors():
    table, labels = synthetic_pool(n=100)
    with pytest.raises(ValueError, match="delta"):
        ltt_violation_rate(table, labels, 1.2, n_calibration=50)
    with pytest.raises(ValueError, match="test rows"):
        ltt_violation_rate(table, labels, 0.8, n_calibration=100, mode="split")
    with pytest.raises(ValueError, match="mode"):
        ltt_violation_rate(table, labels, 0.8, n_calibration=50, mode="bootstrap")


# --- analysis ----------------------------------------------------------------------------------


def test_sweep_and_summaries():
    table = hand_table()
    labels = np.array([1, 2, 3, 6])
    curves = sweep(ConfidenceRule(), table, labels, [0.9, 0.999], min_released=1)
    assert curves["mean_cost"].tolist() == [2.75, 6.0]
    assert np.isnan(curves["early_accuracy"][1])
    counts, accuracy = per_exit_accuracy(ConfidenceRule().decide(table, 0.9), labels)
    assert counts.tolist() == [2, 1, 1] and accuracy[0] == 0.5
    assert curves["worst_exit_accuracy"][0] == 0.5
    assert shortfall([0.8, np.nan, 0.95], [0.9, 0.9, 0.9]) == pytest.approx(0.1)
    assert cost_matched_accuracy([1, 2, 3], [0.5, 0.7, 0.9], 2.5) == (1, 2.0, 0.7)
    with pytest.raises(ValueError, match="costs at most"):
        cost_matched_accuracy([1, 2], [0.5, 0.7], 0.5)
    with pytest.raises(ValueError, match="delta"):
        sweep(ConfidenceRule(), table, labels, [0.5, 2.0])


def test_pcee_sensitivity_shrinks_with_more_validation_data():
    table, labels = synthetic_pool(n=4000, seed=2)
    validation, test = table.subset(slice(0, 2000)), table.subset(slice(2000, None))
    rows = pcee_sensitivity(
        validation,
        labels[:2000],
        test,
        labels[2000:],
        [0.7, 0.8],
        bin_counts=(40,),
        sizes=(40, 2000),
        repeats=3,
        min_released=20,
    )
    assert [(row["validation size"], row["bins"]) for row in rows] == [(40, 40), (2000, 40)]
    assert rows[0]["mean worst miss"] > rows[1]["mean worst miss"]
    with pytest.raises(ValueError, match="exceeds"):
        pcee_sensitivity(validation, labels[:2000], test, labels[2000:], [0.8], sizes=(3000,))


# --- data --------------------------------------------------------------------------------------


def test_mnist5k_loads_from_the_installed_wheel():
    images, labels = load_mnist5k()
    assert images.shape == (5000, 1, 28, 28) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert set(np.unique(labels)) == set(range(10))


def test_image_arrays_from_npz_and_cifar_batches(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 32, 32, 3), dtype=np.uint8)
    np.savez(tmp_path / "small.npz", images=images, labels=np.arange(6))
    x, y = load_image_arrays(tmp_path / "small.npz")
    assert x.shape == (6, 3, 32, 32) and x.max() <= 1.0 and y.tolist() == list(range(6))
    assert np.allclose(x[0, :, 0, 0], images[0, 0, 0] / 255.0)
    folder = tmp_path / "cifar"
    folder.mkdir()
    for name in ("data_batch_1", "test_batch"):
        with open(folder / name, "wb") as handle:
            pickle.dump(
                {b"data": images.transpose(0, 3, 1, 2).reshape(6, -1), b"labels": list(range(6))},
                handle,
            )
    x, y = load_image_arrays(folder)
    assert x.shape == (12, 3, 32, 32) and y.tolist() == list(range(6)) * 2
    np.savez(tmp_path / "bad.npz", pictures=images)
    with pytest.raises(FileNotFoundError, match="images"):
        load_image_arrays(tmp_path / "bad.npz")


def test_split_images():
    images, labels = np.arange(20).reshape(10, 2), np.arange(10)
    splits = split_images(images, labels, n_train=5, n_validation=3, seed=0)
    assert [len(part[1]) for part in (splits.train, splits.validation, splits.test)] == [5, 3, 2]
    together = np.sort(np.concatenate([splits.train[1], splits.validation[1], splits.test[1]]))
    assert together.tolist() == list(range(10))
    with pytest.raises(ValueError, match="test set"):
        split_images(images, labels, n_train=5, n_validation=5)


# --- settings, seeding and training options ---------------------------------------------------


def test_settings_presets_and_validation():
    from inloop.earlyexit import EarlyExitSettings

    book, paper = EarlyExitSettings.for_scale("book"), EarlyExitSettings.for_scale("paper")
    assert book.n_train == 300 and paper.n_train == 2000
    assert book.deltas[0] == 0.70 and book.deltas[-1] == 0.97 and book.deltas.size == 28
    assert book.sensitivity_deltas.tolist() == book.deltas[::3].tolist()
    assert book.fine_deltas[0] == 0.5 and book.fine_deltas[-1] == 0.99
    with pytest.raises(ValueError, match="level"):
        EarlyExitSettings(level=1.0)
    with pytest.raises(ValueError, match="device"):
        EarlyExitSettings(device="tpu")
    with pytest.raises(ValueError, match=r"seeds\[1\]"):
        EarlyExitSettings(seeds=(0, -1))
    with pytest.raises(ValueError, match="smallest target"):
        EarlyExitSettings(delta_min=0.9, delta_max=0.8)


def test_building_a_network_leaves_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first = multi_exit_cnn((4, 6), image_size=8, seed=5)
    multi_exit_mlp((3,), n_inputs=4, seed=5)
    assert torch.equal(torch.rand(3), expected)
    second = multi_exit_cnn((4, 6), image_size=8, seed=5)
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        assert torch.equal(a, b)
    third = multi_exit_cnn((4, 6), image_size=8, seed=6)
    assert not torch.equal(next(first.parameters()), next(third.parameters()))


def test_exit_weights_train_only_the_weighted_heads():
    rng = np.random.default_rng(0)
    images = rng.random((40, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 3, 40)
    model = multi_exit_cnn((4, 6), n_classes=3, image_size=8, seed=0)
    head_before = [p.clone() for p in model.heads[0].parameters()]
    last_before = [p.clone() for p in model.heads[1].parameters()]
    train_multi_exit(model, images, labels, epochs=2, exit_weights=(0, 1))
    assert all(
        torch.equal(a, b) for a, b in zip(head_before, model.heads[0].parameters(), strict=True)
    )
    assert not all(
        torch.equal(a, b) for a, b in zip(last_before, model.heads[1].parameters(), strict=True)
    )
    with pytest.raises(ValueError, match="exit_weights"):
        train_multi_exit(model, images, labels, exit_weights=(1,))
    with pytest.raises(ValueError, match="exit_weights"):
        train_multi_exit(model, images, labels, exit_weights=(-1, 2))


def test_fit_temperature_checks_labels_like_every_rule():
    with pytest.raises(ValueError, match="one entry per sample"):
        fit_temperature(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="integer"):
        fit_temperature(np.zeros((2, 2)), [0.0, 1.0])


# --- per-exit Learn then Test -------------------------------------------------------------------


def test_exitwise_p_values_are_conditional_binomial_tails():
    from inloop.earlyexit import exitwise_p_values

    p = exitwise_p_values([[0, 1], [2, 0]], [[10, 10], [5, 0]], 0.1)
    assert p[0, 0] == pytest.approx(0.9**10)
    assert p[0, 1] == pytest.approx(0.9**10 + 10 * 0.1 * 0.9**9)
    assert p[1, 1] == 1.0  # nothing released: no evidence
    with pytest.raises(ValueError, match="released"):
        exitwise_p_values([3], [2], 0.1)


def test_exit_estimates_follow_the_conditional_population():
    table = hand_table()
    labels = np.array([1, 2, 4, 5])
    plain = PCEE(2).fit(table, labels)
    assert plain.exit_estimates(0.9).shape == (2, 2)
    conditional = PCEE(2, conditional=True).fit(table, labels)
    assert conditional.open_exits(0.9, 3).dtype == bool
    # at a target no bin reaches, no exit is open and nothing leaves early
    closed = PCEE(2, conditional=True).fit(table, np.array([0, 0, 0, 0]))
    assert not closed.open_exits(0.5, 3).any()
    assert ConfidenceRule().open_exits(0.5, 3).all()


def test_exitwise_rule_on_a_hand_table():
    from inloop.earlyexit import ExitwiseRiskControlRule

    n = 60
    confidences = np.column_stack([np.full(n, 0.95), np.full(n, 0.99)])
    predictions = np.zeros((n, 2), dtype=int)
    table = ExitTable(confidences, predictions, [1.0, 2.0])
    labels = np.zeros(n, dtype=int)
    rule = ExitwiseRiskControlRule(ConfidenceRule(), level=0.1, grid=[0.99, 0.9, 0.5]).fit(
        table, labels
    )
    assert rule.released_[:, 0].tolist() == [0, n, n]
    # at 0.99 exit 1 releases nothing (p = 1): the sequence stops at once, so never exit early
    assert rule.threshold(0.9) == float("inf")
    assert (rule.decide(table, 0.9).exits == 1).all()
    opened = ExitwiseRiskControlRule(ConfidenceRule(), grid=[0.9, 0.5]).fit(table, labels)
    assert opened.threshold(0.9) == 0.5  # 60 right answers reject both hypotheses
    wrong = ExitwiseRiskControlRule(ConfidenceRule(), grid=[0.9, 0.5]).fit(table, labels + 1)
    assert wrong.threshold(0.9) == float("inf")
    with pytest.raises(ValueError, match="base"):
        ExitwiseRiskControlRule("PCEE")
    with pytest.raises(ValueError, match="fitted"):
        ExitwiseRiskControlRule(ConfidenceRule()).threshold(0.9)
    with pytest.raises(ValueError, match="grid"):
        ExitwiseRiskControlRule(ConfidenceRule(), grid=[1.5])


def test_exitwise_guarantee_holds_on_simulated_data():
    from inloop.earlyexit import exitwise_violation_rate

    table, labels = synthetic_pool(n=3000, seed=4)
    check = exitwise_violation_rate(
        table,
        labels,
        0.8,
        n_fit=600,
        n_calibration=600,
        repeats=30,
        n_bins=10,
        min_count=20,
        level=0.1,
        seed=0,
    )
    assert check["guaranteed violation rate"] <= 0.1 + 3 * np.sqrt(0.09 / 30)
    assert (
        1.0 <= check["heuristic mean cost"] <= 3.0 and 1.0 <= check["guaranteed mean cost"] <= 3.0
    )
    with pytest.raises(ValueError, match="repeats"):
        exitwise_violation_rate(table, labels, 0.8, n_fit=10, n_calibration=10, repeats=0)


# --- analysis helpers ---------------------------------------------------------------------------


def test_sharpen_keeps_predictions_and_raises_confidence():
    from inloop.earlyexit import sharpen

    logits = np.random.default_rng(0).normal(size=(20, 2, 4))
    table = ExitTable.from_logits(logits, [1, 2])
    sharp = sharpen(table, 3.0)
    assert np.array_equal(sharp.predictions, table.predictions)
    assert np.all(sharp.confidences >= table.confidences - 1e-12)
    with pytest.raises(ValueError, match="factor"):
        sharpen(table, 0.5)
    with pytest.raises(ValueError, match="logits"):
        sharpen(ExitTable(table.confidences, table.predictions, [1, 2]), 2.0)


def test_paired_interval_and_best_within_budget():
    from inloop.earlyexit import best_within_budget, exit_summary, paired_interval

    mean, low, high = paired_interval([1.0, 2.0, 3.0])
    assert mean == 2.0 and low < 2.0 < high
    assert high - mean == pytest.approx(4.302653 * 1.0 / np.sqrt(3), rel=1e-5)
    assert paired_interval([1.0])[1] == -np.inf
    table, labels = synthetic_pool(n=500, seed=2)
    choice = best_within_budget(
        {"confidence": ConfidenceRule()}, table, labels, table, labels, np.array([0.5, 0.9]), 2.5
    )
    assert choice["rule"] == "confidence" and choice["mean_cost"] <= 3
    with pytest.raises(ValueError, match="costs at most"):
        best_within_budget(
            {"confidence": ConfidenceRule()}, table, labels, table, labels, np.array([0.9]), 0.5
        )
    logits = np.random.default_rng(1).normal(size=(50, 2, 3))
    y = np.random.default_rng(2).integers(0, 3, 50)
    summary = exit_summary(
        ExitTable.from_logits(logits, [1, 2]), y, ExitTable.from_logits(logits, [1, 2]), y
    )
    assert list(summary.columns) == ["accuracy", "mean confidence", "ECE", "temperature"]
    assert summary.index.tolist() == [1, 2]


def test_smoothing_option_of_the_sensitivity_study():
    table, labels = synthetic_pool(n=900, seed=5)
    rows = pcee_sensitivity(
        table,
        labels,
        table,
        labels,
        [0.8],
        bin_counts=(20,),
        sizes=(60,),
        repeats=2,
        smoothed=True,
    )
    assert rows[0]["bins"] == 20 and np.isfinite(rows[0]["mean cost"])


# --- exercise checkers ------------------------------------------------------------------------


def test_first_exit_checker_accepts_a_right_answer_and_names_each_mistake(capsys):
    from inloop.earlyexit.exercises import check_first_exit

    def right(scores, tau):
        passes = scores >= tau
        passes[:, -1] = True
        return passes.argmax(axis=1)

    assert check_first_exit(right) is None
    assert capsys.readouterr().out.startswith("Correct:")

    def no_fallback(scores, tau):
        return (scores >= tau).argmax(axis=1)

    def last_passing(scores, tau):
        passes = scores >= tau
        passes[:, -1] = True
        return scores.shape[1] - 1 - passes[:, ::-1].argmax(axis=1)

    def strict(scores, tau):
        return right(scores, tau + 1e-12)

    def one_based(scores, tau):
        return right(scores, tau) + 1

    for wrong, message in (
        (no_fallback, "leave at the last exit"),
        (last_passing, "first"),
        (strict, "equal to the threshold"),
        (one_based, "numbered from 1"),
        (lambda scores, tau: np.zeros(2, int), "shape"),
    ):
        with pytest.raises(AssertionError, match=message):
            check_first_exit(wrong)


def test_fixed_sequence_checker_accepts_a_right_answer_and_names_each_mistake(capsys):
    from inloop.earlyexit import fixed_sequence
    from inloop.earlyexit.exercises import check_fixed_sequence

    assert check_fixed_sequence(lambda p, level: int(fixed_sequence(p, level))) is None
    assert capsys.readouterr().out.startswith("Correct:")
    for wrong, message in (
        (lambda p, level: int(np.sum(p <= level)), "stops at the first"),
        (lambda p, level: int(np.cumprod(p < level).sum()), "equal to the level"),
        (lambda p, level: int(fixed_sequence(p, level)) - 1, "not the index"),
        (lambda p, level: float(fixed_sequence(p, level)), "as an int"),
    ):
        with pytest.raises(AssertionError, match=message):
            check_fixed_sequence(wrong)


def test_exit_costs_checker_accepts_a_right_answer_and_names_each_mistake(capsys):
    from inloop.earlyexit.exercises import check_exit_costs

    assert check_exit_costs(lambda blocks, heads: np.cumsum(blocks + heads)) is None
    assert capsys.readouterr().out.startswith("Correct:")
    for wrong, message in (
        (lambda blocks, heads: np.cumsum(blocks) + heads, "only the head"),
        (lambda blocks, heads: np.cumsum(blocks), "heads cost"),
        (lambda blocks, heads: blocks + heads, "accumulate"),
        (lambda blocks, heads: np.cumsum(blocks + heads) + 1, "expected"),
        (lambda blocks, heads: np.zeros(2), "shape"),
    ):
        with pytest.raises(AssertionError, match=message):
            check_exit_costs(wrong)
