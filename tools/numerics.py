"""A fingerprint of how this machine rounds: which float kernels NumPy, SciPy and PyTorch pick here.

Different processors (AVX2 or AVX-512, Intel or AMD) make the same libraries pick different
vectorised kernels, which sum in different orders and so round differently. A long float32
computation, such as training a language model's adapters, amplifies those last-bit differences
into different printed digits. The fingerprint runs a fixed battery of the operations the book
relies on (matrix products, convolutions, transcendental functions, reductions, a linear solve and
an L-BFGS minimisation) and hashes the exact bits of the results, with the library versions.

Two machines with the same fingerprint print the same digits; ``tools/run_notebook.py`` records
the fingerprint of the machine that produced a notebook's outputs in the notebook's metadata, and
``tools/colab_rehearsal.py`` compares it with the machine that checks them.

The fingerprint is stored in a notebook's metadata as ``{"inloop": {"numerics": ...}}``;
:func:`record` and :func:`recorded` are the only code that knows that format.

Usage: python tools/numerics.py   (prints the fingerprint)
"""

from __future__ import annotations

import hashlib

METADATA_KEY = "inloop"


def record(notebook) -> None:
    """Store this machine's fingerprint in ``notebook``'s metadata (a dict or nbformat node)."""
    notebook["metadata"][METADATA_KEY] = {"numerics": fingerprint()}


def recorded(notebook) -> str | None:
    """The fingerprint stored in ``notebook``'s metadata, if any."""
    return notebook.get("metadata", {}).get(METADATA_KEY, {}).get("numerics")


def _numpy_battery() -> list:
    import numpy as np
    from scipy import optimize, special

    rng = np.random.default_rng(0)
    a = rng.standard_normal((96, 200))
    b = rng.standard_normal((200, 72))
    square = a[:, :96] @ a[:, :96].T + np.eye(96)
    result = optimize.minimize(
        lambda w: np.logaddexp(0.0, -(a @ w) * np.sign(a[:, 0])).mean() + 1e-3 * w @ w,
        np.zeros(200),
        method="L-BFGS-B",
    )
    return [a @ b, np.linalg.solve(square, a[:, 0]), np.exp(a), special.expit(a), result.x]


def _torch_battery() -> list:
    import torch

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 576, generator=generator)
    w = torch.randn(576, 1536, generator=generator)
    images = torch.randn(4, 3, 16, 16, generator=generator)
    kernels = torch.randn(8, 3, 3, 3, generator=generator)
    outputs = [
        x @ w,
        x.double() @ w.double(),
        torch.nn.functional.conv2d(images, kernels, padding=1),
        torch.softmax(x, dim=-1),
        torch.nn.functional.silu(x),
        torch.nn.functional.layer_norm(x, (576,)),
        torch.exp(x),
        x.sum(dim=0),
    ]
    return [output.numpy() for output in outputs]


def fingerprint() -> str:
    """Twelve hex digits that change when this machine rounds the battery's operations differently."""
    import numpy as np
    import scipy
    import torch

    torch.set_num_threads(2)
    digest = hashlib.sha256()
    for version in (np.__version__, scipy.__version__, torch.__version__):
        digest.update(version.encode())
    for array in _numpy_battery() + _torch_battery():
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:12]


if __name__ == "__main__":
    print(fingerprint())
