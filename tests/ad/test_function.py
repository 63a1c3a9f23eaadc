"""dk.Function: custom forward/backward, ctx, the lecture's SillyTensor."""

import numpy as np
import pytest

import diffkit as dk


class SillyTensor(dk.Function):
    """Lecture 002, "Extending Autograd", as written there (torch -> dk)."""

    @staticmethod
    def forward(ctx, input):
        input_orig = input.clone().double()
        input = input.to("uint8").double()
        diff = input_orig.sub(input)
        ctx.save_for_backward(diff)
        return input

    @staticmethod
    def backward(ctx, grad_output):
        diff, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input = grad_input + diff
        return grad_input


def test_silly_tensor_forward_and_backward():
    x = dk.tensor([3.7, 5.2], dtype="float64", requires_grad=True)
    y = SillyTensor.apply(x)
    assert y.tolist() == [3.0, 5.0] and y.dtype == np.float64
    assert y.grad_fn.name == "SillyTensorBackward"
    (y * dk.tensor([2.0, 3.0], dtype="float64")).sum().backward()
    # grad_input = grad_output + (x - uint8(x))
    np.testing.assert_allclose(x.grad.numpy(), [2.0 + 0.7, 3.0 + 0.2], rtol=1e-12)


def test_silly_tensor_in_the_lecture_network():
    # x -> do_silly -> view(1,-1).mm(w1).clamp(min=0).mm(w2), squared-error loss
    rng = np.random.default_rng(0)
    w1 = dk.tensor(rng.standard_normal((2, 10)), requires_grad=True)
    w2 = dk.tensor(rng.standard_normal((10, 2)), requires_grad=True)
    do_silly = SillyTensor.apply
    x = do_silly(dk.tensor(np.array([3.4, 4.6])))
    x = x.float().double()
    y = dk.tensor(np.array(2.0))
    y_pred = x.view(1, -1).mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    xv = np.array([[3.0, 4.0]])
    h = xv @ w1.numpy()
    gpred = 2 * (np.maximum(h, 0) @ w2.numpy() - 2.0)
    np.testing.assert_allclose(w2.grad.numpy(), np.maximum(h, 0).T @ gpred, rtol=1e-12)
    np.testing.assert_allclose(w1.grad.numpy(), xv.T @ ((gpred @ w2.numpy().T) * (h > 0)), rtol=1e-12)


class MulAdd(dk.Function):
    @staticmethod
    def forward(ctx, a, b, scale=1.0):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        assert ctx.needs_input_grad[:2] == (True, False)
        return g * b * ctx.scale, None, None


def test_needs_input_grad_and_none_gradients():
    a = dk.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    b = dk.tensor([3.0, 4.0], dtype="float64")
    out = MulAdd.apply(a, b, 2.0)
    assert out.requires_grad and not out.is_leaf
    out.sum().backward()
    assert a.grad.tolist() == [6.0, 8.0]


def test_no_record_without_grad_inputs_or_under_no_grad():
    b = dk.tensor([3.0], dtype="float64")
    assert not MulAdd.apply(b, b).requires_grad
    a = dk.tensor([1.0], dtype="float64", requires_grad=True)
    with dk.no_grad():
        assert not MulAdd.apply(a, b).requires_grad


