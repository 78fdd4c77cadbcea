"""The package's architecture: layering, the problem protocol, the one driver, randomness."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from inloop.performative import (
    GaussianLocationProblem,
    PerformativeProblem,
    Trajectory,
    affine_risk_minimization,
    perdomo_tight_instance,
    repeated_gradient_descent,
    repeated_risk_minimization,
)

PACKAGE = Path(__file__).resolve().parents[1] / "code" / "inloop"


def test_foundations_import_without_torch_or_later_chapters():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import inloop.performative\n"
        "later = [m for m in sys.modules if m.split('.')[:2] in "
        "(['inloop', 'neural'], ['inloop', 'games'], ['inloop', 'redflag'], ['inloop', 'earlyexit'])]\n"
        "assert not later, later\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_performative_modules_import_no_later_subpackage():
    for path in (PACKAGE / "performative").glob("*.py"):
        text = path.read_text()
        assert not re.search(r"from \.\.(neural|games|redflag|earlyexit)\b", text), path.name


def test_library_never_seeds_a_global_random_state():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_random.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"manual_seed|np\.random\.seed", line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}")
    assert not offenders, offenders


def test_every_subpackage_writes_its_all_out():
    for init in PACKAGE.glob("*/__init__.py"):
        text = init.read_text()
        assert "__all__ = [" in text, init.parent.name
        assert "globals()" not in text and "__all__ +=" not in text, init.parent.name


def test_problems_follow_the_protocol():
    for problem in (
        GaussianLocationProblem(1.0, 0.5, 0.5),
        perdomo_tight_instance(0.5, 1.0, 1.0),
    ):
        assert isinstance(problem, PerformativeProblem)


def test_rrm_is_arm_with_weight_one_and_records_risks_in_the_loop():
    instance = perdomo_tight_instance(0.6, 1.0, 1.0, dim=2)
    rrm = repeated_risk_minimization(instance, [1.0, -2.0], 5)
    arm = affine_risk_minimization(instance, [1.0, -2.0], 5, weights=1)
    np.testing.assert_array_equal(rrm.thetas, arm.thetas)
    expected = [instance.performative_risk(theta) for theta in rrm.thetas]
    np.testing.assert_allclose(rrm.performative_risks, expected, rtol=1e-14)
    np.testing.assert_allclose(rrm.thetas[:, 0], 0.6 ** np.arange(6), rtol=1e-12)
    assert rrm.iterations.shape == (5,) and rrm.converged.all()


def test_trajectory_norms_are_over_the_last_axis():
    thetas = np.array([[[0.0, 0.0], [1.0, 1.0]], [[3.0, 4.0], [1.0, 1.0]]])  # (rounds+1, runs, d)
    trajectory = Trajectory(thetas, np.zeros((2, 2)), np.ones(1, int), np.ones(1, bool))
    np.testing.assert_allclose(trajectory.step_lengths, [[5.0, 0.0]])
    np.testing.assert_allclose(trajectory.distances_to([0.0, 0.0]), [[0, 2**0.5], [5, 2**0.5]])
    assert trajectory.rounds == 1


def test_location_family_runs_through_the_drivers_with_many_runs():
    problem = GaussianLocationProblem(mu=1.0, sigma=0.5, epsilon=0.5, gamma=1.0, beta=1.0)
    starts = np.array([[0.0], [3.0], [-2.0]])
    rrm = repeated_risk_minimization(problem, starts, 30)
    np.testing.assert_allclose(rrm.thetas[-1, :, 0], problem.stable_point, atol=1e-8)
    np.testing.assert_allclose(rrm.thetas[1, :, 0], problem.rrm_map(starts[:, 0]), rtol=1e-14)
    rgd = repeated_gradient_descent(problem, [0.0], 3, step_size=0.2)
    np.testing.assert_allclose(rgd.thetas[1, 0], problem.rgd_map(0.0, 0.2), rtol=1e-14)
    assert rrm.performative_risks.shape == (31, 3)


def test_driver_rejects_bad_input_with_clear_messages():
    instance = perdomo_tight_instance(0.5, 1.0, 1.0)
    with pytest.raises(ValueError, match="theta0 must be a non-empty array"):
        repeated_risk_minimization(instance, [np.nan], 3)
    with pytest.raises(ValueError, match="rounds must be an integer >= 1"):
        repeated_risk_minimization(instance, [1.0], 0)
    with pytest.raises(ValueError, match="seed must be"):
        repeated_risk_minimization(instance, [1.0], 2, seed="zero")


def test_exercise_checkers_still_fail_under_python_optimisations():
    code = (
        "import numpy as np\n"
        "from inloop.neural import check_row_probabilities\n"
        "from inloop._exercise import ExerciseFailure\n"
        "try:\n"
        "    check_row_probabilities(lambda p, d: np.full(len(p), 1.0 / len(p)))\n"
        "except ExerciseFailure:\n"
        "    raise SystemExit(0)\n"
        "raise SystemExit('a wrong answer passed under python -O')\n"
    )
    result = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout


def test_no_checker_uses_a_bare_assert():
    for path in PACKAGE.rglob("exercises.py"):
        assert not re.search(r"^\s*assert\b", path.read_text(), flags=re.M), path


def test_contributing_example_runs():
    text = (Path(__file__).resolve().parents[1] / "CONTRIBUTING.md").read_text()
    example = text.split("```python\n")[1].split("```")[0]
    namespace: dict = {}
    exec(compile(example.replace("print(", "_ = ("), "CONTRIBUTING.md", "exec"), namespace)
    rrm, arm = namespace["rrm"], namespace["arm"]
    assert rrm.step_lengths[-1] > 1.0, "RRM should keep oscillating on the rotating shift"
    assert arm.step_lengths[-1] < 1e-6, "two snapshots should converge on the rotating shift"
    stable = np.linalg.solve(np.eye(2) - namespace["problem"].matrix, namespace["problem"].offset)
    np.testing.assert_allclose(arm.thetas[-1], stable, atol=1e-6)


def test_the_api_page_documents_every_public_module():
    page = (Path(__file__).resolve().parents[1] / "front" / "api.md").read_text()
    documented = set(re.findall(r"automodule:: (inloop[\w.]*)", page))
    modules = {
        "inloop." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py" and not path.name.startswith("_")
    }
    assert not modules - documented, f"missing from front/api.md: {sorted(modules - documented)}"
    assert not documented - modules - {"inloop._random", "inloop._exercise"}, sorted(
        documented - modules
    )
