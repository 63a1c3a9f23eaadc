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
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate"]


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


def random_split(dataset: Dataset, lengths: Sequence[int | float], seed: int = 0) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths (or fractions).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.data import TensorDataset, random_split
    >>> a, b = random_split(TensorDataset(np.arange(10)), [0.8, 0.2])
    >>> len(a), len(b)
    (8, 2)
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
    else:
        counts = [int(x) for x in lengths]
    if sum(counts) != n:
        raise ShapeError(f"random_split lengths {list(lengths)} don't add up to the dataset's {n} samples")
    perm = np.random.default_rng(seed).permutation(n)
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


class DataLoader:
    """Iterate over a dataset in batches.

    Parameters
    ----------
    dataset : Dataset
    batch_size : int
        Samples per batch (the last one may be smaller unless ``drop_last``).
    shuffle : bool
        Reshuffle the order at every epoch.
    seed : int or None
        Seed of the shuffling generator (epochs differ, runs repeat).
    drop_last : bool
        Drop a last incomplete batch.
    collate_fn : callable, optional
        Turns a list of samples into a batch (default :func:`default_collate`).

    A :class:`TensorDataset` is batched by indexing its arrays with the whole
    batch's indices at once (no per-sample Python loop).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(np.arange(6.0))
    >>> [b[0].tolist() for b in DataLoader(ds, batch_size=4, drop_last=True)]
    [[0.0, 1.0, 2.0, 3.0]]
    >>> len(DataLoader(ds, batch_size=4))
    2
    """

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False, seed: int | None = 0,
                 drop_last: bool = False, collate_fn=None):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ArgumentError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn or default_collate
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate
        for b in range(len(self)):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size]
            if fast:
                yield self.dataset[idx]
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])
