"""``DataLoader``: batches from a dataset, PyTorch's arguments and rules; ``num_workers`` loads in threads.

The loader draws indices from a sampler (``shuffle`` builds a
:class:`~diffkit.data.RandomSampler`, else a
:class:`~diffkit.data.SequentialSampler`), groups them with a
:class:`~diffkit.data.BatchSampler`, fetches the samples and collates them.
With ``num_workers > 0``, that many threads fetch and collate batches ahead
(``prefetch_factor`` each) and the batches come out in order: NumPy releases the
GIL in its array work, so loading overlaps with training. PyTorch uses
processes; diffkit's threads share the dataset and need no pickling.

Example
-------
>>> import numpy as np
>>> from diffkit import data
>>> ds = data.TensorDataset(np.arange(10.0))
>>> [b[0].tolist() for b in data.DataLoader(ds, batch_size=4)]
[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0]]
>>> [b[0].tolist() for b in data.DataLoader(ds, batch_size=4, num_workers=2)]
[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0]]
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..ad.random import initial_seed, resolve_generator
from ..errors import ArgumentError, ArgumentTypeError, DiffkitError
from .dataset import Dataset, TensorDataset, default_collate
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "DataLoaderError", "WorkerInfo", "get_worker_info", "default_convert"]


class DataLoaderError(DiffkitError, RuntimeError):
    """Loading failed at run time: a worker timed out (PyTorch raises RuntimeError).

    Example
    -------
    >>> from diffkit.data import DataLoaderError
    >>> issubclass(DataLoaderError, RuntimeError)
    True
    """


@dataclass(frozen=True)
class WorkerInfo:
    """What a loader's worker thread knows about itself: ``id``, ``num_workers``, ``seed``, ``dataset``.

    Example
    -------
    >>> from diffkit.data import WorkerInfo
    >>> WorkerInfo(id=0, num_workers=2, seed=7, dataset=None).num_workers
    2
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_WORKER = threading.local()


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker thread, its :class:`WorkerInfo`; elsewhere ``None``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import data
    >>> class WhoLoads(data.Dataset):
    ...     def __len__(self): return 4
    ...     def __getitem__(self, i): return np.array(data.get_worker_info() is not None)
    >>> [bool(b.all()) for b in data.DataLoader(WhoLoads(), batch_size=2, num_workers=2)]
    [True, True]
    >>> data.get_worker_info() is None
    True
    """
    return getattr(_WORKER, "info", None)


def default_convert(sample: Any) -> Any:
    """The sample as it is: the collate function when ``batch_size=None`` turns batching off.

    Example
    -------
    >>> from diffkit.data import default_convert
    >>> default_convert((1, 2))
    (1, 2)
    """
    return sample


_FIXED = ("dataset", "batch_size", "batch_sampler", "sampler", "drop_last")


class DataLoader:
    """Iterate over a dataset in batches (PyTorch's ``torch.utils.data.DataLoader``).

    Parameters
    ----------
    dataset : Dataset
        Anything with ``__len__`` and ``__getitem__``.
    batch_size : int or None, default 1
        ``None`` turns batching off: the loader yields single samples.
    shuffle : bool, optional
        A new random order each epoch (a :class:`RandomSampler` with ``generator``).
    sampler : Sampler or iterable, optional
        The order of indices; excludes ``shuffle``.
    batch_sampler : Sampler or iterable of lists, optional
        Whole batches of indices; excludes ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``.
    num_workers : int, default 0
        Threads that fetch batches ahead (0: in the calling thread).
    collate_fn : callable, optional
        Turns a list of samples into a batch (default :func:`default_collate`).
    pin_memory : bool, default False
        Accepted for PyTorch's code; NumPy and CuPy arrays need no pinning.
    drop_last : bool, default False
        Drop a last incomplete batch.
    timeout : float, default 0
        With workers, seconds to wait for a batch before :class:`DataLoaderError` (0: forever).
    worker_init_fn : callable, optional
        Called as ``worker_init_fn(worker_id)`` in each worker thread as it starts.
    generator : numpy Generator, int seed or None
        Drives ``shuffle``; ``None`` is the generator ``dk.manual_seed`` reseeds.
    prefetch_factor : int, optional
        Batches each worker loads ahead (default 2; only with workers).
    persistent_workers : bool, default False
        Keep the worker threads between epochs.
    in_order : bool, default True
        With workers, yield batches in sampler order (else as they are ready).
    seed : int, optional
        diffkit's shorthand for ``generator=numpy.random.default_rng(seed)``.

    ``multiprocessing_context`` must stay ``None`` (the workers are threads).
    A :class:`TensorDataset` under the default collate is batched by indexing
    its arrays with a whole batch of indices at once.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.data import DataLoader, TensorDataset, WeightedRandomSampler
    >>> ds = TensorDataset(np.arange(6.0), np.array([0, 0, 0, 0, 0, 1]))
    >>> [b[0].tolist() for b in DataLoader(ds, batch_size=4, drop_last=True)]
    [[0.0, 1.0, 2.0, 3.0]]
    >>> len(DataLoader(ds, batch_size=4)), len(DataLoader(ds, batch_size=4, shuffle=True, seed=0))
    (2, 2)
    >>> balanced = WeightedRandomSampler([0.2] * 5 + [1.0], num_samples=600, generator=0)
    >>> labels = np.concatenate([y for _, y in DataLoader(ds, batch_size=100, sampler=balanced)])
    >>> round(float(labels.mean()), 1)                  # the rare class half of the time
    0.5
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Any = None, batch_sampler: Sampler | Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False, drop_last: bool = False,
                 timeout: float = 0, worker_init_fn: Callable[[int], Any] | None = None,
                 multiprocessing_context: Any = None, generator: Any = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True,
                 seed: int | None = None):
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ArgumentError(f"num_workers option should be a non-negative integer, got {num_workers!r}; use "
                                "num_workers=0 to load in the calling thread")
        if timeout < 0:
            raise ArgumentError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ArgumentError("prefetch_factor option could only be specified with workers: let num_workers > 0, "
                                "otherwise set prefetch_factor to None")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and (isinstance(prefetch_factor, bool) or prefetch_factor < 1):
            raise ArgumentError(f"prefetch_factor option should be a positive integer, got {prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ArgumentError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None:
            raise ArgumentError("multiprocessing_context does not apply: diffkit's DataLoader workers are threads "
                                "(num_workers=n starts n threads); leave it None")
        if sampler is not None and shuffle:
            raise ArgumentError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ArgumentError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                    "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ArgumentError("batch_size=None option disables auto-batching and is mutually exclusive with "
                                "drop_last")
        if seed is not None:
            if generator is not None:
                raise ArgumentError("give either generator= or seed= (diffkit's shorthand for a generator), not both")
            generator = np.random.default_rng(seed)
        elif generator is not None:
            generator = resolve_generator(generator)
        if collate_fn is not None and not callable(collate_fn):
            raise ArgumentTypeError(f"collate_fn must be callable, got {type(collate_fn).__name__}")

        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        d = self.__dict__
        d.update(dataset=dataset, batch_size=batch_size, drop_last=drop_last, sampler=sampler,
                 batch_sampler=batch_sampler, generator=generator)
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = None
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.collate_fn = collate_fn or (default_collate if self._auto_collation else default_convert)
        self._pool: _Workers | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FIXED:
            raise ArgumentError(f"{name} attribute should not be set after DataLoader is initialized")
        object.__setattr__(self, name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        return len(self._index_sampler)

    def _fetch(self, index: Any) -> Any:
        if not self._auto_collation:
            return self.collate_fn(self.dataset[index])
        if isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate:
            return self.dataset[np.asarray(index, dtype=np.intp)]  # the whole batch in one indexing
        many = getattr(self.dataset, "__getitems__", None)
        samples = many(index) if many is not None else [self.dataset[i] for i in index]
        return self.collate_fn(samples)

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers == 0:
            return (self._fetch(index) for index in self._index_sampler)
        pool = self._pool if self.persistent_workers and self._pool is not None else _Workers(self)
        if self.persistent_workers:
            self._pool = pool
        return pool.batches(iter(self._index_sampler), keep=self.persistent_workers)

    def __del__(self) -> None:
        pool = self.__dict__.get("_pool")
        if pool is not None:
            pool.close()


class _Workers:
    """``num_workers`` threads fetching batches for one loader; results in sampler order (or as they finish)."""

    def __init__(self, loader: DataLoader):
        self.loader = loader
        ids = itertools.count()
        base_seed = initial_seed()  # drawn from nothing: workers leave the shuffling stream alone

        def start() -> None:
            worker_id = next(ids)
            _WORKER.info = WorkerInfo(worker_id, loader.num_workers, base_seed + worker_id, loader.dataset)
            if loader.worker_init_fn is not None:
                loader.worker_init_fn(worker_id)

        self.executor = ThreadPoolExecutor(max_workers=loader.num_workers, thread_name_prefix="diffkit-loader",
                                           initializer=start)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    def _result(self, future: Future) -> Any:
        timeout = self.loader.timeout or None
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            raise DataLoaderError(f"DataLoader timed out after {self.loader.timeout} seconds") from None
        except Exception as err:
            err.add_note("(raised while loading a batch in a DataLoader worker thread)")
            raise

    def batches(self, indices: Iterator[Any], keep: bool) -> Iterator[Any]:
        loader = self.loader
        ahead = loader.num_workers * loader.prefetch_factor
        pending: deque[Future] = deque()
        try:
            for index in itertools.islice(indices, ahead):
                pending.append(self.executor.submit(loader._fetch, index))
            while pending:
                if loader.in_order:
                    future = pending.popleft()
                else:
                    done, _ = wait(pending, timeout=loader.timeout or None, return_when=FIRST_COMPLETED)
                    future = next(iter(done)) if done else pending[0]
                    pending.remove(future)
                batch = self._result(future)
                for index in itertools.islice(indices, 1):
                    pending.append(self.executor.submit(loader._fetch, index))
                yield batch
        finally:
            for future in pending:
                future.cancel()
            if not keep:
                self.close()
