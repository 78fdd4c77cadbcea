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
    rir_strategic_sensitivity_ratio,
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


@pytest.mark.parametrize("norm", NORMS)
def test_strategic_redraws_obey_the_same_sharp_constant(norm):
    rng = np.random.default_rng(3)
    delta = 0.55
    limit = rir_sharp_sensitivity(delta, norm)
    for _ in range(300):
        shape = (int(rng.integers(2, 12)), int(rng.integers(1, 6)))
        old = rng.uniform(0.0, 1.0 - delta, shape) * (rng.uniform(size=shape) < 0.5)
        new = np.clip(old + rng.normal(0.0, 0.1, shape), 0.0, 1.0 - delta)
        if np.allclose(old, new):
            continue
        ratio = rir_strategic_sensitivity_ratio(
            old,
            new,
            delta,
            rng.dirichlet(np.ones(shape[0])),
            rng.dirichlet(np.ones(shape[1])),
            norm=norm,
        )
        assert 0.0 < ratio <= limit
    f, f_new = rir_extremal_pair(delta, 1000, 2, 1e-4)
    single_column = rir_strategic_sensitivity_ratio(f[:, None], f_new[:, None], delta, norm=norm)
    assert single_column == pytest.approx(
        rir_sensitivity_ratio(f, f_new, delta, norm=norm), rel=1e-12
    )
    # The extremal pair placed in one column of a wider grid keeps its ratio in the limit.
    grid, grid_new = np.zeros((1000, 3)), np.zeros((1000, 3))
    grid[:, 1], grid_new[:, 1] = f, f_new
    assert rir_strategic_sensitivity_ratio(grid, grid_new, delta, norm=norm) > 0.98 * limit
    with pytest.raises(ValueError, match="share a shape"):
        rir_strategic_sensitivity_ratio(grid, grid_new[:, :2], delta)
