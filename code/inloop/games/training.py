"""Predictors trained for accuracy, for welfare, or for a weighted mix (mechanism design).

Two architectures, both in plain PyTorch, both mapping the previous round's actions (codes 0, 1, or 2
for "not played yet") to cooperation probabilities for every agent:

- :class:`MLPPredictor` sees the whole action profile at once and ignores the network;
- :class:`MessagePassingPredictor` updates a state per agent from its own state and the mean of its
  neighbours' states, :math:`h_i \\leftarrow \\mathrm{ReLU}(W_s h_i + W_n \\tfrac{1}{|\\mathcal N(i)|}\\sum_{j\\in\\mathcal N(i)} h_j + b)`.

Training minimises, over episodes of repeated play (:func:`inloop.games.dynamics.play`),

.. math:: L_\\lambda = \\lambda \\Big(-\\frac{\\widetilde W}{e r}\\Big) + (1 - \\lambda)\\, \\mathrm{BCE}(p, y),

so :math:`\\lambda = 0` is plain accuracy and :math:`\\lambda = 1` is welfare only; the gradient of
:math:`\\widetilde W` runs through the agents' (relaxed) response and their trust.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .._checks import check_array, check_positive_int, check_real
from .crd import CollectiveRiskDilemma
from .dynamics import play
from .network import Network


def _uniform(generator: torch.Generator, shape, fan_in: int) -> nn.Parameter:
    """Parameters drawn from :math:`U(-1/\\sqrt{\\text{fan in}}, 1/\\sqrt{\\text{fan in}})`, PyTorch's default for linear layers."""
    bound = fan_in**-0.5
    return nn.Parameter(
        (2 * torch.rand(shape, generator=generator, dtype=torch.float64) - 1) * bound
    )


class _Members(nn.Module):
    """Base for predictors that hold ``members`` independent copies, trained side by side in one batch."""

    def __init__(self, members: int, seed: int):
        super().__init__()
        self.members = check_positive_int(members, "members")
        self.generator = torch.Generator().manual_seed(check_positive_int(seed, "seed", minimum=0))

    def linear(self, fan_in: int, fan_out: int, bias: bool = True):
        """Weights ``(members, fan_in, fan_out)`` (and biases ``(members, 1, fan_out)``) for a batched linear map."""
        weight = _uniform(self.generator, (self.members, fan_in, fan_out), fan_in)
        return weight, (
            _uniform(self.generator, (self.members, 1, fan_out), fan_in) if bias else None
        )

    def codes(self, previous: torch.Tensor) -> torch.Tensor:
        """Previous action codes as shape ``(members, n)`` (a single profile is shared by all members)."""
        return previous.expand(self.members, previous.shape[-1])


class MLPPredictor(_Members):
    """Embed each agent's previous action, concatenate all, and map through a ReLU network to ``n`` probabilities.

    Holds ``members`` independent networks; ``forward`` returns shape ``(members, n)``.
    """

    def __init__(
        self, size: int, hidden: int = 64, embedding: int = 4, members: int = 1, seed: int = 0
    ):
        super().__init__(members, seed)
        self.size = check_positive_int(size, "size", minimum=2)
        self.embedding = nn.Parameter(
            torch.randn(self.members, 3, embedding, generator=self.generator, dtype=torch.float64)
        )
        self.w1, self.b1 = self.linear(self.size * embedding, hidden)
        self.w2, self.b2 = self.linear(hidden, hidden)
        self.w3, self.b3 = self.linear(hidden, self.size)

    def forward(self, previous: torch.Tensor) -> torch.Tensor:
        """Cooperation probabilities ``(members, n)`` from the previous action codes ``(n,)`` or ``(members, n)``."""
        codes = self.codes(previous)
        rows = torch.arange(self.members)[:, None]
        x = self.embedding[rows, codes].reshape(self.members, 1, -1)  # (members, 1, n * embedding)
        x = torch.relu(torch.baddbmm(self.b1, x, self.w1))
        x = torch.relu(torch.baddbmm(self.b2, x, self.w2))
        return torch.sigmoid(torch.baddbmm(self.b3, x, self.w3)).squeeze(1)


