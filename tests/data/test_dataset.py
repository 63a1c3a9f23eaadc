import numpy as np
import pytest

import diffkit as dk
from diffkit import data


def test_tensor_dataset_and_loader_batches():
    x = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)


def test_drop_last():
    loader = data.DataLoader(data.TensorDataset(np.arange(10)), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(b[0]) for b in loader] == [4, 4]


def test_shuffle_is_seeded_and_differs_per_epoch():
    ds = data.TensorDataset(np.arange(50))
    a = data.DataLoader(ds, batch_size=50, shuffle=True, seed=3)
    b = data.DataLoader(ds, batch_size=50, shuffle=True, seed=3)
    e1, e2 = next(iter(a))[0], next(iter(a))[0]
    assert not np.array_equal(e1, np.arange(50))
    assert not np.array_equal(e1, e2)  # a new order every epoch
    np.testing.assert_array_equal(e1, next(iter(b))[0])  # same seed, same run
    assert sorted(e1.tolist()) == list(range(50))


def test_generic_dataset_collates():
    class Pairs(data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full(3, i, dtype=float), i

    xb, yb = next(iter(data.DataLoader(Pairs(), batch_size=5)))
    assert xb.shape == (5, 3) and yb.tolist() == [0, 1, 2, 3, 4]


def test_random_split_partitions():
    parts = data.random_split(data.TensorDataset(np.arange(10)), [7, 3], seed=1)
    got = sorted(int(p[i][0]) for p in parts for i in range(len(p)))
    assert got == list(range(10)) and [len(p) for p in parts] == [7, 3]
    with pytest.raises(dk.ShapeError):
        data.random_split(data.TensorDataset(np.arange(10)), [5, 3])


def test_bad_inputs():
    with pytest.raises(dk.ShapeError, match=r"\[3, 4\]"):
        data.TensorDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        data.DataLoader(data.TensorDataset(np.zeros(3)), batch_size=0)


def test_inputs_not_mutated():
    x = np.arange(6.0)
    before = x.copy()
    list(data.DataLoader(data.TensorDataset(x), batch_size=2, shuffle=True))
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("call", [
    lambda ds: data.random_split(ds, [-1, 11]),
    lambda ds: data.random_split(ds, []),
    lambda ds: data.random_split(ds, [0.5, 0.6]),
    lambda ds: data.train_test_split(np.arange(10), test_size=1.5),
    lambda ds: data.train_test_split(np.arange(10), test_size=-0.1),
    lambda ds: data.digits(-1),
    lambda ds: data.noisy_linear(0),
    lambda ds: data.sin_cubic(5, dtype=int),
    lambda ds: data.default_collate([]),
])
def test_sizes_that_make_no_sense_are_refused(call):
    with pytest.raises(dk.ArgumentError):
        call(data.TensorDataset(np.arange(10)))


def test_a_test_size_may_be_a_count():
    assert [len(a) for a in data.train_test_split(np.arange(10), test_size=3)] == [7, 3]
