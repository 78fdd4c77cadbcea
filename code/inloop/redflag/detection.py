"""Reading the flag: per-position probabilities, thresholds, curves and the hard filter.

At inference the defended model gives, at every response slot :math:`j`, the probability
:math:`q_j = p_\\theta(\\langle rf\\rangle \\mid x_{<a+j})`. A response is flagged at threshold
:math:`\\tau` when :math:`\\max_{j \\ge j_0} q_j \\ge \\tau`, where :math:`j_0` is the first slot the
model itself writes (after any prefilled text). In *hard-filter* mode the answer is cut at the
first such slot and replaced by a refusal.

Return types: per-slot quantities read from a model (:func:`flag_probabilities`,
:func:`hard_filter`) are torch tensors; per-response scores, rates and curves are NumPy arrays.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from .._checks import check_array, check_positive_int, check_real
from .objective import Conversations, conversation_logits, first_index, slot_mask

__all__ = [
    "auroc",
    "detection_curve",
    "flag_probabilities",
    "hard_filter",
    "max_flag_score",
    "threshold_at_false_positive_rate",
]


@torch.no_grad()
def flag_probabilities(
    model, conversations: Conversations, flag_id: int, batch_size: int = 16, trunk=None
) -> torch.Tensor:
    """(N, Rmax) probability of ⟨rf⟩ at every response slot (NaN beyond a response's end).

    ``trunk``: an optional :class:`~inloop.redflag.trunk.FrozenTrunk` that serves the layers the
    model shares with it (the answers read here hold no flag).
    """
    check_positive_int(batch_size, "batch_size")
    model.eval()
    mask = slot_mask(conversations)
    out = torch.full(mask.shape, float("nan"))
    for start in range(0, len(conversations), batch_size):
        rows = slice(start, start + batch_size)
        picked = conversation_logits(model, conversations.select(rows), trunk, at_slots=True)
        out[rows, : picked.shape[1]] = F.softmax(picked.float(), dim=-1)[..., flag_id]
    return out.masked_fill(~mask, float("nan"))


def max_flag_score(probabilities: torch.Tensor, from_slot=0, to_slot=None) -> np.ndarray:
    """Per-response :math:`\\max_{j_0 \\le j < j_1} q_j` (``from_slot`` may differ per row)."""
    slots = torch.arange(probabilities.shape[1])[None, :]
    start = torch.as_tensor(from_slot).reshape(-1, 1)
    keep = slots >= start
    if to_slot is not None:
        keep &= slots < torch.as_tensor(to_slot).reshape(-1, 1)
    scores = torch.where(keep, probabilities.nan_to_num(0.0), torch.zeros(()))
    return scores.max(dim=1).values.numpy().astype(np.float64)


def detection_curve(harmful_scores, benign_scores, thresholds):
    """Detection rate on harmful and false-positive rate on benign responses at each threshold."""
    harmful = check_array(harmful_scores, "harmful_scores", ndim=1)
    benign = check_array(benign_scores, "benign_scores", ndim=1)
    grid = check_array(thresholds, "thresholds", ndim=1)
    if grid.min() < 0 or grid.max() > 1:
        raise ValueError(
            f"thresholds must lie in [0, 1], got values in [{grid.min()}, {grid.max()}]."
        )
    detection = (harmful[None, :] >= grid[:, None]).mean(axis=1)
    false_positive = (benign[None, :] >= grid[:, None]).mean(axis=1)
    return detection, false_positive


def auroc(harmful_scores, benign_scores) -> float:
    """Area under the ROC curve, the probability a harmful score beats a benign one (ties count half)."""
    harmful = check_array(harmful_scores, "harmful_scores", ndim=1)
    benign = check_array(benign_scores, "benign_scores", ndim=1)
    greater = (harmful[:, None] > benign[None, :]).mean()
    ties = (harmful[:, None] == benign[None, :]).mean()
    return float(greater + 0.5 * ties)


def threshold_at_false_positive_rate(benign_scores, rate: float) -> float:
    """The smallest threshold whose false-positive rate on ``benign_scores`` is at most ``rate``."""
    benign = check_array(benign_scores, "benign_scores", ndim=1)
    check_real(rate, "rate", low=0.0, high=1.0)
    candidates = np.unique(np.concatenate([benign, [1.0]]))
    fpr = (benign[None, :] >= candidates[:, None]).mean(axis=1)
    return float(candidates[np.argmax(fpr <= rate)])


def hard_filter(probabilities: torch.Tensor, threshold: float, from_slot=0) -> torch.Tensor:
    """First slot at which the filter stops each response (``-1`` if it never fires).

    Parameters
    ----------
    probabilities : torch.Tensor
        (N, R) flag probabilities from :func:`flag_probabilities` (NaN past a response's end).
    threshold : float
        The filter fires at the first slot :math:`j \\ge j_0` with :math:`q_j \\ge \\tau`.
    from_slot : int or array-like of shape (N,)
        :math:`j_0`, the first slot the model writes itself.

    Returns
    -------
    torch.Tensor
        (N,) long, the stopping slot or ``-1``.
    """
    check_real(threshold, "threshold", low=0.0, high=1.0)
    slots = torch.arange(probabilities.shape[1])[None, :]
    fired = (probabilities.nan_to_num(0.0) >= threshold) & (
        slots >= torch.as_tensor(from_slot).reshape(-1, 1)
    )
    return first_index(fired)
