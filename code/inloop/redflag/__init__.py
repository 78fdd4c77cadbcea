"""Red flag tokens (Chapter 5): teaching a language model to flag its own harmful output.

One implementation serves both the toy transformer (:mod:`.toy`) and a Hugging Face causal LM
(:mod:`.llm`): vocabulary expansion (:mod:`.vocab`), the objective (:mod:`.objective`), LoRA
fine-tuning through peft (:mod:`.lora`), the frozen layers shared by every adapted model
(:mod:`.trunk`), detection (:mod:`.detection`), attacks (:mod:`.attacks`),
the embedding classifiers (:mod:`.baselines`), evaluation tools (:mod:`.evaluation`), the
chapter's building blocks (:mod:`.experiments`) and its settings (:mod:`.settings`).

Importing the package has no side effect: it sets no warning filter, environment variable or
thread count (the chapter does what it needs itself).
"""

from .attacks import finetune_attack, prefill, sampling_attack_success
from .detection import (
    auroc,
    detection_curve,
    flag_probabilities,
    hard_filter,
    max_flag_score,
    threshold_at_false_positive_rate,
)
from .evaluation import (
    Rate,
    auroc_interval,
    best_of_n_success,
    detection_by_position,
    group_split,
    kmeans,
    mean_by_slot,
    near_paraphrases,
    nearest_similarity,
    no_flag_probability,
    precision_at_base_rate,
    rate,
    wilson_interval,
)
from .lora import LoraSettings, TrainSettings, attach_lora, train_language_modelling, train_red_flag
from .objective import (
    Conversations,
    ObjectiveWeights,
    first_index,
    insert_flag,
    red_flag_loss,
    reference_log_probs,
)
from .settings import RedFlagSettings
from .toy import ToyLM, ToyWorld, toy_conversations, train_toy_lm
from .vocab import expand_vocabulary

__all__ = [
    "Conversations",
    "LoraSettings",
    "ObjectiveWeights",
    "Rate",
    "RedFlagSettings",
    "ToyLM",
    "ToyWorld",
    "TrainSettings",
    "attach_lora",
    "auroc",
    "auroc_interval",
    "best_of_n_success",
    "detection_by_position",
    "detection_curve",
    "expand_vocabulary",
    "finetune_attack",
    "first_index",
    "flag_probabilities",
    "group_split",
    "hard_filter",
    "insert_flag",
    "kmeans",
    "max_flag_score",
    "mean_by_slot",
    "near_paraphrases",
    "nearest_similarity",
    "no_flag_probability",
    "precision_at_base_rate",
    "prefill",
    "rate",
    "red_flag_loss",
    "reference_log_probs",
    "sampling_attack_success",
    "threshold_at_false_positive_rate",
    "toy_conversations",
    "train_language_modelling",
    "train_red_flag",
    "train_toy_lm",
    "wilson_interval",
]
