"""Samplers: the order (and choice) of dataset indices a DataLoader visits, PyTorch's ``torch.utils.data`` names.

``SequentialSampler`` and ``RandomSampler`` are what ``shuffle=False``/``True``
build; ``SubsetRandomSampler`` shuffles a chosen subset (a validation split),
``WeightedRandomSampler`` draws by weight (rebalancing classes), and
``BatchSampler`` groups any sampler's indices into batches.

Randomness comes from ``generator``: a NumPy ``Generator``, an integer seed
(made into a generator once, so epochs differ and runs repeat), or ``None`` for
the generator ``dk.manual_seed`` reseeds. The distributions are PyTorch's; the
draws are NumPy's, so the permutations differ from torch's.

Example
-------
>>> from diffkit.data import BatchSampler, RandomSampler, SequentialSampler
>>> list(BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=False))
[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
>>> sorted(RandomSampler(range(5), generator=0))
[0, 1, 2, 3, 4]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from ..ad.random import resolve_generator
from ..errors import ArgumentError, ArgumentTypeError

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


def _generator(generator: Any) -> np.random.Generator | None:
    """``None`` stays None (the default generator, looked up at each epoch); a seed becomes a Generator once."""
    return None if generator is None else resolve_generator(generator)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ArgumentError(f"{name} should be a positive integer value, but got {name}={value!r}")
    return int(value)


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ArgumentTypeError(f"{name} should be a boolean value, but got {name}={value!r}")
    return value


class Sampler:
    """Base class: iterating gives dataset indices; ``len`` (when defined) says how many.

    Example
    -------
    >>> from diffkit.data import Sampler
    >>> class EvenFirst(Sampler):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(list(range(0, self.n, 2)) + list(range(1, self.n, 2)))
    ...     def __len__(self): return self.n
    >>> list(EvenFirst(5))
    [0, 2, 4, 1, 3]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``, in order.

    Example
    -------
    >>> from diffkit.data import SequentialSampler
    >>> list(SequentialSampler("abc"))
    [0, 1, 2]
    """

    def __init__(self, data_source: Sized):
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices each epoch, or ``num_samples`` draws with ``replacement``.

    Without replacement and with ``num_samples`` above the dataset size, whole
    permutations follow each other (then part of one), as in PyTorch.

    Parameters
    ----------
    data_source : sized
    replacement : bool, default False
    num_samples : int, optional
        Default ``len(data_source)``.
    generator : numpy Generator, int seed or None

    Example
    -------
    >>> from diffkit.data import RandomSampler
    >>> s = RandomSampler(range(4), generator=1)
    >>> a, b = list(s), list(s)
    >>> sorted(a) == sorted(b) == [0, 1, 2, 3], a != b          # a new order each epoch
    (True, True)
    >>> len(RandomSampler(range(4), replacement=True, num_samples=10))
    10
    """

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Any = None):
        self.data_source = data_source
        self.replacement = _boolean("replacement", replacement)
        self._num_samples = num_samples
        self.generator = _generator(generator)
        _positive_int("num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        """How many indices one epoch yields."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        rng = resolve_generator(self.generator)
        if self.replacement:
            yield from rng.integers(0, n, size=self.num_samples).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[: self.num_samples % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order each epoch (e.g. a validation split of one dataset).

    Example
    -------
    >>> from diffkit.data import SubsetRandomSampler
    >>> sorted(SubsetRandomSampler([7, 3, 9], generator=0))
    [3, 7, 9]
    """

    def __init__(self, indices: Sequence[int], generator: Any = None):
        self.indices = indices
        self.generator = _generator(generator)

    def __iter__(self) -> Iterator[Any]:
        for i in resolve_generator(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (PyTorch's ``multinomial``).

    With per-sample weights ``1 / count(class)`` it balances the classes of
    an unbalanced data set. Without ``replacement`` each index comes at most
    once, so ``num_samples`` may not exceed the number of positive weights.

    Parameters
    ----------
    weights : sequence of float
        One non-negative weight per index (they need not sum to 1).
    num_samples : int
    replacement : bool, default True
    generator : numpy Generator, int seed or None

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.data import WeightedRandomSampler
    >>> draws = list(WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000, generator=0))
    >>> counts = np.bincount(draws, minlength=3)
    >>> int(counts[0]), bool(2.6 < counts[2] / counts[1] < 3.4)     # never index 0; index 2 three times as often
    (0, True)
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True, generator: Any = None):
        self.num_samples = _positive_int("num_samples", num_samples)
        self.replacement = _boolean("replacement", replacement)
        w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ArgumentError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ArgumentError("weights must be finite and non-negative, with a positive sum (one per index)")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ArgumentError(f"cannot draw {num_samples} samples without replacement from "
                                f"{np.count_nonzero(w)} indices of positive weight")
        self.weights = w
        self.generator = _generator(generator)

    def __iter__(self) -> Iterator[int]:
        rng = resolve_generator(self.generator)
        p = self.weights / self.weights.sum()
        yield from rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p).tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless ``drop_last``).

    Example
    -------
    >>> from diffkit.data import BatchSampler, SequentialSampler
    >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=True))
    [[0, 1, 2], [3, 4, 5]]
    >>> len(BatchSampler(range(7), 3, False))
    3
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool):
        self.batch_size = _positive_int("batch_size", batch_size)
        self.drop_last = _boolean("drop_last", drop_last)
        self.sampler = sampler

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
