"""Red flag tokens (Chapter 5): teaching a language model to flag its own harmful output.

One implementation serves both the toy transformer (:mod:`.toy`) and a Hugging Face causal LM
(:mod:`.llm`): vocabulary expansion (:mod:`.vocab`), the objective (:mod:`.objective`), LoRA
fine-tuning through peft (:mod:`.lora`), detection (:mod:`.detection`), attacks (:mod:`.attacks`)
and the external prompt-classifier baseline (:mod:`.baselines`).
"""

import warnings

# tqdm.auto (imported by peft and transformers) warns inside Jupyter when ipywidgets is missing; the
# book shows no progress bars, so this one message is silenced and nothing else.
warnings.filterwarnings("ignore", message="IProgress not found")

from .attacks import finetune_attack, prefill, sampling_attack_success
from .detection import (
    auroc,
    detection_curve,
    flag_probabilities,
    hard_filter,
    max_flag_score,
    threshold_at_false_positive_rate,
)
from .lora import LoraSettings, TrainSettings, attach_lora, train_language_modelling, train_red_flag
from .objective import (
    Conversations,
    ObjectiveWeights,
    insert_flag,
    red_flag_loss,
    reference_log_probs,
)
from .toy import ToyLM, ToyWorld, toy_conversations, train_toy_lm
from .vocab import expand_vocabulary

__all__ = [
    "Conversations",
    "LoraSettings",
    "ObjectiveWeights",
    "ToyLM",
    "ToyWorld",
    "TrainSettings",
    "attach_lora",
    "auroc",
    "detection_curve",
    "expand_vocabulary",
    "finetune_attack",
    "flag_probabilities",
    "hard_filter",
    "insert_flag",
    "max_flag_score",
    "prefill",
    "red_flag_loss",
    "reference_log_probs",
    "sampling_attack_success",
    "threshold_at_false_positive_rate",
    "toy_conversations",
    "train_language_modelling",
    "train_red_flag",
    "train_toy_lm",
]
