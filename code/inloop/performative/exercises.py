"""Checkers for the coding exercises of Chapters 1 and 3.

A checker runs a student's function on inputs with known answers and fails with a message that
says *what* is wrong (shape, sign, untouched columns, input modified in place, speed), or prints a
confirmation (both through ``inloop._exercise``).
"""

from __future__ import annotations

import numpy as np

from .._exercise import fail, passed, require_fast
from .strategic import best_response


def check_best_response(candidate) -> None:
    """Check a vectorised implementation of Perdomo et al.'s best response.

    ``candidate(features, theta, epsilon, strategic)`` must return new features with
    :math:`x'_S = x_S - \\varepsilon\\theta_S` on the strategic columns ``S`` and every other column
    unchanged, without modifying its input.
    """
    rng = np.random.default_rng(0)
    features = rng.standard_normal((40, 6))
    theta = rng.standard_normal(6)
    strategic = (1, 4)
    epsilon = 2.5
    original = features.copy()
    result = np.asarray(candidate(features, theta, epsilon, strategic))
    expected = best_response(original, theta, epsilon, strategic)
    if not np.array_equal(features, original):
        fail("Your function changed its input array in place; work on a copy (features.copy()).")
    if result.shape != expected.shape:
        fail(
            f"Expected an array of shape {expected.shape} (same as the features), got {result.shape}."
        )
    others = [j for j in range(6) if j not in strategic]
    if not np.allclose(result[:, others], original[:, others]):
        fail("Non-strategic columns changed: only the columns listed in `strategic` may move.")
    if np.allclose(result, best_response(original, -theta, epsilon, strategic)):
        fail(
            "The sign is flipped: applicants move *against* theta_S (x_S - epsilon * theta_S), "
            "because a lower score means a lower predicted risk."
        )
    if np.allclose(result, best_response(original, theta, 1.0, strategic)):
        fail("The shift ignores epsilon: its size must be epsilon * theta_S.")
    if not np.allclose(result, expected):
        fail("The strategic columns are wrong: expected x_S - epsilon * theta_S for every row.")
    large = rng.standard_normal((200_000, 6))
    require_fast(
        candidate,
        (large, theta, epsilon, strategic),
        1.0,
        "200,000 rows took over a second; replace the loop over rows by one array operation.",
    )
    passed("strategic columns move by -epsilon * theta_S, the others stay, the input is untouched.")


def _uniform_arm_reference(
    rho: float, rounds: int, theta0: float, include_current: bool = True
) -> np.ndarray:
    """Iterates of :math:`\\theta_{t+1} = \\rho\\,\\frac{1}{t+1}\\sum_{i \\le t}\\theta_i` (the uniform "all" ARM)."""
    thetas = [float(theta0)]
    for _ in range(rounds):
        history = thetas if include_current else thetas[:-1] or thetas
        thetas.append(rho * float(np.mean(history)))
    return np.array(thetas)


def check_uniform_arm(candidate) -> None:
    """Check ``candidate(rho, rounds, theta0)``: the iterates :math:`\\theta_0, \\dots, \\theta_T` of the uniform ARM.

    The uniform ("all") affine risk minimizer on a scalar feedback :math:`\\rho` retrains on the
    average of every past snapshot: :math:`\\theta_{t+1} = \\rho\\,\\frac{1}{t+1}\\sum_{i=0}^{t}\\theta_i`.
    """
    rho, rounds, theta0 = 0.5, 30, 1.0
    result = np.asarray(candidate(rho, rounds, theta0), dtype=float)
    expected = _uniform_arm_reference(rho, rounds, theta0)
    if result.shape != expected.shape:
        fail(
            f"Return all iterates theta_0, ..., theta_T: expected shape {expected.shape}, got {result.shape}."
        )
    if result[0] != theta0:
        fail("The first entry must be the starting point theta_0.")
    if np.allclose(result, theta0 * rho ** np.arange(rounds + 1)):
        fail(
            "These are RRM's iterates (only the last snapshot): average over all snapshots theta_0..theta_t."
        )
    if np.allclose(result, _uniform_arm_reference(rho, rounds, theta0, include_current=False)):
        fail(
            "The average leaves out the newest snapshot: round t averages theta_0, ..., theta_t (t + 1 terms)."
        )
    if not np.allclose(result, expected):
        fail(
            "The iterates differ from rho * mean(theta_0, ..., theta_t); check the weights 1/(t+1)."
        )
    passed("the uniform ARM averages all t + 1 snapshots; its error decays like a power of t.")


