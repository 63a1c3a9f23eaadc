"""Version checks look only at what the rules read, and at a custom Function's saved tensors."""

import pytest

import diffkit as dk


def f64(v):
    return dk.tensor(v, dtype="float64", requires_grad=True)


def test_only_the_values_a_rule_reads_are_checked():
    x, w = f64([1.0, 2.0]), f64([3.0, 4.0])
    h = x * 1.0
    y = (h * 2.0 + h.exp() * w).sum()  # mul by 2 reads 2; exp reads its output; mul by w reads both
    with dk.no_grad():
        w.mul_(10.0)  # w is read by exp(h) * w's rule for exp(h)'s cotangent
    with pytest.raises(dk.GradientError, match=r"MulBackward \(input 1"):
        y.backward()


def test_a_function_checks_what_it_saved_not_its_inputs():
    class Square(dk.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            return x * x * scale

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x, None

    x, s = f64([3.0]), dk.tensor([2.0], dtype="float64")
    y = Square.apply(x * 1.0, s)
    with dk.no_grad():
        s.add_(1.0)  # an input it did not save: no complaint
    y.backward(retain_graph=True)
    assert x.grad.tolist() == [6.0]
    h = x * 1.0
    y = Square.apply(h, s)
    with dk.no_grad():
        h.add_(1.0)
    with pytest.raises(dk.GradientError, match="saved tensor 0"):
        y.backward()
