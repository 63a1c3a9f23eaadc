"""Samplers and the DataLoader: PyTorch's rules (batches, lengths, exclusions, refusals), side by side with
torch==2.13.0 where the result is deterministic; the random samplers by their distributions and seeds; threads.
"""

import threading
import time

import numpy as np
import pytest

import diffkit as dk
from diffkit import data

RNG = np.random.default_rng(3)


def _torch_data():
    torch = pytest.importorskip("torch")
    return torch, torch.utils.data


class Squares(data.Dataset):
    """A map-style dataset that is not a TensorDataset (samples go through collate)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float64), i % 3


# ---------------------------------------------------------------- samplers

def test_sequential_and_batch_samplers_equal_torchs():
    torch, tud = _torch_data()
    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (0, 2, False)]:
        ours = list(data.BatchSampler(data.SequentialSampler(range(n)), bs, drop))
        theirs = list(tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop))
        assert ours == theirs
        assert len(data.BatchSampler(range(n), bs, drop)) == len(tud.BatchSampler(range(n), bs, drop))


@pytest.mark.parametrize("call,message", [
    (lambda m: m.BatchSampler(range(4), 0, False), "batch_size should be a positive integer value"),
    (lambda m: m.BatchSampler(range(4), 2, 1), "drop_last should be a boolean value"),
    (lambda m: m.RandomSampler(range(4), replacement=1), "replacement should be a boolean value"),
    (lambda m: m.RandomSampler(range(4), num_samples=0), "num_samples should be a positive integer value"),
    (lambda m: m.WeightedRandomSampler([1.0, 2.0], num_samples=-1), "num_samples should be a positive integer"),
    (lambda m: m.WeightedRandomSampler([[1.0, 2.0]], num_samples=2), "weights should be a 1d sequence"),
], ids=["batch_size", "drop_last", "replacement", "num_samples", "weighted_num_samples", "weights_2d"])
def test_sampler_refusals_are_torchs(call, message):
    """PyTorch's test_dataloader.py checks of the sampler arguments (TestSamplerValidation's messages)."""
    with pytest.raises((ValueError, TypeError), match=message):
        call(data)
    torch, tud = _torch_data()
    with pytest.raises((ValueError, TypeError), match=message):
        call(tud)


def test_random_sampler_permutes_repeats_and_draws_with_replacement():
    s = data.RandomSampler(range(7), generator=5)
    epochs = [list(s) for _ in range(3)]
    assert all(sorted(e) == list(range(7)) for e in epochs) and epochs[0] != epochs[1]
    again = data.RandomSampler(range(7), generator=5)
    assert [list(again) for _ in range(3)] == epochs  # a seed repeats the run
    more = list(data.RandomSampler(range(4), num_samples=10, generator=1))  # whole permutations, then part of one
    assert len(more) == 10 and sorted(more[:4]) == sorted(more[4:8]) == [0, 1, 2, 3] and len(set(more[8:])) == 2
    drawn = list(data.RandomSampler(range(3), replacement=True, num_samples=3000, generator=2))
    counts = np.bincount(drawn, minlength=3)
    assert len(drawn) == 3000 and counts.min() > 900  # uniform: about 1000 each
    dk.manual_seed(7)
    a = list(data.RandomSampler(range(20)))
    dk.manual_seed(7)
    assert list(data.RandomSampler(range(20))) == a  # no generator: the one dk.manual_seed reseeds


def test_subset_and_weighted_samplers():
    sub = list(data.SubsetRandomSampler([10, 20, 30, 40], generator=0))
    assert sorted(sub) == [10, 20, 30, 40]
    weights = np.array([0.1, 0.0, 0.6, 0.3])
    draws = list(data.WeightedRandomSampler(weights, 20000, generator=1))
    freq = np.bincount(draws, minlength=4) / 20000
    np.testing.assert_allclose(freq, weights, atol=0.015)  # 3 standard errors of a 20000-draw frequency
    once = list(data.WeightedRandomSampler(weights, 3, replacement=False, generator=2))
    assert sorted(once) == [0, 2, 3]  # without replacement: each positive-weight index once
    with pytest.raises(ValueError, match="without replacement"):
        data.WeightedRandomSampler(weights, 4, replacement=False)
    with pytest.raises(ValueError, match="non-negative"):
        data.WeightedRandomSampler([1.0, -1.0], 2)
    assert len(data.WeightedRandomSampler(dk.tensor([1.0, 2.0]), 5)) == 5


# ---------------------------------------------------------------- the loader

def test_loader_batches_and_lengths_equal_torchs():
    torch, tud = _torch_data()
    x = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    for kwargs in ({}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": 4},
                   {"batch_size": None}):
        ours = data.DataLoader(data.TensorDataset(x, y), **kwargs)
        theirs = tud.DataLoader(tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), **kwargs)
        assert len(ours) == len(theirs)
        for (a, b), (ta, tb) in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(a, ta.numpy())
            np.testing.assert_array_equal(b, tb.numpy())


def test_sampler_and_batch_sampler_arguments_as_torch():
    torch, tud = _torch_data()
    ds, tds = Squares(9), None
    order = [8, 0, 7, 1, 6]
    ours = [b[1].tolist() for b in data.DataLoader(ds, batch_size=2, sampler=order)]
    assert ours == [[8 % 3, 0], [7 % 3, 1], [0]]  # the sampler's order, in batches of 2
    batches = [[3, 1], [4, 1, 5], [9 - 1]]
    got = [b[0][:, 0].tolist() for b in data.DataLoader(ds, batch_sampler=batches)]
    assert got == [[3.0, 1.0], [4.0, 1.0, 5.0], [8.0]]
    assert len(data.DataLoader(ds, batch_sampler=batches)) == 3
    tds = tud.TensorDataset(torch.arange(9))
    assert len(data.DataLoader(ds, sampler=order)) == len(tud.DataLoader(tds, sampler=order)) == 5
    for kwargs, message in [({"sampler": order, "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
                            ({"batch_sampler": batches, "batch_size": 2}, "batch_sampler option is mutually exclusive"),
                            ({"batch_sampler": batches, "drop_last": True}, "batch_sampler option is mutually"),
                            ({"batch_size": None, "drop_last": True}, "mutually exclusive with drop_last"),
                            ({"num_workers": -1}, "num_workers option should be"),
                            ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
                            ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0")]:
        with pytest.raises(ValueError, match=message):
            data.DataLoader(ds, **kwargs)
        with pytest.raises(ValueError, match=message.split(" should")[0]):
            tud.DataLoader(tds, **kwargs)
    loader = data.DataLoader(ds, batch_size=2)
    with pytest.raises(ValueError, match="should not be set after DataLoader is initialized"):
        loader.batch_size = 4
    with pytest.raises(ValueError, match="workers are threads"):
        data.DataLoader(ds, num_workers=2, multiprocessing_context="spawn")


def test_shuffle_uses_the_generator_and_covers_every_sample_once():
    x = np.arange(50.0)
    epochs = []
    loader = data.DataLoader(data.TensorDataset(x), batch_size=8, shuffle=True, generator=np.random.default_rng(4))
    for _ in range(2):
        epochs.append(np.concatenate([b[0] for b in loader]))
    assert sorted(epochs[0].tolist()) == x.tolist() and not np.array_equal(epochs[0], epochs[1])
    same = data.DataLoader(data.TensorDataset(x), batch_size=8, shuffle=True, seed=4)
    assert [np.concatenate([b[0] for b in same]).tolist() for _ in range(2)] == [e.tolist() for e in epochs]
    with pytest.raises(ValueError, match="either generator= or seed="):
        data.DataLoader(data.TensorDataset(x), shuffle=True, seed=1, generator=2)


def test_generic_datasets_collate_and_unbatched_loading():
    batch = next(iter(data.DataLoader(Squares(5), batch_size=3)))
    np.testing.assert_array_equal(batch[0], [[0, 0], [1, 1], [2, 4]])
    np.testing.assert_array_equal(batch[1], [0, 1, 2])
    single = list(data.DataLoader(Squares(3), batch_size=None))
    assert len(single) == 3 and single[2][1] == 2 and single[2][0].tolist() == [2.0, 4.0]


@pytest.mark.parametrize("kwargs", [{"num_workers": 2}, {"num_workers": 3, "prefetch_factor": 1},
                                    {"num_workers": 2, "persistent_workers": True}])
def test_worker_threads_give_the_same_batches_in_order(kwargs):
    ds = Squares(23)
    plain = [(a.tolist(), b.tolist()) for a, b in data.DataLoader(ds, batch_size=4)]
    loader = data.DataLoader(ds, batch_size=4, **kwargs)
    for _ in range(2):
        assert [(a.tolist(), b.tolist()) for a, b in loader] == plain


def test_workers_run_in_threads_with_worker_info_and_init_fn():
    seen, started = set(), []

    class Slow(data.Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            info = data.get_worker_info()
            seen.add((threading.current_thread().name.startswith("diffkit-loader"), info.num_workers))
            time.sleep(0.01)
            return np.array(i)

    out = list(data.DataLoader(Slow(), batch_size=2, num_workers=2, worker_init_fn=started.append))
    assert np.concatenate(out).tolist() == list(range(8))
    assert seen == {(True, 2)} and sorted(started) == [0, 1]
    assert data.get_worker_info() is None


def test_worker_errors_reach_the_caller_and_timeouts_raise():
    class Broken(data.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            if i == 3:
                raise KeyError("sample 3 is missing")
            return np.array(i)

    with pytest.raises(KeyError, match="sample 3 is missing") as info:
        list(data.DataLoader(Broken(), batch_size=2, num_workers=2))
    assert "DataLoader worker thread" in "".join(getattr(info.value, "__notes__", []))

    class Sleepy(data.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(0.5)
            return np.array(i)

    with pytest.raises(RuntimeError, match="timed out after 0.05 seconds"):
        list(data.DataLoader(Sleepy(), batch_size=1, num_workers=1, timeout=0.05))


def test_breaking_out_of_a_threaded_epoch_leaves_no_running_work():
    loader = data.DataLoader(Squares(100), batch_size=2, num_workers=2)
    for i, _ in enumerate(loader):
        if i == 2:
            break
    assert [b[0][0, 0] for b in loader][:2] == [0.0, 2.0]  # a fresh epoch starts at the beginning


def test_random_split_with_a_generator_and_fractions():
    ds = data.TensorDataset(np.arange(10))
    a, b = data.random_split(ds, [0.7, 0.3], generator=np.random.default_rng(0))
    assert (len(a), len(b)) == (7, 3) and sorted(a.indices + b.indices) == list(range(10))
    c, _ = data.random_split(ds, [7, 3], seed=0)
    assert c.indices == data.random_split(ds, [7, 3], generator=0)[0].indices
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        data.random_split(data.TensorDataset(np.arange(2)), [0.99, 0.01])
