"""Predictors trained for accuracy, for welfare, or for both (mechanism design).

Three architectures, all in plain PyTorch, all mapping the previous round's actions (codes 0, 1,
or 2 for "not played yet") to cooperation probabilities for every agent:

- :class:`MLPPredictor` sees the whole action profile at once and ignores the network;
- :class:`MessagePassingPredictor` (the book's own variant) updates a state per agent from its own
  state and the mean of its neighbours' states,
  :math:`h_i \\leftarrow \\mathrm{ReLU}(W_s h_i + W_n \\tfrac{1}{|\\mathcal N(i)|}\\sum_{j\\in\\mathcal N(i)} h_j + b)`;
- :class:`GCNPredictor`, the graph-convolution family of Góis et al. (2025): graph convolutions
  :math:`H \\leftarrow \\mathrm{ReLU}(\\hat A H W + b)` with
  :math:`\\hat A = \\tilde D^{-1/2}(A + I)\\tilde D^{-1/2}` (Kipf and Welling, 2017), then one of
  the paper's three readouts: a last graph convolution to one logit per agent (``"gcn"``), a
  linear map of all agents' states (``"linear"``), or a one-hidden-layer MLP on them (``"mlp"``).

Each holds ``members`` independent copies (every parameter has a leading ``members`` axis), trained
side by side in one batch. Two training objectives, over episodes of repeated play
(:func:`inloop.games.dynamics.play`):

- :func:`train_predictor`, the book's scalarisation: member :math:`k` minimises
  :math:`L_{\\lambda_k} = \\lambda_k \\big(-\\widetilde W/(e r)\\big) + (1 - \\lambda_k)\\,\\mathrm{BCE}(p, y)`;
- :func:`train_min_norm`, the two-gradient multi-objective step of Góis et al. (2025): at every step
  the update is the minimum-norm point of the segment between the welfare gradient and the
  accuracy gradient (the two-task case of Désidéri's multiple-gradient descent).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from torch import nn

from .._checks import check_array, check_positive_int, check_real
from .._random import torch_generator
from .crd import CollectiveRiskDilemma
from .dynamics import Episode, play
from .network import Network

__all__ = [
    "GCN_READOUTS",
    "GCNPredictor",
    "MLPPredictor",
    "MessagePassingPredictor",
    "StackedPredictor",
    "TrainingResult",
    "evaluate",
    "pareto_front",
    "min_norm_weight",
    "train_min_norm",
    "train_predictor",
]


def _uniform(generator: torch.Generator, shape: tuple[int, ...], fan_in: int) -> nn.Parameter:
    """Parameters drawn from :math:`U(-1/\\sqrt{\\text{fan in}}, 1/\\sqrt{\\text{fan in}})`, PyTorch's default for linear layers."""
    bound = fan_in**-0.5
    return nn.Parameter(
        (2 * torch.rand(shape, generator=generator, dtype=torch.float64) - 1) * bound
    )


def _linear(
    generator: torch.Generator, members: int, fan_in: int, fan_out: int
) -> tuple[nn.Parameter, nn.Parameter]:
    """Weights ``(members, fan_in, fan_out)`` and biases ``(members, 1, fan_out)`` of a batched linear map."""
    return (
        _uniform(generator, (members, fan_in, fan_out), fan_in),
        _uniform(generator, (members, 1, fan_out), fan_in),
    )


class _Members(nn.Module):
    """Base for predictors that hold ``members`` independent copies, trained side by side in one batch."""

    def __init__(self, members: int):
        super().__init__()
        self.members = check_positive_int(members, "members")

    def codes(self, previous: torch.Tensor) -> torch.Tensor:
        """Previous action codes as shape ``(members, n)`` (a single profile is shared by all members)."""
        return previous.expand(self.members, previous.shape[-1])


