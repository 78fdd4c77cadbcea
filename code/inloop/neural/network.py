"""The small networks of the credit experiment: :math:`d \\to h \\to 1`, LeakyReLU, scaled sigmoid output.

.. math:: f_\\theta(x) = (1-\\delta)\\,\\sigma\\big(w_2^\\top \\mathrm{LeakyReLU}(W_1 x + b_1) + b_2\\big)
          \\in [0, 1-\\delta],                                                    \\qquad (3)

so that its predictions are valid inputs to the resample-if-rejected map. Everything is float64;
the parameters travel as one flat vector :math:`\\theta` (``W1``, ``b1``, ``w2``, ``b2`` in that order),
which is what the RRM driver of :mod:`inloop.performative.rrm` stores.
"""

from __future__ import annotations

import numpy as np
import torch

from .._checks import check_array, check_positive_int
from .rir import as_generator, check_delta

NEGATIVE_SLOPE = 0.01
"""Slope of the LeakyReLU for negative inputs (PyTorch's default)."""


class ScaledSigmoidNetwork(torch.nn.Module):
    """Equation (3): a one-hidden-layer network whose output lies in :math:`[0, 1-\\delta]`.

    Parameters
    ----------
    n_inputs:
        Number of input features :math:`d` (11 on the credit data, bias column included).
    width:
        Number of hidden units :math:`h`.
    delta:
        The RIR offset; the output is scaled by :math:`1-\\delta`.
    seed:
        Seed of the initialisation (uniform in :math:`\\pm 1/\\sqrt{\\text{fan-in}}`, as PyTorch's default).
    """

    def __init__(self, n_inputs: int, width: int = 8, delta: float = 0.5, seed=0):
        super().__init__()
        self.n_inputs = check_positive_int(n_inputs, "n_inputs")
        self.width = check_positive_int(width, "width")
        self.delta = check_delta(delta)
        self.hidden = torch.nn.Linear(self.n_inputs, self.width, dtype=torch.float64)
        self.output = torch.nn.Linear(self.width, 1, dtype=torch.float64)
        self.set_flat(initial_parameters(self.n_inputs, self.width, seed))

    @property
    def n_parameters(self) -> int:
        return sum(parameter.numel() for parameter in self.parameters())

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Equation (3) on a batch of shape (n, d); returns shape (n,)."""
        hidden = torch.nn.functional.leaky_relu(self.hidden(features), NEGATIVE_SLOPE)
        return (1.0 - self.delta) * torch.sigmoid(self.output(hidden)).squeeze(-1)

    def predict(self, features) -> np.ndarray:
        """Predictions on a NumPy feature array, as a NumPy vector (no gradient tracking)."""
        features = self._check_features(features)
        with torch.no_grad():
            return self(torch.from_numpy(features)).numpy()

    def flat(self) -> np.ndarray:
        """The parameters as one float64 vector :math:`\\theta`."""
        return torch.nn.utils.parameters_to_vector(self.parameters()).detach().numpy().copy()

    def set_flat(self, theta) -> ScaledSigmoidNetwork:
        """Load the parameters from a flat vector (see :meth:`flat`) and return the network."""
        theta = check_array(theta, "theta", ndim=1)
        if theta.shape[0] != self.n_parameters:
            raise ValueError(
                f"theta must have {self.n_parameters} entries for a {self.n_inputs}->{self.width}->1 "
                f"network, got {theta.shape[0]}."
            )
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(torch.from_numpy(theta.copy()), self.parameters())
        return self

    def _check_features(self, features) -> np.ndarray:
        features = check_array(features, "features", ndim=2)
        if features.shape[1] != self.n_inputs:
            raise ValueError(
                f"features must have {self.n_inputs} columns, got {features.shape[1]}."
            )
        return features


def initial_parameters(n_inputs: int, width: int, seed=0) -> np.ndarray:
    """A flat initial :math:`\\theta`: every weight and bias uniform in :math:`\\pm 1/\\sqrt{\\text{fan-in}}`."""
    rng = as_generator(seed)
    hidden_bound, output_bound = 1.0 / np.sqrt(n_inputs), 1.0 / np.sqrt(width)
    return np.concatenate(
        [
            rng.uniform(-hidden_bound, hidden_bound, size=width * n_inputs + width),
            rng.uniform(-output_bound, output_bound, size=width + 1),
        ]
    )
