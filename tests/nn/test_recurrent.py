"""RNN, LSTM, GRU and their cells: closed forms, and side by side with torch==2.13.0 (weights copied both ways).

Side by side: outputs, final states and the gradients of every parameter, of
the input and of the initial states, float64, rtol 1e-10 (observed ~1e-15:
the same operations in the same order, sums rounded in another order).
"""

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn

RNG = np.random.default_rng(8)


def _flat(result):
    return [result] if not isinstance(result, tuple | list) else [t for r in result for t in _flat(r)]


def _state_shapes(name, kw, shape):
    """The initial states a layer takes for an input of ``shape`` (unbatched when 2-d)."""
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    h_size = kw.get("proj_size", 0) or kw["hidden_size"]
    batch = () if len(shape) == 2 else (shape[0] if kw.get("batch_first") else shape[1],)
    shapes = [(layers, *batch, h_size)]
    if name == "LSTM":
        shapes.append((layers, *batch, kw["hidden_size"]))
    return shapes


def _pair(name, kw):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, name)(**kw, dtype="float64")
    theirs = getattr(torch.nn, name)(**kw).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    return torch, ours, theirs


def _side_by_side(name, kw, shape, with_state, cell=False):
    torch, ours, theirs = _pair(name, kw)
    x = RNG.standard_normal(shape)
    if cell:
        states = [shape[:-1] + (kw["hidden_size"],)] * (2 if name == "LSTMCell" else 1) if with_state else []
    else:
        states = _state_shapes(name, kw, shape) if with_state else []
    values = [RNG.standard_normal(s) for s in states]
    ins = [dk.tensor(a, requires_grad=True) for a in [x] + values]
    tins = [torch.tensor(a, requires_grad=True) for a in [x] + values]
    pack = (lambda s: (tuple(s),)) if name in ("LSTM", "LSTMCell") else (lambda s: tuple(s))
    out = ours(ins[0], *pack(ins[1:])) if values else ours(ins[0])
    tout = theirs(tins[0], *pack(tins[1:])) if values else theirs(tins[0])
    flat, tflat = _flat(out), _flat(tout)
    assert [tuple(a.shape) for a in flat] == [tuple(b.shape) for b in tflat]
    for a, b in zip(flat, tflat):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-13)
    weights = [RNG.standard_normal(tuple(a.shape)) for a in flat]
    sum(((a * dk.tensor(w)).sum() for a, w in zip(flat, weights)), dk.tensor(0.0)).backward()
    sum(((b * torch.tensor(w)).sum() for b, w in zip(tflat, weights)), torch.tensor(0.0, dtype=torch.float64)
        ).backward()
    for (pname, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=pname)
    for a, b in zip(ins, tins):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-13)


