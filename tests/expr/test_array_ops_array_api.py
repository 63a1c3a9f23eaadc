"""The array vocabulary on ``array_api_strict``: proof that the ops use only the Array API through ``xp``.

Every row of ``test_array_ops.py`` runs on Tensors of NumPy and of
``array_api_strict`` (which rejects anything outside the standard); values
and gradients must agree. Where the standard lacks a function the ops fall
back (einsum by broadcasting, pad by assignment, scatter through a one-hot
comparison, argpartition through a full sort), so these rows also test the
fallbacks.
"""

import numpy as np
import pytest
from test_array_ops import ROWS

import diffkit as dk

xps = pytest.importorskip("array_api_strict")

# argpartition has no Array-API counterpart: the fallback (a full sort) is a valid partition, not NumPy's.
DIFFERENT_BY_DESIGN = {"partition"}


def _tuple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


@pytest.mark.parametrize("name,f,ref,args", [r for r in ROWS if r[0] not in DIFFERENT_BY_DESIGN],
                         ids=[r[0] for r in ROWS if r[0] not in DIFFERENT_BY_DESIGN])
def test_rows_agree_on_the_array_api(name, f, ref, args):
    results = []
    for ns in (np, xps):
        rng = np.random.default_rng(0)  # the same cotangents on both
        xs = [dk.tensor(ns.asarray(np.asarray(a, dtype=float)), requires_grad=True) for a in args]
        outs = _tuple(f(*xs))
        cts = [rng.standard_normal(tuple(o.shape)) for o in outs]
        loss = sum((o * dk.tensor(ns.asarray(c))).sum() for o, c in zip(outs, cts))
        loss.backward()
        assert all(type(x.grad._data).__module__.split(".")[0] == ns.__name__.split(".")[0]
                   for x in xs if x.grad is not None)
        grads = [np.zeros(x.shape) if x.grad is None else np.asarray(x.grad.numpy()) for x in xs]
        results.append([np.asarray(o.detach().numpy()) for o in outs] + grads)
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
