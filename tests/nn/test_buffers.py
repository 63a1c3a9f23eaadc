"""Module buffers: registration, iteration, the state dict, ``to()``; the torch cases side by side when installed."""

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(dk.tensor([1.0]))
        self.register_buffer("total", dk.zeros(2))
        self.register_buffer("steps", dk.tensor(np.array(0, dtype=np.int64)))
        self.register_buffer("scratch", dk.ones(3), persistent=False)
        self.register_buffer("absent", None)


def test_buffers_are_listed_saved_and_loaded_but_never_parameters():
    m = nn.Sequential(Counter(), nn.Linear(2, 2))
    assert [n for n, _ in m.named_buffers()] == ["0.total", "0.steps", "0.scratch"]
    assert [n for n, _ in m.named_buffers(recurse=False)] == []
    assert len(list(m.buffers())) == 3
    assert list(m.state_dict()) == ["0.scale", "0.total", "0.steps", "1.weight", "1.bias"]  # no scratch, no None
    assert all(p.requires_grad for p in m.parameters()) and len(list(m.parameters())) == 3
    sd = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    sd["0.total"] = np.array([3.0, 4.0])
    sd["0.steps"] = np.array(7)
    total = m[0].total
    m.load_state_dict(sd)
    assert m[0].total is total and total.tolist() == [3.0, 4.0]  # loaded in place
    assert int(m[0].steps) == 7 and m[0].steps.dtype == np.int64


def test_to_casts_floating_buffers_and_leaves_integer_ones():
    m = Counter()
    total = m.total
    m.to(np.float64)
    assert m.total is total and m.total.dtype == np.float64 and m.scratch.dtype == np.float64
    assert m.steps.dtype == np.int64
    m.float()
    assert m.total.dtype == np.float32
    with pytest.raises(TypeError, match="floating point"):
        m.to(np.int32)


def test_a_buffer_is_a_tensor_or_none():
    m = Counter()
    with pytest.raises(TypeError, match="buffer 'x'"):
        m.register_buffer("x", np.zeros(2))
    with pytest.raises(TypeError, match="buffer 'total'"):
        m.total = [1.0, 2.0]
    m.total = dk.tensor([5.0, 6.0])  # a Tensor replaces the buffer, keeping it a buffer
    assert m.state_dict()["total"].tolist() == [5.0, 6.0]
    m.total = None
    assert "total" not in m.state_dict()
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("scale", dk.zeros(1))
    del m.steps
    assert "steps" not in m.state_dict()


def test_buffers_and_their_keys_match_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        m = lib.nn
        return m.Sequential(m.Conv2d(1, 2, 3), m.BatchNorm2d(2), m.Sequential(m.BatchNorm1d(4)))

    ours, theirs = build(dk), build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.load_state_dict(theirs.state_dict())  # torch tensors, int64 counters included

    class Masked(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("mask", torch.ones(2), persistent=False)

    class OursMasked(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("mask", dk.ones(2), persistent=False)

    assert list(OursMasked().state_dict()) == list(Masked().state_dict()) == []
