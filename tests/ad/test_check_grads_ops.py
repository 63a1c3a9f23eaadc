"""HIPS autograd's ``check_grads`` (both modes, to order 2) on every op of diffkit's table.

The peer runs its check over its NumPy wrapper (``tests/test_numpy.py``,
``test_scalar_ops.py``); this runs the same check, with the peer's
tolerances, over diffkit's ops through its function transforms, so every
JVP and VJP rule is checked against finite differences, and so are the rules'
own derivatives (forward over forward, reverse over forward, forward over
reverse, reverse over reverse). Inputs stay inside each op's domain and away
from its kinks; a new op must be added here (the last test says which).
"""

import numpy as np
import pytest
from hips_check import check_grads

from diffkit.expr.ops import FUNCTIONS, OPS

R = np.random.default_rng(11)


def _in(lo, hi, *shape):
    return R.uniform(lo, hi, size=shape)


f = FUNCTIONS
UNARY_DOMAIN = {"log": (0.5, 2.0), "log2": (0.5, 2.0), "log10": (0.5, 2.0), "log1p": (-0.5, 2.0),
                "sqrt": (0.5, 2.0), "asin": (-0.7, 0.7), "acos": (-0.7, 0.7), "atanh": (-0.7, 0.7),
                "acosh": (1.5, 3.0), "tan": (-1.0, 1.0)}
CASES = {name: (lambda x, fn=f[name]: fn(x), (_in(*UNARY_DOMAIN.get(name, (-2.0, 2.0)), 3, 2),))
         for name, op in OPS.items() if op.kind == "elementwise" and op.arity == 1}
CASES.update({name: (lambda x, y, fn=f[name]: fn(x, y), (_in(0.5, 2.0, 3), _in(0.5, 2.0, 2, 3)))
              for name, op in OPS.items() if op.kind in ("elementwise", "comparison") and op.arity == 2})
W = _in(-1.0, 1.0, 4, 3)
CASES.update({
    "sum": (lambda x: f["sum"](x, axis=0), (_in(-1, 1, 3, 4),)),
    "mean": (lambda x: f["mean"](x, axis=1, keepdims=True), (_in(-1, 1, 3, 4),)),
    "max": (lambda x: f["max"](x, axis=1), (np.arange(12.0).reshape(3, 4) ** 1.1,)),
    "logsumexp": (lambda x: f["logsumexp"](x, axis=-1), (_in(-1, 1, 3, 4),)),
    "log_softmax": (lambda x: f["log_softmax"](x), (_in(-1, 1, 3, 4),)),
    "softmax": (lambda x: f["softmax"](x, axis=0), (_in(-1, 1, 3, 4),)),
    "var": (lambda x: f["var"](x, axis=1), (_in(-1, 1, 3, 4),)),
    "std": (lambda x: f["std"](x), (_in(-1, 1, 3, 4),)),
    "vector_norm": (lambda x: f["vector_norm"](x, axis=0), (_in(0.5, 1, 3, 4),)),
    "argmax": (lambda x: f["argmax"](x, axis=0), (_in(-1, 1, 3, 4),)),
    "argmin": (lambda x: f["argmin"](x), (_in(-1, 1, 3, 4),)),
    "matmul": (lambda a, b: f["matmul"](a, b), (_in(-1, 1, 2, 4), W)),
    "reshape": (lambda x: f["reshape"](x, shape=(2, 6)), (_in(-1, 1, 3, 4),)),
    "transpose": (lambda x: f["transpose"](x, axes=(1, 0)), (_in(-1, 1, 3, 4),)),
    "matrix_transpose": (lambda x: f["matrix_transpose"](x), (_in(-1, 1, 2, 3, 4),)),
    "broadcast_to": (lambda x: f["broadcast_to"](x, shape=(2, 3, 4)), (_in(-1, 1, 3, 1),)),
    "sum_to": (lambda x: f["sum_to"](x, shape=(1, 4)), (_in(-1, 1, 3, 4),)),
    "getitem": (lambda x: f["getitem"](x, index=(np.array([0, 2, 2]), slice(1, None))), (_in(-1, 1, 3, 4),)),
    "index_add": (lambda g: f["index_add"](g, index=(np.array([0, 2, 0]),), shape=(4, 2)), (_in(-1, 1, 3, 2),)),
    "setitem": (lambda x, v: f["setitem"](x, v, index=(1,)), (_in(-1, 1, 3, 2), _in(-1, 1, 2))),
    "concat": (lambda x, y: f["concat"]([x, y], axis=1), (_in(-1, 1, 2, 3), _in(-1, 1, 2, 2))),
    "stack": (lambda x, y: f["stack"]([x, y], axis=-1), (_in(-1, 1, 3), _in(-1, 1, 3))),
    "where": (lambda x, y: f["where"](np.array([True, False, True]), x, y), (_in(-1, 1, 3), _in(-1, 1, 3))),
    "clip": (lambda x: f["clip"](x, lo=-0.5, hi=0.5), (np.array([-0.9, -0.2, 0.3, 0.8]),)),
    "astype": (lambda x: f["astype"](x, dtype=np.float64), (_in(-1, 1, 3),)),
    "contiguous": (lambda x: f["contiguous"](x), (_in(-1, 1, 3),)),
    "binary_cross_entropy": (lambda p, t: f["binary_cross_entropy"](p, t), (_in(0.2, 0.8, 4), _in(0, 1, 4))),
    "binary_cross_entropy_with_logits": (lambda x, t, w, pw: f["binary_cross_entropy_with_logits"](x, t, w, pw),
                                         (_in(-2, 2, 3, 4), _in(0, 1, 3, 4), _in(0.5, 2, 3, 1), _in(0.5, 2, 4))),
    "linear": (lambda x, w, b: f["linear"](x, w, b), (_in(-1, 1, 2, 3), W, _in(-1, 1, 4))),
    "one_hot": (lambda x: x * f["one_hot"](np.array([0, 2]), classes=3, dtype=np.float64), (_in(-1, 1, 2, 3),)),
    "softmax_cross_entropy": (lambda x: f["softmax_cross_entropy"](x, np.array([1, 0, 3])), (_in(-1, 1, 3, 4),)),
})