def _companion_roots(rho: float, weights: np.ndarray) -> np.ndarray:
    """Roots of :math:`\\lambda^k - \\rho\\sum_j \\alpha_j\\lambda^{k-1-j}` (``weights[0]`` on the newest snapshot)."""
    return np.roots(np.concatenate(([1.0], -rho * weights)))


#: (rho, weights) pairs on which the linear ARM rate is checked: real and complex roots, RRM,
#: an extrapolating weighting and the edge of the uniform region (rate exactly 1).
_RATE_CASES = (
    (0.5, (1.0,)),
    (-1.27, (0.5, 0.5)),
    (0.6, (0.5, 0.5)),
    (0.9, (0.5, 0.3, 0.2)),
    (-2.5, (0.25, 0.25, 0.25, 0.25)),
    (-1.5, (1.5, -0.5)),
    (-3.0, (1 / 3, 1 / 3, 1 / 3)),
)


def check_linear_arm_rate(candidate) -> None:
    """Check ``candidate(rho, weights)``: the asymptotic rate of an ARM on a scalar linear feedback.

    An ARM with fixed weights :math:`\\alpha_0, \\dots, \\alpha_{k-1}` (``weights[0]`` on the newest
    snapshot) on :math:`G(\\theta) = \\rho\\theta` is the recursion
    :math:`\\theta_{t+1} = \\rho\\sum_j\\alpha_j\\theta_{t-j}`; its rate is the largest modulus of the roots
    of :math:`\\lambda^k - \\rho\\sum_j\\alpha_j\\lambda^{k-1-j}` (the spectral radius of the companion matrix).
    """
    for rho, weights in _RATE_CASES:
        alphas = np.array(weights)
        roots = _companion_roots(rho, alphas)
        expected = float(np.max(np.abs(roots)))
        try:
            value = float(candidate(rho, list(weights)))
        except (TypeError, ValueError) as error:
            fail(
                f"rho = {rho}, weights = {weights}: your function raised {error!r}; return a float."
            )
        if not np.isfinite(value):
            fail(
                f"rho = {rho}, weights = {weights}: the rate must be a finite number, got {value}."
            )
        if np.isclose(value, expected, rtol=1e-8, atol=1e-10):
            continue
        where = f"rho = {rho}, weights = {weights}: expected {expected:.6f}, got {value:.6f}. "
        if alphas.size > 1 and np.isclose(
            value, np.max(np.abs(_companion_roots(rho, alphas[::-1])))
        ):
            fail(
                where + "The weights sit on the wrong powers: weights[0] multiplies the newest "
                "snapshot, so it goes with lambda^(k-1), right after the leading lambda^k."
            )
        if np.isclose(value, np.max(np.abs(_companion_roots(-rho, alphas)))):
            fail(
                where + "The sign of rho is flipped: the polynomial is "
                "lambda^k - rho * sum_j alpha_j lambda^(k-1-j)."
            )
        if np.isclose(value, np.max(roots.real)) or np.isclose(value, np.max(np.abs(roots.real))):
            fail(
                where + "This is the largest real part; with complex roots (an oscillating "
                "iteration) the rate is the largest *modulus*, np.abs of the complex roots."
            )
        if np.isclose(value, np.min(np.abs(roots))):
            fail(where + "This is the smallest root modulus; the slowest mode, the largest, wins.")
        if np.isclose(value, abs(rho)):
            fail(where + "This is RRM's rate |rho|: the weights must enter the polynomial.")
        fail(
            where
            + "Build the coefficients [1, -rho*alpha_0, ..., -rho*alpha_(k-1)] and take np.roots."
        )
    passed(
        "the rate is the largest root modulus of lambda^k - rho * sum_j alpha_j lambda^(k-1-j); "
        "e.g. two snapshots at rho = -1.27 converge at sqrt(|rho|/2), complex roots."
    )


