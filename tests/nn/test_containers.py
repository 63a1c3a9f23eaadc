"""Sequential, ModuleList and ModuleDict: indexing, mutation, registration."""

from collections import OrderedDict

import numpy as np
import pytest

from diffkit import nn


def test_sequential_indexing_len_iteration_and_slices():
    layers = [nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    sub = model[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == layers[1:]
    assert list(sub.state_dict()) == ["2.weight", "2.bias"]  # keys keep their names, as in PyTorch
    with pytest.raises(IndexError):
        model[3]


def test_sequential_forward_chains_in_order():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    x = np.random.default_rng(0).standard_normal((5, 2)).astype(np.float32)
    h = np.maximum(x @ model[0].weight.numpy().T + model[0].bias.numpy(), 0)
    want = h @ model[2].weight.numpy().T + model[2].bias.numpy()
    np.testing.assert_allclose(model(x).numpy(), want, rtol=1e-6, atol=1e-6)


def test_sequential_mutation_renumbers():
    model = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
    del model[0]
    assert [n for n, _ in model.named_children()] == ["0", "1"]
    model.append(nn.Identity())
    model.insert(0, nn.Linear(1, 1))
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Sigmoid", "Identity"]
    model[1] = nn.ReLU()
    assert type(model[1]).__name__ == "ReLU"
    assert [type(m).__name__ for m in model + nn.Sequential(nn.Tanh())][-1] == "Tanh"


def test_sequential_from_ordered_dict():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(model.state_dict()) == ["fc.weight", "fc.bias"]
    assert model.fc is model[0]


def test_module_list_registers_and_rejects_non_modules():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    s = Stack()
    assert list(s.state_dict())[:2] == ["layers.0.weight", "layers.0.bias"]
    assert len(list(s.parameters())) == 6
    assert s(np.ones((1, 2), np.float32)).shape == (1, 2)
    with pytest.raises(TypeError):
        s.layers.append(3)
    s.layers.pop(0)
    assert len(s.layers) == 2 and [n for n, _ in s.layers.named_children()] == ["0", "1"]


def test_module_dict():
    d = nn.ModuleDict({"a": nn.Linear(2, 1)})
    d["b"] = nn.ReLU()
    d.update([("c", nn.Tanh())])
    assert list(d) == ["a", "b", "c"] and "b" in d and len(d) == 3
    assert list(d.state_dict()) == ["a.weight", "a.bias"]
    assert isinstance(d.pop("b"), nn.ReLU) and list(d.keys()) == ["a", "c"]
    assert repr(d).startswith("ModuleDict(\n  (a): Linear(in_features=2, out_features=1, bias=True)")