LAYER_CASES = [
    ({"input_size": 3, "hidden_size": 4}, (5, 2, 3), False),
    ({"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True}, (5, 2, 3), True),
    ({"input_size": 3, "hidden_size": 4, "num_layers": 2, "batch_first": True}, (2, 5, 3), True),
    ({"input_size": 3, "hidden_size": 4, "bias": False}, (5, 3), True),  # unbatched
    ({"input_size": 2, "hidden_size": 3, "num_layers": 3, "bidirectional": True, "batch_first": True}, (2, 4, 2),
     False),
]


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kw,shape,with_state", LAYER_CASES, ids=[str(i) for i in range(len(LAYER_CASES))])
def test_layers_match_torch(name, kw, shape, with_state):
    _side_by_side(name, kw, shape, with_state)


@pytest.mark.parametrize("kw,shape", [({"input_size": 3, "hidden_size": 4, "nonlinearity": "relu", "num_layers": 3},
                                       (6, 2, 3))])
def test_relu_rnn_matches_torch(kw, shape):
    _side_by_side("RNN", kw, shape, True)


@pytest.mark.parametrize("kw,shape", [({"input_size": 3, "hidden_size": 5, "proj_size": 2, "num_layers": 2,
                                        "bidirectional": True}, (4, 2, 3)),
                                      ({"input_size": 3, "hidden_size": 5, "proj_size": 2}, (4, 3))])
def test_lstm_with_projection_matches_torch(kw, shape):
    _side_by_side("LSTM", kw, shape, True)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("shape,with_state", [((2, 3), True), ((2, 3), False), ((3,), True)])
def test_cells_match_torch(name, shape, with_state):
    _side_by_side(name, {"input_size": 3, "hidden_size": 4}, shape, with_state, cell=True)


def test_weights_copy_from_torch_and_reprs_are_torchs():
    torch = pytest.importorskip("torch")
    cases = [("RNN", dict(input_size=3, hidden_size=4, num_layers=2, bias=False, batch_first=True, dropout=0.5)),
             ("LSTM", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True, proj_size=2)),
             ("GRU", dict(input_size=3, hidden_size=4)), ("RNNCell", dict(input_size=3, hidden_size=4,
                                                                          nonlinearity="relu", bias=False)),
             ("LSTMCell", dict(input_size=3, hidden_size=4)), ("GRUCell", dict(input_size=3, hidden_size=4))]
    for name, kw in cases:
        theirs = getattr(torch.nn, name)(**kw)
        ours = getattr(nn, name)(**kw)
        assert repr(ours) == repr(theirs)
        ours.load_state_dict(theirs.state_dict())  # torch -> diffkit
        for (k, v), (tk, tv) in zip(ours.state_dict().items(), theirs.state_dict().items()):
            assert k == tk and v.dtype == np.float32
            np.testing.assert_array_equal(v.numpy(), tv.numpy())


def test_lstm_step_by_hand():
    """One LSTM step against the textbook equations (gates i, f, g, o in PyTorch's order)."""
    lstm = nn.LSTM(2, 3, dtype="float64")
    x, h0, c0 = RNG.standard_normal((1, 1, 2)), RNG.standard_normal((1, 1, 3)), RNG.standard_normal((1, 1, 3))
    out, (h, c) = lstm(x, (h0, c0))
    gates = lstm.weight_ih_l0.numpy() @ x[0, 0] + lstm.bias_ih_l0.numpy() + lstm.weight_hh_l0.numpy() @ h0[0, 0] \
        + lstm.bias_hh_l0.numpy()
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, f, g, o = sig(gates[:3]), sig(gates[3:6]), np.tanh(gates[6:9]), sig(gates[9:])
    c_ref = f * c0[0, 0] + i * g
    np.testing.assert_allclose(c.numpy()[0, 0], c_ref, rtol=1e-13)
    np.testing.assert_allclose(h.numpy()[0, 0], o * np.tanh(c_ref), rtol=1e-13)
    np.testing.assert_allclose(out.numpy()[0, 0], h.numpy()[0, 0], rtol=0)


def test_zero_initial_state_equals_none_and_outputs_end_in_h_n():
    for layer in (nn.RNN(3, 4, 2), nn.GRU(3, 4, bidirectional=True), nn.LSTM(3, 4)):
        x = RNG.standard_normal((5, 2, 3)).astype(np.float32)
        out, state = layer(x)
        zeros = np.zeros((layer.num_layers * layer.directions, 2, 4), np.float32)
        out0, state0 = layer(x, (zeros, zeros) if isinstance(layer, nn.LSTM) else zeros)
        np.testing.assert_array_equal(out.numpy(), out0.numpy())
        h = state[0] if isinstance(layer, nn.LSTM) else state
        np.testing.assert_array_equal(out.numpy()[-1, :, :4], h.numpy()[-layer.directions])  # last step, forward
        if layer.bidirectional:  # the backward direction ends at time 0
            np.testing.assert_array_equal(out.numpy()[0, :, 4:], h.numpy()[-1])


def test_dropout_between_layers_only_in_training():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.5)
    gru = nn.GRU(3, 4, num_layers=2, dropout=1.0)
    x = RNG.standard_normal((4, 2, 3)).astype(np.float32)
    dropped, _ = gru(x)  # every output of layer 0 is dropped: layer 1 sees zeros
    zeros_in = nn.GRU(4, 4)
    zeros_in.load_state_dict({k.replace("_l1", "_l0"): v for k, v in gru.state_dict().items() if "_l1" in k})
    np.testing.assert_allclose(dropped.numpy(), zeros_in(np.zeros((4, 2, 4), np.float32))[0].numpy(), rtol=1e-6)
    gru.eval()
    kept, _ = gru(x)
    assert not np.allclose(kept.numpy(), dropped.numpy())


