"""Building blocks the chapter composes: toy data sets, transcripts, the shallow alignment, utility."""

from __future__ import annotations

import numpy as np
import torch

from .._checks import check_positive_int
from .._random import SeedLike, as_generator, torch_generator
from .attacks import prefill
from .evaluation import REFUSALS
from .llm import teacher_forced_conversations
from .lora import LoraSettings, attach_lora, train_language_modelling
from .objective import Conversations, reference_log_probs, retention_term, slot_mask
from .toy import SURE, ToyWorld, toy_conversations

__all__ = [
    "onset_profile",
    "shallow_alignment",
    "split_by_prompt",
    "toy_training_sets",
    "toy_transcripts",
    "utility_kl",
]


def toy_training_sets(
    world: ToyWorld, n_harmful: int, n_benign: int, seed: int, window: str = "onset"
) -> tuple[Conversations, Conversations]:
    """Harmful compliant conversations (flag window from ``window``) and harmless ones.

    Parameters
    ----------
    world : ToyWorld
    n_harmful, n_benign : int
        Sizes of the two sets (harmless: benign answers and refusals).
    seed : int
        Seeds the draws (the same seed gives the same conversations for either ``window``).
    window : {"onset", "start"}
        Where the flag window of harmful answers starts (see :func:`toy_conversations`).

    Returns
    -------
    harmful, harmless : Conversations
    """
    check_positive_int(n_harmful, "n_harmful")
    check_positive_int(n_benign, "n_benign")
    generator = torch_generator(seed)
    harmful, _, _ = world.sample_conversations(n_harmful, 1.0, generator, comply=True)
    mixed, _, onset = world.sample_conversations(2 * n_benign, 0.3, generator)
    return toy_conversations(world, harmful, window), toy_conversations(
        world, mixed[onset < 0][:n_benign]
    )


@torch.no_grad()
def toy_transcripts(
    world: ToyWorld, model, n: int, harmful: bool, seed: int, prefix=(SURE,), samples: int = 1
) -> Conversations:
    """Responses that ``model`` samples (temperature 1) for ``n`` fresh prompts after ``prefix``.

    Parameters
    ----------
    world : ToyWorld
    model : ToyLM or peft model around one
    n : int
        Fresh prompts.
    harmful : bool
        Draw harmful or benign prompts.
    seed : int
        Seeds the prompts and the sampling.
    prefix : sequence of int
        The attacker's prefilled tokens; ``()`` means no prefilling.
    samples : int
        Answers per prompt (rows ``i * samples ...`` belong to prompt ``i``).

    Returns
    -------
    Conversations
        Labelled by the exact harm onset.
    """
    generator = torch_generator(seed)
    prompts = world.sample_prompts(n, harmful, generator).repeat_interleave(samples, dim=0)
    start = prefill(prompts, list(prefix)) if len(prefix) else prompts
    tokens = model.generate(
        start, world.response_length + 1 - len(prefix), do_sample=True, generator=generator
    )
    return toy_conversations(world, tokens)


def split_by_prompt(
    pool: list[str], n_train: int, n_test: int, seed: SeedLike
) -> tuple[list[str], list[str]]:
    """Disjoint training and held-out prompts drawn from ``pool`` by one seeded permutation."""
    check_positive_int(n_train, "n_train")
    check_positive_int(n_test, "n_test")
    if n_train + n_test > len(pool):
        raise ValueError(
            f"the pool holds {len(pool)} prompts, fewer than the {n_train} + {n_test} requested."
        )
    order = as_generator(seed).permutation(len(pool))
    return [pool[i] for i in order[:n_train]], [pool[i] for i in order[n_train : n_train + n_test]]


def onset_profile(probabilities: torch.Tensor, onset: torch.Tensor, offsets) -> np.ndarray:
    """Mean flag probability at slot ``onset + d`` for each offset ``d`` (where it exists); (D,)."""
    offsets = torch.as_tensor(offsets)
    slots = onset[:, None] + offsets[None, :]
    inside = (slots >= 0) & (slots < probabilities.shape[1]) & (onset[:, None] >= 0)
    values = probabilities.gather(1, slots.clamp(0, probabilities.shape[1] - 1))
    valid = inside & ~torch.isnan(values)
    return (torch.where(valid, values, torch.zeros(())).sum(0) / valid.sum(0).clamp(min=1)).numpy()


@torch.no_grad()
def utility_kl(
    model, benign: Conversations, flag_id: int, batch_size: int = 8, trunk=None
) -> float:
    """Mean per-token :math:`\\mathrm{KL}(p_0 \\| p_\\theta)` on benign responses (retention of (5.2)).

    ``trunk``: an optional :class:`~inloop.redflag.trunk.FrozenTrunk` shared with the model.
    """
    total, count = 0.0, 0
    model.eval()
    for start in range(0, len(benign), batch_size):
        chunk = benign.select(slice(start, start + batch_size))
        teacher = reference_log_probs(model, chunk, flag_id, trunk=trunk)
        slots = int(slot_mask(chunk).sum())
        term = retention_term(model, chunk, flag_id, teacher=teacher, trunk=trunk)
        total += term.item() * slots
        count += slots
    return total / count


def shallow_alignment(
    model,
    tokenizer,
    harmful_prompts: list[str],
    benign_prompts: list[str],
    benign_answers: list[str],
    lora: LoraSettings,
    steps: int,
    lr: float,
    batch_size: int,
    seed: int,
    benign_repeats: int = 1,
    trunk=None,
):
    """The book's safety alignment: supervised refusals on harmful requests, own answers on benign ones.

    A LoRA adapter is fitted by next-token cross-entropy on the answers of two kinds of
    conversation: each harmful request answered by a refusal drawn from ``evaluation.REFUSALS``, each
    benign request answered by the model's own earlier answer (so benign behaviour is kept). The
    adapter is then merged into the weights. The refusal is taught at the start of the answer
    only, as in the shallow alignment that Qi et al. (2024, ``qi2024shallow``) describe.

    Parameters
    ----------
    model, tokenizer
        From :func:`~inloop.redflag.llm.load_smollm2`; ``model`` is modified in place.
    harmful_prompts, benign_prompts : list of str
    benign_answers : list of str
        One answer per benign prompt (the model's own, from
        :func:`~inloop.redflag.llm.generate_conversations`).
    lora : LoraSettings
        Rank and layers of the alignment adapter.
    steps, lr, batch_size, seed
        Of :func:`~inloop.redflag.lora.train_language_modelling`.
    benign_repeats : int
        Copies of each benign example, to balance a larger set of refusals.
    trunk : FrozenTrunk, optional
        Serves the layers below the adapter (:class:`~inloop.redflag.trunk.FrozenTrunk`).

    Returns
    -------
    aligned : transformers.PreTrainedModel
        The model with the alignment merged into its weights, in evaluation mode.
    losses : list of float
        The training loss at every step.
    """
    if not harmful_prompts or not benign_prompts:
        raise ValueError("the alignment needs at least one harmful and one benign prompt.")
    check_positive_int(benign_repeats, "benign_repeats")
    refusals = as_generator(seed).choice(len(REFUSALS), size=len(harmful_prompts))
    examples = teacher_forced_conversations(
        tokenizer,
        harmful_prompts + list(benign_prompts) * benign_repeats,
        [REFUSALS[i] for i in refusals] + list(benign_answers) * benign_repeats,
    )
    adapted = attach_lora(model, None, lora, seed=seed)
    losses = train_language_modelling(
        adapted, examples, steps, lr, batch_size, seed=seed, trunk=trunk
    )
    aligned = adapted.merge_and_unload()
    aligned.eval()
    return aligned, losses
