"""Conversations as tensors, and the three-term red-flag objective.

Notation. A conversation is a token sequence :math:`x` whose response starts at index :math:`a`;
response *slot* :math:`j` is the token :math:`x_{a+j}`, predicted by the logits at index
:math:`a+j-1`. For a harmful response of length :math:`R` with window start :math:`s`, we draw the
insertion slot :math:`k \\sim \\mathcal{U}\\{s, \\dots, R-1\\}` and build :math:`\\tilde x`, the
conversation with ⟨rf⟩ inserted before slot :math:`k`. With :math:`p_\\theta` the model being
trained and :math:`p_0` the frozen original (adapters disabled), the objective is

.. math::

   \\mathcal{L}(\\theta) =
   \\underbrace{-\\frac{1}{|W|}\\sum_{j \\in W} \\log p_\\theta(\\langle rf\\rangle \\mid \\tilde x_{<a+j})}_{\\text{flag: } W = \\{s,\\dots,k\\}}
   + \\lambda_{\\mathrm{KL}} \\underbrace{\\frac{1}{|O|}\\sum_{j \\in O}
     \\mathrm{KL}\\big(p_0(\\cdot \\mid x_{<a+j'}) \\,\\|\\, \\bar p_\\theta(\\cdot \\mid \\tilde x_{<a+j})\\big)}_{\\text{harmful slots outside the window}}
   + \\lambda_{\\mathrm{ret}} \\underbrace{\\frac{1}{|B|}\\sum_{j \\in B}
     \\mathrm{KL}\\big(p_0(\\cdot \\mid y_{<b+j}) \\,\\|\\, p_\\theta(\\cdot \\mid y_{<b+j})\\big)}_{\\text{benign retention}}
   \\tag{5.2}

where :math:`O` are the slots before :math:`s` and after the inserted flag (slot :math:`j` of
:math:`\\tilde x` after the flag is slot :math:`j' = j-1` of :math:`x`). After the flag,
:math:`\\bar p_\\theta` is the model's distribution renormalised over the original vocabulary (so
the flag may fire again without penalty); before the window it is the plain distribution
restricted to the original tokens (so flagging text that is not yet harmful is charged), and
:math:`y` ranges over benign conversations. Since :math:`p_0` gives ⟨rf⟩ no mass, the retention
KL charges a flag of probability :math:`q` on benign text :math:`-\\log(1-q)` when nothing else changes.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from .._checks import check_positive_int, check_real

__all__ = [
    "Conversations",
    "ObjectiveWeights",
    "conversation_logits",
    "first_index",
    "flag_terms",
    "insert_flag",
    "red_flag_loss",
    "reference_log_probs",
    "reference_model",
    "retention_term",
    "sample_flag_slots",
    "slot_logit_index",
    "slot_mask",
    "slot_tokens",
]


@dataclass
class Conversations:
    """A batch of right-padded conversations.

    ``tokens`` (N, T) long; ``response_start`` (N,) index of the first response token;
    ``response_length`` (N,) response tokens including a final end-of-turn token;
    ``window_start`` (N,) first slot where the flag should fire (``-1``: never, a benign response).
    """

    tokens: torch.Tensor
    response_start: torch.Tensor
    response_length: torch.Tensor
    window_start: torch.Tensor

    def __post_init__(self):
        if self.tokens.ndim != 2 or self.tokens.shape[0] == 0:
            raise ValueError(
                f"tokens must be a non-empty (N, T) tensor, got shape {tuple(self.tokens.shape)}."
            )
        n, length = self.tokens.shape
        for name in ("response_start", "response_length", "window_start"):
            value = getattr(self, name)
            if value.shape != (n,):
                raise ValueError(f"{name} must have shape ({n},), got {tuple(value.shape)}.")
        if (self.response_start < 1).any() or (
            self.response_start + self.response_length > length
        ).any():
            raise ValueError(
                "every response must start after index 0 and end inside the token tensor."
            )
        if (self.response_length < 1).any():
            raise ValueError("every response must have at least one token.")
        if (self.window_start >= self.response_length).any():
            raise ValueError(
                "window_start must be smaller than the response length (or -1 for benign)."
            )

    def __len__(self) -> int:
        return self.tokens.shape[0]

    def select(self, index) -> Conversations:
        """The conversations at ``index`` (trailing all-padding columns are kept)."""
        return Conversations(
            self.tokens[index],
            self.response_start[index],
            self.response_length[index],
            self.window_start[index],
        )

    def truncate(self, slots: int) -> Conversations:
        """The same conversations with every response cut to at most ``slots`` slots."""
        check_positive_int(slots, "slots")
        length = self.response_length.clamp(max=slots)
        end = int((self.response_start + length).max())
        window = torch.where(self.window_start < length, self.window_start, -1)
        return Conversations(self.tokens[:, :end], self.response_start, length, window)

    @property
    def harmful(self) -> torch.Tensor:
        return self.window_start >= 0


def first_index(mask: torch.Tensor, default: int = -1) -> torch.Tensor:
    """Index of the first ``True`` of each row of a boolean (N, L) ``mask``; ``default`` if none.

    Parameters
    ----------
    mask : torch.Tensor
        (N, L) booleans.
    default : int
        The value for rows without a ``True``.

    Returns
    -------
    torch.Tensor
        (N,) long.
    """
    if mask.ndim != 2:
        raise ValueError(f"mask must be a 2-d (N, L) tensor, got shape {tuple(mask.shape)}.")
    mask = mask.bool()
    return torch.where(
        mask.any(dim=1), mask.int().argmax(dim=1), torch.full((mask.shape[0],), default)
    )


def slot_logit_index(conversations: Conversations) -> torch.Tensor:
    """(N, Rmax) index of the logits that predict each response slot (clamped; see ``slot_mask``)."""
    slots = torch.arange(int(conversations.response_length.max()))
    index = conversations.response_start[:, None] + slots[None, :] - 1
    return index.clamp(max=conversations.tokens.shape[1] - 1)


def slot_tokens(conversations: Conversations) -> torch.Tensor:
    """(N, Rmax) the token at each response slot, :math:`x_{a+j}` (padding past a response's end)."""
    last = conversations.tokens.shape[1] - 1
    return conversations.tokens.gather(1, (slot_logit_index(conversations) + 1).clamp(max=last))


def slot_mask(conversations: Conversations) -> torch.Tensor:
    """(N, Rmax) True where the slot is inside the response."""
    slots = torch.arange(int(conversations.response_length.max()))
    return slots[None, :] < conversations.response_length[:, None]


def conversation_logits(model, conversations: Conversations, trunk=None, at_slots: bool = False):
    """Logits of ``model`` on ``conversations``: (N, T, V), or (N, Rmax, V) at the response slots.

    With ``at_slots`` the logits are those that predict response slot :math:`j`, at index
    :math:`a + j - 1` (:func:`slot_logit_index`). With a ``trunk``
    (:class:`~inloop.redflag.trunk.FrozenTrunk`) the layers below its ``layer`` are read from its
    cache and only the layers above run; without one, the full forward pass runs.
    """
    index = slot_logit_index(conversations) if at_slots else None
    if trunk is not None:
        ends = conversations.response_start + conversations.response_length
        return trunk.logits(model, conversations.tokens, ends, index)
    logits = model(input_ids=conversations.tokens).logits
    if index is None:
        return logits
    return logits.gather(1, index[..., None].expand(-1, -1, logits.shape[-1]))


def insert_flag(tokens: torch.Tensor, position: torch.Tensor, flag_id: int) -> torch.Tensor:
    """Insert ``flag_id`` before index ``position[i]`` of row ``i``: (N, T) -> (N, T + 1), vectorised."""
    n, length = tokens.shape
    index = torch.arange(length + 1)[None, :].expand(n, -1)
    shifted = torch.where(index > position[:, None], index - 1, index).clamp(max=length - 1)
    out = tokens.gather(1, shifted)
    return torch.where(index == position[:, None], torch.full_like(out, flag_id), out)


def sample_flag_slots(
    conversations: Conversations, generator: torch.Generator, fixed_position: bool = False
):
    """Draw the insertion slot :math:`k \\sim \\mathcal{U}\\{s, \\dots, R-1\\}` (or :math:`k = s` when fixed)."""
    start, length = conversations.window_start, conversations.response_length
    if (start < 0).any():
        raise ValueError("flag slots are drawn for harmful conversations only (window_start >= 0).")
    if fixed_position:
        return start.clone()
    span = (length - start).float()
    return start + (torch.rand(len(start), generator=generator) * span).long()


@contextmanager
def reference_model(model, reference=None):
    """Yield the frozen original model: ``reference`` if given, else ``model`` with its adapters disabled."""
    if reference is not None:
        yield reference
    elif hasattr(model, "disable_adapter"):
        with model.disable_adapter():
            yield model
    else:
        raise ValueError(
            "Pass reference= (the frozen original model) or a peft model whose adapters can be disabled."
        )


def _kl_rows(teacher_logp: torch.Tensor, student_logp: torch.Tensor) -> torch.Tensor:
    """Row-wise :math:`\\mathrm{KL}(p_0 \\| p_\\theta) = \\sum_v p_0(v)(\\log p_0(v) - \\log p_\\theta(v))`."""
    return (teacher_logp.exp() * (teacher_logp - student_logp)).sum(dim=-1)


@torch.no_grad()
def reference_log_probs(
    model,
    conversations: Conversations,
    flag_id: int,
    reference=None,
    batch_size: int = 16,
    trunk=None,
) -> torch.Tensor:
    """(N, Rmax, V) log-probabilities of the frozen original model at every response slot.

    ``trunk``: an optional :class:`~inloop.redflag.trunk.FrozenTrunk` shared with the reference.
    """
    width = int(conversations.response_length.max())
    out = []
    with reference_model(model, reference) as frozen:
        for start in range(0, len(conversations), batch_size):
            rows = conversations.select(slice(start, start + batch_size))
            picked = conversation_logits(frozen, rows, trunk, at_slots=True)[..., :flag_id]
            picked = F.pad(picked, (0, 0, 0, width - picked.shape[1]))  # rows of shorter batches
            out.append(F.log_softmax(picked.float(), dim=-1))
    return torch.cat(out)


def flag_terms(
    model,
    harmful: Conversations,
    flag_id: int,
    generator: torch.Generator,
    fixed_position: bool = False,
    reference=None,
    teacher=None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The flag cross-entropy and the harmful-side KL of (5.2), averaged over their slots.

    With ``fixed_position`` the flag is allowed at slot ``s`` only: the KL after it uses the plain
    (not renormalised) distribution, so a flag anywhere else is charged.

    ``teacher``: the (N, Rmax, V) output of :func:`reference_log_probs` (computed here if ``None``).
    """
    if teacher is None:
        teacher = reference_log_probs(model, harmful, flag_id, reference)
    k = sample_flag_slots(harmful, generator, fixed_position)
    start, a, length = harmful.window_start, harmful.response_start, harmful.response_length
    inserted = insert_flag(harmful.tokens, a + k, flag_id)
    logits = model(input_ids=inserted).logits
    index = torch.arange(inserted.shape[1])[None, :]
    window = (index >= (a + start - 1)[:, None]) & (index <= (a + k - 1)[:, None])
    before = (index >= (a - 1)[:, None]) & (index < (a + start - 1)[:, None])
    after = (index >= (a + k)[:, None]) & (index <= (a + length - 1)[:, None])
    rows, cols = window.nonzero(as_tuple=True)
    flag_ce = -F.log_softmax(logits[rows, cols].float(), dim=-1)[:, flag_id].mean()
    rows, cols = (before | after).nonzero(as_tuple=True)
    teacher_cols = torch.where(cols >= (a + k)[rows], cols - 1, cols)
    picked = logits[rows, cols].float()
    # before the window the flag is charged (full softmax); after it, the flag may fire again (renormalised)
    full = F.log_softmax(picked, dim=-1)[:, :flag_id]
    renormalised = F.log_softmax(picked[:, :flag_id], dim=-1)
    # the fixed-position baseline may flag only at its one slot, so it is charged everywhere else
    after_flag = (cols >= (a + k)[rows]) & (not fixed_position)
    student = torch.where(after_flag[:, None], renormalised, full)
    kl = _kl_rows(teacher[rows, teacher_cols - a[rows] + 1], student)
    return flag_ce, kl.mean() if kl.numel() else logits.sum() * 0.0


def retention_term(
    model, benign: Conversations, flag_id: int, reference=None, teacher=None, trunk=None
) -> torch.Tensor:
    """The benign retention KL of (5.2), over every benign response slot (full vocabulary).

    ``trunk``: an optional :class:`~inloop.redflag.trunk.FrozenTrunk` (benign text holds no flag).
    """
    if teacher is None:
        teacher = reference_log_probs(model, benign, flag_id, reference, trunk=trunk)
    mask = slot_mask(benign)
    student = F.log_softmax(
        conversation_logits(model, benign, trunk, at_slots=True)[mask].float(), dim=-1
    )
    return _kl_rows(teacher[:, : mask.shape[1]][mask], student[:, :flag_id]).mean()


@dataclass(frozen=True)
class ObjectiveWeights:
    """The weights of (5.2): ``flag`` (fixed to 1 in the book), ``kl`` and ``retention``."""

    flag: float = 1.0
    kl: float = 1.0
    retention: float = 1.0

    def __post_init__(self):
        for name in ("flag", "kl", "retention"):
            check_real(getattr(self, name), name, low=0.0)


def red_flag_loss(
    model,
    harmful: Conversations,
    benign: Conversations,
    flag_id: int,
    generator: torch.Generator,
    weights: ObjectiveWeights = ObjectiveWeights(),
    fixed_position: bool = False,
    reference=None,
    teacher_harmful=None,
    teacher_benign=None,
    trunk=None,
):
    """Return ``(total, terms)`` of objective (5.2); ``terms`` holds the three detached values.

    The frozen model's log-probabilities may be passed precomputed (``teacher_*``, from
    :func:`reference_log_probs`); otherwise they are computed here. A ``trunk``
    (:class:`~inloop.redflag.trunk.FrozenTrunk`) serves the benign side, whose text holds no flag.
    """
    check_positive_int(flag_id, "flag_id")
    if not bool(harmful.harmful.all()):
        raise ValueError("harmful conversations need window_start >= 0 for every row.")
    flag_ce, kl = flag_terms(
        model, harmful, flag_id, generator, fixed_position, reference, teacher_harmful
    )
    retention = retention_term(model, benign, flag_id, reference, teacher_benign, trunk)
    total = weights.flag * flag_ce + weights.kl * kl + weights.retention * retention
    terms = {"flag": flag_ce.item(), "kl": kl.item(), "retention": retention.item()}
    return total, terms