def _well_conditioned(n, *stack):
    return _in(-1, 1, *stack, n, n) + 3.0 * np.eye(n)


def _spd(n):
    a = _in(-1, 1, n, n)
    return a @ a.T + n * np.eye(n)


def _complex(*shape):  # right of the branch cut of angle, away from 0
    return _in(0.5, 2, *shape) + 1j * _in(-1, 1, *shape)


CONV = {"stride": (1, 2), "padding": ((1, 0), (1, 1)), "dilation": (1, 1), "groups": 1}
POOL = {"kernel_size": (2, 2), "stride": (1, 2), "padding": (1, 0)}
INDEX = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])  # unique along axis 0, as scatter wants
CASES.update({
    # linear algebra (stacks of matrices where the op takes them)
    "inv": (lambda a: f["inv"](a), (_well_conditioned(3, 2),)),
    "solve": (lambda a, b: f["solve"](a, b), (_well_conditioned(3), _in(-1, 1, 3, 2))),
    "adjugate": (lambda a: f["adjugate"](a), (_in(-1, 1, 3, 3),)),
    "det": (lambda a: f["det"](a), (_well_conditioned(3, 2),)),
    "logabsdet": (lambda a: f["logabsdet"](a), (_well_conditioned(3),)),
    "det_sign": (lambda a: f["det_sign"](a), (_well_conditioned(3),)),
    "cholesky": (lambda a: f["cholesky"](a), (_spd(3),)),
    "pinv": (lambda a: f["pinv"](a), (_in(-1, 1, 4, 3),)),
    "eigh": (lambda a: f["eigh"](a), (_spd(3) + np.diag([0.0, 1.0, 3.0]),)),
    "svd": (lambda a: f["svd"](a), (_in(-1, 1, 4, 3) + np.eye(4, 3) * np.array([1.0, 2.0, 3.0]),)),
    "qr": (lambda a: f["qr"](a), (_in(-1, 1, 4, 3),)),
    "einsum": (lambda a, b: f["einsum"]([a, b], subscripts="ij,jk->ik"), (_in(-1, 1, 2, 3), _in(-1, 1, 3, 4))),
    # diagonals and triangles
    "diagonal": (lambda x: f["diagonal"](x, offset=1), (_in(-1, 1, 3, 4),)),
    "diag_embed": (lambda v: f["diag_embed"](v, offset=-1), (_in(-1, 1, 2, 3),)),
    "tril": (lambda x: f["tril"](x, k=1), (_in(-1, 1, 3, 4),)),
    "triu": (lambda x: f["triu"](x), (_in(-1, 1, 2, 3, 3),)),
    # scans and products
    "cumsum": (lambda x: f["cumsum"](x, axis=1), (_in(-1, 1, 3, 4),)),
    "cumprod": (lambda x: f["cumprod"](x, axis=0), (_in(0.5, 2, 3, 4),)),
    "logcumsumexp": (lambda x: f["logcumsumexp"](x, axis=-1), (_in(-1, 1, 3, 4),)),
    "prod": (lambda x: f["prod"](x, axis=1), (_in(0.5, 2, 3, 4),)),
    # sorting (distinct entries: away from the ties where the order switches)
    "sort": (lambda x: f["sort"](x, axis=0), (_in(-1, 1, 5, 3),)),
    "argsort": (lambda x: f["argsort"](x, axis=-1), (_in(-1, 1, 3, 5),)),
    "argpartition": (lambda x: f["argpartition"](x, kth=2), (_in(-1, 1, 3, 5),)),
    # movement
    "flip": (lambda x: f["flip"](x, axis=(1,)), (_in(-1, 1, 3, 4),)),
    "roll": (lambda x: f["roll"](x, shift=2, axis=1), (_in(-1, 1, 3, 4),)),
    "repeat": (lambda x: f["repeat"](x, repeats=2, axis=0), (_in(-1, 1, 3, 4),)),
    "tile": (lambda x: f["tile"](x, reps=(2, 1, 3)), (_in(-1, 1, 3, 2),)),
    "pad": (lambda x: f["pad"](x, pad_width=((1, 2), (0, 1)), constant_values=0.5), (_in(-1, 1, 3, 4),)),
    # indexing (the index is part of the function, not an argument)
    "gather": (lambda x: f["gather"](x, INDEX, axis=0), (_in(-1, 1, 3, 4),)),
    "take": (lambda x: f["take"](x, np.array([2, 0, 2]), axis=1), (_in(-1, 1, 3, 4),)),
    "scatter": (lambda x, src: f["scatter"](x, INDEX, src, axis=0), (_in(-1, 1, 3, 4), _in(-1, 1, 2, 4))),
    "scatter_add": (lambda x, src: f["scatter_add"](x, np.array([[0, 0, 2, 1]]), src, axis=0),
                    (_in(-1, 1, 3, 4), _in(-1, 1, 1, 4))),
    # complex numbers (JAX's convention)
    "real": (lambda z: f["real"](z), (_complex(3, 2),)),
    "imag": (lambda z: f["imag"](z), (_complex(3, 2),)),
    "conj": (lambda z: f["conj"](z), (_complex(3, 2),)),
    "angle": (lambda z: f["angle"](z), (_complex(3, 2),)),
    # convolution, pooling, normalisation (PyTorch's layouts)
    "conv": (lambda x, w: f["conv"](x, w, **CONV), (_in(-1, 1, 2, 2, 5, 4), _in(-1, 1, 3, 2, 3, 2))),
    "conv_transpose": (lambda g, w: f["conv_transpose"](g, w, size=(5, 4), **CONV),
                       (_in(-1, 1, 2, 3, 4, 3), _in(-1, 1, 3, 2, 3, 2))),
    "conv_weight": (lambda x, g: f["conv_weight"](x, g, size=(3, 2), **CONV),
                    (_in(-1, 1, 2, 2, 5, 4), _in(-1, 1, 2, 3, 4, 3))),
    "max_pool": (lambda x: f["max_pool"](x, dilation=(1, 1), **POOL), (_in(-1, 1, 2, 3, 4, 5),)),
    "max_pool_index": (lambda x: f["max_pool_index"](x, dilation=(1, 1), **POOL), (_in(-1, 1, 2, 3, 4, 5),)),
    "avg_pool": (lambda x: f["avg_pool"](x, **POOL), (_in(-1, 1, 2, 3, 4, 5),)),
    "normalize": (lambda x, w, b: f["normalize"](x, w, b, axis=(0, 2)),
                  (_in(-1, 1, 4, 3, 2), _in(0.5, 2, 1, 3, 1), _in(-1, 1, 1, 3, 1))),
    "normalize channel": (lambda x, w, b: f["normalize"](x, w, b, axis=(0, 2), channel=1),  # (C,) parameters
                          (_in(-1, 1, 4, 3, 2), _in(0.5, 2, 3), _in(-1, 1, 3))),
})


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_grads_both_modes_order_2(name):
    fn, args = CASES[name]
    check_grads(fn, argnum=tuple(range(len(args))) if len(args) > 1 else 0)(*args)


def test_every_op_is_checked():
    assert sorted(set(OPS) - set(CASES)) == []
