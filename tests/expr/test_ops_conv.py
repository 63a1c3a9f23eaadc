"""The convolution, pooling and normalisation ops: their rules in both modes, to second order.

Each op's reverse rule (generic and on arrays) and forward rule are checked
against central differences (step 1e-6, float64: truncation ~1e-12, rounding
~1e-10, so tolerance 1e-7), the three convolution ops against the adjoint
identities that tie them together (exact up to rounding, 1e-12), second
derivatives through ``backward(create_graph=True)`` against differences of
the gradient, and the Array-API fallback (no strided views) against NumPy.
"""

import itertools

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad.functional import jvp
from diffkit.expr.ops import OPS, apply, conv
from diffkit.nn import functional as F

RNG = np.random.default_rng(5)


def _numeric_vjp(fn, xs, i, g, h=1e-6):
    """Central-difference gradient of <g, fn(*xs)> with respect to xs[i]."""
    x = xs[i]
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        for sign in (1.0, -1.0):
            moved = list(xs)
            y = x.copy()
            y[idx] += sign * h
            moved[i] = y
            out[idx] += sign * np.sum(g * fn(*moved)) / (2 * h)
    return out


GEOMETRIES = [  # (nd, N, C, O, S, K, params)
    (1, 2, 2, 3, 7, 3, dict(stride=(2,), padding=((1, 2),), dilation=(1,), groups=1)),
    (2, 2, 4, 2, 5, 2, dict(stride=(1, 2), padding=((0, 1), (1, 1)), dilation=(2, 1), groups=2)),
    (2, 1, 3, 3, 4, 3, dict(stride=1, padding=1, dilation=1, groups=3)),
    (3, 1, 1, 2, 3, 2, dict(stride=1, padding=0, dilation=1, groups=1)),
]


