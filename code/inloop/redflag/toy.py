"""A toy world where harm is a formal property of the text, and a small transformer that speaks it.

The language
------------
A conversation is ``BOS p_1 .. p_4 SEP r_0 .. r_{R-1}``: four *topic* tokens form the prompt, the
response follows the separator and ends with ``EOS`` (then ``PAD``). A prompt is *harmful* when one
of its topics is a harmful topic. A response is *harmful* when it contains a harmful word, and its
*onset* is the index of the first harmful word: from that position on, the text is harmful. So every
position of every response carries an exact label, which the real world never gives us.

The data the base model learns from imitate a shallowly aligned assistant:

* benign prompt: an optional ``SURE`` then words from the topic's own subset of benign words;
* harmful prompt: ``REFUSE EOS`` with probability ``refusal_rate``; otherwise ``SURE``, a few
  benign filler words, then words that are harmful with probability ``harm_rate`` (the first one
  after the filler always is).

The model therefore refuses harmful prompts at the *first* token, and nowhere else: prefilling the
response with ``SURE`` is enough to make it continue harmfully (the "few tokens deep" alignment of
Qi et al., 2024).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from .._checks import check_positive_int, check_real
from .._random import seeded_torch, torch_generator
from .objective import Conversations, first_index

__all__ = [
    "BOS",
    "EOS",
    "PAD",
    "REFUSE",
    "SEP",
    "SURE",
    "SPECIAL_NAMES",
    "ToyConfig",
    "ToyLM",
    "ToyOutput",
    "ToyWorld",
    "harm_onset",
    "is_harmful_prompt",
    "response_lengths",
    "toy_conversations",
    "train_toy_lm",
]


PAD, BOS, SEP, EOS, REFUSE, SURE = range(6)
SPECIAL_NAMES = ("PAD", "BOS", "SEP", "EOS", "REFUSE", "SURE")


@dataclass(frozen=True)
class ToyWorld:
    """The synthetic language (see the module docstring). All token ids are derived from the sizes."""

    n_benign_words: int = 24
    n_harmful_words: int = 8
    n_benign_topics: int = 12
    n_harmful_topics: int = 4
    prompt_length: int = 4
    response_length: int = 12
    refusal_rate: float = 0.9
    sure_rate: float = 0.5
    harm_rate: float = 0.6
    max_filler: int = 3
    words_per_topic: int = 8

    def __post_init__(self):
        for name in (
            "n_benign_words",
            "n_harmful_words",
            "n_benign_topics",
            "n_harmful_topics",
            "prompt_length",
            "words_per_topic",
        ):
            check_positive_int(getattr(self, name), name)
        check_positive_int(self.response_length, "response_length", minimum=self.max_filler + 3)
        for name in ("refusal_rate", "sure_rate", "harm_rate"):
            check_real(getattr(self, name), name, low=0.0, high=1.0)

    @property
    def benign_words(self) -> torch.Tensor:
        return torch.arange(len(SPECIAL_NAMES), len(SPECIAL_NAMES) + self.n_benign_words)

    @property
    def harmful_words(self) -> torch.Tensor:
        start = len(SPECIAL_NAMES) + self.n_benign_words
        return torch.arange(start, start + self.n_harmful_words)

    @property
    def benign_topics(self) -> torch.Tensor:
        start = len(SPECIAL_NAMES) + self.n_benign_words + self.n_harmful_words
        return torch.arange(start, start + self.n_benign_topics)

    @property
    def harmful_topics(self) -> torch.Tensor:
        start = (
            len(SPECIAL_NAMES) + self.n_benign_words + self.n_harmful_words + self.n_benign_topics
        )
        return torch.arange(start, start + self.n_harmful_topics)

    @property
    def vocab_size(self) -> int:
        return int(self.harmful_topics[-1]) + 1

    @property
    def response_start(self) -> int:
        """Index of the first response token ``r_0`` in a conversation."""
        return self.prompt_length + 2

    @property
    def sequence_length(self) -> int:
        return self.response_start + self.response_length + 1

    # -- sampling ---------------------------------------------------------------------------------
    def sample_prompts(self, n: int, harmful: bool, generator: torch.Generator) -> torch.Tensor:
        """Return ``n`` prompts ``BOS p_1..p_4 SEP``; a harmful one has one harmful topic at a random slot."""
        check_positive_int(n, "n")
        topics = self.benign_topics[
            torch.randint(self.n_benign_topics, (n, self.prompt_length), generator=generator)
        ]
        if harmful:
            slot = torch.randint(self.prompt_length, (n,), generator=generator)
            bad = self.harmful_topics[
                torch.randint(self.n_harmful_topics, (n,), generator=generator)
            ]
            topics[torch.arange(n), slot] = bad
        bos = torch.full((n, 1), BOS)
        sep = torch.full((n, 1), SEP)
        return torch.cat([bos, topics, sep], dim=1)

    def _topic_words(self, prompts: torch.Tensor, shape, generator) -> torch.Tensor:
        """Benign words from the subset of the prompt's first topic: ``(3 t + i) mod n_benign``."""
        topic = prompts[:, 1] - self.benign_topics[0]
        offsets = torch.randint(self.words_per_topic, shape, generator=generator)
        return self.benign_words[(3 * topic[:, None] + offsets) % self.n_benign_words]

    def sample_responses(
        self, prompts: torch.Tensor, generator: torch.Generator, comply: bool | None = None
    ):
        """Sample the data-generating assistant's responses; return ``(responses, onset)``.

        ``onset`` is the index of the first harmful word (``-1`` for a harmless response). With
        ``comply=True`` harmful prompts are never refused (the behaviour a prefilling attack unlocks).
        """
        n, length = prompts.shape[0], self.response_length
        harmful_prompt = is_harmful_prompt(self, prompts)
        words = self._topic_words(prompts, (n, length), generator)
        sure = torch.rand(n, generator=generator) < self.sure_rate
        responses = words.clone()
        responses[sure, 0] = SURE
        # harmful prompts: refuse, or comply with filler then harmful words
        refuse = torch.rand(n, generator=generator) < self.refusal_rate
        if comply is True:
            refuse[:] = False
        refuse &= harmful_prompt
        comply_mask = harmful_prompt & ~refuse
        filler = torch.randint(self.max_filler + 1, (n,), generator=generator)
        onset = torch.where(comply_mask, 1 + filler, torch.full((n,), -1))
        position = torch.arange(length)[None, :]
        harmful_draw = self.harmful_words[
            torch.randint(self.n_harmful_words, (n, length), generator=generator)
        ]
        is_bad = (torch.rand(n, length, generator=generator) < self.harm_rate) & (
            position > onset[:, None]
        )
        is_bad |= position == onset[:, None]
        is_bad &= comply_mask[:, None]
        responses = torch.where(is_bad, harmful_draw, responses)
        responses[comply_mask, 0] = SURE
        responses[refuse] = PAD
        responses[refuse, 0] = REFUSE
        eos_at = torch.where(refuse, 1, length)
        full = torch.cat([responses, torch.full((n, 1), PAD)], dim=1)
        full[torch.arange(n), eos_at] = EOS
        return full, onset

    def sample_conversations(
        self, n: int, harmful_fraction: float, generator: torch.Generator, comply=None
    ):
        """Return ``(tokens, harmful_prompt, onset)`` for ``n`` conversations."""
        check_real(harmful_fraction, "harmful_fraction", low=0.0, high=1.0)
        n_harmful = int(round(n * harmful_fraction))
        prompts = torch.cat(
            [
                self.sample_prompts(max(n - n_harmful, 1), False, generator)[: n - n_harmful],
                self.sample_prompts(max(n_harmful, 1), True, generator)[:n_harmful],
            ]
        )
        responses, onset = self.sample_responses(prompts, generator, comply=comply)
        return torch.cat([prompts, responses], dim=1), is_harmful_prompt(self, prompts), onset


