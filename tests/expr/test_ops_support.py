"""diffkit.expr.ops.support: helpers the array ops share (here: batch norm's per-channel mean)."""

import numpy as np
import pytest

from diffkit.expr.ops.support import channel_mean


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