def _conv_case(nd, n, c, o, s, k, params):
    groups = params["groups"]
    x = RNG.standard_normal((n, c) + (s,) * nd)
    w = RNG.standard_normal((o, c // groups) + (k,) * nd)
    return x, w


@pytest.mark.parametrize("case", GEOMETRIES, ids=[f"{c[0]}d-{i}" for i, c in enumerate(GEOMETRIES)])
def test_the_three_convolution_ops_are_adjoints_of_each_other(case):
    x, w = _conv_case(*case)
    params = case[-1]
    y = OPS["conv"].impl(np, x, w, **params)
    g = RNG.standard_normal(y.shape)
    gx = OPS["conv_transpose"].impl(np, g, w, size=x.shape[2:], **params)
    gw = OPS["conv_weight"].impl(np, x, g, size=w.shape[2:], **params)
    assert gx.shape == x.shape and gw.shape == w.shape
    inner = np.sum(y * g)  # <conv(x, w), g> = <x, conv_transpose(g, w)> = <w, conv_weight(x, g)>
    assert np.sum(x * gx) == pytest.approx(inner, rel=1e-12)
    assert np.sum(w * gw) == pytest.approx(inner, rel=1e-12)


@pytest.mark.parametrize("case", GEOMETRIES[:3], ids=[f"{c[0]}d-{i}" for i, c in enumerate(GEOMETRIES[:3])])
def test_convolution_rules_match_finite_differences_in_both_modes(case):
    x, w = _conv_case(*case)
    params = case[-1]
    op, args = OPS["conv"], (x, w)
    ans = op.impl(np, *args, **params)
    g = RNG.standard_normal(ans.shape)
    slow = op.vjps(g, ans, args, params, (True, True))
    fast = op.array_vjps(np, g, ans, args, params, (True, True))
    for i in range(2):
        numeric = _numeric_vjp(lambda *a: op.impl(np, *a, **params), args, i, g)
        np.testing.assert_allclose(slow[i], numeric, rtol=1e-7, atol=1e-7)
        np.testing.assert_allclose(fast[i], numeric, rtol=1e-7, atol=1e-7)
    # forward mode: a tangent in both arguments, against the difference quotient along it
    tx, tw = RNG.standard_normal(x.shape), RNG.standard_normal(w.shape)
    h = 1e-6
    numeric = (op.impl(np, x + h * tx, w + h * tw, **params) - op.impl(np, x - h * tx, w - h * tw, **params)) / (2 * h)
    np.testing.assert_allclose(op.jvp_of((tx, tw), ans, args, params), numeric, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("name", ["conv_transpose", "conv_weight"])
def test_the_rules_of_the_rules_match_finite_differences(name):
    x, w = _conv_case(*GEOMETRIES[1])
    params = GEOMETRIES[1][-1]
    g = RNG.standard_normal(OPS["conv"].impl(np, x, w, **params).shape)
    args, size = ((g, w), x.shape[2:]) if name == "conv_transpose" else ((x, g), w.shape[2:])
    op, full = OPS[name], dict(params, size=size)
    ans = op.impl(np, *args, **full)
    c = RNG.standard_normal(ans.shape)
    cots = op.vjps(c, ans, args, full, (True, True))
    for i in range(2):
        numeric = _numeric_vjp(lambda *a: op.impl(np, *a, **full), args, i, c)
        np.testing.assert_allclose(cots[i], numeric, rtol=1e-7, atol=1e-7)
    ts = tuple(RNG.standard_normal(a.shape) for a in args)
    h = 1e-6
    numeric = (op.impl(np, *(a + h * t for a, t in zip(args, ts)), **full)
               - op.impl(np, *(a - h * t for a, t in zip(args, ts)), **full)) / (2 * h)
    np.testing.assert_allclose(op.jvp_of(ts, ans, args, full), numeric, rtol=1e-7, atol=1e-7)


POOL_CASES = [
    ("max_pool", (2, 2, 5, 6), dict(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, ceil_mode=True)),
    ("max_pool", (1, 2, 7), dict(kernel_size=(3,), stride=(1,), padding=1, dilation=2, ceil_mode=False)),
    ("avg_pool", (2, 2, 5, 6), dict(kernel_size=(3, 2), stride=(2, 1), padding=1, ceil_mode=True,
                                    count_include_pad=False, divisor_override=None)),
    ("avg_pool", (1, 2, 7), dict(kernel_size=(2,), stride=(3,), padding=0, ceil_mode=True, count_include_pad=True,
                                 divisor_override=None)),
    ("normalize", (4, 3, 2), dict(axis=(0, 2), eps=1e-5)),
    ("normalize", (2, 5), dict(axis=(1,), eps=1e-3)),
    ("normalize", (3, 2, 4), dict(axis=(1, 2), eps=1e-5)),  # layer norm: parameters vary along the axes
    ("normalize", (4, 3, 2), dict(axis=(0, 2), eps=1e-5, channel=1)),  # batch norm's (C,) parameters
]


@pytest.mark.parametrize("name,shape,params", POOL_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(POOL_CASES)])
def test_pooling_and_normalisation_rules_match_finite_differences(name, shape, params):
    op = OPS[name]
    x = RNG.standard_normal(shape)
    if name == "normalize":
        per_group = params["axis"] != (1, 2)
        wshape = tuple(1 if i in params["axis"] else n for i, n in enumerate(shape)) if per_group else shape[1:]
        wshape = (shape[1],) if "channel" in params else wshape
        args = (x, RNG.uniform(0.5, 2.0, wshape), RNG.standard_normal(wshape))
    else:
        args = (x,)
    ans = op.impl(np, *args, **params)
    g = RNG.standard_normal(ans.shape)
    needs = (True,) * len(args)
    for cots in (op.vjps(g, ans, args, params, needs), op.array_vjps(np, g, ans, args, params, needs)):
        for i, (a, c) in enumerate(zip(args, cots)):
            c = apply(OPS["sum_to"], c, shape=a.shape) if np.shape(c) != a.shape else c
            numeric = _numeric_vjp(lambda *b: op.impl(np, *b, **params), args, i, g)
            np.testing.assert_allclose(c, numeric, rtol=1e-7, atol=1e-7, err_msg=f"argument {i}")
    ts = tuple(RNG.standard_normal(a.shape) for a in args)
    h = 1e-6
    numeric = (op.impl(np, *(a + h * t for a, t in zip(args, ts)), **params)
               - op.impl(np, *(a - h * t for a, t in zip(args, ts)), **params)) / (2 * h)
    np.testing.assert_allclose(op.jvp_of(ts, ans, args, params), numeric, rtol=1e-7, atol=1e-7)


def _layer_stack(x, w1, w2):
    """conv -> batch norm -> tanh -> max pool -> conv -> avg pool: every new op, composed."""
    h = F.conv2d(x, w1, padding=1)
    h = dk.tanh(F.batch_norm(h, None, None, training=True))
    h = F.max_pool2d(h, 2, stride=1)
    h = F.conv2d(h, w2, padding="same")
    return F.avg_pool2d(h, 2, ceil_mode=True)


def test_forward_mode_through_a_layer_stack_matches_finite_differences():
    x, w1, w2 = RNG.standard_normal((2, 1, 5, 5)), RNG.standard_normal((3, 1, 3, 3)), RNG.standard_normal((2, 3, 2, 2))
    tangents = tuple(RNG.standard_normal(a.shape) for a in (x, w1, w2))
    out, tangent = jvp(_layer_stack, (x, w1, w2), tangents)
    h = 1e-6
    plus = _layer_stack(*(a + h * t for a, t in zip((x, w1, w2), tangents)))
    minus = _layer_stack(*(a - h * t for a, t in zip((x, w1, w2), tangents)))
    np.testing.assert_allclose(np.asarray(tangent), (np.asarray(plus) - np.asarray(minus)) / (2 * h), rtol=1e-6,
                               atol=1e-7)


def test_reverse_mode_through_a_layer_stack_passes_gradcheck():
    args = tuple(dk.tensor(RNG.standard_normal(s), requires_grad=True)
                 for s in ((2, 1, 5, 5), (3, 1, 3, 3), (2, 3, 2, 2)))
    assert dk.gradcheck(lambda *a: _layer_stack(*a), args)


def test_second_derivatives_through_create_graph_match_differences_of_the_gradient():
    # f = sum(tanh(stack)^2); its Hessian-vector product, once by double backward, once by differencing the gradient
    x, w1, w2 = RNG.standard_normal((1, 1, 4, 4)), RNG.standard_normal((2, 1, 3, 3)), RNG.standard_normal((2, 2, 2, 2))
    v = RNG.standard_normal(w1.shape)

    def gradient(w1_value, create_graph=False):
        w = dk.tensor(w1_value, requires_grad=True)
        (dk.tanh(_layer_stack(dk.tensor(x), w, dk.tensor(w2))) ** 2).sum().backward(create_graph=create_graph)
        return w, w.grad

    w, g = gradient(w1, create_graph=True)
    w.grad = None
    (g * dk.tensor(v)).sum().backward()
    h = 1e-6
    numeric = (gradient(w1 + h * v)[1].numpy() - gradient(w1 - h * v)[1].numpy()) / (2 * h)
    np.testing.assert_allclose(w.grad.numpy(), numeric, rtol=1e-6, atol=1e-7)


def test_second_derivative_of_the_input_through_conv_transpose_and_pooling():
    x = RNG.standard_normal((1, 2, 5, 5))
    w = RNG.standard_normal((2, 3, 3, 3))  # ConvTranspose weight: (in, out, k, k)
    v = RNG.standard_normal(x.shape)

    def f(t):
        y = F.conv_transpose2d(t, dk.tensor(w), stride=2, padding=1, output_padding=1)
        return (dk.sin(F.max_pool2d(y, 3, stride=2, padding=1)) * F.avg_pool2d(y, 3, stride=2, padding=1)).sum()

    def gradient(value, create_graph=False):
        t = dk.tensor(value, requires_grad=True)
        f(t).backward(create_graph=create_graph)
        return t

    t = gradient(x, create_graph=True)
    g = t.grad
    t.grad = None
    (g * dk.tensor(v)).sum().backward()
    h = 1e-6
    numeric = (gradient(x + h * v).grad.numpy() - gradient(x - h * v).grad.numpy()) / (2 * h)
    np.testing.assert_allclose(t.grad.numpy(), numeric, rtol=1e-6, atol=1e-7)


def test_the_ops_count_what_they_spend():
    x, w = np.ones((2, 3, 6, 6)), np.ones((4, 3, 3, 3))
    with dk.counting() as spent:
        y = conv(x, w)
    assert spent.count.primitives == 1
    assert spent.count.elements == 2 * y.size * 3 * 3 * 3  # a multiply and an add per term


def test_the_windows_work_without_strided_views():
    # array_api_strict has no as_strided: the windows are gathered slice by slice, same numbers
    xps = pytest.importorskip("array_api_strict")
    x, w = RNG.standard_normal((2, 4, 6, 5)), RNG.standard_normal((6, 2, 3, 2))
    params = dict(stride=(2, 1), padding=((1, 0), (1, 1)), dilation=(1, 2), groups=2)
    for name, args, extra in (("conv", (x, w), {}),):
        ours = OPS[name].impl(xps, *(xps.asarray(a) for a in args), **params, **extra)
        np.testing.assert_allclose(np.asarray(ours), OPS[name].impl(np, *args, **params), rtol=1e-13)
    y = OPS["conv"].impl(np, x, w, **params)
    g = RNG.standard_normal(y.shape)
    for name, args, size in (("conv_transpose", (g, w), x.shape[2:]), ("conv_weight", (x, g), w.shape[2:])):
        ours = OPS[name].impl(xps, *(xps.asarray(a) for a in args), size=size, **params)
        np.testing.assert_allclose(np.asarray(ours), OPS[name].impl(np, *args, size=size, **params), rtol=1e-12)
    pool = dict(kernel_size=(2, 2), stride=(1, 2), padding=1, dilation=1, ceil_mode=True)
    np.testing.assert_array_equal(np.asarray(OPS["max_pool"].impl(xps, xps.asarray(x), **pool)),
                                  OPS["max_pool"].impl(np, x, **pool))


@pytest.mark.parametrize("name", ["conv", "max_pool", "avg_pool", "normalize"])
def test_float32_stays_float32(name):
    x = RNG.standard_normal((2, 2, 4, 4)).astype(np.float32)
    args, params = {
        "conv": ((x, np.ones((3, 2, 3, 3), np.float32)), dict(padding=1)),
        "max_pool": ((x,), dict(kernel_size=(2, 2))),
        "avg_pool": ((x,), dict(kernel_size=(2, 2))),
        "normalize": ((x, 1.0, 0.0), dict(axis=(0, 2, 3))),
    }[name]
    ans = OPS[name].impl(np, *args, **params)
    assert ans.dtype == np.float32
    cots = OPS[name].array_vjps(np, np.ones_like(ans), ans, args, params, (True,) + (False,) * (len(args) - 1))
    assert cots[0].dtype == np.float32


def test_channels_last_outputs_feed_every_op():
    # conv hands out channels-last views; the next ops must read them as the (N, C, H, W) they are
    x, w = RNG.standard_normal((2, 3, 5, 5)), RNG.standard_normal((4, 3, 3, 3))
    y = OPS["conv"].impl(np, x, w, padding=1)
    assert not y.flags.c_contiguous
    dense = np.ascontiguousarray(y)
    for name, params in (("max_pool", dict(kernel_size=(2, 2))), ("avg_pool", dict(kernel_size=(3, 3), padding=1)),
                         ("normalize", dict(axis=(0, 2, 3)))):
        extra = (1.0, 0.0) if name == "normalize" else ()
        np.testing.assert_allclose(OPS[name].impl(np, y, *extra, **params), OPS[name].impl(np, dense, *extra, **params),
                                   rtol=1e-12, atol=1e-14)
    for (a, b) in itertools.combinations((y, dense), 2):
        np.testing.assert_allclose(OPS["conv"].impl(np, a, np.ones((1, 4, 2, 2))),
                                   OPS["conv"].impl(np, b, np.ones((1, 4, 2, 2))), rtol=1e-12, atol=1e-14)


def test_normalize_with_a_constant_weight_and_a_varying_bias():
    # the array rule's shortcut for per-group parameters must not catch a bias that varies along the axes
    x, b = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    op, params = OPS["normalize"], dict(axis=(1,), eps=1e-5)
    ans = op.impl(np, x, 1.0, b, **params)
    g = RNG.standard_normal(ans.shape)
    fast = op.array_vjps(np, g, ans, (x, 1.0, b), params, (True, False, True))
    slow = op.vjps(g, ans, (x, 1.0, b), params, (True, False, True))
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-12, atol=1e-12)
    assert fast[1] is None
    np.testing.assert_allclose(apply(OPS["sum_to"], fast[2], shape=(4,)), g.sum(axis=0), rtol=1e-12)


def test_the_kernel_cotangent_from_kept_windows_is_the_recomputed_one():
    """conv keeps its windows for its own reverse rule: the tape's gradient equals conv_weight computed
    afresh; a direct conv_weight call after the input changed in place computes from the new values; a
    Tensor input changed in place before backward is refused, not served stale windows."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 2, 6, 5)).astype(np.float32)
    w = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
    params = dict(stride=(1, 1), padding=((1, 1), (1, 1)), dilation=(1, 1), groups=1)
    xt, wt = dk.tensor(x), dk.tensor(w, requires_grad=True)
    y = apply(OPS["conv"], xt, wt, **params)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(dk.tensor(g))
    fresh = OPS["conv_weight"].impl(np, x.copy(), g, size=(3, 3), **params)
    np.testing.assert_array_equal(wt.grad.numpy(), fresh)

    a = x.copy()
    OPS["conv"].impl(np, a, w, **params)
    a += 1.0  # same array, new values
    np.testing.assert_array_equal(OPS["conv_weight"].impl(np, a, g, size=(3, 3), **params),
                                  OPS["conv_weight"].impl(np, a.copy(), g, size=(3, 3), **params))

    xt2, wt2 = dk.tensor(x.copy(), requires_grad=True), dk.tensor(w, requires_grad=True)
    z = apply(OPS["conv"], xt2, wt2, **params)
    with dk.no_grad():
        xt2.add_(1.0)
    with pytest.raises(dk.GradientError):
        z.sum().backward()
