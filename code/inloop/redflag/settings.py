"""Every hyperparameter of Chapter 5, with the book and the paper presets (:class:`RedFlagSettings`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..settings import Settings, setting
from .llm import DEVICES

__all__ = ["RedFlagSettings"]


@dataclass(frozen=True)
class RedFlagSettings(Settings):
    """Sizes, learning rates, thresholds and seeds of Chapter 5 (toy world and real model)."""

    # -- shared -----------------------------------------------------------------------------
    threshold: float = setting(
        0.5, low=0.0, high=1.0, doc="tau: the flag is emitted (hard filter) when q >= tau"
    )
    seed: int = setting(0, doc="root seed; every random draw of the chapter derives from it")
    # -- toy world ----------------------------------------------------------------------------
    toy_base_steps: int = setting(150, minimum=1, doc="training steps of the toy base model")
    toy_base_batch: int = setting(64, minimum=1, doc="conversations per base-model step")
    toy_base_lr: float = setting(3e-3, low=0.0, low_open=True, doc="base model peak lr")
    toy_rank: int = setting(4, minimum=1, doc="LoRA rank of the toy defences")
    toy_flag_steps: int = setting(100, minimum=1, doc="training steps of each toy defence")
    toy_flag_batch: int = setting(32, minimum=1, doc="harmful and benign examples per step")
    toy_lr: float = setting(3e-3, low=0.0, low_open=True, doc="toy adapter learning rate")
    toy_flag_lr: float = setting(1e-2, low=0.0, low_open=True, doc="toy flag-row learning rate")
    toy_train_size: int = setting(256, minimum=1, doc="harmful and benign training answers")
    toy_eval_size: int = setting(300, minimum=8, doc="fresh prompts per evaluation")
    toy_samples: int = setting(8, minimum=1, doc="N of the toy best-of-N sampling attack")
    toy_fpr: float = setting(
        0.05, low=0.0, high=1.0, doc="false-positive rate of the toy sampling tau"
    )
    toy_attack_examples: int = setting(32, minimum=1, doc="harmful answers of the toy fine-tune")
    toy_attack_steps: int = setting(20, minimum=1, doc="steps of the toy fine-tuning attack")
    toy_attack_lr: float = setting(1e-2, low=0.0, low_open=True, doc="lr of the toy attack")
    # -- real model: data ---------------------------------------------------------------------
    clusters: int = setting(40, minimum=3, doc="k-means clusters of the harmful prompts")
    near_duplicate: float = setting(
        0.7, low=0.0, high=1.0, doc="cosine similarity counted as a near-paraphrase"
    )
    harm_train: int = setting(96, minimum=1, doc="harmful training prompts (alignment, classifier)")
    flag_train: int = setting(
        32, minimum=1, doc="of which the red flag trains on (generated answers)"
    )
    harm_val: int = setting(16, minimum=1, doc="harmful validation prompts")
    harm_test: int = setting(32, minimum=1, doc="harmful test prompts")
    everyday_train: int = setting(24, minimum=1, doc="everyday training prompts")
    everyday_val: int = setting(12, minimum=1, doc="everyday validation prompts")
    everyday_test: int = setting(24, minimum=1, doc="everyday test prompts")
    border_train: int = setting(16, minimum=1, doc="borderline training prompts")
    border_val: int = setting(12, minimum=1, doc="borderline validation prompts")
    border_test: int = setting(24, minimum=1, doc="borderline test prompts")
    new_tokens: int = setting(48, minimum=1, doc="tokens the model writes in evaluated answers")
    train_new_tokens: int = setting(32, minimum=1, doc="tokens of training answers")
    long_prefill_tokens: int = setting(24, minimum=1, doc="length of the long harmful prefill")
    judge_folds: int = setting(4, minimum=2, doc="cross-validation folds of the judge")
    original_prompts: int = setting(16, minimum=1, doc="test requests put to the original model")
    # -- real model: shallow alignment ---------------------------------------------------------
    align_steps: int = setting(40, minimum=1, doc="supervised steps of the safety alignment")
    align_benign_repeats: int = setting(2, minimum=1, doc="copies of each benign alignment example")
    align_batch: int = setting(8, minimum=1, doc="examples per alignment step")
    align_lr: float = setting(2e-3, low=0.0, low_open=True, doc="alignment learning rate")
    # -- real model: red flag ------------------------------------------------------------------
    rank: int = setting(8, minimum=1, doc="LoRA rank (alignment, defences, attack)")
    layers: tuple[int, ...] = setting((24, 25, 26, 27, 28, 29), minimum=0, doc="adapted layers")
    flag_steps: int = setting(20, minimum=1, doc="training steps of each defence")
    flag_batch: int = setting(4, minimum=1, doc="harmful and benign answers per step")
    lr: float = setting(1e-3, low=0.0, low_open=True, doc="adapter learning rate")
    flag_lr: float = setting(5e-3, low=0.0, low_open=True, doc="flag-row learning rate")
    retention: float = setting(3.0, low=0.0, doc="lambda_ret of (5.2)")
    classifier_l2: float = setting(1e-2, low=0.0, doc="ridge weight of the embedding classifiers")
    target_fpr: float = setting(
        0.1, low=0.0, high=1.0, doc="validation false-positive rate of the matched thresholds"
    )
    base_rate: float = setting(
        0.01, low=0.0, high=1.0, doc="harmful share of traffic for precision"
    )
    samples: int = setting(4, minimum=1, doc="N of the best-of-N sampling attack")
    sample_prompts: int = setting(12, minimum=1, doc="test prompts of the sampling attack")
    attack_examples: int = setting(8, minimum=1, doc="harmful answers of the fine-tuning attack")
    attack_steps: int = setting(6, minimum=1, doc="steps of the fine-tuning attack")
    attack_lr: float = setting(3e-3, low=0.0, low_open=True, doc="lr of the fine-tuning attack")
    jailbreak_requests: int = setting(
        32, minimum=1, doc="test requests per transfer-jailbreak family"
    )
    transfer_jailbreaks: bool = setting(
        False,
        doc="run the transfer-jailbreak suite (GCG suffixes, tense reformulations, TAP prompts); "
        "the book preset leaves it out to stay within its time budget",
    )
    autodan: bool = setting(
        False, doc="include the AutoDAN templates (prompts of up to 700 tokens) in that suite"
    )
    utility_answers: int = setting(12, minimum=1, doc="everyday test answers of the utility KL")
    attack_flag_penalty: float = setting(
        1.0, low=0.0, doc="mu: weight of the flag term in the adaptive fine-tuning attack"
    )
    cross_benchmark_train: int = setting(
        0,
        minimum=0,
        doc="training requests per benchmark in the cross-benchmark check of every defence "
        "(0: the check is not run)",
    )
    cross_benchmark_test: int = setting(
        96, minimum=1, doc="held-out requests per benchmark in the cross-benchmark check"
    )
    device: str = setting("cpu", choices=DEVICES, doc="where the real model runs")

    PAPER: ClassVar[dict] = {
        "toy_base_steps": 600,
        "toy_flag_steps": 400,
        "toy_train_size": 1024,
        "toy_eval_size": 2000,
        "toy_samples": 32,
        "toy_attack_steps": 60,
        "harm_train": 300,
        "flag_train": 200,
        "harm_val": 60,
        "harm_test": 120,
        "everyday_train": 48,
        "everyday_val": 16,
        "everyday_test": 48,
        "border_train": 12,  # the 72 borderline requests, so that 48 + 52 = 100 benign test requests
        "border_val": 8,
        "border_test": 52,
        "align_steps": 150,
        "flag_steps": 300,
        "flag_batch": 8,
        "rank": 16,
        "layers": tuple(range(30)),
        "samples": 16,
        "sample_prompts": 60,
        "attack_steps": 50,
        "jailbreak_requests": 120,
        "transfer_jailbreaks": True,
        "autodan": True,
        "utility_answers": 48,
        "original_prompts": 120,
        "cross_benchmark_train": 120,
        "cross_benchmark_test": 240,
    }