def _rir_chi_square_reference(base, predictions, new_predictions, reverse: bool = False) -> float:
    """:math:`\\chi^2(\\mathcal D(f'), \\mathcal D(f)) = \\E_p[(w_{f'} - w_f)^2 / w_f]`, :math:`w_f = 1 - f + \\E_p f`."""
    old = 1.0 - predictions + base @ predictions
    new = 1.0 - new_predictions + base @ new_predictions
    return float(base @ ((new - old) ** 2 / (new if reverse else old)))


def check_rir_chi_square(candidate) -> None:
    """Check ``candidate(base, f, f_new)``: the chi-square divergence between two RIR distributions.

    On a finite support with base masses ``base`` (non-negative, summing to one), whole-row
    resample-if-rejected induces :math:`p_f = p\\,w_f` with :math:`w_f = 1 - f + \\E_p f`. The function
    must return :math:`\\chi^2(\\mathcal D(f'), \\mathcal D(f)) = \\E_{p_f}[(p_{f'}/p_f - 1)^2]`
    without modifying its inputs.
    """
    rng = np.random.default_rng(3)
    delta, size = 0.4, 12
    base = rng.dirichlet(np.full(size, 0.7))
    f = rng.uniform(0.0, 1.0 - delta, size)
    f_new = rng.uniform(0.0, 1.0 - delta, size)
    copies = (base.copy(), f.copy(), f_new.copy())
    try:
        value = float(candidate(base, f, f_new))
    except (TypeError, ValueError) as error:
        fail(f"Your function raised {error!r}; it must return one float.")
    if any(not np.array_equal(a, b) for a, b in zip((base, f, f_new), copies, strict=True)):
        fail("Your function changed one of its input arrays in place; work on copies.")
    expected = _rir_chi_square_reference(base, f, f_new)
    if np.isclose(value, expected, rtol=1e-9):
        if not np.isclose(float(candidate(base, f, f)), 0.0, atol=1e-15):
            fail("Equal predictors induce the same distribution: the divergence must be 0.")
        passed(
            "chi^2 = E_p[(w_f' - w_f)^2 / w_f] with w_f = 1 - f + E_p f; the rejection offset "
            "delta cancels, it only bounds w_f from below (w_f >= delta gives the 1/delta^2 constant)."
        )
        return
    message = f"Expected chi^2 = {expected:.6g}, got {value:.6g}. "
    uniform = np.full(size, 1.0 / size)
    old, new = 1.0 - f + base @ f, 1.0 - f_new + base @ f_new
    if np.isclose(value, _rir_chi_square_reference(base, f, f_new, reverse=True)):
        fail(
            message + "You divided by w_f' (the new distribution): chi^2(D(f'), D(f)) takes the "
            "expectation under the *old* induced distribution p_f, so divide by w_f."
        )
    uncentred = float(base @ ((f_new - f) ** 2 / old))
    no_mean = float(base @ ((f_new - f) ** 2 / (1.0 - f)))
    if np.isclose(value, uncentred) or np.isclose(value, no_mean):
        fail(
            message + "The density ratio is w_f = 1 - f + E_p f, not 1 - f: the redrawn rows add "
            "the mean rejection E_p f back, so w_f' - w_f = -(u - E_p u) with u = f' - f (centred)."
        )
    if np.isclose(value, float(base @ (new - old) ** 2)):
        fail(
            message + "You forgot to divide by w_f = p_f / p: chi^2 weights by the induced density."
        )
    if np.isclose(value, _rir_chi_square_reference(uniform, f, f_new)):
        fail(message + "The atoms have different base masses: weight every sum by `base`, not 1/n.")
    fail(
        message
        + "Compute w = 1 - f + base @ f for both predictors, then base @ ((w_new - w)**2 / w)."
    )


