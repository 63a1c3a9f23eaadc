"""Datasets and the DataLoader, with PyTorch's names and behaviour.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> from diffkit import data
>>> ds = data.TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
>>> len(ds), ds[1][1]
(5, np.int64(1))
>>> [xb.shape for xb, yb in data.DataLoader(ds, batch_size=2)]
[(2, 2), (2, 2), (1, 2)]

The DataLoader and the samplers are in :mod:`.dataloader` and :mod:`.sampler`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ad.random import resolve_generator
from ..errors import ArgumentError, ShapeError

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "default_collate"]


class Dataset:
    """Base class: a dataset has a length and returns one sample per index.

    Example
    -------
    >>> from diffkit.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self): return 4
    ...     def __getitem__(self, i): return i, i * i
    >>> Squares()[3]
    (3, 9)
    """

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError


def _data_of(t: Any) -> Any:
    """The array behind a Tensor (or the array itself)."""
    return t.data if hasattr(t, "requires_grad") and hasattr(t, "data") else t


class TensorDataset(Dataset):
    """Samples are the i-th rows of each given array or Tensor (same first dimension).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.data import TensorDataset
    >>> ds = TensorDataset(np.zeros((3, 2)), np.ones(3))
    >>> [a.shape for a in ds[0]]
    [(2,), ()]
    """

    def __init__(self, *tensors: Any):
        if not tensors:
            raise ShapeError("TensorDataset needs at least one array or Tensor")
        sizes = [len(_data_of(t)) for t in tensors]
        if len(set(sizes)) != 1:
            raise ShapeError(f"TensorDataset arrays differ in their first dimension: {sizes}")
        self.tensors = tensors

    def __len__(self) -> int:
        return len(_data_of(self.tensors[0]))

    def __getitem__(self, index: Any) -> tuple:
        return tuple(t[index] for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``.

    Example
    -------
    >>> from diffkit.data import Subset, TensorDataset
    >>> import numpy as np
    >>> len(Subset(TensorDataset(np.arange(5)), [0, 2]))
    2
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = list(indices)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]


def random_split(dataset: Dataset, lengths: Sequence[int | float], generator: Any = None, *,
                 seed: int | None = None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths (or fractions that add up to 1).

    Fractions are turned into counts with the remainder handed out one by one
    from the first subset on, as in PyTorch. ``generator`` is a NumPy
    ``Generator`` or an integer seed; ``None`` uses the generator
    ``dk.manual_seed`` reseeds. ``seed=`` is diffkit's shorthand.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.data import TensorDataset, random_split
    >>> a, b = random_split(TensorDataset(np.arange(10)), [0.8, 0.2], generator=0)
    >>> len(a), len(b), sorted(a.indices + b.indices) == list(range(10))
    (8, 2, True)
    """
    n = len(dataset)
    lengths = list(lengths)
    if not lengths or any(isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating))
                          or x < 0 for x in lengths):
        raise ArgumentError(f"random_split lengths must be non-negative counts or fractions, got {lengths}")
    if all(isinstance(x, float) for x in lengths):
        if not math.isclose(sum(lengths), 1.0, abs_tol=1e-9) or any(x > 1 for x in lengths):
            raise ArgumentError(f"random_split fractions {lengths} must add up to 1")
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              UserWarning, stacklevel=2)
    else:
        counts = [int(x) for x in lengths]
    if sum(counts) != n:
        raise ShapeError(f"random_split lengths {list(lengths)} don't add up to the dataset's {n} samples")
    if seed is not None:
        if generator is not None:
            raise ArgumentError("give either generator= or seed=, not both")
        generator = seed
    perm = resolve_generator(generator).permutation(n)
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[start:start + c].tolist()))
        start += c
    return out


def default_collate(samples: list) -> Any:
    """Stack a list of samples into a batch: tuples element-wise, arrays/Tensors along a new axis 0.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.data import default_collate
    >>> default_collate([(np.ones(2), 0), (np.zeros(2), 1)])[0].shape
    (2, 2)
    """
    if not len(samples):
        raise ArgumentError("default_collate needs at least one sample to make a batch")
    first = samples[0]
    if isinstance(first, tuple | list):
        return type(first)(default_collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if hasattr(first, "requires_grad") and hasattr(first, "data"):
        from .. import stack

        return stack(list(samples), axis=0)
    return np.stack([np.asarray(s) for s in samples])
