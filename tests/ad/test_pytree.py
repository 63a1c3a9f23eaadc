"""Pytrees: flatten, unflatten, prefixes, and lists of numbers as arrays."""

from collections import namedtuple

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad.transforms.pytree import as_arrays, broadcast_prefix, flatten, tree_map, unflatten

Pair = namedtuple("Pair", "a b")


def test_round_trip_keeps_every_container():
    tree = {"w": [1.0, (2.0, None)], "p": Pair(3.0, {"z": 4.0}), "n": None}
    leaves, t = flatten(tree)
    assert leaves == [1.0, 2.0, 3.0, 4.0] and t.n_leaves == 4
    back = unflatten(t, [10.0, 20.0, 30.0, 40.0])
    assert back == {"w": [10.0, (20.0, None)], "p": Pair(30.0, {"z": 40.0}), "n": None}
    assert type(back["p"]) is Pair


def test_structures_compare_and_mismatches_are_named():
    assert flatten((1.0, [2.0]))[1] == flatten((5.0, [6.0]))[1]
    assert flatten((1.0, [2.0]))[1] != flatten((1.0, (2.0,)))[1]
    with pytest.raises(dk.ShapeError, match="different structures"):
        tree_map(lambda a, b: a + b, (1.0,), [1.0])
    with pytest.raises(dk.ShapeError, match="in_axes"):
        broadcast_prefix((0, 0), (1.0,))


def test_prefixes_broadcast_to_leaves():
    assert broadcast_prefix(0, ({"a": 1, "b": 2}, 3)) == [0, 0, 0]
    assert broadcast_prefix(({"a": None, "b": 1}, 0), ({"a": 1, "b": 2}, 3)) == [None, 1, 0]


def test_arguments_that_are_lists_of_numbers_are_arrays():
    a = as_arrays([[1, 2], [3, 4]])
    assert isinstance(a, np.ndarray) and a.dtype == float and a.shape == (2, 2)
    assert as_arrays([np.ones(2), 1.0])[0].shape == (2,)  # holds an array: a container
    assert as_arrays([[1.0], 2.0]) == [[1.0], 2.0]  # ragged: a container
    assert as_arrays([]) == []