def _rgd_factor_variants(epsilon: float, beta: float, gamma: float, eta: float) -> dict[str, float]:
    """The RGD factor q(eta) and the wrong versions students most often write, by mistake."""
    inside = 1.0 - 2.0 * eta * gamma + (eta * beta) ** 2
    root = float(np.sqrt(inside))
    return {
        "correct": root + eta * epsilon * beta,
        "no_root": inside + eta * epsilon * beta,
        "no_shift": root,
        "no_beta_in_shift": root + eta * epsilon,
        "gamma_for_beta": float(abs(1.0 - eta * gamma)) + eta * epsilon * beta,
        "shift_subtracted": root - eta * epsilon * beta,
    }


_RGD_FACTOR_HINTS = {
    "no_root": (
        "You returned 1 - 2 eta gamma + eta^2 beta^2 without the square root: that expression bounds "
        "the *squared* distance after a gradient step, so take its square root before adding the shift."
    ),
    "no_shift": (
        "The term eta * epsilon * beta is missing: it is what the move of the distribution adds, "
        "and without it the factor would not depend on epsilon at all."
    ),
    "no_beta_in_shift": (
        "The shift term must be eta * epsilon * beta: epsilon bounds how far the distribution moves "
        "(in W1), and beta converts that move into a change of the gradient."
    ),
    "gamma_for_beta": (
        "Inside the square root the quadratic term is eta^2 beta^2 (the gradient is beta-Lipschitz), "
        "not eta^2 gamma^2; with gamma you get the factor of a perfectly conditioned problem."
    ),
    "shift_subtracted": (
        "The shift term is *added*: the move of the distribution can only make the bound worse."
    ),
}


def check_rgd_factor(candidate) -> None:
    """Check ``candidate(epsilon, beta, gamma, eta)``: the RGD contraction factor of Theorem 'thm-rgd'.

    .. math:: q(\\eta) = \\sqrt{1 - 2\\eta\\gamma + \\eta^2\\beta^2} + \\eta\\varepsilon\\beta.

    The checker compares the candidate with :func:`inloop.performative.bounds.rgd_rate` on a few
    ``(epsilon, beta, gamma, eta)`` with :math:`\\beta > \\gamma`, and names the usual mistakes (a missing
    square root, a missing or mis-scaled shift term, :math:`\\gamma` in place of :math:`\\beta`).
    """
    cases = [
        (0.3, 2.0, 1.0, 0.1),
        (0.1, 3.0, 0.5, 0.05),
        (0.45, 2.0, 1.0, 0.2),
        (0.0, 1.5, 1.0, 0.3),
    ]
    for epsilon, beta, gamma, eta in cases:
        try:
            value = float(candidate(epsilon, beta, gamma, eta))
        except TypeError as error:
            fail(
                f"Call it as candidate(epsilon, beta, gamma, eta) and return one number ({error})."
            )
        variants = _rgd_factor_variants(epsilon, beta, gamma, eta)
        if np.isclose(value, variants["correct"], rtol=1e-9, atol=1e-12):
            continue
        for name, hint in _RGD_FACTOR_HINTS.items():
            if np.isclose(value, variants[name], rtol=1e-9, atol=1e-12):
                fail(hint)
        fail(
            f"At epsilon={epsilon}, beta={beta}, gamma={gamma}, eta={eta} expected "
            f"q = {variants['correct']:.6f}, got {value:.6f}. The factor is the bound of a gradient "
            "step on a fixed distribution plus the bound of the shift (see the proof of the theorem)."
        )
    passed("q(eta) = sqrt(1 - 2 eta gamma + eta^2 beta^2) + eta epsilon beta at every test point.")
