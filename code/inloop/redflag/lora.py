"""Fine-tuning through LoRA adapters (``peft``), and the training loop for objective (5.2).

LoRA (Hu et al., 2022) freezes a weight :math:`W_0` and learns a low-rank update,
:math:`W = W_0 + \\frac{\\alpha}{r} B A` with :math:`B \\in \\mathbb{R}^{d \\times r}`,
:math:`A \\in \\mathbb{R}^{r \\times k}`, :math:`B = 0` at the start, so the adapted model starts
exactly at the original one. The ⟨rf⟩ row of the (tied) embedding is trained as well, through
peft's *trainable tokens*, which learn a delta for the listed rows only.

The flag row learns through the output head only: the input embeddings are detached, so no
gradient flows below the lowest adapted layer. This is the book's choice, for speed: with adapters
on the top layers only, backpropagation skips the frozen layers underneath, and the flag's input
embedding still follows its trained output row when the two are tied.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from peft import LoraConfig, get_peft_model

from .._checks import check_positive_int, check_real
from .._random import seeded_torch, torch_generator
from .objective import (
    Conversations,
    ObjectiveWeights,
    conversation_logits,
    red_flag_loss,
    reference_log_probs,
    slot_mask,
    slot_tokens,
)

__all__ = [
    "LoraSettings",
    "TARGET_MODULES",
    "TrainSettings",
    "attach_lora",
    "train_language_modelling",
    "train_red_flag",
]


TARGET_MODULES = ("q_proj", "v_proj", "o_proj", "down_proj")


@dataclass(frozen=True)
class LoraSettings:
    """Rank, scale, which projections and which layers (``None``: all) receive adapters."""

    rank: int = 8
    alpha: float = 16.0
    target_modules: tuple[str, ...] = TARGET_MODULES
    layers: tuple[int, ...] | None = None

    def __post_init__(self):
        check_positive_int(self.rank, "rank")
        check_real(self.alpha, "alpha", low=0.0, low_open=True)


def attach_lora(model, flag_id: int | None, settings: LoraSettings = LoraSettings(), seed: int = 0):
    """Wrap ``model`` (modified in place) in a peft model with LoRA adapters.

    Parameters
    ----------
    model : torch.nn.Module
        A Hugging Face causal LM or :class:`~inloop.redflag.toy.ToyLM`.
    flag_id : int or None
        With an id, the embedding row of ⟨rf⟩ is trainable too (tied to the output head when the
        model ties them), through the output head only (see the module notes).
    settings : LoraSettings
        Rank, scale, target projections and layers.
    seed : int
        Seeds the random initialisation of the adapters' :math:`A` matrices (in a forked
        random state; the caller's state is untouched).

    Returns
    -------
    peft.PeftModel
        The wrapped model; only adapter parameters require gradients.
    """
    config = LoraConfig(
        r=settings.rank,
        lora_alpha=settings.alpha,  # type: ignore[arg-type]  # peft accepts a float scale
        lora_dropout=0.0,
        target_modules=list(settings.target_modules),
        layers_to_transform=list(settings.layers) if settings.layers is not None else None,
        trainable_token_indices={"embed_tokens": [flag_id]} if flag_id is not None else None,
    )
    with seeded_torch(seed):
        peft_model = get_peft_model(model, config)
    if flag_id is not None:
        peft_model.get_input_embeddings().register_forward_hook(_detach_output)
    return peft_model


def _detach_output(module, inputs, output):
    """Forward hook: the input embeddings carry no gradient (backpropagation stops at the adapters)."""
    return output.detach()


@dataclass(frozen=True)
class TrainSettings:
    """Optimisation settings for :func:`train_red_flag`."""

    steps: int = 100
    batch_size: int = 16
    lr: float = 1e-3
    flag_lr: float = 1e-2
    weights: ObjectiveWeights = ObjectiveWeights()
    seed: int = 0

    def __post_init__(self):
        check_positive_int(self.steps, "steps")
        check_positive_int(self.batch_size, "batch_size")
        check_real(self.lr, "lr", low=0.0, low_open=True)
        check_real(self.flag_lr, "flag_lr", low=0.0, low_open=True)


def train_red_flag(
    model,
    harmful: Conversations,
    benign: Conversations,
    flag_id: int,
    settings: TrainSettings = TrainSettings(),
    fixed_position: bool = False,
    teacher: tuple[torch.Tensor, torch.Tensor] | None = None,
    trunk=None,
) -> list[dict]:
    """Minimise (5.2) with AdamW over minibatches of harmful and benign conversations.

    Parameters
    ----------
    model : torch.nn.Module
        A peft model from :func:`attach_lora` with ``flag_id``; trained in place.
    harmful, benign : Conversations
        Harmful conversations (``window_start >= 0``) and benign ones.
    flag_id : int
        The id of ⟨rf⟩ (from :func:`~inloop.redflag.vocab.expand_vocabulary`).
    settings : TrainSettings
        Steps, batch size, learning rates (``lr`` for the adapters, ``flag_lr`` for the flag's
        embedding row), the weights of (5.2) and the seed of the minibatch and slot draws.
    fixed_position : bool
        Train the baseline that may only flag at the window start (slot 0 when
        ``window_start`` is 0).
    teacher : tuple of two torch.Tensor, optional
        The frozen model's (N, R, V) log-probabilities on ``harmful`` and ``benign``
        (:func:`~inloop.redflag.objective.reference_log_probs`); computed here when ``None``.
        Pass them when several defences train on the same data.
    trunk : FrozenTrunk, optional
        Serves the layers below the adapters on the benign side and for the teacher
        (:class:`~inloop.redflag.trunk.FrozenTrunk`); the harmful side, which holds the inserted
        flag, always runs the full model.

    Returns
    -------
    list of dict
        The per-step values of the three terms (``"flag"``, ``"kl"``, ``"retention"``).
    """
    if len(harmful) == 0 or len(benign) == 0:
        raise ValueError("training needs at least one harmful and one benign conversation.")
    generator = torch_generator(settings.seed)
    named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if not named:
        raise ValueError("the model has no trainable parameters; wrap it with attach_lora first.")
    flag_row = [p for name, p in named if "trainable_tokens" in name]
    adapters = [p for name, p in named if "trainable_tokens" not in name]
    optimiser = torch.optim.AdamW(
        [{"params": adapters, "lr": settings.lr}, {"params": flag_row, "lr": settings.flag_lr}],
        weight_decay=0.0,
    )
    model.eval()
    if teacher is None:  # the frozen model, once for all steps
        teacher = (
            reference_log_probs(model, harmful, flag_id, trunk=trunk),
            reference_log_probs(model, benign, flag_id, trunk=trunk),
        )
    teacher_h, teacher_b = teacher
    for name, log_probs, data in (("harmful", teacher_h, harmful), ("benign", teacher_b, benign)):
        if log_probs.shape[:2] != (len(data), int(data.response_length.max())):
            raise ValueError(
                f"the {name} teacher has shape {tuple(log_probs.shape)}; expected "
                f"({len(data)}, {int(data.response_length.max())}, V) from reference_log_probs."
            )
    history = []
    model.train()
    for _ in range(settings.steps):
        hi = torch.randint(
            len(harmful), (min(settings.batch_size, len(harmful)),), generator=generator
        )
        bi = torch.randint(
            len(benign), (min(settings.batch_size, len(benign)),), generator=generator
        )
        h, b = _trim(harmful.select(hi)), _trim(benign.select(bi))
        width_h, width_b = int(h.response_length.max()), int(b.response_length.max())
        loss, terms = red_flag_loss(
            model,
            h,
            b,
            flag_id,
            generator,
            settings.weights,
            fixed_position,
            teacher_harmful=teacher_h[hi, :width_h],
            teacher_benign=teacher_b[bi, :width_b],
            trunk=trunk,
        )
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        history.append(terms)
    model.eval()
    return history


def train_language_modelling(
    model,
    conversations: Conversations,
    steps: int,
    lr: float,
    batch_size: int = 8,
    seed: int = 0,
    flag_id: int | None = None,
    flag_penalty: float = 0.0,
    trunk=None,
) -> list[float]:
    """Supervised fine-tuning on the response tokens (next-token cross-entropy).

    The objective of the fine-tuning attack and of the book's shallow safety alignment. With a
    ``flag_penalty`` :math:`\\mu > 0` the loss gains the adaptive attacker's term
    :math:`\\mu \\cdot \\frac{1}{|S|}\\sum_{j \\in S} -\\log(1 - q_j)`, the mean over the response
    slots :math:`S` of the price a flag of probability :math:`q_j` pays in
    the retention term of the objective (5.2), so the model learns to write the answers *and*
    keep the flag down.

    Parameters
    ----------
    model : torch.nn.Module
        A peft model from :func:`attach_lora` (only its trainable parameters move).
    conversations : Conversations
        The examples; the loss covers every response slot.
    steps, batch_size : int
        AdamW steps and conversations per minibatch (drawn with replacement).
    lr : float
        Learning rate.
    seed : int
        Seeds the minibatch draws.
    flag_id : int, optional
        The flag's token id; required when ``flag_penalty > 0``.
    flag_penalty : float
        Weight :math:`\\mu \\ge 0` of the flag term (0: plain fine-tuning).
    trunk : FrozenTrunk, optional
        Serves the layers below the adapters (:class:`~inloop.redflag.trunk.FrozenTrunk`).

    Returns
    -------
    list of float
        The loss at every step (the flag term included).
    """
    check_positive_int(steps, "steps")
    check_real(lr, "lr", low=0.0, low_open=True)
    check_real(flag_penalty, "flag_penalty", low=0.0)
    if flag_penalty > 0 and flag_id is None:
        raise ValueError("flag_penalty > 0 needs the flag's token id (flag_id).")
    if len(conversations) == 0:
        raise ValueError("language-model fine-tuning needs at least one conversation.")
    generator = torch_generator(seed)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(parameters, lr=lr, weight_decay=0.0)
    losses = []
    model.train()
    for _ in range(steps):
        batch = _trim(
            conversations.select(
                torch.randint(
                    len(conversations), (min(batch_size, len(conversations)),), generator=generator
                )
            )
        )
        logits = conversation_logits(model, batch, trunk, at_slots=True)  # (n, R, V)
        inside, targets = slot_mask(batch), slot_tokens(batch)
        loss = torch.nn.functional.cross_entropy(logits[inside].float(), targets[inside])
        if flag_penalty > 0:
            loss = loss + flag_penalty * _no_flag_cost(logits, inside, flag_id)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    model.eval()
    return losses


def _no_flag_cost(logits: torch.Tensor, slots: torch.Tensor, flag_id) -> torch.Tensor:
    """Mean of :math:`-\\log(1 - q)` over the marked slots, from (N, T, V) logits, stably."""
    logits = logits.float()
    others = torch.cat([logits[..., :flag_id], logits[..., flag_id + 1 :]], dim=-1)
    cost = logits.logsumexp(dim=-1) - others.logsumexp(dim=-1)
    return cost[slots].mean()


def _trim(conversations: Conversations) -> Conversations:
    """Drop trailing columns that are padding for every row (saves compute on short batches)."""
    end = int((conversations.response_start + conversations.response_length).max())
    return Conversations(
        conversations.tokens[:, :end],
        conversations.response_start,
        conversations.response_length,
        conversations.window_start,
    )
