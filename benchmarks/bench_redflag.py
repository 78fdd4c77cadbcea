"""Chapter 5 timings: vectorised flag insertion, and where the flag row's gradient flows."""

from __future__ import annotations

import time

import torch
from inloop.redflag.objective import insert_flag


def _loop_insert(tokens: torch.Tensor, position: torch.Tensor, flag_id: int) -> torch.Tensor:
    rows = []
    for row, where in zip(tokens.tolist(), position.tolist(), strict=True):
        rows.append(row[:where] + [flag_id] + row[where:])
    return torch.tensor(rows)


def _time(function, *args, repeat: int = 5):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - start)
    return result, best


def cases() -> list[dict]:
    generator = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, 49152, (16384, 128), generator=generator)
    position = torch.randint(0, 129, (16384,), generator=generator)
    fast, fast_seconds = _time(insert_flag, tokens, position, 49152)
    slow, slow_seconds = _time(_loop_insert, tokens, position, 49152)
    return [
        {
            "case": "insert the flag into 16384 sequences of 128 tokens",
            "method": "insert_flag (gather + where)",
            "method_seconds": fast_seconds,
            "baseline": "Python loop over rows",
            "baseline_seconds": slow_seconds,
            "agreement": "identical" if torch.equal(fast, slow) else "DIFFERENT",
        },
        _logistic_case(),
        _training_step_case(),
        _trunk_case(),
    ]


def _logistic_case() -> dict:
    """The embedding classifiers' fit: Newton on LogisticLoss against a torch L-BFGS loop."""
    import numpy as np
    from inloop.redflag.baselines import fit_logistic_regression
    from torch.nn import functional as F

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 384)) / np.sqrt(384)
    y = (x @ rng.normal(size=384) + 0.3 * rng.normal(size=400) > 0).astype(float)

    def lbfgs(features, labels, l2=1e-2):
        design = torch.as_tensor(np.hstack([features, np.ones((len(features), 1))]))
        weights = torch.zeros(design.shape[1], dtype=torch.float64, requires_grad=True)
        optimiser = torch.optim.LBFGS(
            [weights], max_iter=500, tolerance_grad=1e-10, line_search_fn="strong_wolfe"
        )

        def closure():
            optimiser.zero_grad()
            loss = F.binary_cross_entropy_with_logits(design @ weights, torch.as_tensor(labels))
            loss = loss + 0.5 * l2 * weights[:-1].square().sum()
            loss.backward()
            return loss

        optimiser.step(closure)
        return weights.detach().numpy()

    newton_w, newton_seconds = _time(fit_logistic_regression, x, y, 1e-2)
    lbfgs_w, lbfgs_seconds = _time(lbfgs, x, y)
    return {
        "case": "ridge logistic regression on 400 x 384 embeddings (the judge and classifiers)",
        "method": "Newton on inloop.performative.LogisticLoss",
        "method_seconds": newton_seconds,
        "baseline": "torch L-BFGS (strong Wolfe)",
        "baseline_seconds": lbfgs_seconds,
        "agreement": f"max weight difference {np.abs(newton_w - lbfgs_w).max():.1e}",
    }


def _training_step_case() -> dict:
    """LoRA training of (5.2) on SmolLM2-135M: the flag row learnt through the head only, or through both ends."""
    import copy

    from inloop.data.prompts import load_harmbench
    from inloop.redflag import (
        LoraSettings,
        TrainSettings,
        attach_lora,
        expand_vocabulary,
        train_red_flag,
    )
    from inloop.redflag.benign import benign_prompts
    from inloop.redflag.llm import generate_conversations, load_smollm2, silence_known_warnings

    silence_known_warnings()
    model, tokenizer = load_smollm2()
    flag = expand_vocabulary(model)
    answer = dict(prefill="Sure, here is", max_new_tokens=16)
    harmful, _ = generate_conversations(
        model, tokenizer, load_harmbench()[:16], harmful=True, **answer
    )
    benign, _ = generate_conversations(model, tokenizer, benign_prompts()[:16], **answer)
    settings = TrainSettings(steps=6, batch_size=4, lr=1e-3, flag_lr=5e-3)
    seconds, losses = {}, {}
    for name in ("head only", "both ends"):
        defended = attach_lora(
            copy.deepcopy(model), flag, LoraSettings(layers=(24, 25, 26, 27, 28, 29))
        )
        if (
            name == "both ends"
        ):  # undo the book's choice: let gradients flow back through the input embeddings
            defended.get_input_embeddings()._forward_hooks.clear()
        start = time.perf_counter()
        history = train_red_flag(defended, harmful, benign, flag, settings)
        seconds[name], losses[name] = time.perf_counter() - start, history[-1]["flag"]
    return {
        "case": "SmolLM2-135M, 6 LoRA steps of (5.2) on the top 6 layers, batch 4 + 4",
        "method": "flag row learnt through the head (inputs detached)",
        "method_seconds": seconds["head only"],
        "baseline": "gradient through the input embeddings as well",
        "baseline_seconds": seconds["both ends"],
        "agreement": f"last flag loss {losses['head only']:.2f} vs {losses['both ends']:.2f}",
    }


def _trunk_case() -> dict:
    """Reading the flag from three models that share their lower 24 layers, with and without the trunk."""
    import copy

    from inloop.data.prompts import load_harmbench
    from inloop.redflag import LoraSettings, attach_lora, expand_vocabulary, flag_probabilities
    from inloop.redflag.llm import generate_conversations, load_smollm2, silence_known_warnings
    from inloop.redflag.trunk import FrozenTrunk

    silence_known_warnings()
    model, tokenizer = load_smollm2()
    conversations, _ = generate_conversations(
        model, tokenizer, load_harmbench()[:32], prefill="Sure, here is", max_new_tokens=48
    )
    flag = expand_vocabulary(model)
    layers = LoraSettings(layers=(24, 25, 26, 27, 28, 29))
    models = [attach_lora(copy.deepcopy(model), flag, layers, seed=seed) for seed in range(3)]
    start = time.perf_counter()
    full = [flag_probabilities(m, conversations, flag) for m in models]
    full_seconds = time.perf_counter() - start
    start = time.perf_counter()  # the trunk's fingerprint checks and its first pass included
    trunk = FrozenTrunk(model, 24)
    shared = [flag_probabilities(m, conversations, flag, trunk=trunk) for m in models]
    trunk_seconds = time.perf_counter() - start
    gap = max((a - b).nan_to_num().abs().max().item() for a, b in zip(full, shared, strict=True))
    return {
        "case": "SmolLM2-135M, flag probabilities of 3 adapted models on 32 answers of 48 tokens",
        "method": "FrozenTrunk: lower 24 layers once, top 6 + head at the slots per model",
        "method_seconds": trunk_seconds,
        "baseline": "full forward pass per model",
        "baseline_seconds": full_seconds,
        "agreement": f"max abs difference {gap:.1e}",
    }
