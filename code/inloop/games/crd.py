"""The collective risk dilemma played on a network.

Each agent :math:`i` holds an endowment :math:`e` and chooses to cooperate (:math:`y_i = 1`, pay
:math:`c\\,e`) or defect (:math:`y_i = 0`). Its group :math:`G_i` (itself and its neighbours, size
:math:`M_i`) *succeeds* when at least :math:`T_i = \\lceil t\\, M_i \\rceil` members cooperate; if it
fails, the agent loses a fraction :math:`r` of its endowment. Payoffs:

.. math:: \\pi_i = e\\,\\big(1 - r\\,[\\text{$G_i$ fails}]\\big) - c\\,e\\,y_i .

Every function here takes and returns NumPy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_real
from .network import Network

__all__ = ["CollectiveRiskDilemma"]


@dataclass(frozen=True)
class CollectiveRiskDilemma:
    """Parameters of the game.

    Parameters
    ----------
    endowment : float
        :math:`e > 0`, what each agent holds before the round.
    loss_fraction : float
        :math:`r \\in [0, 1]`, the fraction of its endowment an agent loses when its group fails.
    cost : float
        :math:`c \\ge 0`, the fraction of its endowment a cooperator contributes.
    threshold : float
        :math:`t \\in [0, 1]`, the fraction of a group that must cooperate for it to succeed.
    """

    endowment: float = 1.0
    loss_fraction: float = 0.4
    cost: float = 0.2
    threshold: float = 0.5

    def __post_init__(self) -> None:
        check_real(self.endowment, "endowment", low=0.0, low_open=True)
        check_real(self.loss_fraction, "loss_fraction", low=0.0, high=1.0)
        check_real(self.cost, "cost", low=0.0)
        check_real(self.threshold, "threshold", low=0.0, high=1.0)

    def thresholds(self, network: Network) -> NDArray[np.int64]:
        """Cooperators needed in every group, :math:`T_i = \\lceil t M_i \\rceil`, shape ``(n,)``.

        The product is rounded to 9 decimals first, so that e.g. :math:`0.3 \\times 10` gives 3, not 4.
        """
        return np.ceil(np.round(self.threshold * network.group_sizes, 9)).astype(np.int64)

    def group_success(self, network: Network, actions: ArrayLike) -> NDArray[np.bool_]:
        """Whether each group reaches its threshold.

        Parameters
        ----------
        network : Network
        actions : array_like, shape ``(..., n)``
            0 (defect) or 1 (cooperate) for every agent.

        Returns
        -------
        numpy.ndarray of bool, shape ``(..., n)``
            Entry ``i`` is true when group :math:`G_i` has at least :math:`T_i` cooperators.
        """
        checked = _check_actions(actions, network)
        cooperators = checked @ network.adjacency.T.astype(float) + checked
        return np.asarray(cooperators >= self.thresholds(network))

    def payoffs(self, network: Network, actions: ArrayLike) -> NDArray[np.float64]:
        """Payoffs :math:`\\pi_i = e(1 - r[\\text{fail}]) - c e y_i` of every agent, shape ``(..., n)``."""
        checked = _check_actions(actions, network)
        success = self.group_success(network, checked)
        return np.asarray(
            self.endowment * (1 - self.loss_fraction * ~success)
            - self.cost * self.endowment * checked
        )

    def welfare(self, network: Network, actions: ArrayLike) -> NDArray[np.float64]:
        """Social welfare as the fraction of groups that reach their threshold, shape ``(...)``.

        It is 0 exactly when every group fails, the worst outcome for every agent who defects.
        """
        return np.asarray(self.group_success(network, actions).mean(axis=-1))


def _check_actions(actions: ArrayLike, network: Network) -> NDArray[np.float64]:
    checked = np.asarray(actions, dtype=np.float64)
    if checked.ndim == 0 or checked.shape[-1] != network.size:
        raise ValueError(
            f"actions must have {network.size} entries (one per agent) on the last axis, "
            f"got shape {checked.shape}."
        )
    if not np.isin(checked, (0.0, 1.0)).all():
        raise ValueError("actions must be 0 (defect) or 1 (cooperate).")
    return checked
