"""dk.check_grads: forward and reverse mode against central differences, as jax.test_util.check_grads
(issue 16, item 5), to any order: the transforms nest in every combination."""

import numpy as np
import pytest

import diffkit as dk

X = np.array([0.3, -1.2, 2.0])
Y = np.array([1.5, 0.5, -0.25])


def test_first_order_both_modes():
    assert dk.check_grads(lambda x, y: dk.sin(x) * y + x * x, (X, Y), order=1) is None
    assert dk.check_grads(lambda x: (dk.tanh(x) * x).sum(), (X,), order=1, modes=("rev",)) is None


def test_second_order_forward_mode():
    dk.check_grads(lambda x: dk.exp(x) * dk.sin(x), (X,), order=2, modes=("fwd",))


def test_second_order_reverse_mode():
    dk.check_grads(lambda x: (dk.exp(x) * dk.sin(x)).sum(), (X,), order=2, modes=("fwd", "rev"))
    dk.check_grads(lambda x, y: dk.tanh(x) * y, (X, Y), order=3, modes=("rev",))


def test_a_wrong_custom_derivative_is_caught_in_each_mode():
    class Cube(dk.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x * x  # the 3 is missing

    with pytest.raises(dk.GradientError, match="VJP"):
        dk.check_grads(lambda x: Cube.apply(x), (X,), order=1, modes=("rev",))


def test_arguments_and_tolerances():
    with pytest.raises(dk.ArgumentError, match="modes"):
        dk.check_grads(lambda x: x, (X,), modes=("sideways",))
    with pytest.raises(dk.ArgumentError, match="tuple"):
        dk.check_grads(lambda x: x, X)
    with pytest.raises(dk.ArgumentError, match="order"):
        dk.check_grads(lambda x: x, (X,), order=0)
    dk.check_grads(lambda x: dk.sin(x), (X.astype(np.float32),), order=1, eps=1e-2)  # float32: tolerance 2e-2
