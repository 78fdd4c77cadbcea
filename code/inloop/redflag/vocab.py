"""Vocabulary expansion by one token, the red flag ⟨rf⟩.

Adding a token grows the input embedding matrix :math:`E \\in \\mathbb{R}^{V \\times d}` and the output
head :math:`W \\in \\mathbb{R}^{V \\times d}` by one row each. The logits of the original tokens,
:math:`z_v = W_v^\\top h`, do not depend on the new row, so the expansion leaves every original
logit unchanged; only the softmax normaliser gains the term :math:`\\exp(W_{rf}^\\top h)`. The book
initialises the new row with the mean of the existing rows,

.. math:: E_{rf} = \\frac{1}{V}\\sum_{v<V} E_v, \\qquad W_{rf} = \\frac{1}{V}\\sum_{v<V} W_v,   \\tag{5.1}

so that the flag starts with an average logit rather than a random one.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._checks import check_choice

__all__ = [
    "INITIALISATIONS",
    "expand_vocabulary",
]


INITIALISATIONS = ("mean", "zero")


def expand_vocabulary(model: Any, init: str = "mean") -> int:
    """Add one token to ``model`` in place and return its id (the old vocabulary size).

    ``model`` must offer ``get_input_embeddings``, ``get_output_embeddings`` and
    ``resize_token_embeddings`` (every Hugging Face causal LM does, and so does
    :class:`inloop.redflag.toy.ToyLM`). Tied embeddings stay tied. Implements (5.1).
    """
    check_choice(init, "init", INITIALISATIONS)
    for method in ("get_input_embeddings", "get_output_embeddings", "resize_token_embeddings"):
        if not callable(getattr(model, method, None)):
            raise ValueError(
                f"The model ({type(model).__name__}) has no resizable embedding: it lacks {method}(). "
                "Use a Hugging Face causal LM or inloop.redflag.ToyLM."
            )
    embedding = model.get_input_embeddings()
    if not isinstance(embedding, nn.Embedding):
        raise ValueError(
            f"The model's input embedding must be an nn.Embedding, got {type(embedding).__name__}."
        )
    old_size = embedding.weight.shape[0]
    model.resize_token_embeddings(old_size + 1, mean_resizing=False)
    with torch.no_grad():
        for matrix in _distinct_matrices(model):
            if matrix.shape[0] != old_size + 1:
                raise ValueError(
                    f"Resizing gave a matrix with {matrix.shape[0]} rows, expected {old_size + 1}."
                )
            matrix[old_size] = matrix[:old_size].mean(dim=0) if init == "mean" else 0.0
    return old_size


def _distinct_matrices(model: Any) -> list[torch.Tensor]:
    """The input embedding and output head weights, once each (once only when they are tied)."""
    matrices = [model.get_input_embeddings().weight]
    head = model.get_output_embeddings()
    if head is not None and head.weight is not matrices[0]:
        matrices.append(head.weight)
    return matrices