def test_a_recurrent_net_learns_to_sum_a_sequence():
    """Training end to end: a GRU reads 8 numbers and predicts their sum (Adam, clipped gradients)."""
    dk.manual_seed(0)
    x = RNG.uniform(-1, 1, (64, 8, 1)).astype(np.float32)
    y = x.sum(axis=1)
    gru, head = nn.GRU(1, 8, batch_first=True), nn.Linear(8, 1)
    opt = dk.optim.Adam(list(gru.parameters()) + list(head.parameters()), lr=0.03)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        out, h = gru(x)
        loss = nn.functional.mse_loss(head(h[-1]), y)
        loss.backward()
        nn.utils.clip_grad_norm_(gru.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]


@pytest.mark.parametrize("call,error,message", [
    (lambda: nn.GRU(3, 0), ValueError, "hidden_size must be greater than zero"),
    (lambda: nn.GRU(3, 4, num_layers=0), ValueError, "num_layers must be greater than zero"),
    (lambda: nn.GRU(3, 4.0), TypeError, "hidden_size should be of type int"),
    (lambda: nn.GRU(3, 4, dropout=2), ValueError, "dropout should be a number in range"),
    (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError, "Unknown nonlinearity 'sigmoid'"),
    (lambda: nn.LSTM(3, 4, proj_size=4), ValueError, "proj_size has to be smaller than hidden_size"),
    (lambda: nn.GRU(3, 4)(np.zeros((5, 2, 2))), RuntimeError, "input.size\\(-1\\) must be equal to input_size"),
    (lambda: nn.GRU(3, 4)(np.zeros((2, 5, 2, 3))), ValueError, "Expected input to be 2D or 3D, got 4D"),
    (lambda: nn.GRU(3, 4, 2)(np.zeros((5, 2, 3)), np.zeros((1, 2, 4))), RuntimeError,
     "Expected hidden size \\(2, 2, 4\\), got \\[1, 2, 4\\]"),
    (lambda: nn.GRU(3, 4)(np.zeros((5, 3)), np.zeros((1, 1, 4))), RuntimeError,
     "For unbatched 2-D input, hx should also be 2-D"),
    (lambda: nn.LSTM(3, 4)(np.zeros((5, 2, 3)), (np.zeros((1, 2, 4)), np.zeros((1, 3, 4)))), RuntimeError,
     "Expected hidden\\[1\\] size \\(1, 2, 4\\), got \\[1, 3, 4\\]"),
    (lambda: nn.GRUCell(3, 4)(np.zeros((2, 5))), RuntimeError, "input has inconsistent input_size: got 5"),
    (lambda: nn.GRUCell(3, 4)(np.zeros((2, 3)), np.zeros((3, 4))), RuntimeError,
     "Input batch size 2 doesn't match hidden0 batch size 3"),
    (lambda: nn.GRUCell(3, 4)(np.zeros((2, 2, 3))), ValueError, "Expected input to be 1D or 2D, got 3D"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_refusals_are_torchs(call, error, message):
    """The messages and builtin classes of torch 2.13's own checks (RuntimeError for its C++ shape checks)."""
    with pytest.raises(error, match=message):
        call()
