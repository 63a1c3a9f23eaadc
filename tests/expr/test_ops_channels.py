"""diffkit.expr.ops.channels: per-channel means and broadcasts on (N, C, *S) arrays in every layout."""

import numpy as np
import pytest

from diffkit.expr.ops.channels import channel_mean, channel_op, channel_stats


@pytest.mark.parametrize("shape", [(64, 16, 8, 8), (5, 3, 4), (2, 3, 4, 5, 6), (1, 1, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channel_mean_is_numpys_mean_in_every_layout(shape, dtype):
    """Channels first, channels last (a convolution's output) and a strided view all give NumPy's
    mean over every axis but 1, kept, in the input's dtype (the float64 mean is the reference)."""
    x = np.random.default_rng(0).normal(size=shape).astype(dtype)
    axis = (0, *range(2, len(shape)))
    want = x.astype(np.float64).mean(axis=axis, keepdims=True)
    channels_last = np.moveaxis(np.ascontiguousarray(np.moveaxis(x, 1, -1)), -1, 1)
    strided = np.repeat(x, 2, axis=-1)[..., ::2]
    for layout in (x, channels_last, strided):
        got = channel_mean(np, layout, axis)
        assert got.shape == want.shape and got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-13, atol=1e-6)


def test_channel_mean_of_other_axes_and_integers_is_numpys():
    x = np.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(channel_mean(np, x, (0, 2)), np.mean(x, axis=(0, 2), keepdims=True))
    y = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(channel_mean(np, y, (1,)), np.mean(y, axis=1, keepdims=True))


@pytest.mark.parametrize("name", ["add", "subtract", "multiply"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channel_op_is_numpys_broadcast_in_every_layout(name, dtype):
    """Channels first, channels last and a strided view give NumPy's x op v exactly, in the same layout
    family and dtype; into out (x itself, or another array), out is written and returned; v and the input
    are not changed."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3, 5, 2)).astype(dtype)
    v = rng.normal(size=(1, 3, 1, 1)).astype(dtype)
    ufunc = getattr(np, name)
    channels_last = np.moveaxis(np.ascontiguousarray(np.moveaxis(x, 1, -1)), -1, 1)
    strided = np.repeat(x, 2, axis=-1)[..., ::2]
    v_before = v.copy()
    for layout in (x, channels_last, strided):
        before = layout.copy()
        got = channel_op(np, name, layout, v)
        np.testing.assert_array_equal(got, ufunc(before, v))
        assert got.dtype == dtype
        np.testing.assert_array_equal(layout, before)
        target = layout.copy(order="K")
        assert channel_op(np, name, target, v, out=target) is target
        np.testing.assert_array_equal(target, ufunc(before, v))
    np.testing.assert_array_equal(v, v_before)
    assert channel_op(np, name, channels_last, v).strides == channels_last.strides  # stays channels last


def test_channel_op_falls_back_to_the_operator_for_numbers_and_other_shapes():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(channel_op(np, "multiply", x, 2.0), x * 2.0)
    row = np.arange(4.0)  # broadcasts along the last axis, not the channels
    np.testing.assert_array_equal(channel_op(np, "subtract", x, row), x - row)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channel_stats_match_float64_in_both_layouts(dtype):
    """Mean and biased variance over (0, 2, 3), against float64; values far from 0 keep their spread."""
    x = (1e3 + np.random.default_rng(2).normal(size=(8, 4, 3, 3))).astype(dtype)
    want_mean = x.astype(np.float64).mean(axis=(0, 2, 3), keepdims=True)
    want_var = x.astype(np.float64).var(axis=(0, 2, 3), keepdims=True)
    for layout in (x, np.moveaxis(np.ascontiguousarray(np.moveaxis(x, 1, -1)), -1, 1)):
        mean, var = channel_stats(np, layout, (0, 2, 3))
        np.testing.assert_allclose(mean, want_mean, rtol=1e-6 if dtype == np.float32 else 1e-14)
        np.testing.assert_allclose(var, want_var, rtol=1e-3 if dtype == np.float32 else 1e-10)


def test_channel_op_writes_into_another_array_of_any_layout():
    rng = np.random.default_rng(3)
    x = np.moveaxis(np.ascontiguousarray(rng.normal(size=(2, 4, 4, 3))), -1, 1)  # channels last
    v = rng.normal(size=(1, 3, 1, 1))
    for out in (np.empty_like(x), np.empty(x.shape)):  # the same layout, and channels first
        assert channel_op(np, "subtract", x, v, out=out) is out
        np.testing.assert_array_equal(out, x - v)


def test_channel_op_writes_into_an_out_of_any_strides():
    """An out that is neither channels first nor channels last (batch axis innermost) still gets x - v."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 4, 5))
    v = rng.normal(size=(1, 3, 1, 1))
    out = np.moveaxis(np.empty((3, 4, 5, 2)), -1, 0)
    assert channel_op(np, "subtract", x, v, out=out) is out
    np.testing.assert_array_equal(out, x - v)
