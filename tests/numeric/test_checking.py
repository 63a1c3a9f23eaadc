"""check_grad on hand-written NumPy gradients (the lecture's two-layer ReLU net) and gradcheck on Tensors."""

import numpy as np
import pytest

import diffkit as dk

# -- the lecture's one-hidden-layer ReLU network (lecture 002, backprop by hand) -------------------
rng = np.random.default_rng(0)
D_IN, H, D_OUT = 4, 6, 3
X = rng.standard_normal((1, D_IN))
Y = rng.standard_normal((1, D_OUT))
W = {"w1": rng.standard_normal((D_IN, H)), "w2": rng.standard_normal((H, D_OUT))}


def loss(p):
    h_relu = np.maximum(X @ p["w1"], 0)
    return float(np.sum((Y - h_relu @ p["w2"]) ** 2))


def backprop(p, two=2.0):
    h = X @ p["w1"]
    h_relu = np.maximum(h, 0)
    grad_y_pred = two * (h_relu @ p["w2"] - Y)
    grad_w2 = h_relu.T @ grad_y_pred
    grad_h = (grad_y_pred @ p["w2"].T) * (h > 0)
    return {"w1": X.T @ grad_h, "w2": grad_w2}


def test_correct_backprop_passes():
    rep = dk.check_grad(loss, backprop, W)
    assert rep.passed and bool(rep)
    assert rep.max_rel_error < 1e-7 and rep.hints == []
    assert "PASSED" in str(rep) and "<table" in rep._repr_html_()


def test_dropped_factor_two_is_flagged_and_named():
    rep = dk.check_grad(loss, lambda p: backprop(p, two=1.0), W)
    assert not rep.passed
    assert rep.max_rel_error == pytest.approx(0.5, abs=1e-6)
    assert len(rep.hints) == 1 and "factor of 2" in rep.hints[0] and "missing" in rep.hints[0]
    assert "factor of 2" in str(rep)
    w = rep.worst[0]
    assert w["analytic"] == pytest.approx(w["numeric"] / 2, rel=1e-6)


def test_sign_flip_in_one_variable():
    rep = dk.check_grad(loss, lambda p: {"w1": backprop(p)["w1"], "w2": -backprop(p)["w2"]}, W)
    assert not rep.passed and any("'w2'" in h and "sign flip" in h for h in rep.hints)


def test_extra_factor_three():
    rep = dk.check_grad(lambda x: np.sum(x**3), lambda x: 9 * x**2, np.array([1.0, 2.0, -0.5]))
    assert rep.hints == ["the analytic gradient is 3 times the numeric one: an extra factor of 3"]


def test_transposed_square_matrix_gradient():
    A = np.array([[1.0, 2.0], [0.5, -1.0]])
    fun = lambda M: float(np.sum(A * M) + 0.5 * np.sum(M**2))  # noqa: E731
    rep = dk.check_grad(fun, lambda M: (A + M).T, np.array([[0.1, 0.2], [0.3, 0.4]]))
    assert not rep.passed and any("transposed" in h for h in rep.hints)


def test_transposed_shape_and_wrong_shape_raise_naming_the_variable():
    with pytest.raises(dk.ShapeError, match="'w1'.*transposed"):
        dk.check_grad(loss, lambda p: {"w1": backprop(p)["w1"].T, "w2": backprop(p)["w2"]}, W)
    with pytest.raises(dk.ShapeError, match="'w2'"):
        dk.check_grad(loss, lambda p: {"w1": backprop(p)["w1"], "w2": backprop(p)["w2"].ravel()}, W)
    with pytest.raises(dk.ShapeError, match="'w2'"):
        dk.check_grad(loss, lambda p: {"w1": backprop(p)["w1"]}, W)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_non_finite_loss_raises_naming_the_entry():
    with pytest.raises(dk.DiffkitError, match=r"x\[1\]"):
        dk.check_grad(lambda x: float(np.sum(np.log(x))), lambda x: 1 / x, np.array([1.0, 1e-9]), h=1e-6)
    with pytest.raises(dk.DiffkitError, match="fun"):
        dk.check_grad(lambda x: np.nan, lambda x: x, np.array([1.0]))


