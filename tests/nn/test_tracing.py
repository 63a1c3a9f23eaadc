"""dk.trace(model, example=x): a Module's forward as a scalar Expr (diffkit/nn/tracing.py)."""

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn


def _mlp():
    dk.manual_seed(3)
    return nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))


X, T = np.array([[0.5, -1.0]]), np.array([[0.25]])


def test_the_loss_and_its_gradient_are_backprops():
    model = _mlp()
    f = dk.trace(model, example=X, loss=nn.MSELoss(), target=T)
    point = dk.nn.tracing.point(model, X)
    assert f.variables[:2] == ("input_0_0", "input_0_1") and "p2_bias_0" in f.variables and len(f.variables) == 15
    loss = nn.MSELoss()(model(dk.tensor(X)), dk.tensor(T))
    loss.backward()
    r = dk.ReverseMode().gradient(f, at=point)
    assert r.value == pytest.approx(loss.item(), rel=1e-6)  # the model is float32, the trace float64
    np.testing.assert_allclose([r.gradient[f"p0_weight_{i}_{j}"] for i in range(3) for j in range(2)],
                               model[0].weight.grad.numpy().ravel(), rtol=1e-5)


def test_against_torch():
    torch = pytest.importorskip("torch")
    model = _mlp()
    f = dk.trace(model, example=X, loss=nn.MSELoss(), target=T)
    grad = dk.ReverseMode().gradient(f, at=dk.nn.tracing.point(model, X)).gradient
    tm = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)).double()
    tm.load_state_dict({k: torch.tensor(v.numpy(), dtype=torch.float64) for k, v in model.state_dict().items()})
    torch.nn.functional.mse_loss(tm(torch.tensor(X)), torch.tensor(T)).backward()
    np.testing.assert_allclose([grad[f"p2_weight_0_{j}"] for j in range(3)], tm[2].weight.grad.numpy().ravel(),
                               rtol=1e-12)


def test_the_model_is_left_as_it_was():
    model = _mlp()
    before = {k: (id(v), v.numpy().copy()) for k, v in model.named_parameters()}
    dk.trace(model, example=X)
    with pytest.raises(dk.ExpressionError):  # a forward that can't be traced still gives the parameters back
        dk.trace(nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=-1)), example=X)
    after = dict(model.named_parameters())
    for k, (ident, values) in before.items():
        assert id(after[k]) == ident and np.array_equal(after[k].numpy(), values)
    assert all(isinstance(p, nn.Parameter) for p in model.parameters())


def test_outputs_and_adjoint_code_without_a_loss():
    model = nn.Linear(2, 2)
    f = dk.trace(model, example=np.array([1.0, 2.0]))
    assert f.n_outputs == 2 and f.variables == ("input_0", "input_1", "weight_0_0", "weight_0_1", "weight_1_0",
                                                "weight_1_1", "bias_0", "bias_1")
    np.testing.assert_allclose(f(**dk.nn.tracing.point(model, [1.0, 2.0])),
                               model(dk.tensor([1.0, 2.0])).numpy(), rtol=1e-6)
    assert "def " in dk.ad.adjoint_source(f)


@pytest.mark.parametrize("kw, says", [({}, "needs an input"), ({"example": X, "loss": nn.MSELoss()}, "together"),
                                      ({"example": X, "variables": ["a"]}, "drop variables")])
def test_refusals(kw, says):
    with pytest.raises(dk.ExpressionError, match=says):
        dk.trace(_mlp(), **kw)