class MessagePassingPredictor(_Members):
    """Message passing on the game's own network, then a per-agent readout (with a per-agent bias).

    Holds ``members`` independent networks; ``forward`` returns shape ``(members, n)``.
    """

    def __init__(
        self, network: Network, hidden: int = 32, layers: int = 2, members: int = 1, seed: int = 0
    ):
        super().__init__(members, seed)
        layers = check_positive_int(layers, "layers")
        adjacency = torch.as_tensor(network.adjacency, dtype=torch.float64)
        self.register_buffer("mean_over_neighbours", adjacency / adjacency.sum(dim=1, keepdim=True))
        self.embedding = nn.Parameter(
            torch.randn(self.members, 3, hidden, generator=self.generator, dtype=torch.float64)
        )
        self.own = nn.ParameterList()
        self.neighbour = nn.ParameterList()
        for _ in range(layers):
            self.own.extend(self.linear(hidden, hidden))
            self.neighbour.append(self.linear(hidden, hidden, bias=False)[0])
        self.w_out, self.b_out = self.linear(hidden, 1)
        self.agent_bias = nn.Parameter(torch.zeros(self.members, network.size, dtype=torch.float64))

    def forward(self, previous: torch.Tensor) -> torch.Tensor:
        """Cooperation probabilities ``(members, n)`` from the previous action codes ``(n,)`` or ``(members, n)``."""
        codes = self.codes(previous)
        state = self.embedding[torch.arange(self.members)[:, None], codes]  # (members, n, hidden)
        for layer, w_neighbour in enumerate(self.neighbour):
            w_own, b_own = self.own[2 * layer], self.own[2 * layer + 1]
            messages = self.mean_over_neighbours @ state  # mean of the neighbours' states
            state = torch.relu(torch.baddbmm(b_own, state, w_own) + messages @ w_neighbour)
        return torch.sigmoid(
            torch.baddbmm(self.b_out, state, self.w_out).squeeze(-1) + self.agent_bias
        )


@dataclass(frozen=True)
class TrainingResult:
    """Final accuracy and welfare of every member of a trained predictor, and the training curves."""

    weights: np.ndarray  # (members,) the lambda each member was trained with
    accuracy: np.ndarray  # (members,) mean probability given to the actions that happened
    welfare: np.ndarray  # (members,) fraction of successful groups
    losses: np.ndarray  # (epochs, members)


def objective(episode, weights: torch.Tensor) -> torch.Tensor:
    """Per-member :math:`L_\\lambda = -\\lambda \\widetilde W/(e r) + (1-\\lambda)\\,\\mathrm{BCE}`, shape ``(members,)``."""
    game = episode.game
    return (
        -weights * episode.expected_welfare() / (game.endowment * game.risk)
        + (1 - weights) * episode.cross_entropy()
    )


def train_predictor(
    model: nn.Module,
    game: CollectiveRiskDilemma,
    network: Network,
    weights,
    *,
    epochs: int = 100,
    rounds: int = 10,
    learning_rate: float = 0.01,
    **play_options,
) -> TrainingResult:
    """Train every member ``k`` of ``model`` on :math:`L_{\\lambda_k}` with Adam, side by side, then evaluate.

    Each step plays one episode of ``rounds`` rounds. The members' losses are summed; as no
    parameter is shared, each member follows exactly its own Adam trajectory.
    """
    weights = check_array(weights, "weights", ndim=1)
    if ((weights < 0) | (weights > 1)).any():
        raise ValueError(f"weights must lie in [0, 1], got {weights.tolist()}.")
    if weights.size != model.members:
        raise ValueError(
            f"give one weight per member: the model has {model.members} members, got {weights.size} weights."
        )
    epochs = check_positive_int(epochs, "epochs")
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
    if game.risk == 0:
        raise ValueError(
            "risk must be positive to train for welfare (the welfare term is scaled by 1 / (e r))."
        )
    lam = torch.as_tensor(weights)
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(epochs):  # optimisation steps are sequential
        optimiser.zero_grad()
        loss = objective(play(game, network, model, rounds, **play_options), lam)
        loss.sum().backward()
        optimiser.step()
        losses.append(loss.detach().numpy())
    with torch.no_grad():
        episode = play(game, network, model, rounds, **play_options)
    return TrainingResult(weights, episode.accuracy(), episode.welfare(), np.array(losses))


def pareto_front(points) -> np.ndarray:
    """Mask of the points (rows ``(accuracy, welfare)``) that no other point weakly beats in both and strictly in one."""
    points = check_array(points, "points", ndim=2)
    at_least = (points[None, :, :] >= points[:, None, :]).all(
        axis=2
    )  # [i, j]: j is at least as good as i
    better = (points[None, :, :] > points[:, None, :]).any(axis=2)
    return ~(at_least & better).any(axis=1)
