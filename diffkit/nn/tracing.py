"""``dk.trace(model, example=x)``: a Module's forward as a scalar Expr, its parameters as variables.

Every entry of the input and of every parameter becomes a variable (``x_0_1``,
``p0_weight_2_1`` for ``0.weight[2, 1]``, ``p0_bias_2``), and the forward
pass is recorded entry by entry (see :mod:`diffkit.ad.scalarize`). With
``loss=`` and ``target=`` the output is the loss, so the Expr's gradient is
backpropagation itself: ``dk.ad.adjoint_source`` writes it out as a program,
the graph draws it, and the op counts of each method can be compared on a
network small enough to read. The model is left as it was.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> from diffkit import nn
>>> _ = dk.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
>>> x = np.array([0.5, -1.0])
>>> f = dk.trace(model, example=x)
>>> f.variables[:4]  # Sequential's forward calls its input `input`
('input_0', 'input_1', 'p0_weight_0_0', 'p0_weight_0_1')
>>> point = dk.nn.tracing.point(model, x)
>>> bool(np.isclose(float(f(**point)), model(dk.tensor(x)).item()))
True
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ..ad.scalarize import TracedArray, entries, host, output_nodes, variable_base
from ..errors import ExpressionError
from ..expr.expr import Expr
from ..expr.graph import GraphBuilder

__all__ = ["trace_module", "point"]


def _input_name(module: Any) -> str:
    try:
        params = [p for p in inspect.signature(module.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return variable_base(params[0].name) if params else "x"


def point(module: Any, example: Any) -> dict[str, float]:
    """The values of every variable of ``dk.trace(module, example=example)``: the input's and the parameters'.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> from diffkit import nn
    >>> layer = nn.Linear(1, 1)
    >>> sorted(dk.nn.tracing.point(layer, np.array([2.0])))
    ['bias_0', 'input_0', 'weight_0_0']
    """
    return entries({_input_name(module): example, **dict(module.named_parameters())})


def trace_module(module: Any, example: Any = None, *, loss: Any = None, target: Any = None,
                 variables: Any = None) -> Expr:
    """The forward pass of ``module`` on an input shaped like ``example``, as a scalar Expr.

    Parameters
    ----------
    module : nn.Module
    example : array or Tensor
        An input: its shape fixes the size of the trace (keep it small: every
        entry is a variable); :func:`point` gives its values with the parameters'.
    loss : callable, optional
        ``loss(output, target)``, e.g. ``nn.MSELoss()``: the Expr is then the loss.
    target : array, optional
        The target for ``loss`` (a constant of the Expr).
    variables : None
        Refused: the variables are named after the input and the parameters.

    Returns
    -------
    Expr
        Variables: the input's entries, then each parameter's, in
        ``named_parameters()`` order. Outputs: the output's entries (or the loss).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> from diffkit.nn.tracing import trace_module
    >>> f = trace_module(nn.Linear(3, 1), np.ones(3), loss=nn.MSELoss(), target=np.zeros(1))
    >>> f.n_outputs, len(f.variables)
    (1, 7)
    """
    if variables is not None:
        raise ExpressionError("a Module's variables are named after its parameters; drop variables=")
    if example is None:
        raise ExpressionError("tracing a Module needs an input: dk.trace(model, example=x)",
                              hint="every entry of x and of each parameter becomes a variable; keep x small")
    if (loss is None) != (target is None):
        raise ExpressionError("give loss= and target= together (or neither)")
    if target is not None and not hasattr(target, "shape"):
        target = np.asarray(target, dtype=np.float64)  # a nested list: the array it spells
    b = GraphBuilder()
    x_base = _input_name(module)
    x = TracedArray.inputs(b, x_base, host(example).shape)
    names = list(entries({x_base: example}))
    traced: dict[int, TracedArray] = {}
    for name, p in module.named_parameters():
        traced[id(p)] = TracedArray.inputs(b, variable_base(name), tuple(p.shape))
        names += list(entries({name: p}))
    swapped = []
    try:
        for sub in module.modules():
            for pname, p in list(sub._parameters.items()):
                if p is not None and id(p) in traced:
                    swapped.append((sub, pname, p))
                    sub._parameters[pname] = traced[id(p)]
        out = module(x)
        if loss is not None:
            out = loss(out, target)
    finally:
        for sub, pname, p in swapped:  # the model is as it was, whatever happened
            sub._parameters[pname] = p
    return Expr(b.build(output_nodes(b, out), variables=names))
