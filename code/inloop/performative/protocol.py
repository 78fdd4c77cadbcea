"""The performative problem: the one interface every chapter's problem implements.

A *performative problem* knows how the world responds to a deployed model. It offers

``induced_objective(deployed, rng=None)``
    the objective :math:`\\theta \\mapsto R(\\theta; \\mathcal D(\\phi)) = \\E_{Z\\sim\\mathcal D(\\phi)}\\ell(Z;\\theta)`
    on the data that the deployed model :math:`\\phi` induces. Problems whose data are a random
    draw (a finite sample, noisy demand) take the draw's randomness from ``rng``; exact problems
    ignore it.
``performative_risk(theta, objective=None)``
    :math:`\\mathrm{PR}(\\theta) = R(\\theta; \\mathcal D(\\theta))`, the loss of :math:`\\theta` on the data it
    induces. ``objective``, when given, is ``induced_objective(theta)`` already built (the driver
    passes it, so an exact problem does not build it twice); a problem whose objectives are random
    draws ignores it and returns the expectation.
``solve(objective, theta0)``
    minimises one round's objective from ``theta0`` and returns a
    :class:`~inloop.performative.solvers.SolverResult`.

and optionally ``mix(objectives, weights)``, the objective of an affine mixture of past rounds
(affine risk minimizers, Chapter 3) when the problem can form it more cheaply than term by term.

:class:`ExactProblem` supplies the defaults (Newton's method, the mixture term by term, the
performative risk from the induced objective), so an exact problem only writes
``induced_objective``. The drivers of :mod:`inloop.performative.rrm` accept any problem that
follows the protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

from .objectives import MixtureObjective, Objective
from .solvers import newton


class RoundResult(Protocol):
    """What a round's solver returns: the new parameters, its iterations and whether it converged."""

    @property
    def theta(self) -> Any: ...

    @property
    def iterations(self) -> int: ...

    @property
    def converged(self) -> bool: ...


@runtime_checkable
class PerformativeProblem(Protocol):
    """What the drivers need from a problem (see the module docstring)."""

    def induced_objective(
        self, deployed: ArrayLike, rng: np.random.Generator | None = None
    ) -> Any: ...

    def performative_risk(self, theta: ArrayLike, objective: Any = None) -> Any: ...

    def solve(self, objective: Any, theta0: Any) -> RoundResult: ...


class ExactProblem:
    """Defaults for a problem whose induced objective is an exact expectation.

    Subclasses write :meth:`induced_objective`; the rest follows:
    :math:`\\mathrm{PR}(\\theta) = R(\\theta; \\mathcal D(\\theta))`, rounds solved by Newton's method,
    mixtures formed term by term.
    """

    def induced_objective(self, deployed: Any, rng: np.random.Generator | None = None) -> Any:
        """The objective the deployed model induces (each problem writes its own)."""
        raise NotImplementedError

    def performative_risk(self, theta: Any, objective: Any = None) -> Any:
        """:math:`\\mathrm{PR}(\\theta) = R(\\theta; \\mathcal D(\\theta))`."""
        if objective is None:
            objective = self.induced_objective(theta)
        return objective.value(theta)

    def solve(self, objective: Any, theta0: Any) -> Any:
        """Minimise one round's objective by Newton's method from ``theta0``."""
        return newton(objective, theta0)

    def mix(self, objectives: Sequence[Objective], weights: ArrayLike) -> Objective:
        """The affine mixture :math:`\\sum_j \\alpha_j R_j` of past rounds' objectives (newest first)."""
        return MixtureObjective(objectives, weights)
