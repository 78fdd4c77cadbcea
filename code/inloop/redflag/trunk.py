"""The frozen trunk: the layers below the lowest adapter, run once per conversation.

Every model that Chapter 5 builds from SmolLM2 (the original, the aligned model, the defences and
the attacked defences) carries its LoRA adapters on the same top layers, and never trains the
input embeddings of the original vocabulary. For a token sequence :math:`x` without ⟨rf⟩, the
hidden state that enters the lowest adapted layer :math:`L`,

.. math::

   h_L(x) = f_{L-1} \\circ \\dots \\circ f_0 (E x),

is therefore the same function in all of them. :class:`FrozenTrunk` computes :math:`h_L` once per
sequence and keeps it; each model then runs only its layers :math:`L, L+1, \\dots`, the final norm
and the output head, and the head only at the positions that are read. The logits equal those of
the full forward pass up to float rounding (a unit test checks it on the real model).

Sequences that contain ⟨rf⟩ (the training conversations with an inserted flag) are not cached:
the flag's embedding row is trained, so its hidden states change from step to step.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from .._checks import check_positive_int

__all__ = ["FrozenTrunk", "decoder_stack"]


def decoder_stack(model) -> nn.Module:
    """The decoder (embeddings, ``layers``, ``norm``) inside a causal LM or a peft wrapper of one."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    stack = getattr(base, "model", None)
    if stack is None or not isinstance(getattr(stack, "layers", None), nn.ModuleList):
        raise ValueError(
            f"{type(model).__name__} has no decoder with a list of layers; a FrozenTrunk needs a "
            "Hugging Face decoder-only model such as SmolLM2 (or a peft wrapper of one)."
        )
    return stack


def _layers(stack: nn.Module) -> nn.ModuleList:
    layers = stack.layers
    assert isinstance(layers, nn.ModuleList)  # checked by decoder_stack
    return layers


@contextmanager
def _only_layers(model, layers: slice, final_norm: bool) -> Iterator[nn.Module]:
    """Temporarily keep the decoder layers ``layers`` (and the final norm only if ``final_norm``)."""
    stack = decoder_stack(model)
    kept_layers, kept_norm = _layers(stack), stack.norm
    stack.layers = kept_layers[layers]
    if not final_norm:
        stack.norm = nn.Identity()
    try:
        yield stack
    finally:
        stack.layers, stack.norm = kept_layers, kept_norm


