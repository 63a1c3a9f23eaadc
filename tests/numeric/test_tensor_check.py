"""gradgradcheck on diffkit Tensors, as PyTorch's (issue 16, item 5)."""

import numpy as np
import pytest

import diffkit as dk


def _x(values):
    return dk.tensor(np.array(values), dtype="float64", requires_grad=True)


def test_gradgradcheck_passes_on_correct_second_derivatives():
    assert dk.gradgradcheck(lambda t: (t.sin() * t * t).sum(), (_x([0.3, -1.2, 2.0]),))
    a, b = _x([[0.5, -1.0]]), _x([[0.2, 0.4, -0.3], [1.0, 0.1, 0.7]])
    assert dk.gradgradcheck(lambda u, w: (u @ w).tanh(), (a, b))  # two inputs, a vector output


def test_gradgradcheck_catches_a_wrong_double_backward():
    class Square(dk.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x * x.detach() * 0 + g * x * 2 + g * (x * x - x.detach() * x.detach())  # 2x g, wrong d/dx

    x = _x([0.5, -1.5, 2.0])
    assert dk.gradcheck(lambda t: Square.apply(t).sum(), (x,))  # the first derivative is right
    with pytest.raises(dk.GradientError):
        dk.gradgradcheck(lambda t: Square.apply(t).sum(), (x,))
    assert dk.gradgradcheck(lambda t: Square.apply(t).sum(), (x,), raise_exception=False) is False


def test_gradgradcheck_arguments():
    with pytest.raises(dk.DiffkitError, match="requires_grad"):
        dk.gradgradcheck(lambda t: (t * t).sum(), (dk.tensor([1.0]),))
    with pytest.raises(dk.ArgumentError, match="grad_outputs"):
        dk.gradgradcheck(lambda t: t * t, (_x([1.0, 2.0]),), grad_outputs=(np.ones(2), np.ones(2)))
    assert dk.gradgradcheck(lambda t: t * t * t, (_x([1.0, 2.0]),), grad_outputs=(np.array([0.5, -1.0]),))
