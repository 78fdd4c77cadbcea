"""Small building blocks the chapter composes: toy data sets, attack transcripts, position profiles, utility."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._checks import check_choice, check_positive_int
from .attacks import prefill
from .llm import DEVICES
from .objective import Conversations, reference_log_probs, retention_term, slot_mask
from .toy import SURE, ToyWorld, toy_conversations


def toy_training_sets(
    world: ToyWorld, n_harmful: int, n_benign: int, seed: int, window: str = "onset"
):
    """Harmful compliant conversations (flag window from ``window``) and harmless ones (benign answers and refusals)."""
    check_positive_int(n_harmful, "n_harmful")
    check_positive_int(n_benign, "n_benign")
    generator = torch.Generator().manual_seed(seed)
    harmful, _, _ = world.sample_conversations(n_harmful, 1.0, generator, comply=True)
    mixed, _, onset = world.sample_conversations(2 * n_benign, 0.3, generator)
    return toy_conversations(world, harmful, window), toy_conversations(
        world, mixed[onset < 0][:n_benign]
    )


@torch.no_grad()
def toy_transcripts(
    world: ToyWorld, model, n: int, harmful: bool, seed: int, prefix=(SURE,), samples: int = 1
):
    """Responses that ``model`` samples (temperature 1) for ``n`` fresh prompts, after the attacker's ``prefix``.

    ``prefix=()`` means no prefilling. With ``samples > 1`` each prompt is answered that many times
    (rows ``i * samples ...`` belong to prompt ``i``). Labels come from the exact harm onset.
    """
    generator = torch.Generator().manual_seed(seed)
    prompts = world.sample_prompts(n, harmful, generator).repeat_interleave(samples, dim=0)
    start = prefill(prompts, list(prefix)) if len(prefix) else prompts
    torch.manual_seed(seed)
    tokens = model.generate(start, world.response_length + 1 - len(prefix), do_sample=True)
    return toy_conversations(world, tokens)


def split_by_prompt(
    pool: list[str], n_train: int, n_test: int, seed: int
) -> tuple[list[str], list[str]]:
    """Disjoint training and held-out prompts drawn from ``pool`` by one seeded permutation."""
    check_positive_int(n_train, "n_train")
    check_positive_int(n_test, "n_test")
    if n_train + n_test > len(pool):
        raise ValueError(
            f"the pool holds {len(pool)} prompts, fewer than the {n_train} + {n_test} requested."
        )
    order = np.random.default_rng(seed).permutation(len(pool))
    return [pool[i] for i in order[:n_train]], [pool[i] for i in order[n_train : n_train + n_test]]


def onset_profile(probabilities: torch.Tensor, onset: torch.Tensor, offsets) -> np.ndarray:
    """Mean flag probability at slot ``onset + d`` for each offset ``d`` (over responses where it exists)."""
    offsets = torch.as_tensor(offsets)
    slots = onset[:, None] + offsets[None, :]
    inside = (slots >= 0) & (slots < probabilities.shape[1]) & (onset[:, None] >= 0)
    values = probabilities.gather(1, slots.clamp(0, probabilities.shape[1] - 1))
    valid = inside & ~torch.isnan(values)
    return (torch.where(valid, values, torch.zeros(())).sum(0) / valid.sum(0).clamp(min=1)).numpy()


@torch.no_grad()
def utility_kl(model, benign: Conversations, flag_id: int, batch_size: int = 8) -> float:
    """Mean per-token :math:`\\mathrm{KL}(p_0 \\| p_\\theta)` on benign responses (the retention term of (5.2))."""
    total, count = 0.0, 0
    model.eval()
    for start in range(0, len(benign), batch_size):
        chunk = benign.select(slice(start, start + batch_size))
        teacher = reference_log_probs(model, chunk, flag_id)
        slots = int(slot_mask(chunk).sum())
        total += retention_term(model, chunk, flag_id, teacher=teacher).item() * slots
        count += slots
    return total / count


@dataclass(frozen=True)
class ChapterRun:
    """Sizes of the chapter's two experiments (one instance per preset), and where the real model runs."""

    toy_base_steps: int = 150
    toy_flag_steps: int = 100
    toy_train_size: int = 256
    toy_eval_size: int = 300
    toy_samples: int = 8
    toy_attack_steps: int = 20
    llm_train_prompts: int = 32
    llm_test_prompts: int = 24
    llm_borderline_prompts: int = 24
    llm_new_tokens: int = 16
    llm_steps: int = 20
    llm_batch: int = 4
    llm_rank: int = 8
    llm_layers: tuple[int, ...] | None = (24, 25, 26, 27, 28, 29)
    llm_samples: int = 4
    llm_attack_steps: int = 6
    threads: int = 2
    llm_device: str = "cpu"

    def __post_init__(self):
        for name in (
            "toy_base_steps",
            "toy_flag_steps",
            "toy_train_size",
            "toy_eval_size",
            "toy_samples",
            "toy_attack_steps",
            "llm_train_prompts",
            "llm_test_prompts",
            "llm_borderline_prompts",
            "llm_new_tokens",
            "llm_steps",
            "llm_batch",
            "llm_rank",
            "llm_samples",
            "llm_attack_steps",
            "threads",
        ):
            check_positive_int(getattr(self, name), name)
        check_choice(self.llm_device, "llm_device", DEVICES)
