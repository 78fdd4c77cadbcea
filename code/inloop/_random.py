"""The book's one randomness convention.

Library code never seeds a global random state. A function that draws random numbers takes a
``seed``, which may be an ``int``, ``None`` or a ready generator, and turns it into a generator here:

- :func:`as_generator` for NumPy (``numpy.random.Generator``);
- :func:`torch_generator` for PyTorch (``torch.Generator``);
- :func:`seeded_torch` for the one case where PyTorch offers no generator argument, the default
  initialisation of ``torch.nn`` layers: it seeds a *forked* global state and restores the
  caller's state on exit, so nothing outside the block is affected.

Two rules compared in a chapter therefore see the same noise when they are given the same seed,
whatever order they run in.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

SeedLike = int | np.integer | np.random.Generator | None
"""What a ``seed`` argument accepts: an int, ``None`` (fresh entropy) or a NumPy generator."""


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Return ``seed`` if it is a NumPy ``Generator``, else ``numpy.random.default_rng(seed)``.

    Parameters
    ----------
    seed : int, None or numpy.random.Generator
        A generator is returned as is (its state is shared with the caller); an int or ``None``
        seeds a new one.

    Returns
    -------
    numpy.random.Generator
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        if seed is not None and int(seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}.")
        return np.random.default_rng(seed)
    raise ValueError(f"seed must be an int, None or a numpy.random.Generator; got {seed!r}.")


def spawn_generators(seed: SeedLike, count: int) -> list[np.random.Generator]:
    """``count`` independent generators derived from ``seed`` (one per run or repetition)."""
    if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}.")
    return list(as_generator(seed).spawn(int(count)))


def torch_generator(
    seed: int | torch.Generator | None, device: str | torch.device = "cpu"
) -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded with ``seed`` (a generator is returned as is)."""
    import torch

    if isinstance(seed, torch.Generator):
        return seed
    generator = torch.Generator(device=device)
    if seed is None:
        generator.seed()
        return generator
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            f"seed must be a non-negative int, None or a torch.Generator; got {seed!r}."
        )
    return generator.manual_seed(int(seed))


@contextlib.contextmanager
def seeded_torch(seed: int) -> Iterator[None]:
    """Run a block with PyTorch's global generator seeded, then restore the caller's state.

    For the default initialisation of ``torch.nn`` layers, which takes no generator. Outside the
    block the global state is exactly what it was before.
    """
    import torch

    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}.")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        yield
