"""The chi-square sensitivity of resample-if-rejected: exact ratios, the sharp constants, the extremal pair."""

import numpy as np
import pytest
from inloop.neural.rir import ResampleIfRejected
from inloop.neural.rir_sensitivity import (
    DIRECTIONS,
    NORMS,
    rir_density_ratio,
    rir_extremal_pair,
    rir_extremal_ratio,
    rir_random_search,
    rir_sensitivity_claimed_2025,
    rir_sensitivity_ratio,
    rir_sharp_sensitivity,
)

DELTAS = (0.1, 0.4, 0.55, 0.7, 0.9)


def test_density_ratio_is_the_rir_map_of_chapter_two():
    rng = np.random.default_rng(0)
    delta, n = 0.4, 12
    predictions = rng.uniform(0.0, 1.0 - delta, n)
    shift = ResampleIfRejected(rng.normal(size=(n, 2)), (rng.random(n) < 0.5).astype(float), delta)
    np.testing.assert_allclose(
        rir_density_ratio(predictions, delta) / n, shift.row_probabilities(predictions), rtol=1e-12
    )


@pytest.mark.parametrize("delta", DELTAS)
def test_extremal_pair_approaches_the_sharp_constant_from_below(delta):
    atoms, step = 100_000, 1e-4
    f, f_new = rir_extremal_pair(delta, atoms, 2, step)
    sharp = rir_sharp_sensitivity(delta)
    for norm in NORMS:
        for direction in DIRECTIONS:
            ratio = rir_sensitivity_ratio(f, f_new, delta, norm=norm, direction=direction)
            limit = rir_sharp_sensitivity(delta, norm)
            # Two-sided: a constant that is too small is exceeded, one that is too large is not approached.
            assert 0.99 * limit < ratio <= limit
    forward = rir_sensitivity_ratio(f, f_new, delta)
    assert forward == pytest.approx(rir_extremal_ratio(delta, 2 / atoms, step), rel=1e-9)
    assert forward > rir_sensitivity_claimed_2025(delta)
    assert sharp == pytest.approx(1.0 / delta**2)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_no_random_instance_exceeds_the_sharp_constant(norm, direction):
    for delta in (0.2, 0.55, 0.8):
        found = rir_random_search(delta, 300, seed=1, norm=norm, direction=direction)
        assert 0.0 < found <= rir_sharp_sensitivity(delta, norm)


def test_extremal_ratio_closed_form_shrinks_with_mass_and_step():
    ratios = [rir_extremal_ratio(0.5, mass, 1e-3) for mass in (0.5, 0.1, 0.01, 1e-4)]
    assert np.all(np.diff(ratios) > 0) and ratios[-1] == pytest.approx(4.0, rel=1e-2)
    assert rir_extremal_ratio(0.5, 1.0, 0.25) == pytest.approx(1.0)


def test_claimed_constant_is_below_the_sharp_one_everywhere():
    deltas = np.linspace(0.01, 0.99, 99)
    claimed = np.array([rir_sensitivity_claimed_2025(d) for d in deltas])
    assert np.all(claimed < 1.0 / deltas**2)
    assert np.all(claimed > 1.0 / deltas)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: rir_sensitivity_ratio([0.1, 0.2], [0.1, 0.2], 0.5), "differ"),
        (lambda: rir_sensitivity_ratio([0.1, 0.2], [0.1, 0.3], 0.5, norm="l2"), "norm"),
        (lambda: rir_sensitivity_ratio([0.1, 0.2], [0.1, 0.3], 0.5, direction="up"), "direction"),
        (lambda: rir_sensitivity_ratio([0.1, 0.9], [0.1, 0.3], 0.5), "1 - delta"),
        (lambda: rir_density_ratio([0.1, 0.2], 0.5, base=[0.5, 0.6]), "probability vector"),
        (lambda: rir_density_ratio([0.1, 0.2], 0.5, base=[1.0]), "shape"),
        (lambda: rir_density_ratio([0.1, 0.2], 1.5), "delta"),
        (lambda: rir_extremal_pair(0.5, 10, 3, 0.01), "even"),
        (lambda: rir_extremal_pair(0.5, 10, 2, 0.5), "step"),
        (lambda: rir_sharp_sensitivity(0.5, norm="sup"), "norm"),
        (lambda: rir_random_search(0.5, 0), "pairs"),
    ],
)
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
