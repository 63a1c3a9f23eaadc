"""Helpers for the tests that run a diffkit layer and a torch layer side by side.

torch is imported inside the helpers: pytest imports this module for its doctests even where torch is missing.
"""

import numpy as np

import diffkit as dk


def copy_to_torch(ours, theirs):
    """Load diffkit's state dict (PyTorch's keys) into the torch module."""
    import torch

    theirs.load_state_dict({k: torch.from_numpy(np.array(v.numpy())) for k, v in ours.state_dict().items()})


def compare(ours, theirs, x, rng, tol, *, call=lambda m, x: m(x), grads=True):
    """Same input, same random cotangent: outputs, input gradients and parameter gradients must agree."""
    import torch

    xo = dk.tensor(x, requires_grad=True)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yo, yt = call(ours, xo), call(theirs, xt)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    if not grads:
        return yo
    g = rng.standard_normal(tuple(yt.shape))
    yo.backward(dk.tensor(g))
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=tol, atol=tol, err_msg=name)
    return yo