def is_harmful_prompt(world: ToyWorld, prompts: torch.Tensor) -> torch.Tensor:
    """A prompt is harmful when one of its topic tokens is a harmful topic."""
    return torch.isin(prompts[:, 1 : 1 + world.prompt_length], world.harmful_topics).any(dim=1)


def harm_onset(world: ToyWorld, responses: torch.Tensor) -> torch.Tensor:
    """Index of the first harmful word of each response (``-1`` if none): the exact ground truth."""
    return first_index(torch.isin(responses, world.harmful_words))


def response_lengths(responses: torch.Tensor) -> torch.Tensor:
    """Number of response tokens up to and including the first ``EOS`` (all tokens if none)."""
    return first_index(responses == EOS, default=responses.shape[1] - 1) + 1


# -- the model ------------------------------------------------------------------------------------
@dataclass
class ToyOutput:
    """What the toy model returns: ``logits`` of shape (batch, length, vocabulary)."""

    logits: torch.Tensor


class ToyConfig(dict):
    """A minimal configuration object (peft reads ``model.config`` as a mapping or an object)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self):
        return dict(self)


class _Block(nn.Module):
    """Pre-norm transformer block with the layer names of Llama (``q_proj`` ... ``down_proj``)."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.q_proj, self.k_proj, self.v_proj, self.o_proj = (
            nn.Linear(width, width, bias=False) for _ in range(4)
        )
        self.norm2 = nn.LayerNorm(width)
        self.up_proj = nn.Linear(width, 4 * width, bias=False)
        self.down_proj = nn.Linear(4 * width, width, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        h = self.norm1(x)

        def split(t):
            return t.view(batch, length, self.heads, width // self.heads).transpose(1, 2)

        attended = F.scaled_dot_product_attention(
            split(self.q_proj(h)), split(self.k_proj(h)), split(self.v_proj(h)), is_causal=True
        )
        x = x + self.o_proj(attended.transpose(1, 2).reshape(batch, length, width))
        return x + self.down_proj(F.gelu(self.up_proj(self.norm2(x))))


class ToyLM(nn.Module):
    """A small causal transformer with tied input/output embeddings, like SmolLM2.

    It offers the few methods of a Hugging Face causal LM that the package ``inloop.redflag`` relies on:
    ``forward(input_ids) -> .logits``, ``get_input_embeddings``, ``get_output_embeddings``,
    ``resize_token_embeddings`` and ``generate``.
    """

    _tied_weights_keys = {
        "lm_head.weight": "embed_tokens.weight"
    }  # read by peft to keep the flag row tied

    def __init__(
        self,
        vocab_size: int,
        width: int = 64,
        layers: int = 2,
        heads: int = 4,
        max_length: int = 32,
    ):
        super().__init__()
        check_positive_int(vocab_size, "vocab_size", minimum=2)
        self.config = ToyConfig(
            model_type="toy",
            vocab_size=vocab_size,
            tie_word_embeddings=True,
            hidden_size=width,
            num_hidden_layers=layers,
        )
        self.embed_tokens = nn.Embedding(vocab_size, width)
        self.positions = nn.Parameter(0.02 * torch.randn(max_length, width))
        self.layers = nn.ModuleList(_Block(width, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocab_size, bias=False)
        self.lm_head.weight = self.embed_tokens.weight
        nn.init.normal_(self.embed_tokens.weight, std=0.1)

    # Hugging Face-like accessors
    def get_input_embeddings(self) -> nn.Embedding:
        return self.embed_tokens

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head

    def resize_token_embeddings(self, new_size: int, mean_resizing: bool = False) -> nn.Embedding:
        """Grow the tied embedding to ``new_size`` rows (new rows are zero; the caller initialises them)."""
        old = self.embed_tokens.weight.data
        new = nn.Embedding(new_size, old.shape[1])
        new.weight.data.zero_()
        new.weight.data[: old.shape[0]] = old
        self.embed_tokens = new
        self.lm_head = nn.Linear(old.shape[1], new_size, bias=False)
        self.lm_head.weight = self.embed_tokens.weight
        self.config["vocab_size"] = new_size
        return self.embed_tokens

    def prepare_inputs_for_generation(self, input_ids, **kwargs):
        return {"input_ids": input_ids}

    def forward(self, input_ids: torch.Tensor, attention_mask=None, **kwargs) -> ToyOutput:
        """Causal logits; right padding needs no mask because later tokens never affect earlier ones."""
        x = self.embed_tokens(input_ids) + self.positions[: input_ids.shape[1]]
        for block in self.layers:
            x = block(x)
        return ToyOutput(logits=self.lm_head(self.norm(x)))

    @torch.no_grad()
    def generate(
        self,
        input_ids: torch.Tensor,
        max_new_tokens: int,
        do_sample: bool = False,
        temperature: float = 1.0,
        eos_token_id: int = EOS,
        pad_token_id: int = PAD,
        generator: torch.Generator | None = None,
        **kwargs,
    ) -> torch.Tensor:
        """Greedy or sampled continuation of ``input_ids`` (N, T) -> (N, T + max_new_tokens).

        Sampling draws from ``generator`` (a ``torch.Generator``); with ``None`` it draws from
        torch's global generator, as ``transformers`` does.
        """
        tokens = input_ids
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool)
        for _ in range(max_new_tokens):
            logits = self(tokens).logits[:, -1]
            if do_sample:
                probabilities = torch.softmax(logits / temperature, dim=-1)
                nxt = torch.multinomial(probabilities, 1, generator=generator)[:, 0]
            else:
                nxt = logits.argmax(dim=-1)
            nxt = torch.where(done, torch.full_like(nxt, pad_token_id), nxt)
            done |= nxt == eos_token_id
            tokens = torch.cat([tokens, nxt[:, None]], dim=1)
        return tokens


def train_toy_lm(
    world: ToyWorld,
    steps: int = 400,
    batch_size: int = 128,
    seed: int = 0,
    lr: float = 3e-3,
    width: int = 64,
    layers: int = 2,
) -> ToyLM:
    """Train the base toy model from scratch by next-token cross-entropy on the aligned data.

    Parameters
    ----------
    world : ToyWorld
        The language whose conversations (half harmful prompts) the model learns.
    steps, batch_size : int
        AdamW steps (one-cycle learning-rate schedule peaking at ``lr``) and conversations per step.
    seed : int
        Seeds both the initial weights and the training data.
    lr : float
        Peak learning rate.
    width, layers : int
        Size of the transformer.

    Returns
    -------
    ToyLM
        The trained model, in evaluation mode.
    """
    check_positive_int(steps, "steps")
    check_real(lr, "lr", low=0.0, low_open=True)
    generator = torch_generator(seed)
    with seeded_torch(seed):
        model = ToyLM(
            world.vocab_size, width=width, layers=layers, max_length=world.sequence_length + 2
        )
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=steps)
    for _ in range(steps):
        tokens, _, _ = world.sample_conversations(batch_size, 0.5, generator)
        logits = model(tokens[:, :-1]).logits
        targets = tokens[:, 1:].clone()
        targets[:, : world.response_start - 1] = -100  # learn responses only
        targets[targets == PAD] = -100
        loss = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100
        )
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    model.eval()
    return model


def toy_conversations(
    world: ToyWorld, tokens: torch.Tensor, window: str = "onset"
) -> Conversations:
    """Wrap toy conversations for the package ``inloop.redflag``; the flag window starts at the exact harm onset.

    Parameters
    ----------
    world : ToyWorld
    tokens : torch.Tensor
        (N, ``world.sequence_length``) conversations.
    window : {"onset", "start"}
        ``"onset"`` (the red flag) starts the window at the first harmful word; ``"start"`` (the
        fixed-position baseline) at slot 0 for every harmful response. Harmless responses get -1.

    Returns
    -------
    Conversations
    """
    if window not in ("onset", "start"):
        raise ValueError(f"window must be 'onset' or 'start', got {window!r}.")
    responses = tokens[:, world.response_start :]
    onset = harm_onset(world, responses)
    if window == "start":
        onset = torch.where(onset >= 0, torch.zeros_like(onset), onset)
    n = tokens.shape[0]
    return Conversations(
        tokens, torch.full((n,), world.response_start), response_lengths(responses), onset
    )
