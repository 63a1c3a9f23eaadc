"""vmap: every op of the table on a batch at once, against a loop over the examples; composition."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad import grad, jacrev, jvp, vjp, vmap
from diffkit.expr.ops import FUNCTIONS, OPS
from diffkit.expr.ops.batching import rule_for

RNG = np.random.default_rng(0)
B = 3


def _loop(fn, args, in_axes):
    """The reference: fn on each example, stacked (what vmap must give, without a Python loop). The
    examples go in as forward-mode values with no tangent, so array methods mean what they mean in fn."""
    outs = []
    for i in range(B):
        ex = [a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, in_axes)]
        outs.append(jvp(fn, ex, [None] * len(ex))[0])
    if isinstance(outs[0], tuple):
        return tuple(np.stack([np.asarray(o[k]) for o in outs]) for k in range(len(outs[0])))
    return np.stack([np.asarray(o) for o in outs])


def _check(fn, args, in_axes):
    got = vmap(fn, in_axes=in_axes)(*args)
    want = _loop(fn, args, in_axes)
    if isinstance(want, tuple):
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-14)
    else:
        assert np.shape(got) == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def _pos(*shape):
    return RNG.uniform(0.2, 0.9, size=shape)


UNARY = sorted(n for n, op in OPS.items() if op.kind == "elementwise" and op.arity == 1)
BINARY = sorted(n for n, op in OPS.items() if op.kind in ("elementwise", "comparison") and op.arity == 2)


@pytest.mark.parametrize("name", UNARY)
def test_elementwise_unary_ops_batch_by_broadcasting(name):
    fn = FUNCTIONS[name]
    _check(fn, (_pos(B, 2, 3),), (0,))
    _check(fn, (_pos(2, B),), (1,))


@pytest.mark.parametrize("name", BINARY)
def test_binary_ops_batch_against_unbatched_and_differently_ranked_operands(name):
    fn = FUNCTIONS[name]
    _check(fn, (_pos(B, 2, 3), _pos(B, 2, 3)), (0, 0))
    _check(fn, (_pos(B), _pos(2, 3)), (0, None))  # a per-example scalar against a matrix
    _check(fn, (_pos(4), _pos(B, 4)), (None, 0))
    _check(fn, (_pos(3, B), _pos(B, 2, 3)), (1, 0))


AXIS_CASES = {
    "sum": [{}, {"axis": 0}, {"axis": -1}, {"axis": (0, 1), "keepdims": True}],
    "mean": [{}, {"axis": 1, "keepdims": True}],
    "max": [{}, {"axis": 0}, {"axis": -1, "keepdims": True}],
    "logsumexp": [{}, {"axis": 1}],
    "softmax": [{}, {"axis": 0}],
    "log_softmax": [{}, {"axis": 0}],
    "var": [{}, {"axis": 1}, {"axis": 0, "correction": 0}],
    "std": [{}, {"axis": 1, "keepdims": True}],
    "vector_norm": [{}, {"axis": 0}],
    "argmax": [{}, {"axis": 1}, {"axis": None, "keepdims": True}],
    "argmin": [{}, {"axis": 0, "keepdims": True}],
}


@pytest.mark.parametrize("name", sorted(AXIS_CASES))
def test_reductions_shift_their_axis(name):
    for params in AXIS_CASES[name]:
        fn = lambda x, params=params: FUNCTIONS[name](x, **params)  # noqa: E731
        _check(fn, (_pos(B, 2, 3),), (0,))
        _check(fn, (_pos(2, B, 3),), (1,))


f = FUNCTIONS
W = _pos(3, 4)
ARRAY_CASES = {
    "reshape": (lambda x: f["reshape"](x, shape=(6,)), (_pos(B, 2, 3),), (0,)),
    "broadcast_to": (lambda x: f["broadcast_to"](x, shape=(4, 2, 3)), (_pos(B, 2, 3),), (0,)),
    "broadcast_to (rank up)": (lambda x: f["broadcast_to"](x, shape=(2, 3)), (_pos(B, 3),), (0,)),
    "sum_to": (lambda x: f["sum_to"](x, shape=(1, 3)), (_pos(B, 4, 2, 3),), (0,)),
    "transpose": (lambda x: f["transpose"](x), (_pos(B, 2, 3, 4),), (0,)),
    "transpose axes": (lambda x: f["transpose"](x, axes=(1, 2, 0)), (_pos(2, B, 3, 4),), (1,)),
    "matrix_transpose": (lambda x: f["matrix_transpose"](x), (_pos(B, 2, 3),), (0,)),
    "matmul mat@mat": (lambda a, b: a @ b, (_pos(B, 2, 3), _pos(B, 3, 4)), (0, 0)),
    "matmul mat@W": (lambda a, b: a @ b, (_pos(B, 2, 3), W), (0, None)),
    "matmul W@vec": (lambda a, b: a @ b, (W.T, _pos(B, 3)), (None, 0)),
    "matmul vec@vec": (lambda a, b: a @ b, (_pos(B, 3), _pos(B, 3)), (0, 0)),
    "matmul vec@W": (lambda a, b: a @ b, (_pos(B, 3), W), (0, None)),
    "matmul stack@mat": (lambda a, b: a @ b, (_pos(B, 3), _pos(5, 3, 4)), (0, None)),
    "matmul mat@stack": (lambda a, b: a @ b, (_pos(B, 2, 3), _pos(5, 3, 4)), (0, None)),
    "getitem basic": (lambda x: x[1, ::2], (_pos(B, 3, 4),), (0,)),
    "getitem arrays": (lambda x: x[np.array([2, 0, 2])], (_pos(B, 3, 4),), (0,)),
    "getitem separated arrays": (lambda x: x[np.array([0, 1]), :, np.array([1, 1])], (_pos(B, 2, 3, 4),), (0,)),
    "getitem mask": (lambda x: x[np.array([True, False, True])], (_pos(B, 3),), (0,)),
    "index_add": (lambda g: f["index_add"](g, index=(np.array([0, 2, 0]),), shape=(4, 2)), (_pos(B, 3, 2),), (0,)),
    "index_add separated": (lambda g: f["index_add"](g, index=(np.array([0, 1]), slice(None), np.array([1, 1])),
                                                     shape=(2, 3, 2)), (_pos(B, 2, 3),), (0,)),
    "setitem": (lambda x, v: f["setitem"](x, v, index=(1,)), (_pos(B, 3, 2), _pos(B, 2)), (0, 0)),
    "setitem into a constant": (lambda x, v: f["setitem"](x, v, index=(slice(0, 2),)), (_pos(3, 2), _pos(B)),
                                (None, 0)),
    "setitem of a constant": (lambda x, v: f["setitem"](x, v, index=(0, 1)), (_pos(B, 3, 2), 7.0), (0, None)),
    "concat": (lambda x, y: dk.concat([x, y], axis=1), (_pos(B, 2, 3), _pos(2, 4)), (0, None)),
    "concat negative axis": (lambda x, y: dk.concat([x, y], axis=-1), (_pos(B, 2, 3), _pos(B, 2, 1)), (0, 0)),
    "stack": (lambda x, y: dk.stack([x, y], axis=1), (_pos(B, 2, 3), _pos(2, 3)), (0, None)),
    "stack last": (lambda x, y: dk.stack([x, y], axis=-1), (_pos(B, 3), _pos(B, 3)), (0, 0)),
    "where": (lambda c, x, y: dk.where(c, x, y), (_pos(B, 3) > 0.5, _pos(B, 3), _pos(3)), (0, 0, None)),
    "where unbatched condition": (lambda c, x: dk.where(c, x, 0.0), (np.array([True, False]), _pos(B, 2)), (None, 0)),
    "clip": (lambda x: dk.clip(x, lo=0.4, hi=0.7), (_pos(B, 4),), (0,)),
    "astype": (lambda x: f["astype"](x, dtype=np.float32), (_pos(B, 2),), (0,)),
    "contiguous": (lambda x: f["contiguous"](x), (_pos(B, 2),), (0,)),
    "binary_cross_entropy": (lambda p, t: f["binary_cross_entropy"](p, t), (_pos(B, 4), _pos(4)), (0, None)),
    "binary_cross_entropy_with_logits mean": (lambda x, t: f["binary_cross_entropy_with_logits"](x, t, 1.0, 1.0),
                                              (_pos(B, 2, 3) - 0.5, _pos(B, 2, 3)), (0, 0)),
    "binary_cross_entropy_with_logits sum": (
        lambda x, t, w, pw: f["binary_cross_entropy_with_logits"](x, t, w, pw, reduction="sum"),
        (_pos(B, 2, 3) - 0.5, _pos(2, 3), _pos(B, 2, 1), _pos(3)), (0, None, 0, None)),
    "binary_cross_entropy_with_logits none": (
        lambda x, t, pw: f["binary_cross_entropy_with_logits"](x, t, 1.0, pw, reduction="none"),
        (_pos(3) - 0.5, _pos(B, 2, 3), _pos(3, B)), (None, 0, 1)),
    "binary_cross_entropy_with_logits scalar": (
        lambda x, t: f["binary_cross_entropy_with_logits"](x, t, 1.0, 1.0), (_pos(B) - 0.5, _pos(B)), (0, 0)),
    "linear (batch of inputs)": (lambda x: f["linear"](x, W, 0.5), (_pos(B, 2, 4),), (0,)),
    "linear (vector inputs)": (lambda x: f["linear"](x, W, np.ones(3)), (_pos(B, 4),), (0,)),
    "linear (batched weights)": (lambda x, w, b: f["linear"](x, w, b), (_pos(2, 4), _pos(B, 3, 4), _pos(B, 3)),
                                 (None, 0, 0)),
    "one_hot": (lambda t: f["one_hot"](t, classes=4, dtype=np.float64), (np.array([[0, 3], [1, 1], [2, 0]]),), (0,)),
    "softmax_cross_entropy mean": (lambda x, t: f["softmax_cross_entropy"](x, t), (_pos(B, 2, 4), np.array([1, 3])),
                                   (0, None)),
    "softmax_cross_entropy none": (lambda x, t: f["softmax_cross_entropy"](x, t, reduction="none"),
                                   (_pos(B, 2, 4), np.array([[1, 3], [0, 0], [2, 1]])), (0, 0)),
    "softmax_cross_entropy sum": (lambda x, t: f["softmax_cross_entropy"](x, t, reduction="sum"),
                                  (_pos(2, 4), np.array([[1, 3], [0, 0], [2, 1]])), (None, 0)),
}


def _spd(*lead_n):  # symmetric positive definite n x n matrices, stacked as lead
    n = lead_n[-1]
    a = _pos(*lead_n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _cplx(*shape):
    return _pos(*shape) + 1j * _pos(*shape)


CONV = {"stride": (1, 2), "padding": ((1, 0), (1, 1)), "dilation": (1, 1)}
IDX = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])  # unique along axis 0, as scatter wants
T = np.array([[0.0, 1.0, 0.3], [0.8, 0.5, 1.0]])  # targets
ARRAY_CASES.update({
    # linear algebra on stacks of matrices
    "inv": (lambda a: f["inv"](a), (_spd(B, 3),), (0,)),
    "inv stack": (lambda a: f["inv"](a), (_spd(2, B, 3),), (1,)),
    "solve matrix": (lambda a, b: f["solve"](a, b), (_spd(B, 3), _pos(B, 3, 2)), (0, 0)),
    "solve vector": (lambda a, b: f["solve"](a, b), (_spd(B, 3), _pos(B, 3)), (0, 0)),
    "solve shared a": (lambda a, b: f["solve"](a, b), (_spd(3), _pos(B, 3)), (None, 0)),
    "solve shared b": (lambda a, b: f["solve"](a, b), (_spd(B, 3), _pos(3)), (0, None)),
    "solve stack": (lambda a, b: f["solve"](a, b), (_spd(B, 2, 3), _pos(B, 3, 1)), (0, 0)),
    "adjugate": (lambda a: f["adjugate"](a), (_pos(B, 3, 3),), (0,)),
    "det": (lambda a: f["det"](a), (_pos(B, 2, 3, 3),), (0,)),
    "logabsdet": (lambda a: f["logabsdet"](a), (_spd(B, 3),), (0,)),
    "det_sign": (lambda a: f["det_sign"](a), (_pos(B, 3, 3) - 0.5,), (0,)),
    "cholesky": (lambda a: f["cholesky"](a), (_spd(B, 3),), (0,)),
    "pinv": (lambda a: f["pinv"](a), (_pos(B, 4, 3),), (0,)),
    "vector_norm ord": (lambda x: f["vector_norm"](x, ord=3.0, axis=1), (_pos(B, 2, 3),), (0,)),
    "eigh": (lambda a: f["eigh"](a), (_spd(B, 3),), (0,)),
    "svd": (lambda a: f["svd"](a), (_pos(B, 4, 3),), (0,)),
    "qr": (lambda a: f["qr"](a), (_pos(B, 4, 3),), (0,)),
    "einsum": (lambda a, b: f["einsum"]([a, b], subscripts="ij,jk->ik"), (_pos(B, 2, 3), _pos(3, 4)), (0, None)),
    "einsum both": (lambda a, b: f["einsum"]([a, b], subscripts="ij,ij->j"), (_pos(B, 2, 3), _pos(2, B, 3)), (0, 1)),
    # diagonals and triangles
    "diagonal": (lambda x: f["diagonal"](x, offset=1), (_pos(B, 3, 4),), (0,)),
    "diagonal axes": (lambda x: f["diagonal"](x, axis1=2, axis2=0), (_pos(2, B, 3, 4),), (1,)),
    "diag_embed": (lambda v: f["diag_embed"](v, offset=-1), (_pos(B, 2, 3),), (0,)),
    "diag_embed axes": (lambda v: f["diag_embed"](v, axis1=0, axis2=2), (_pos(B, 2, 3),), (0,)),
    "tril": (lambda x: f["tril"](x, k=1), (_pos(B, 3, 4),), (0,)),
    "triu": (lambda x: f["triu"](x), (_pos(3, 3, B),), (2,)),
    # scans, products, sorting: an axis, or the flattened example
    "cumsum": (lambda x: f["cumsum"](x, axis=1), (_pos(B, 2, 3),), (0,)),
    "cumsum flat": (lambda x: f["cumsum"](x), (_pos(B, 2, 3),), (0,)),
    "cumprod flat": (lambda x: f["cumprod"](x), (_pos(2, B, 3),), (1,)),
    "logcumsumexp": (lambda x: f["logcumsumexp"](x, axis=-1), (_pos(B, 2, 3),), (0,)),
    "logcumsumexp flat": (lambda x: f["logcumsumexp"](x), (_pos(B, 2, 3),), (0,)),
    "prod": (lambda x: f["prod"](x), (_pos(B, 2, 3),), (0,)),
    "prod axis": (lambda x: f["prod"](x, axis=0, keepdims=True), (_pos(B, 2, 3),), (0,)),
    "sort": (lambda x: f["sort"](x), (_pos(B, 2, 5),), (0,)),
    "sort flat descending": (lambda x: f["sort"](x, axis=None, descending=True), (_pos(B, 2, 5),), (0,)),
    "argsort": (lambda x: f["argsort"](x, axis=0), (_pos(B, 4, 3),), (0,)),
    "argpartition": (lambda x: f["argpartition"](x, kth=2), (_pos(B, 2, 5),), (0,)),
    "argpartition flat": (lambda x: f["argpartition"](x, kth=1, axis=None), (_pos(B, 2, 3),), (0,)),
    # movement
    "flip": (lambda x: f["flip"](x), (_pos(B, 2, 3),), (0,)),
    "flip axis": (lambda x: f["flip"](x, axis=(1,)), (_pos(B, 2, 3),), (0,)),
    "roll": (lambda x: f["roll"](x, shift=1, axis=-1), (_pos(B, 2, 3),), (0,)),
    "roll flat": (lambda x: f["roll"](x, shift=2), (_pos(B, 2, 3),), (0,)),
    "repeat": (lambda x: f["repeat"](x, repeats=2, axis=0), (_pos(B, 2, 3),), (0,)),
    "tile": (lambda x: f["tile"](x, reps=(2, 1)), (_pos(B, 2, 3),), (0,)),
    "tile rank up": (lambda x: f["tile"](x, reps=(2, 1, 3)), (_pos(B, 3),), (0,)),
    "tile fewer reps": (lambda x: f["tile"](x, reps=2), (_pos(B, 2, 3),), (0,)),
    "pad": (lambda x: f["pad"](x, pad_width=((1, 2), (0, 1)), constant_values=0.5), (_pos(B, 2, 3),), (0,)),
    "pad one pair": (lambda x: f["pad"](x, pad_width=(1, 2)), (_pos(B, 2, 3),), (0,)),
    # indexing along an axis
    "gather": (lambda x: f["gather"](x, IDX, axis=0), (_pos(B, 3, 4),), (0,)),
    "gather batched index": (lambda x, i: f["gather"](x, i, axis=1), (_pos(B, 2, 3), np.array([[[0, 2]] * 2] * B)),
                             (0, 0)),
    "take": (lambda x: f["take"](x, np.array([2, 0, 2]), axis=1), (_pos(B, 2, 3),), (0,)),
    "take batched index": (lambda x, i: f["take"](x, i, axis=-1), (_pos(B, 2, 3), np.array([[2, -1], [0, 0], [1, 2]])),
                           (0, 0)),
    "take shared x": (lambda x, i: f["take"](x, i, axis=0), (_pos(3, 2), np.array([[2, 0], [0, 0], [1, 2]])),
                      (None, 0)),
    "scatter": (lambda x, s: f["scatter"](x, IDX, s, axis=0), (_pos(B, 3, 4), _pos(B, 2, 4)), (0, 0)),
    "scatter_add": (lambda x, s: f["scatter_add"](x, np.array([[0, 0, 2, 1]]), s, axis=0),
                    (_pos(3, 4), _pos(B, 1, 4)), (None, 0)),
    # complex numbers
    "real": (lambda z: f["real"](z), (_cplx(B, 2),), (0,)),
    "imag": (lambda z: f["imag"](z), (_cplx(B, 2),), (0,)),
    "conj": (lambda z: f["conj"](z), (_cplx(B, 2),), (0,)),
    "angle": (lambda z: f["angle"](z), (_cplx(B, 2),), (0,)),
    # convolution, pooling, normalisation: a batch of (N, C, *S) images per example
    "conv": (lambda x, w: f["conv"](x, w, **CONV), (_pos(B, 2, 2, 5, 4), _pos(3, 2, 3, 2)), (0, None)),
    "conv own kernels": (lambda x, w: f["conv"](x, w, **CONV), (_pos(B, 2, 2, 5, 4), _pos(B, 4, 2, 3, 2)),
                         (0, 0)),
    "conv grouped kernels": (lambda x, w: f["conv"](x, w, groups=2, **CONV), (_pos(2, 4, 5, 4), _pos(B, 6, 2, 3, 2)),
                             (None, 0)),
    "conv_transpose": (lambda g, w: f["conv_transpose"](g, w, size=(5, 4), **CONV),
                       (_pos(B, 2, 3, 4, 3), _pos(3, 2, 3, 2)), (0, None)),
    "conv_transpose own kernels": (lambda g, w: f["conv_transpose"](g, w, size=(5, 4), **CONV),
                                   (_pos(B, 2, 3, 4, 3), _pos(B, 3, 2, 3, 2)), (0, 0)),
    "conv_weight": (lambda x, g: f["conv_weight"](x, g, size=(3, 2), **CONV),
                    (_pos(B, 2, 2, 5, 4), _pos(B, 2, 3, 4, 3)), (0, 0)),
    "conv_weight shared images": (lambda x, g: f["conv_weight"](x, g, size=(3, 2), **CONV),
                                  (_pos(2, 2, 5, 4), _pos(B, 2, 3, 4, 3)), (None, 0)),
    "max_pool": (lambda x: f["max_pool"](x, kernel_size=(2, 2), stride=(1, 2), padding=(1, 0), dilation=(1, 1)),
                 (_pos(B, 2, 3, 4, 5),), (0,)),
    "max_pool_index": (lambda x: f["max_pool_index"](x, kernel_size=(3, 2), stride=(1, 1), padding=(1, 1)),
                       (_pos(B, 2, 3, 4, 5),), (0,)),
    "avg_pool": (lambda x: f["avg_pool"](x, kernel_size=(2, 2), stride=(2, 2)), (_pos(2, B, 3, 4, 4),), (1,)),
    "normalize": (lambda x, w, b: f["normalize"](x, w, b, axis=(0, 2)), (_pos(B, 4, 3, 2), _pos(3, 1), _pos(B, 3, 1)),
                  (0, None, 0)),
    "normalize shared x": (lambda x, w: f["normalize"](x, w, 0.0, axis=(-1,)), (_pos(4, 3), _pos(B, 3)), (None, 0)),
    "normalize channel": (lambda x, w, b: f["normalize"](x, w, b, axis=(0, 2), channel=1),
                          (_pos(B, 4, 3, 2), _pos(3), _pos(B, 3)), (0, None, 0)),
    "normalize channel, parameters batched": (lambda x, w: f["normalize"](x, w, 0.0, axis=(0, 2), channel=1),
                                              (_pos(4, 3, 2), _pos(B, 3)), (None, 0)),
})


@pytest.mark.parametrize("name", sorted(ARRAY_CASES))
def test_array_ops_have_batching_rules(name):
    fn, args, in_axes = ARRAY_CASES[name]
    _check(fn, args, in_axes)


def test_every_op_batches_and_is_checked_against_a_loop():
    covered = set(UNARY) | set(BINARY) | set(AXIS_CASES) | {name.split()[0] for name in ARRAY_CASES}
    assert sorted(set(OPS) - covered) == []
    for op in OPS.values():
        assert callable(rule_for(op))


def test_every_op_has_a_rule_or_refuses_by_name():
    for name, op in OPS.items():
        try:
            rule = rule_for(op)
        except dk.BatchingError as err:
            assert repr(name) in str(err)
        else:
            assert callable(rule)


def test_an_op_without_a_rule_is_refused_by_name_not_looped():
    from diffkit.expr.ops.core import Op

    odd = Op("odd_op", 1, lambda xp, x: x, None, None, kind="array")
    with pytest.raises(dk.BatchingError, match="'odd_op'"):
        rule_for(odd)


def test_in_axes_out_axes_and_pytrees():
    x = _pos(4, B)
    out = vmap(lambda d: d["a"] * d["b"], in_axes=({"a": 1, "b": None},), out_axes=1)({"a": x, "b": 2.0})
    np.testing.assert_allclose(out, 2.0 * x)
    y = vmap(lambda x: (x * 2, dk.sum(x)))(_pos(B, 2))
    assert y[0].shape == (B, 2) and y[1].shape == (B,)
    # an output that does not depend on the batch is broadcast to it (JAX)
    np.testing.assert_allclose(vmap(lambda x: np.ones(2))(_pos(B, 3)), np.ones((B, 2)))
    assert vmap(lambda x, c: c, in_axes=(0, None), out_axes=(None))(_pos(B), 5.0) == 5.0


def test_nested_vmap_is_an_outer_product():
    a, b = _pos(3), _pos(4)
    got = vmap(lambda x: vmap(lambda y: x * y)(b))(a)
    np.testing.assert_allclose(got, np.outer(a, b), rtol=1e-15)


def test_per_example_gradients():
    """vmap(grad(loss), in_axes=(None, 0, 0)): one gradient per example, no loop over the batch."""
    def loss(params, x, y):
        h = dk.tanh(params["W"] @ x + params["b"])
        return (dk.sum(h) - y) ** 2

    params = {"W": _pos(3, 4), "b": _pos(3)}
    X, Y = _pos(5, 4), _pos(5)
    per = vmap(grad(loss), in_axes=(None, 0, 0))(params, X, Y)
    assert per["W"].shape == (5, 3, 4) and per["b"].shape == (5, 3)
    for i in range(5):
        ref = grad(loss)(params, X[i], Y[i])
        np.testing.assert_allclose(per["W"][i], ref["W"], rtol=1e-13)
        np.testing.assert_allclose(per["b"][i], ref["b"], rtol=1e-13)


def test_jacobian_as_vmap_of_vjp():
    fn = lambda x: dk.softmax(x * np.array([1.0, 2.0, 3.0]))  # noqa: E731
    x = _pos(3)
    _, pullback = vjp(fn, x)
    (J,) = vmap(pullback)(np.eye(3))
    np.testing.assert_allclose(J, jacrev(fn)(x), rtol=1e-13)


def test_errors_name_what_is_wrong():
    with pytest.raises(dk.BatchingError, match="dk.where"):
        vmap(lambda x: x if x > 0 else -x)(np.array([1.0, -1.0]))
    with pytest.raises(dk.ShapeError, match="different sizes"):
        vmap(lambda x, y: x + y)(np.ones(2), np.ones(3))
    with pytest.raises(dk.ArgumentError, match="no argument is mapped"):
        vmap(lambda x: x, in_axes=None)(np.ones(2))
    with pytest.raises(dk.ShapeError, match="in_axes"):
        vmap(lambda x: x, in_axes=1)(np.ones(2))
    with pytest.raises(dk.BatchingError, match="out_axes is None"):
        vmap(lambda x: x, out_axes=None)(np.ones(2))


def test_methods_and_control_flow_free_code_batch():
    x = _pos(B, 2, 3)
    _check(lambda v: v.var(1) + v.std() + v.norm() + v.min() + v.max(1).values.sum(), (x,), (0,))
    _check(lambda v: dk.stack(v.chunk(3, dim=1), axis=0).squeeze(-1).flatten(), (x,), (0,))
    _check(lambda v: v.unsqueeze(0).permute(2, 1, 0).T.mT.reciprocal(), (x,), (0,))


@pytest.mark.parametrize("name,loss,args", [
    ("linalg", lambda a, b: dk.sum(f["solve"](a, b)) + f["logabsdet"](a) + dk.sum(f["eigh"](a) ** 2)
     + dk.sum(f["svd"](a) ** 2) + dk.sum(f["inv"](a) * f["cholesky"](a)), (_spd(B, 3), _pos(B, 3))),
    ("scans and sorting", lambda x, y: dk.sum(f["cumprod"](x) ** 2) + dk.sum(f["sort"](y, axis=0) * x)
     + dk.sum(f["logcumsumexp"](x)) + dk.sum(f["prod"](x, axis=1)), (_pos(B, 2, 3), _pos(B, 2, 3))),
    ("movement and indexing", lambda x, y: dk.sum(f["take"](f["pad"](x, pad_width=1), np.array([0, 3]), axis=1)
     * f["tile"](y, reps=(1, 1))) + dk.sum(f["roll"](x, shift=1) * f["flip"](x)), (_pos(B, 2, 3), _pos(B, 4, 2))),
    ("images", lambda x, w: dk.sum(f["normalize"](f["avg_pool"](f["max_pool"](f["conv"](x, w, **CONV),
     kernel_size=(2, 1)), kernel_size=(1, 1)), 1.5, 0.1, axis=(0, 2, 3)) ** 2),
     (_pos(B, 2, 2, 5, 4), _pos(B, 3, 2, 3, 2))),
    ("einsum and diagonals", lambda a, b: dk.sum(f["diagonal"](f["einsum"]([a, b], subscripts="ij,jk->ik")) ** 2)
     + dk.sum(f["tril"](a[:, :2]) * f["diag_embed"](b[0, :2])), (_pos(B, 2, 3), _pos(B, 3, 2))),
    ("logit losses", lambda x, w: f["binary_cross_entropy_with_logits"](x, T, w[:1], w[1], reduction="sum")
     + dk.sum(f["binary_cross_entropy_with_logits"](x * w[2], 0.25, 1.0, 2.0, reduction="none") ** 2),
     (_pos(B, 2, 3) - 0.5, _pos(B, 3, 3))),
])
def test_per_example_gradients_through_the_array_vocabulary(name, loss, args):
    """vmap(grad(...)) runs the rules' own batching rules (a conv's rule is conv_transpose and conv_weight)."""
    per = vmap(grad(loss, argnums=(0, 1)))(*args)
    for i in range(B):
        ref = grad(loss, argnums=(0, 1))(*(a[i] for a in args))
        for p, r in zip(per, ref):
            np.testing.assert_allclose(p[i], r, rtol=1e-12, atol=1e-13)
