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
from inloop.redflag.experiments import ChapterRun, split_by_prompt
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
    with pytest.raises(ValueError, match="llm_device"):
        ChapterRun(llm_device="gpu")
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
    original, flag = base
    model, _ = defended
    harmful, _ = toy_data
    separate = finetune_attack(
        model,
        original,
        harmful.select(slice(0, 8)),
        "separate",
        flag,
        steps=3,
        lr=1e-3,
        defence_settings=LoraSettings(rank=4),
    )
    merged = finetune_attack(
        model,
        original,
        harmful.select(slice(0, 8)),
        "merged",
        flag,
        steps=3,
        lr=1e-3,
        defence_settings=LoraSettings(rank=4),
    )
    probe = harmful.select(slice(8, 24))
    for attacked in (separate, merged):
        assert (
            flag_probabilities(attacked, probe, flag).shape
            == flag_probabilities(model, probe, flag).shape
        )
    with pytest.raises(ValueError, match="mode"):
        finetune_attack(model, original, harmful, "both", flag)


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
    from inloop.redflag.exercises import check_insert_flag, check_max_flag_score

    assert check_insert_flag(insert_flag)
    with pytest.raises(AssertionError, match="placement|once"):
        check_insert_flag(lambda t, p, f: insert_flag(t, p + 1, f))
    assert check_max_flag_score(max_flag_score)
    with pytest.raises(AssertionError, match="prefilled"):
        check_max_flag_score(lambda q, s: max_flag_score(q, 0))


# -- the real model -----------------------------------------------------------------------------------------
def test_real_llm_expands_and_takes_a_training_step():
    """Loads SmolLM2-135M-Instruct offline, expands its vocabulary and runs one step of (5.2)."""
    from inloop.redflag.llm import (
        chat_prefix,
        generate_conversations,
        load_smollm2,
        prefill_lengths,
        request_in_answer,
        silence_known_warnings,
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
    for i, (prompt, text) in enumerate(zip(prompts, prefills)):
        head = tokenizer(chat_prefix(prompt), add_special_tokens=False)["input_ids"]
        prefilled = tokenizer(text, add_special_tokens=False)["input_ids"]
        start = int(rows.response_start[i])
        assert start == len(head) and rows.tokens[i, :start].tolist() == head
        assert rows.tokens[i, start : start + int(written[i])].tolist() == prefilled
        assert 1 <= int(rows.response_length[i]) - int(written[i]) <= 3
    with pytest.raises(ValueError, match="one per prompt"):
        generate_conversations(model, tokenizer, prompts, prefill=["Sure,"], max_new_tokens=2)