class FrozenTrunk:
    """Cache of :math:`h_L(x)`, the hidden states entering decoder layer ``layer``, per sequence.

    Parameters
    ----------
    model : torch.nn.Module
        A Hugging Face decoder-only model (or a peft wrapper of one) whose layers below ``layer``
        and whose input embeddings every model read through this trunk shares.
    layer : int
        :math:`L`, the lowest layer that any adapter of those models touches (``min`` of
        ``LoraSettings.layers``). With :math:`L = 0` (adapters on every layer) the trunk keeps
        the input embeddings :math:`Ex` only, and each model still runs its output head only at
        the positions that are read.

    Notes
    -----
    Each model passed to :meth:`logits` is checked once: its layers below :math:`L` must carry the
    same parameter names (no adapter) and values, and its embeddings of the trunk's vocabulary the
    same rows, as the model the trunk was built from; otherwise a ``ValueError`` says so. A model
    changed in place below layer :math:`L` after that check is not re-checked.
    """

    batch_size = 16  # sequences per run of the lower layers

    def __init__(self, model, layer: int):
        count = len(_layers(decoder_stack(model)))
        check_positive_int(layer, "layer", minimum=0)
        if layer >= count:
            raise ValueError(
                f"layer must lie in 0..{count - 1} (the model has {count} layers), got {layer}."
            )
        self.layer = layer
        self.vocabulary = int(model.get_input_embeddings().weight.shape[0])
        self._fingerprint = self._fingerprint_of(model)
        self._checked = weakref.WeakSet([model])
        self._hidden: dict[bytes, torch.Tensor] = {}

    def __len__(self) -> int:
        """The number of sequences whose hidden states are kept."""
        return len(self._hidden)

    @torch.no_grad()
    def _fingerprint_of(self, model) -> tuple[tuple[str, ...], torch.Tensor]:
        """Parameter names and per-tensor sums of the layers below ``layer`` and of the embeddings."""
        stack = decoder_stack(model)
        names, sums = [], []
        for number, block in enumerate(_layers(stack)[: self.layer]):
            for name, parameter in block.named_parameters():
                names.append(f"{number}.{name}")
                sums.append(parameter.detach().double().sum().cpu())
        rows = torch.arange(self.vocabulary, device=next(model.parameters()).device)
        sums.append(model.get_input_embeddings()(rows).detach().double().sum().cpu())
        return tuple(names), torch.stack(sums)

    def _check(self, model) -> None:
        if model in self._checked:
            return
        names, sums = self._fingerprint_of(model)
        if names != self._fingerprint[0]:
            raise ValueError(
                f"the model's layers below layer {self.layer} are not those of the trunk (they "
                "carry adapters or differ in structure); put adapters on layers >= "
                f"{self.layer} only, or read the model without a trunk (trunk=None)."
            )
        if not torch.equal(sums, self._fingerprint[1]):
            raise ValueError(
                f"the model's weights below layer {self.layer} differ from the trunk's; it does "
                "not share the frozen layers, so read it without a trunk (trunk=None)."
            )
        self._checked.add(model)

    @torch.no_grad()
    def hidden(self, model, tokens: torch.Tensor, ends: torch.Tensor) -> torch.Tensor:
        """(N, T, d) hidden states entering layer ``layer`` (zero past each row's ``ends[i]``).

        Row ``i`` is the sequence ``tokens[i, :ends[i]]``; sequences not seen before are run
        through the trunk of ``model`` in one batch and kept.
        """
        self._check(model)
        lengths = ends.tolist()
        rows = [tokens[i, :end] for i, end in enumerate(lengths)]
        if any(int(row.max()) >= self.vocabulary for row in rows):
            raise ValueError(
                f"a sequence holds a token id >= {self.vocabulary}, outside the trunk's vocabulary "
                "(the flag token?); sequences with a trained embedding row cannot be cached."
            )
        keys = [row.numpy().tobytes() for row in rows]
        first = {key: i for i, key in reversed(list(enumerate(keys)))}  # one row per sequence
        missing = [first[key] for key in first if key not in self._hidden]
        for start in range(0, len(missing), self.batch_size):
            self._run(model, tokens, lengths, keys, missing[start : start + self.batch_size])
        out = torch.zeros(len(rows), tokens.shape[1], self._hidden[keys[0]].shape[-1])
        for i, key in enumerate(keys):
            out[i, : lengths[i]] = self._hidden[key]
        return out

    def _run(self, model, tokens, lengths, keys, index: list[int]) -> None:
        """Run the rows ``index`` of ``tokens`` through the layers below ``layer``; keep each state."""
        width = max(lengths[i] for i in index)
        device = next(model.parameters()).device
        with _only_layers(model, slice(0, self.layer), final_norm=False) as stack:
            states = stack(input_ids=tokens[index, :width].to(device), use_cache=False)
        for i, state in zip(index, states.last_hidden_state.cpu(), strict=True):
            self._hidden[keys[i]] = state[: lengths[i]].clone()

    def logits(self, model, tokens: torch.Tensor, ends: torch.Tensor, positions=None):
        """Logits of ``model`` on ``tokens`` from the cached :math:`h_L`: (N, T, V), or (N, R, V)
        at the column indices ``positions`` (N, R) only.

        Only layers ``layer`` and above run (with gradients, when the caller trains them).
        """
        states = self.hidden(model, tokens, ends)
        device = next(model.parameters()).device
        with _only_layers(model, slice(self.layer, None), final_norm=True) as stack:
            top = stack(inputs_embeds=states.to(device), use_cache=False).last_hidden_state
        if positions is not None:
            top = top.gather(1, positions.to(device)[..., None].expand(-1, -1, top.shape[-1]))
        return model.get_output_embeddings()(top).cpu()
