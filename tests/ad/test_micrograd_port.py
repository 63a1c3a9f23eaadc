"""Ports of micrograd's engine tests (github.com/karpathy/micrograd, ``test/test_engine.py``).

The same scalar programs, differentiated by diffkit's reverse and forward
transforms and by the Tensor tape, against PyTorch (skipped when torch is not
installed), with the peer's tolerances: exact equality in test_sanity_check,
1e-6 in test_more_ops.
"""

import pytest

import diffkit as dk
from diffkit.ad import grad, jacfwd, value_and_grad

torch = pytest.importorskip("torch")


def _sanity(x):
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def _more_ops(a, b):
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


def _torch(fn, *values):
    ts = [torch.tensor([v], dtype=torch.float64, requires_grad=True) for v in values]
    y = fn(*ts)
    y.backward()
    return y.item(), [t.grad.item() for t in ts]


def test_sanity_check():
    """test/test_engine.py::test_sanity_check: y and dy/dx at x = -4, equal to torch's."""
    ypt, (gpt,) = _torch(_sanity, -4.0)
    y, g = value_and_grad(_sanity)(-4.0)
    assert y == ypt and g == gpt
    assert jacfwd(_sanity)(-4.0) == gpt
    x = dk.tensor(-4.0, dtype="float64", requires_grad=True)
    out = _sanity(x)
    out.backward()
    assert out.item() == ypt and x.grad.item() == gpt


def test_more_ops():
    """test/test_engine.py::test_more_ops: g and its gradient at (a, b) = (-4, 2), within 1e-6 of torch's."""
    tol = 1e-6
    gpt, (apt, bpt) = _torch(_more_ops, -4.0, 2.0)
    value, (ga, gb) = value_and_grad(_more_ops, argnums=(0, 1))(-4.0, 2.0)
    assert abs(value - gpt) < tol and abs(ga - apt) < tol and abs(gb - bpt) < tol
    fa, fb = jacfwd(_more_ops, argnums=(0, 1))(-4.0, 2.0)
    assert abs(fa - apt) < tol and abs(fb - bpt) < tol
    a = dk.tensor(-4.0, dtype="float64", requires_grad=True)
    b = dk.tensor(2.0, dtype="float64", requires_grad=True)
    out = _more_ops(a, b)
    out.backward()
    assert abs(out.item() - gpt) < tol and abs(a.grad.item() - apt) < tol and abs(b.grad.item() - bpt) < tol
    # and the gradient's own derivative, d/da of dg/da, against torch's double backward
    ta = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    tb = torch.tensor([2.0], dtype=torch.float64)
    (da,) = torch.autograd.grad(_more_ops(ta, tb), ta, create_graph=True)
    (dda,) = torch.autograd.grad(da, ta)
    assert abs(grad(grad(_more_ops))(-4.0, 2.0) - dda.item()) < tol * abs(dda.item())
