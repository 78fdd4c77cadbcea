"""Checkers for the coding exercises of Chapters 1 and 3.

A checker runs a student's function on inputs with known answers and fails with a message that
says *what* is wrong (shape, sign, untouched columns, input modified in place, speed), or prints a
confirmation (:mod:`inloop._exercise`).
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

    The checker compares the candidate with :func:`inloop.performative.rgd_rate` on a few
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
