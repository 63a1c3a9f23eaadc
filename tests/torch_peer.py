"""Running one test body on diffkit and on PyTorch: the same code, since diffkit keeps torch's names.

A test takes ``lib`` (parametrized with :data:`LIBS`), calls ``use(lib)`` to get
the module (``torch`` is imported there, so the torch run skips where torch is
not installed and the diffkit run still asserts its closed forms), writes its
scenario against ``lib`` and asserts values. ``diffkit.GradientError`` is a
``RuntimeError``, as torch's autograd errors are, so ``pytest.raises(RuntimeError)``
checks both.
"""

import numpy as np
import pytest

import diffkit as dk

LIBS = [pytest.param("diffkit", id="diffkit"), pytest.param("torch", id="torch")]


def use(name):
    """The library a parametrized test runs on: diffkit, or torch (skipped if absent)."""
    if name == "torch":
        torch = pytest.importorskip("torch")
        torch.manual_seed(0)
        return torch
    return dk


def arr(t):
    """A tensor's values as a float64 NumPy array (either library)."""
    return np.asarray(t.detach().cpu().numpy() if hasattr(t, "cpu") else t.detach().numpy(), dtype=np.float64)


def data(*shape, seed=0):
    """Reproducible float64 values for both libraries (neither's own generator)."""
    return np.random.default_rng(seed).standard_normal(shape)


def t(lib, values, requires_grad=False):
    """``lib.tensor`` of float64 ``values``."""
    return lib.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)
