"""Module registration, iteration, modes, grads, state dicts, device/dtype moves and repr (PyTorch's behaviour)."""

import pickle

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn


class Line(nn.Module):
    """The lecture-003 regression model."""

    def __init__(self, d=1):
        super().__init__()
        self.w = nn.Parameter(dk.tensor(np.zeros((1, d), dtype=np.float32)))
        self.b = nn.Parameter(dk.tensor(np.zeros(1, dtype=np.float32)))
        self.cache = dk.tensor([1.0])  # a plain Tensor is not a parameter

    def forward(self, x):
        return x @ self.w.T + self.b


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer0 = nn.Linear(2, 3)
        self.act = nn.ReLU()
        self.layer1 = nn.Linear(3, 1)

    def forward(self, x):
        return self.layer1(self.act(self.layer0(x)))


def test_parameters_register_by_attribute_and_plain_tensors_do_not():
    m = Line(1)
    assert [n for n, _ in m.named_parameters()] == ["w", "b"]
    assert m.w.requires_grad and m.w.is_leaf
    assert "cache" not in dict(m.named_parameters())
    assert m(dk.tensor([[2.0]])).item() == 0.0


def test_parameter_repr_as_in_the_lecture():
    m = Line(1)
    assert repr(m.w) == "Parameter containing:\ntensor([[0.]], requires_grad=True)"
    assert repr(m.b) == "Parameter containing:\ntensor([0.], requires_grad=True)"
    assert isinstance(m.w, dk.Tensor)


def test_children_and_modules_order_and_names():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["layer0", "act", "layer1"]
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Linear", "ReLU", "Linear"]
    assert [n for n, _ in net.named_modules()] == ["", "layer0", "act", "layer1"]
    assert [n for n, _ in net.named_parameters()] == ["layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"]
    assert list(net.state_dict()) == ["layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"]
    assert len(list(net.parameters(recurse=False))) == 0


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_assigning_before_init_and_wrong_types_are_clear_errors():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(dk.tensor([1.0]))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()
    m = Line()
    with pytest.raises(TypeError, match="parameter 'w'"):
        m.w = dk.tensor([[1.0]])
    m.w = None
    assert [n for n, _ in m.named_parameters()] == ["b"]
    del m.b
    assert list(m.parameters()) == []
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        m.nope  # noqa: B018


def test_forward_missing_is_reported():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1.0)


def test_train_eval_propagate():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    assert model.training
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_to_none_and_to_zeros():
    layer = nn.Linear(3, 2)
    layer(np.ones((4, 3), dtype=np.float32)).sum().backward()
    grad = layer.weight.grad
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad is grad and not grad.numpy().any()
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


def test_requires_grad_freezes():
    layer = nn.Linear(2, 2).requires_grad_(False)
    out = layer(dk.tensor(np.ones((1, 2), dtype=np.float32)))
    assert not out.requires_grad


def test_state_dict_round_trip_and_sharing():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    sd = b.state_dict()
    assert not sd["weight"].requires_grad
    # values share memory with the model (PyTorch's behaviour)
    assert np.shares_memory(sd["weight"].numpy(), b.weight.numpy())
    w_id = id(a.weight)
    assert repr(a.load_state_dict(sd)) == "<All keys matched successfully>"
    assert id(a.weight) == w_id  # copied in place: optimizers keep their references
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    # plain arrays load too (and are cast to the parameter's dtype)
    a.load_state_dict({"weight": np.ones((2, 3)), "bias": [1.0, 2.0]})
    assert a.weight.dtype == np.float32 and a.bias.tolist() == [1.0, 2.0]


def test_load_state_dict_errors_name_keys_and_shapes_and_change_nothing():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2))
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    bad = {k: np.zeros(v.shape) for k, v in before.items()}
    del bad["2.bias"]
    bad["3.weight"] = np.zeros(1)
    bad["0.weight"] = np.zeros((2, 3))
    with pytest.raises(nn.StateDictError) as info:
        model.load_state_dict(bad)
    msg = str(info.value)
    assert 'Missing key(s) in state_dict: "2.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "3.weight"' in msg
    assert "size mismatch for 0.weight: copying a param with shape (2, 3) from checkpoint, the shape in current " \
           "model is (3, 2)" in msg
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, dk.ShapeError)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])  # nothing was copied
    # non-strict: missing/unexpected are reported, not raised
    ok = {k: np.zeros(v.shape) for k, v in before.items() if k != "2.bias"}
    ok["extra"] = np.zeros(1)
    keys = model.load_state_dict(ok, strict=False)
    assert keys.missing_keys == ["2.bias"] and keys.unexpected_keys == ["extra"]
    assert not model[0].weight.numpy().any()
    np.testing.assert_array_equal(model[2].bias.numpy(), before["2.bias"])


def test_to_dtype_keeps_parameter_identity():
    model = nn.Sequential(nn.Linear(2, 2))
    p = model[0].weight
    model.double()
    assert model[0].weight is p and p.dtype == np.float64
    model.to(dtype="float32")
    assert p.dtype == np.float32
    model.to("cpu")
    assert p.device == "cpu"
    with pytest.raises(TypeError):
        model.to(np.int64)


def test_cuda_without_gpu_is_a_backend_error():
    if dk.ad.backend.cuda_available():
        pytest.skip("a GPU is present")
    with pytest.raises(dk.BackendError):
        nn.Linear(2, 2).to("cuda")


def test_repr_matches_pytorch():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sigmoid()\n"
        "  (2): Linear(in_features=3, out_features=2, bias=True)\n"
        ")")
    nested = nn.Sequential(nn.Sequential(nn.ReLU()), nn.Softmax(dim=1), nn.Dropout(0.2), nn.Flatten())
    assert repr(nested) == (
        "Sequential(\n"
        "  (0): Sequential(\n"
        "    (0): ReLU()\n"
        "  )\n"
        "  (1): Softmax(dim=1)\n"
        "  (2): Dropout(p=0.2, inplace=False)\n"
        "  (3): Flatten(start_dim=1, end_dim=-1)\n"
        ")")
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert repr(nn.Identity()) == "Identity()"


def test_repr_matches_torch_when_available():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Tanh(), nn.LogSoftmax(dim=1), nn.Linear(3, 2, bias=False),
                         nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1), nn.Identity()]))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Tanh(), torch.nn.LogSoftmax(dim=1),
                                 torch.nn.Linear(3, 2, bias=False),
                                 torch.nn.ModuleList([torch.nn.Linear(1, 1), torch.nn.Linear(1, 1),
                                                      torch.nn.Identity()]))
    assert repr(ours) == repr(theirs)


def test_buffers_are_in_state_dict_but_not_parameters():
    m = nn.Module()
    m.register_buffer("running", dk.tensor([0.0, 0.0]))
    m.register_buffer("scratch", dk.tensor([1.0]), persistent=False)
    assert list(m.state_dict()) == ["running"]
    assert list(m.parameters()) == []
    m.load_state_dict({"running": np.array([1.0, 2.0])})
    assert m.running.tolist() == [1.0, 2.0]


def test_apply_and_get_submodule():
    net = Net()
    seen = []
    net.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Net"]
    assert net.get_submodule("layer1") is net.layer1
    assert net.get_parameter("layer0.bias") is net.layer0.bias
    with pytest.raises(AttributeError):
        net.get_submodule("missing")


def test_pickle_round_trip():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy[0].weight.numpy(), model[0].weight.numpy())
    assert isinstance(copy[0].weight, nn.Parameter) and copy[0].weight.requires_grad
