"""The random generator behind dk.randn/dk.rand, parameter initialisation and dropout.

One module-level NumPy ``Generator``, reseeded by :func:`manual_seed` (also
exported as ``dk.manual_seed``), so a script that seeds once gets the same
initial weights and dropout masks on every run. Functions that draw random
numbers also take ``generator=``: a NumPy ``Generator`` or an integer seed.

Example
-------
>>> import diffkit as dk
>>> from diffkit.nn.random import default_generator
>>> _ = dk.manual_seed(0)
>>> a = default_generator().random()
>>> _ = dk.manual_seed(0)
>>> a == default_generator().random()
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentTypeError

__all__ = ["manual_seed", "default_generator", "resolve_generator", "initial_seed"]

# PyTorch's default generator also starts from a fixed seed, so an unseeded
# script is reproducible too.
_INITIAL_SEED = 67280421310721
_STATE = {"seed": _INITIAL_SEED, "rng": np.random.default_rng(_INITIAL_SEED)}


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator used by ``nn.init``, ``nn.Linear`` and ``nn.Dropout``; returns it.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import nn
    >>> _ = dk.manual_seed(3); w1 = nn.Linear(2, 2).weight.numpy().copy()
    >>> _ = dk.manual_seed(3); w2 = nn.Linear(2, 2).weight.numpy().copy()
    >>> bool((w1 == w2).all())
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ArgumentTypeError(f"manual_seed expects an integer seed, got {seed!r}")
    _STATE["seed"] = int(seed)
    _STATE["rng"] = np.random.default_rng(int(seed))
    return _STATE["rng"]


def initial_seed() -> int:
    """The seed the default generator was last seeded with.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.nn.random import initial_seed
    >>> _ = dk.manual_seed(5); initial_seed()
    5
    """
    return _STATE["seed"]


def default_generator() -> np.random.Generator:
    """The module-level generator (reseeded by :func:`manual_seed`).

    Example
    -------
    >>> from diffkit.nn.random import default_generator
    >>> import numpy as np
    >>> isinstance(default_generator(), np.random.Generator)
    True
    """
    return _STATE["rng"]


def resolve_generator(generator: Any = None) -> np.random.Generator:
    """``None`` -> the default generator; an int -> a fresh generator with that seed; a Generator as is.

    Example
    -------
    >>> from diffkit.nn.random import resolve_generator
    >>> float(resolve_generator(1).random()) == float(resolve_generator(1).random())
    True
    """
    if generator is None:
        return _STATE["rng"]
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, int | np.integer) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise ArgumentTypeError(f"generator must be None, an integer seed or a numpy.random.Generator, got {generator!r}")
