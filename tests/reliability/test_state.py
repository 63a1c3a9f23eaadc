"""State safety: dk.save / dk.load round-trip bit for bit, refuse bad files, never unpickle."""

import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn, optim


def _bits(a):
    a = np.asarray(a)
    return a.view(f"u{a.dtype.itemsize}") if a.dtype.kind == "f" else a


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(_bits(a), _bits(b))


def _model(dtype):
    dk.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    return model.double() if dtype == np.float64 else model


def _snapshot(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def _unchanged(model, snap):
    now = _snapshot(model)
    return now.keys() == snap.keys() and all(_same_bits(now[k], snap[k]) for k in snap)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_state_dict_round_trips_bit_for_bit(tmp_path, dtype):
    model = _model(dtype)
    # values whose bits a text or lossy format would change
    special = np.array([np.nan, -0.0, np.inf, -np.inf, np.finfo(dtype).tiny / 2, 1 / 3], dtype=dtype)
    with dk.no_grad():
        model[2].bias.copy_(special[:2])
        model[0].weight.copy_(np.resize(special, (4, 3)))
    path = tmp_path / "model.npz"
    dk.save(model.state_dict(), path)
    loaded = dk.load(path)
    assert list(loaded) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for key, value in model.state_dict().items():
        assert isinstance(loaded[key], dk.Tensor)
        assert _same_bits(loaded[key].numpy(), value.numpy()), key
    fresh = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    fresh = fresh.double() if dtype == np.float64 else fresh
    fresh.load_state_dict(loaded)
    assert _unchanged(fresh, _snapshot(model))


@pytest.mark.parametrize("make", [
    lambda ps: optim.Adam(ps, lr=1e-2, amsgrad=True),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: optim.RMSprop(ps, lr=1e-2, momentum=0.5, centered=True),
    lambda ps: optim.Adagrad(ps, lr=0.1),
], ids=["adam", "sgd", "rmsprop", "adagrad"])
def test_training_resumes_identically_after_save_and_load(tmp_path, make):
    x = np.linspace(-1, 1, 24).reshape(8, 3)
    y = np.sin(x[:, :2])

    def steps(model, opt, n):
        for _ in range(n):
            opt.zero_grad()
            nn.MSELoss()(model(x), y).backward()
            opt.step()

    a = _model(np.float64)
    opt_a = make(list(a.parameters()))
    steps(a, opt_a, 3)
    dk.save(a.state_dict(), tmp_path / "model.npz")
    dk.save(opt_a.state_dict(), tmp_path / "opt.npz")
    steps(a, opt_a, 2)

    dk.manual_seed(123)  # different initial weights: everything must come from the files
    b = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    b.load_state_dict(dk.load(tmp_path / "model.npz"))
    opt_b = make(list(b.parameters()))
    opt_b.load_state_dict(dk.load(tmp_path / "opt.npz"))
    steps(b, opt_b, 2)
    assert _unchanged(b, _snapshot(a))


def test_plain_values_round_trip_with_their_types(tmp_path):
    obj = {
        "step": 7, "big": 2**70, "lr": 0.1, "nan": float("nan"), "inf": -float("inf"), "z": 1 - 2j,
        "flag": True, "none": None, "name": "adam", 3: "int key", "betas": (0.9, 0.999), "list": [1, [2.5]],
        "f32": np.float32(1.1), "i8": np.arange(4, dtype=np.int8), "mask": np.array([True, False]),
        "t": dk.tensor([1.0, 2.0], requires_grad=True, dtype="float64"), "empty": np.zeros((0, 3)),
    }
    dk.save(obj, tmp_path / "s.npz")
    got = dk.load(tmp_path / "s.npz")
    assert list(got) == list(obj)
    for k in ("step", "big", "lr", "inf", "z", "flag", "none", "name", 3, "betas", "list"):
        assert got[k] == obj[k] and type(got[k]) is type(obj[k]), k
    assert np.isnan(got["nan"])
    assert type(got["f32"]) is np.float32 and got["f32"] == obj["f32"]
    for k in ("i8", "mask", "empty"):
        assert _same_bits(got[k], obj[k]), k
    assert got["t"].requires_grad and got["t"].dtype == np.float64 and got["t"].tolist() == [1.0, 2.0]


def test_path_is_used_exactly_as_given(tmp_path):
    dk.save({"a": np.ones(2)}, tmp_path / "weights.bin")
    assert sorted(os.listdir(tmp_path)) == ["weights.bin"]  # no ".npz" appended, no temp file left
    assert dk.load(str(tmp_path / "weights.bin"))["a"].tolist() == [1.0, 1.0]


def test_failed_save_keeps_the_previous_file(tmp_path):
    path = tmp_path / "m.npz"
    dk.save({"w": np.arange(3.0)}, path)
    before = path.read_bytes()
    with pytest.raises(dk.StateFileError, match="state_dict"):
        dk.save({"w": np.zeros(3), "model": nn.Linear(2, 2)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


@pytest.mark.parametrize("bad, match", [
    (nn.Linear(2, 2), r"model.state_dict\(\)"),
    (lambda x: x, "function"),
    ({"f": object()}, r"\['f'\]"),
    ({(1, 2): np.ones(1)}, "keys must be strings or integers"),
    (np.array([object()]), "dtype object"),
    (np.array(["a", "b"]), "dtype <U1"),
])
def test_save_refuses_what_would_need_pickling(tmp_path, bad, match):
    with pytest.raises(dk.StateFileError, match=match):
        dk.save(bad, tmp_path / "x.npz")


def test_truncated_file_raises_and_leaves_model_unchanged(tmp_path):
    path = tmp_path / "m.npz"
    dk.save(_model(np.float32).state_dict(), path)
    data = path.read_bytes()
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    snap = _snapshot(model)
    for cut in (0, 10, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(dk.StateFileError, match="diffkit save file"):
            model.load_state_dict(dk.load(path))
        assert _unchanged(model, snap)


def test_corrupt_member_raises(tmp_path):
    path = tmp_path / "m.npz"
    dk.save({"w": np.arange(1000.0)}, path)
    data = bytearray(path.read_bytes())
    i = data.index(b"\x93NUMPY", 200)  # the second member's .npy header: flip bytes in its payload
    data[i + 200:i + 260] = b"\xff" * 60
    path.write_bytes(bytes(data))
    with pytest.raises(dk.StateFileError):
        dk.load(path)


@pytest.mark.parametrize("saved, target, error, match", [
    (lambda: nn.Linear(2, 3), lambda: nn.Linear(3, 3), nn.StateDictShapeError, "size mismatch for weight"),
    (lambda: nn.Linear(3, 3, bias=False), lambda: nn.Linear(3, 3), nn.StateDictError, 'Missing key.*"bias"'),
    (lambda: nn.Sequential(nn.Linear(3, 3)), lambda: nn.Linear(3, 3), nn.StateDictError, "Unexpected key"),
])
def test_mismatched_file_raises_and_leaves_model_unchanged(tmp_path, saved, target, error, match):
    path = tmp_path / "m.npz"
    dk.save(saved().state_dict(), path)
    model = target()
    snap = _snapshot(model)
    with pytest.raises(error, match=match) as info:
        model.load_state_dict(dk.load(path))
    assert isinstance(info.value, dk.DiffkitError)
    assert _unchanged(model, snap)


class _Trap:
    """Unpickling this touches a marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_object_array_in_npz_is_refused_and_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = _Trap(marker)
    good = tmp_path / "good.npz"
    dk.save({"w": np.ones(2)}, good)
    with zipfile.ZipFile(good) as z:
        header = z.read("__diffkit_header__.npy")
    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as z:  # a valid header whose array a0 is an object array
        z.writestr("__diffkit_header__.npy", header)
        with z.open("a0.npy", "w") as fh:
            np.lib.format.write_array(fh, evil, allow_pickle=True)
    with pytest.raises(dk.StateFileError, match="never unpickles"):
        dk.load(path)
    assert not marker.exists()
    # a bare pickle file (what torch.save-style code would write) is refused too
    pkl = tmp_path / "evil.pkl"
    pkl.write_bytes(pickle.dumps(_Trap(marker)))
    with pytest.raises(dk.StateFileError, match="pickle"):
        dk.load(pkl)
    assert not marker.exists()


def test_files_that_are_not_diffkit_saves_are_refused(tmp_path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, w=np.ones(2))
    with pytest.raises(dk.StateFileError, match="not a diffkit save file"):
        dk.load(plain)
    single = tmp_path / "one.npy"
    np.save(single, np.ones(2))
    with pytest.raises(dk.StateFileError, match="single .npy"):
        dk.load(single)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(dk.StateFileError):
        dk.load(text)
    with pytest.raises(FileNotFoundError):
        dk.load(tmp_path / "missing.npz")


def test_header_naming_a_missing_or_string_array_is_refused(tmp_path):
    import json

    def write(tree, arrays):
        header = json.dumps({"format": "diffkit-state", "version": 1, "tree": tree}).encode()
        p = tmp_path / "h.npz"
        np.savez(p, __diffkit_header__=np.frombuffer(header, np.uint8), **arrays)
        return p

    with pytest.raises(dk.StateFileError, match="does not hold"):
        dk.load(write({"t": "array", "ref": "a7"}, {}))
    with pytest.raises(dk.StateFileError, match="dtype <U"):
        dk.load(write({"t": "array", "ref": "a0"}, {"a0": np.array(["x"])}))
    with pytest.raises(dk.StateFileError, match="unexpected header entry"):
        dk.load(write({"t": "eval", "v": "__import__('os')"}, {}))
    header = json.dumps({"format": "diffkit-state", "version": 99, "tree": {"t": "none"}}).encode()
    np.savez(tmp_path / "v.npz", __diffkit_header__=np.frombuffer(header, np.uint8))
    with pytest.raises(dk.StateFileError, match="version 99"):
        dk.load(tmp_path / "v.npz")


def test_load_to_a_missing_device_is_a_backend_error(tmp_path):
    if dk.ad.backend.cuda_available():
        pytest.skip("a CUDA device is present")
    dk.save({"w": np.ones(2)}, tmp_path / "m.npz")
    with pytest.raises(dk.BackendError):
        dk.load(tmp_path / "m.npz", device="cuda")
    with pytest.raises(dk.BackendError, match="unknown device"):
        dk.load(tmp_path / "m.npz", device="tpu")


@pytest.mark.gpu
def test_cuda_state_round_trips_bit_for_bit(tmp_path):
    model = _model(np.float32).to("cuda")
    dk.save(model.state_dict(), tmp_path / "gpu.npz")
    on_cpu = dk.load(tmp_path / "gpu.npz")
    on_gpu = dk.load(tmp_path / "gpu.npz", device="cuda")
    assert all(v.device == "cpu" for v in on_cpu.values()) and all(v.device == "cuda" for v in on_gpu.values())
    fresh = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to("cuda")
    fresh.load_state_dict(on_cpu)
    for key, value in model.state_dict().items():
        assert _same_bits(fresh.state_dict()[key].cpu().numpy(), value.cpu().numpy()), key
        assert _same_bits(on_gpu[key].cpu().numpy(), value.cpu().numpy()), key