class MLPPredictor(_Members):
    """Embed each agent's previous action, concatenate all, and map through a ReLU network to ``n`` probabilities.

    Parameters
    ----------
    size : int
        Number of agents ``n``.
    hidden, embedding : int
        Width of the two hidden layers and of each agent's action embedding.
    members : int
        Independent copies held side by side; ``forward`` returns shape ``(members, n)``.
    seed : int or torch.Generator
        Seeds the initialisation (used once, in the constructor; nothing random is stored).
    """

    def __init__(
        self,
        size: int,
        hidden: int = 64,
        embedding: int = 4,
        members: int = 1,
        seed: int | torch.Generator = 0,
    ):
        super().__init__(members)
        generator = torch_generator(seed)
        self.size = check_positive_int(size, "size", minimum=2)
        self.embedding = nn.Parameter(
            torch.randn(self.members, 3, embedding, generator=generator, dtype=torch.float64)
        )
        self.w1, self.b1 = _linear(generator, self.members, self.size * embedding, hidden)
        self.w2, self.b2 = _linear(generator, self.members, hidden, hidden)
        self.w3, self.b3 = _linear(generator, self.members, hidden, self.size)

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

    Parameters
    ----------
    network : Network
        The graph whose edges carry the messages.
    hidden, layers : int
        Width of every agent's state and number of message-passing layers.
    members : int
        Independent copies held side by side; ``forward`` returns shape ``(members, n)``.
    seed : int or torch.Generator
        Seeds the initialisation (used once, in the constructor; nothing random is stored).
    """

    mean_over_neighbours: torch.Tensor

    def __init__(
        self,
        network: Network,
        hidden: int = 32,
        layers: int = 2,
        members: int = 1,
        seed: int | torch.Generator = 0,
    ):
        super().__init__(members)
        generator = torch_generator(seed)
        layers = check_positive_int(layers, "layers")
        self.register_buffer("mean_over_neighbours", _mean_operator(network))
        self.embedding = nn.Parameter(
            torch.randn(self.members, 3, hidden, generator=generator, dtype=torch.float64)
        )
        self.own = nn.ParameterList()
        self.neighbour = nn.ParameterList()
        for _ in range(layers):
            self.own.extend(_linear(generator, self.members, hidden, hidden))
            self.neighbour.append(_uniform(generator, (self.members, hidden, hidden), hidden))
        self.w_out, self.b_out = _linear(generator, self.members, hidden, 1)
        self.agent_bias = nn.Parameter(torch.zeros(self.members, network.size, dtype=torch.float64))

    def rewired(self, network: Network) -> MessagePassingPredictor:
        """A copy with the same weights that passes messages along the edges of ``network`` (same size)."""
        if network.size != self.agent_bias.shape[-1]:
            raise ValueError(
                f"the new network must have {self.agent_bias.shape[-1]} agents, got {network.size}."
            )
        clone = copy.deepcopy(self)
        clone.mean_over_neighbours = _mean_operator(network)
        return clone

    def forward(self, previous: torch.Tensor) -> torch.Tensor:
        """Cooperation probabilities ``(members, n)`` from the previous action codes ``(n,)`` or ``(members, n)``."""
        codes = self.codes(previous)
        state = self.embedding[torch.arange(self.members)[:, None], codes]  # (members, n, hidden)
        for layer, w_neighbour in enumerate(self.neighbour):
            w_own, b_own = self.own[2 * layer], self.own[2 * layer + 1]
            messages = torch.matmul(self.mean_over_neighbours, state)  # neighbours' mean state
            state = torch.relu(torch.baddbmm(b_own, state, w_own) + messages @ w_neighbour)
        return torch.sigmoid(
            torch.baddbmm(self.b_out, state, self.w_out).squeeze(-1) + self.agent_bias
        )


#: The readouts of :class:`GCNPredictor`, named after the paper's variants "gnn", "gnn+linear" and
#: "gnn+mlp".
GCN_READOUTS = ("gcn", "linear", "mlp")


class GCNPredictor(_Members):
    """Graph convolutions on the game's network, then one of three readouts (Góis et al., 2025).

    Every layer is :math:`H \\leftarrow \\mathrm{ReLU}(\\hat A H W + b)` with the symmetrically
    normalised adjacency with self-loops :math:`\\hat A = \\tilde D^{-1/2}(A + I)\\tilde D^{-1/2}`
    (Kipf and Welling, 2017); the input of the first is an embedding of each agent's last action.

    Parameters
    ----------
    network : Network
        The graph whose edges the convolutions follow (``n`` agents).
    hidden, layers : int
        Width of every agent's state and number of graph convolutions before the readout.
    readout : {"gcn", "linear", "mlp"}
        ``"gcn"``: one more graph convolution to one logit per agent (the paper's "gnn");
        ``"linear"``: a linear map from all ``n * hidden`` states to ``n`` logits ("gnn+linear");
        ``"mlp"``: the same through one hidden ReLU layer of width ``readout_hidden`` ("gnn+mlp").
    readout_hidden : int
        Width of the ``"mlp"`` readout's hidden layer (unused otherwise).
    members : int
        Independent copies held side by side; ``forward`` returns shape ``(members, n)``.
    seed : int or torch.Generator
        Seeds the initialisation (used once, in the constructor; nothing random is stored).
    """

    propagation: torch.Tensor

    def __init__(
        self,
        network: Network,
        hidden: int = 32,
        layers: int = 3,
        readout: str = "gcn",
        readout_hidden: int = 64,
        members: int = 1,
        seed: int | torch.Generator = 0,
    ):
        super().__init__(members)
        if readout not in GCN_READOUTS:
            raise ValueError(f"readout must be one of {GCN_READOUTS}, got {readout!r}.")
        generator = torch_generator(seed)
        hidden = check_positive_int(hidden, "hidden")
        layers = check_positive_int(layers, "layers")
        readout_hidden = check_positive_int(readout_hidden, "readout_hidden")
        self.readout = readout
        self.size = network.size
        self.register_buffer("propagation", _gcn_operator(network))
        self.embedding = nn.Parameter(
            torch.randn(self.members, 3, hidden, generator=generator, dtype=torch.float64)
        )
        self.convolutions = nn.ParameterList()
        for _ in range(layers):
            self.convolutions.extend(_linear(generator, self.members, hidden, hidden))
        widths = {
            "gcn": [hidden, 1],
            "linear": [self.size * hidden, self.size],
            "mlp": [self.size * hidden, readout_hidden, self.size],
        }[readout]
        self.head = nn.ParameterList()
        for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True):
            self.head.extend(_linear(generator, self.members, fan_in, fan_out))

    def rewired(self, network: Network) -> GCNPredictor:
        """A copy with the same weights whose convolutions follow the edges of ``network`` (same size)."""
        if network.size != self.size:
            raise ValueError(f"the new network must have {self.size} agents, got {network.size}.")
        clone = copy.deepcopy(self)
        clone.propagation = _gcn_operator(network)
        return clone

    def forward(self, previous: torch.Tensor) -> torch.Tensor:
        """Cooperation probabilities ``(members, n)`` from the previous action codes ``(n,)`` or ``(members, n)``."""
        codes = self.codes(previous)
        state = self.embedding[torch.arange(self.members)[:, None], codes]  # (members, n, hidden)
        for layer in range(len(self.convolutions) // 2):
            weight, bias = self.convolutions[2 * layer], self.convolutions[2 * layer + 1]
            state = torch.relu(torch.matmul(self.propagation, state @ weight) + bias)
        if self.readout == "gcn":
            weight, bias = self.head[0], self.head[1]
            logits = (torch.matmul(self.propagation, state @ weight) + bias).squeeze(-1)
        else:
            x = state.reshape(self.members, 1, -1)  # every agent's state, side by side
            for layer in range(len(self.head) // 2):
                if layer:
                    x = torch.relu(x)
                x = torch.baddbmm(self.head[2 * layer + 1], x, self.head[2 * layer])
            logits = x.squeeze(1)
        return torch.sigmoid(logits)


class StackedPredictor(_Members):
    """Several predictors side by side, as one: their members are concatenated in order.

    Training a stack plays one batch of episodes for all its members, which is cheaper than one
    batch per predictor; as no parameter is shared, every member is trained exactly as on its own.

    Parameters
    ----------
    predictors : sequence of MLPPredictor, MessagePassingPredictor, GCNPredictor or StackedPredictor
        All for the same agents; ``forward`` returns their forecasts stacked, shape
        ``(total members, n)``.
    """

    def __init__(self, predictors: list[nn.Module]):
        parts = list(predictors)
        if not parts or not all(isinstance(part, _Members) for part in parts):
            raise ValueError("predictors must be a non-empty list of the book's predictors.")
        sizes = [part.members for part in parts if isinstance(part, _Members)]
        super().__init__(sum(sizes))
        self.parts = nn.ModuleList(parts)
        self.bounds = np.cumsum([0, *sizes]).tolist()

    def forward(self, previous: torch.Tensor) -> torch.Tensor:
        """Cooperation probabilities ``(members, n)`` from the previous action codes ``(n,)`` or ``(members, n)``."""
        codes = self.codes(previous)
        bounds = self.bounds
        return torch.cat(
            [
                part(codes[start:stop])
                for part, start, stop in zip(self.parts, bounds[:-1], bounds[1:], strict=True)
            ]
        )


def _gcn_operator(network: Network) -> torch.Tensor:
    """:math:`\\tilde D^{-1/2}(A + I)\\tilde D^{-1/2}`: the graph convolution's propagation matrix."""
    adjacency = torch.as_tensor(network.adjacency, dtype=torch.float64)
    looped = adjacency + torch.eye(network.size, dtype=torch.float64)
    scale = looped.sum(dim=1).rsqrt()
    return scale[:, None] * looped * scale[None, :]


def _mean_operator(network: Network) -> torch.Tensor:
    """Row-normalised adjacency: row ``i`` averages over the neighbours of ``i``."""
    adjacency = torch.as_tensor(network.adjacency, dtype=torch.float64)
    return adjacency / adjacency.sum(dim=1, keepdim=True)


@dataclass(frozen=True)
class TrainingResult:
    """Final accuracy and welfare of every member of a trained predictor, and the training curves.

    Attributes
    ----------
    welfare_weights : numpy.ndarray, shape ``(members,)``
        The :math:`\\lambda` each member was trained with; for :func:`train_min_norm`, the weight the
        min-norm rule gave the welfare gradient, averaged over training steps.
    accuracy : numpy.ndarray, shape ``(members,)``
        Mean probability the forecasts gave to the actions that happened (evaluation episode).
    welfare : numpy.ndarray, shape ``(members,)``
        Fraction of successful groups, averaged over the rounds of the evaluation episode.
    losses : numpy.ndarray, shape ``(epochs, members)``
        The training objective at every step.
    """

    welfare_weights: NDArray[np.float64]
    accuracy: NDArray[np.float64]
    welfare: NDArray[np.float64]
    losses: NDArray[np.float64]


def _welfare_loss(episode: Episode) -> torch.Tensor:
    """:math:`-\\widetilde W / (e r)` per member, shape ``(members,)``."""
    game = episode.game
    return -episode.expected_welfare() / (game.endowment * game.loss_fraction)


def objective(episode: Episode, welfare_weights: torch.Tensor) -> torch.Tensor:
    """Per-member :math:`L_\\lambda = -\\lambda \\widetilde W/(e r) + (1-\\lambda)\\,\\mathrm{BCE}`, shape ``(members,)``."""
    return (
        welfare_weights * _welfare_loss(episode) + (1 - welfare_weights) * episode.cross_entropy()
    )


def _check_training(
    model: nn.Module, game: CollectiveRiskDilemma, epochs: int, learning_rate: float
) -> tuple[int, float]:
    if not isinstance(model, _Members):
        raise ValueError(
            "model must be an MLPPredictor, a MessagePassingPredictor or a GCNPredictor."
        )
    if game.loss_fraction == 0:
        raise ValueError(
            "loss_fraction must be positive to train for welfare "
            "(the welfare term is scaled by 1 / (e r))."
        )
    return (
        check_positive_int(epochs, "epochs"),
        check_real(learning_rate, "learning_rate", low=0.0, low_open=True),
    )


def evaluate(
    model: nn.Module,
    game: CollectiveRiskDilemma,
    network: Network,
    rounds: int,
    **play_options: Any,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Accuracy and welfare of every member on one episode with hard decisions (no gradient).

    Parameters
    ----------
    model : MLPPredictor, MessagePassingPredictor or GCNPredictor
    game, network : the game and graph to play on (for a graph model, the graph it passes
        messages on is its own; use its ``rewired`` method to move it).
    rounds : int
        Rounds of play; may exceed the training horizon.
    **play_options
        Passed to :func:`inloop.games.dynamics.play` (``alpha``, ``prior_trust``, ...).

    Returns
    -------
    accuracy, welfare : numpy.ndarray, each of shape ``(members,)``
    """
    with torch.no_grad():
        episode = play(game, network, model, rounds, **play_options)
    return episode.accuracy(), episode.welfare()


def _train(
    model: nn.Module,
    epochs: int,
    learning_rate: float,
    step: Callable[[], torch.Tensor],
) -> NDArray[np.float64]:
    """Adam for ``epochs`` steps; ``step`` sets the gradients and returns the per-member losses."""
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(epochs):  # optimisation steps are sequential
        optimiser.zero_grad()
        losses.append(step().detach().numpy())
        optimiser.step()
    return np.array(losses)


def train_predictor(
    model: nn.Module,
    game: CollectiveRiskDilemma,
    network: Network,
    welfare_weights: ArrayLike,
    *,
    epochs: int = 100,
    rounds: int = 10,
    learning_rate: float = 0.01,
    **play_options: Any,
) -> TrainingResult:
    """Train member ``k`` of ``model`` on :math:`L_{\\lambda_k}` with Adam, side by side, then evaluate.

    Each step plays one episode of ``rounds`` rounds. The members' losses are summed; as no
    parameter is shared, each member follows exactly its own Adam trajectory.

    Parameters
    ----------
    model : MLPPredictor, MessagePassingPredictor or GCNPredictor
        With ``members`` copies.
    game : CollectiveRiskDilemma
    network : Network
    welfare_weights : array_like, shape ``(members,)``
        :math:`\\lambda_k \\in [0, 1]`: 0 is accuracy only, 1 is welfare only.
    epochs, rounds : int
        Adam steps, and rounds of play per training episode.
    learning_rate : float
    **play_options
        Passed to :func:`inloop.games.dynamics.play` (``alpha``, ``prior_trust``,
        ``temperature``, ``trust_gradient``).

    Returns
    -------
    TrainingResult
        Evaluated on one further episode of ``rounds`` rounds with the same options.
    """
    weights = check_array(welfare_weights, "welfare_weights", ndim=1)
    if ((weights < 0) | (weights > 1)).any():
        raise ValueError(f"welfare_weights must lie in [0, 1], got {weights.tolist()}.")
    if not isinstance(model, _Members) or weights.size != model.members:
        members = getattr(model, "members", "?")
        raise ValueError(
            f"give one welfare weight per member: the model has {members} members, "
            f"got {weights.size} weights."
        )
    epochs, learning_rate = _check_training(model, game, epochs, learning_rate)
    lam = torch.as_tensor(weights)

    def step() -> torch.Tensor:
        loss = objective(play(game, network, model, rounds, **play_options), lam)
        loss.sum().backward()
        return loss

    losses = _train(model, epochs, learning_rate, step)
    accuracy, welfare = evaluate(model, game, network, rounds, **play_options)
    return TrainingResult(weights, accuracy, welfare, losses)


def _per_member_dot(first: list[torch.Tensor], second: list[torch.Tensor]) -> torch.Tensor:
    """:math:`\\langle g_k, h_k \\rangle` for every member ``k`` (parameters have a leading member axis)."""
    return sum(
        ((a * b).reshape(a.shape[0], -1).sum(dim=1) for a, b in zip(first, second, strict=True)),
        torch.zeros(first[0].shape[0], dtype=torch.float64),
    )


def min_norm_weight(
    welfare_gradient: list[torch.Tensor], accuracy_gradient: list[torch.Tensor]
) -> torch.Tensor:
    """Weight :math:`s_k` of the min-norm point :math:`s g_W + (1 - s) g_A` of the segment, per member.

    :math:`s = \\operatorname{clip}\\big(\\langle g_A - g_W, g_A\\rangle / \\lVert g_W - g_A\\rVert^2, 0, 1\\big)`.
    """
    ww = _per_member_dot(welfare_gradient, welfare_gradient)
    wa = _per_member_dot(welfare_gradient, accuracy_gradient)
    aa = _per_member_dot(accuracy_gradient, accuracy_gradient)
    gap = ww - 2 * wa + aa
    safe = torch.where(gap > 0, gap, torch.ones_like(gap))
    return torch.where(gap > 0, ((aa - wa) / safe).clamp(0.0, 1.0), torch.full_like(gap, 0.5))


def train_min_norm(
    model: nn.Module,
    game: CollectiveRiskDilemma,
    network: Network,
    *,
    epochs: int = 100,
    rounds: int = 10,
    learning_rate: float = 0.01,
    **play_options: Any,
) -> TrainingResult:
    """Train every member with the two-gradient min-norm multi-objective step, then evaluate.

    At each step the gradients :math:`g_W` of :math:`-\\widetilde W/(e r)` and :math:`g_A` of the
    cross-entropy are computed per member, and Adam follows :math:`s g_W + (1 - s) g_A` with
    :math:`s` from :func:`~inloop.games.training.min_norm_weight`: the common descent direction of smallest norm, as in the
    multi-task loss of Góis et al. (2025). Parameters as in :func:`train_predictor`, without
    welfare weights; the result's ``welfare_weights`` hold :math:`s` averaged over the steps.
    """
    epochs, learning_rate = _check_training(model, game, epochs, learning_rate)
    params = [p for p in model.parameters() if p.requires_grad]
    weights_used = []

    def step() -> torch.Tensor:
        episode = play(game, network, model, rounds, **play_options)
        welfare_loss, accuracy_loss = _welfare_loss(episode), episode.cross_entropy()
        g_w = torch.autograd.grad(welfare_loss.sum(), params, retain_graph=True)
        g_a = torch.autograd.grad(accuracy_loss.sum(), params)
        s = min_norm_weight(list(g_w), list(g_a))
        weights_used.append(s.numpy())
        for p, w, a in zip(params, g_w, g_a, strict=True):
            shape = (-1,) + (1,) * (p.ndim - 1)
            p.grad = s.reshape(shape) * w + (1 - s.reshape(shape)) * a
        return (s * welfare_loss + (1 - s) * accuracy_loss).detach()

    losses = _train(model, epochs, learning_rate, step)
    accuracy, welfare = evaluate(model, game, network, rounds, **play_options)
    return TrainingResult(np.mean(weights_used, axis=0), accuracy, welfare, losses)


def pareto_front(points: ArrayLike) -> NDArray[np.bool_]:
    """Mask of the points (rows ``(accuracy, welfare)``) that no other point weakly beats in both and strictly in one.

    Parameters
    ----------
    points : array_like, shape ``(m, 2)``

    Returns
    -------
    numpy.ndarray of bool, shape ``(m,)``
    """
    values = check_array(points, "points", ndim=2)
    at_least = np.all(values[None, :, :] >= values[:, None, :], axis=2)  # [i, j]: j as good as i
    better = np.any(values[None, :, :] > values[:, None, :], axis=2)
    return np.asarray(~np.any(at_least & better, axis=1))