class Cube(dk.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


def test_create_graph_through_a_function():
    x = dk.tensor(2.0, dtype="float64", requires_grad=True)
    Cube.apply(x).backward(create_graph=True)
    g = x.grad
    assert g.item() == 12.0
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0  # d/dx 3x^2 = 6x


def test_saved_tensors_freed_after_backward():
    x = dk.tensor(2.0, dtype="float64", requires_grad=True)
    y = Cube.apply(x)
    y.backward()
    with pytest.raises(dk.GradientError, match="retain_graph"):
        y.backward()


def test_inplace_change_of_saved_tensor_detected():
    x = dk.tensor([2.0], dtype="float64", requires_grad=True)
    w = dk.tensor([1.0], dtype="float64")
    y = MulAdd.apply(x, w)
    w.add_(1.0)
    with pytest.raises(dk.GradientError, match="MulAddBackward"):
        y.sum().backward()


def test_wrong_number_of_gradients():
    class Bad(dk.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a = dk.tensor([1.0], requires_grad=True)
    with pytest.raises(dk.GradientError, match="1 gradient.*2 input"):
        Bad.apply(a, a).sum().backward()


def test_identity_backward_does_not_alias_saved_arrays():
    class Ident(dk.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return x  # a saved tensor returned as is

    x = dk.tensor([5.0], requires_grad=True)
    Ident.apply(x).sum().backward()
    x.grad.zero_()
    assert x.tolist() == [5.0]


# ---------------------------------------------------------------------------
# Functions inside the function transforms (PyTorch's forward-mode and functorch APIs)
# ---------------------------------------------------------------------------

class CubeCtx(dk.Function):
    """forward takes ctx; both rules."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x**2

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * t


class Straight(dk.Function):
    """setup_context style; rules that are not the derivative of forward (a straight-through
    estimator), so a result shows which rules were used at every level."""

    @staticmethod
    def forward(x):
        return dk.where(x > 0, 1.0, 0.0) * 1.0

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # pretend d/dx = x

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return x * t

    @staticmethod
    def vmap(info, in_dims, x):
        return Straight.apply(x), in_dims[0]


def test_function_forward_mode_rule():
    x = np.array([1.0, 2.0])
    assert dk.ad.jvp(CubeCtx.apply, (2.0,), (1.0,)) == (8.0, 12.0)
    np.testing.assert_array_equal(dk.ad.jacfwd(CubeCtx.apply)(x), np.diag(3 * x**2))
    t = dk.tensor([1.0, 2.0], dtype="float64")
    y, dy = dk.ad.jvp(CubeCtx.apply, (t,), (np.ones(2),))
    assert isinstance(y, dk.Tensor) and dy.tolist() == [3.0, 12.0]


def test_setup_context_rules_are_used_at_every_level():
    x = np.array([0.5, -2.0])
    f = lambda v: dk.sum(Straight.apply(v))  # noqa: E731
    np.testing.assert_array_equal(dk.ad.grad(f)(x), x)  # the rule, not forward's zero slope
    # second order: d/dx of (g * x) = g at each level, forward over reverse and reverse over reverse
    np.testing.assert_array_equal(dk.ad.hessian(f)(x), np.eye(2))
    np.testing.assert_array_equal(dk.ad.jacrev(dk.ad.grad(f))(x), np.eye(2))
    np.testing.assert_array_equal(dk.ad.jvp(Straight.apply, (x,), (np.ones(2),))[1], x)


def test_ctx_style_function_in_nested_transforms_is_right_when_its_rules_are():
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(dk.ad.hessian(lambda v: dk.sum(CubeCtx.apply(v)))(x), np.diag(6 * x))
    np.testing.assert_allclose(dk.ad.grad(dk.ad.grad(lambda v: CubeCtx.apply(v)))(2.0), 12.0)


def test_function_under_vmap_uses_its_vmap_rule_or_refuses():
    X = np.array([[0.5, -1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(dk.ad.vmap(Straight.apply)(X), (X > 0) * 1.0)
    per = dk.ad.vmap(dk.ad.grad(lambda v: dk.sum(Straight.apply(v))))(X)
    np.testing.assert_array_equal(per, X)
    with pytest.raises(dk.BatchingError, match="CubeCtx has no batching rule"):
        dk.ad.vmap(CubeCtx.apply)(X)


def test_function_without_backward_refused_in_reverse_transforms():
    class OnlyJvp(dk.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def jvp(ctx, t):
            return t * 2.0

    assert dk.ad.jacfwd(OnlyJvp.apply)(1.0) == 2.0
    with pytest.raises(dk.GradientError, match="OnlyJvp has no backward"):
        dk.ad.grad(OnlyJvp.apply)(1.0)


def test_function_on_plain_arrays_gives_arrays():
    out = CubeCtx.apply(np.array([2.0]))
    assert isinstance(out, np.ndarray) and out.tolist() == [8.0]