def test_list_of_arrays_and_inputs_untouched_and_sampling():
    params = [W["w1"].copy(), W["w2"].copy()]
    before = [a.copy() for a in params]
    f = lambda ps: loss({"w1": ps[0], "w2": ps[1]})  # noqa: E731
    g = lambda ps: list(backprop({"w1": ps[0], "w2": ps[1]}).values())  # noqa: E731
    rep = dk.check_grad(f, g, params, max_entries=10)
    assert rep.passed and sum(np.size(v) for v in rep.numeric.values()) == 10
    for a, b in zip(params, before):
        np.testing.assert_array_equal(a, b)


# -- gradcheck with a Tensor-like stand-in (the interface gradcheck relies on) ---------------------------
class FakeTensor:
    """The part of the Tensor interface gradcheck uses, with a hand-written backward."""

    def __init__(self, data, requires_grad=False):
        self.data = np.array(data)
        self.requires_grad = requires_grad
        self.grad = None
        self._back = None

    def numpy(self):
        return self.data

    def detach(self):
        return FakeTensor(self.data)

    def backward(self, gradient=None):
        g = gradient.data if isinstance(gradient, FakeTensor) else np.ones_like(self.data)
        self._back(g)


def sin_times(scale):
    def fn(x):
        out = FakeTensor(np.sin(x.data) * x.data)

        def back(g):
            if x.requires_grad:
                x.grad = FakeTensor(scale * g * (np.cos(x.data) * x.data + np.sin(x.data)))
        out._back = back
        return out
    return fn


@pytest.mark.parametrize("fast", [False, True])
def test_gradcheck_stand_in(fast):
    x = FakeTensor(np.array([0.3, -1.0, 2.0]), requires_grad=True)
    assert dk.gradcheck(sin_times(1.0), (x,), fast_mode=fast) is True
    with pytest.raises(dk.GradientError, match="factor of 2") as info:
        dk.gradcheck(sin_times(2.0), (x,), fast_mode=fast)
    assert info.value.report.worst[0]["analytic"] == pytest.approx(2 * info.value.report.worst[0]["numeric"])
    assert dk.gradcheck(sin_times(2.0), x, raise_exception=False, fast_mode=fast) is False


def test_gradcheck_warns_below_float64_and_needs_requires_grad():
    x = FakeTensor(np.array([0.3, -1.0], dtype=np.float32), requires_grad=True)
    with pytest.warns(dk.numeric.NumericWarning, match="float64"):
        dk.gradcheck(sin_times(1.0), (x,), raise_exception=False)
    with pytest.raises(dk.DiffkitError, match="requires_grad"):
        dk.gradcheck(sin_times(1.0), (FakeTensor(np.ones(2)),))


# -- gradcheck with diffkit's own Tensor, once it exists ------------------------------------------------
def _tensor():
    make = getattr(dk, "tensor", None)
    if make is None:
        pytest.skip("dk.tensor has not landed yet")
    return make


def test_gradcheck_real_tensors():
    tensor = _tensor()
    x = tensor(np.array([[0.5, -1.0, 2.0]]), requires_grad=True, dtype="float64")
    w = tensor(rng.standard_normal((3, 2)), requires_grad=True, dtype="float64")
    assert dk.gradcheck(lambda a, b: (a @ b).tanh(), (x, w))
    assert dk.gradcheck(lambda a, b: ((a @ b).sigmoid() * 3).sum(), (x, w), fast_mode=True)


def test_gradcheck_real_tensor_catches_a_wrong_custom_backward():
    tensor = _tensor()
    Function = getattr(dk, "Function", None)
    if Function is None:
        pytest.skip("dk.Function has not landed yet")

    class BadCube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * x ** 2  # forgot the 3

    x = tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True, dtype="float64")
    with pytest.raises(dk.GradientError, match="factor of 3"):
        dk.gradcheck(lambda t: BadCube.apply(t), (x,))
    with pytest.raises(dk.GradientError, match="fast mode"):
        dk.gradcheck(lambda t: BadCube.apply(t), (x,), fast_mode=True)
