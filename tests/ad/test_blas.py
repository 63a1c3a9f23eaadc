"""axpy: one BLAS pass where it can, NumPy's two where it can't, the same numbers either way."""

import os
import subprocess
import sys

import numpy as np
import pytest

from diffkit.ad import blas
from diffkit.ad.blas import MIN_SIZE, axpy, blas_axpy_available


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("n", [7, MIN_SIZE * 3 + 1])
def test_axpy_matches_numpy(dtype, order, n):
    rng = np.random.default_rng(0)
    x = np.asarray(rng.normal(size=(n, 2)), dtype=dtype, order=order)
    y = np.asarray(rng.normal(size=(n, 2)), dtype=dtype, order=order)
    want = y + dtype(-0.25) * x
    x0 = x.copy()
    out = axpy(-0.25, x, y)
    assert out is y
    np.testing.assert_allclose(y, want, rtol=1e-6 if dtype == np.float32 else 1e-15)
    np.testing.assert_array_equal(x, x0)  # the gradient is read, never written


def test_axpy_falls_back_for_what_blas_cannot_take():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(MIN_SIZE, 4))
    # a strided view, a broadcast operand, a mixed layout, an overlapping operand, an integer array
    for x, target in [(rng.normal(size=(MIN_SIZE, 8))[:, ::2], y.copy()),
                      (rng.normal(size=4), y.copy()),
                      (np.asfortranarray(rng.normal(size=(MIN_SIZE, 4))), y.copy())]:
        want = target + 2.0 * x
        np.testing.assert_allclose(axpy(2.0, x, target), want, rtol=1e-15)
    z = y.copy()
    np.testing.assert_allclose(axpy(1.0, z, z), 2 * y, rtol=1e-15)
    k = np.arange(MIN_SIZE)
    np.testing.assert_array_equal(axpy(3, np.ones(MIN_SIZE, int), k), np.arange(MIN_SIZE) + 3)


def test_numpy_scalar_alpha():
    y = np.zeros(MIN_SIZE, np.float32)
    axpy(np.float32(0.5), np.ones(MIN_SIZE, np.float32), y)
    assert np.all(y == 0.5) and y.dtype == np.float32


def test_a_routine_that_disagrees_with_numpy_is_not_trusted():
    assert blas._agrees(lambda *args: None, np.dtype(np.float64)) is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the BLAS lookup reads /proc/self/maps")
def test_numpy_wheels_blas_is_found_and_can_be_switched_off():
    code = "from diffkit.ad.blas import blas_axpy_available as a; print(a('float32'), a('float64'), a('int64'))"
    env = dict(os.environ, DIFFKIT_BLAS="numpy")
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert off.stdout.split() == ["False", "False", "False"]
    if not any("openblas64_" in p for p in blas._loaded_blas_paths()):
        pytest.skip("NumPy here is not linked to the ILP64 OpenBLAS of the PyPI wheels")
    assert blas_axpy_available(np.float32) and blas_axpy_available(np.float64)
