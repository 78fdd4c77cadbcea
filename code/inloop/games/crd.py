"""The collective risk dilemma played on a network.

Each agent :math:`i` holds an endowment :math:`e` and chooses to cooperate (:math:`y_i = 1`, pay
:math:`c\\,e`) or defect (:math:`y_i = 0`). Its group :math:`G_i` (itself and its neighbours, size
:math:`M_i`) *succeeds* when at least :math:`T_i = \\lceil t\\, M_i \\rceil` members cooperate; if it
fails, the agent loses a fraction :math:`r` of its endowment. Payoffs:

.. math:: \\pi_i = e\\,\\big(1 - r\\,[\\text{$G_i$ fails}]\\big) - c\\,e\\,y_i .
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_real
from .network import Network


@dataclass(frozen=True)
class CollectiveRiskDilemma:
    """Parameters of the game: endowment :math:`e`, risk :math:`r`, cost :math:`c`, threshold fraction :math:`t`."""

    endowment: float = 1.0
    risk: float = 0.4
    cost: float = 0.2
    threshold: float = 0.5

    def __post_init__(self):
        check_real(self.endowment, "endowment", low=0.0, low_open=True)
        check_real(self.risk, "risk", low=0.0, high=1.0)
        check_real(self.cost, "cost", low=0.0)
        check_real(self.threshold, "threshold", low=0.0, high=1.0)

    def thresholds(self, network: Network) -> np.ndarray:
        """Cooperators needed in every group, :math:`T_i = \\lceil t M_i \\rceil`.

        The product is rounded to 9 decimals first, so that e.g. :math:`0.3 \\times 10` gives 3, not 4.
        """
        return np.ceil(np.round(self.threshold * network.group_sizes, 9)).astype(int)

    def group_success(self, network: Network, actions) -> np.ndarray:
        """Whether each group reaches its threshold; ``actions`` has shape ``(..., n)`` with 0/1 entries."""
        actions = _check_actions(actions, network)
        cooperators = actions @ network.adjacency.T.astype(float) + actions
        return cooperators >= self.thresholds(network)

    def payoffs(self, network: Network, actions) -> np.ndarray:
        """Payoffs :math:`\\pi_i = e(1 - r[\\text{fail}]) - c e y_i` of every agent, shape ``(..., n)``."""
        actions = _check_actions(actions, network)
        success = self.group_success(network, actions)
        return self.endowment * (1 - self.risk * ~success) - self.cost * self.endowment * actions

    def welfare(self, network: Network, actions) -> np.ndarray:
        """Social welfare as the fraction of groups that reach their threshold, shape ``(...)``.

        It is 0 exactly when every group fails, the worst outcome for every agent who defects.
        """
        return self.group_success(network, actions).mean(axis=-1)

    def mean_payoff(self, network: Network, actions) -> np.ndarray:
        """Social welfare as the average payoff per agent, shape ``(...)``."""
        return self.payoffs(network, actions).mean(axis=-1)


def _check_actions(actions, network: Network) -> np.ndarray:
    actions = np.asarray(actions, dtype=np.float64)
    if actions.ndim == 0 or actions.shape[-1] != network.size:
        raise ValueError(
            f"actions must have {network.size} entries (one per agent) on the last axis, got shape {actions.shape}."
        )
    if not np.isin(actions, (0.0, 1.0)).all():
        raise ValueError("actions must be 0 (defect) or 1 (cooperate).")
    return actions
