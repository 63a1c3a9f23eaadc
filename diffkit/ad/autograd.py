"""``grad`` and ``backward`` as PyTorch's ``torch.autograd`` has them, on the Tensor tape.

:func:`grad` returns the gradients of some outputs with respect to some
inputs and touches no ``.grad``; :func:`backward` accumulates into the leaves'
``.grad`` from several outputs at once (``y.backward()`` is the one-output
case). Both accept single tensors or sequences, ``grad_outputs`` (the
cotangents; ones for one-element outputs), ``retain_graph`` and
``create_graph``. Errors say what PyTorch's say ("Set allow_unused=True ...",
"Mismatch in shape: ...") and what would be right.

This module reaches the Tensor through the tape's bindings, so that
:mod:`.tensor` can use it without an import circle.

Example
-------
>>> import diffkit as dk
>>> x = dk.tensor([1.0, 2.0], requires_grad=True)
>>> y = (x ** 3).sum()
>>> (g,) = dk.autograd.grad(y, x, create_graph=True)
>>> g, x.grad is None                        # 3 x^2, and no side effect
(tensor([ 3., 12.], grad_fn=<MulBackward>), True)
>>> dk.autograd.grad(g.sum(), x)            # 6 x
(tensor([ 6., 12.]),)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError, GradientError, ShapeError
from ..expr.ops import namespace
from .accumulate import GRAD_LOCK
from .tape import _T, run_backward

__all__ = ["grad", "backward", "seed_for"]


def _tensors(x: Any, what: str) -> tuple:
    tensor = _T.tensor
    if isinstance(x, tensor):
        return (x,)
    if isinstance(x, Sequence) and not isinstance(x, str):
        items = tuple(x)
        for i, t in enumerate(items):
            if not isinstance(t, tensor):
                raise ArgumentTypeError(f"{what}[{i}] is a {type(t).__name__}; {what} must be Tensors")
        return items
    raise ArgumentTypeError(f"{what} must be a Tensor or a sequence of Tensors, got {type(x).__name__}")


def _cotangents(given: Any, n: int, what: str) -> list:
    if given is None:
        return [None] * n
    if isinstance(given, _T.tensor) or not isinstance(given, Sequence):
        given = [given]
    given = list(given)
    if len(given) != n:
        raise ArgumentError(f"{what} has {len(given)} entries for {n} output(s); give one per output "
                            "(None for a one-element output)")
    return given


def seed_for(t: Any, g: Any, create_graph: bool, fn: str, label: str) -> Any:
    """The cotangent backward starts from at output ``t``: ``g`` checked (or ones), as array or Tensor.

    ``fn`` and ``label`` name the call and the output in error messages.
    """
    if not t.requires_grad:
        raise GradientError(
            f"{fn}: {label} does not require grad and has no grad_fn: create the leaves with requires_grad=True "
            "(or call .requires_grad_()) before computing, and not inside dk.no_grad()")
    xp = namespace(t._data)
    if g is None:
        if t.numel() != 1:
            raise GradientError(
                f"{fn} without a gradient needs {label} to have one element; it has shape {t.shape}: reduce it "
                f"first (y.sum().backward()) or pass a gradient of shape {t.shape}")
        seed = xp.ones_like(t._data)
    else:
        seed = g._data if isinstance(g, _T.tensor) else xp.asarray(g, dtype=t.dtype)
        if tuple(seed.shape) != t.shape:
            raise ShapeError(f"Mismatch in shape: {fn} got a gradient of shape {tuple(seed.shape)} for {label}, "
                             f"whose shape is {t.shape}; they must be equal")
    if create_graph:
        return g if isinstance(g, _T.tensor) else _T.make(seed)
    return seed


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, as ``torch.autograd.grad``; no ``.grad`` changes.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
        What to differentiate (each requires grad).
    inputs : Tensor or sequence of Tensor
        With respect to what: leaves or intermediate tensors (each requires grad).
    grad_outputs : Tensor, array or sequence, optional
        The cotangent of each output (vector-Jacobian products); ``None`` entries
        mean ones and need one-element outputs.
    retain_graph : bool, optional
        Keep the graph for another pass; defaults to ``create_graph``.
    create_graph : bool, default False
        Record the gradients, so that they can be differentiated again.
    only_inputs : bool
        Ignored (PyTorch deprecated it; only the inputs' gradients are computed).
    allow_unused : bool, optional
        Return None for an input the outputs do not depend on, instead of
        raising (default False; True when ``materialize_grads``).
    is_grads_batched : bool
        Not supported here (it needs ``vmap``): ``dk.ad.vmap`` over ``vjp`` does this.
    materialize_grads : bool, default False
        Return zeros instead of None for unused inputs.

    Returns
    -------
    tuple of Tensor
        One gradient per input, shaped like it.

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
    >>> y = dk.tensor([3.0, 4.0], requires_grad=True)
    >>> z = x * y
    >>> dk.autograd.grad(z, (x, y), grad_outputs=dk.ones(2))
    (tensor([3., 4.]), tensor([1., 2.]))
    >>> dk.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    (tensor([2., 2.]), None)
    """
    if is_grads_batched:
        raise ArgumentError("grad(is_grads_batched=True) is not supported; batch the cotangents with "
                            "dk.ad.vmap over dk.ad.vjp instead")
    if materialize_grads and allow_unused is False:
        raise ArgumentError("grad(): materialize_grads=True needs allow_unused True or not given")
    allow_unused = materialize_grads if allow_unused is None else bool(allow_unused)
    outs = _tensors(outputs, "outputs")
    ins = _tensors(inputs, "inputs")
    if not ins:
        raise ArgumentError("grad requires non-empty inputs: name the tensors to differentiate with respect to")
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise GradientError(f"grad(): inputs[{i}], one of the differentiated Tensors, does not require grad; "
                                "make it with requires_grad=True (or call .requires_grad_())")
    cots = _cotangents(grad_outputs, len(outs), "grad_outputs")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [seed_for(t, g, create_graph, "grad()", f"outputs[{i}]") for i, (t, g) in enumerate(zip(outs, cots))]
    found = run_backward(list(outs), seeds, retain_graph, create_graph, inputs=list(ins))
    result = []
    for i, (t, g) in enumerate(zip(ins, found)):
        if g is None:
            if materialize_grads:
                g = _T.make(namespace(t._data).zeros_like(t._data))
            elif not allow_unused:
                raise GradientError(
                    f"grad(): inputs[{i}], one of the differentiated Tensors, appears to not have been used in "
                    "the graph of the outputs. Set allow_unused=True if this is the desired behavior")
        result.append(g)
    return tuple(result)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Any = None) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad``, as ``torch.autograd.backward``.

    ``y.backward(g)`` is ``backward(y, g)``; several outputs share one pass
    (their gradients add up). ``inputs`` limits the accumulation to those tensors.

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
    >>> dk.autograd.backward([x * 2, (x * x).sum()], [dk.ones(2), None])
    >>> x.grad                                   # 2 + 2x
    tensor([4., 6.])
    """
    roots = _tensors(tensors, "tensors")
    cots = _cotangents(grad_tensors, len(roots), "grad_tensors")
    if retain_graph is None:
        retain_graph = create_graph
    single = len(roots) == 1
    seeds = [seed_for(t, g, create_graph, "backward()", "the tensor" if single else f"tensors[{i}]")
             for i, (t, g) in enumerate(zip(roots, cots))]
    if inputs is None:
        run_backward(list(roots), seeds, retain_graph, create_graph)
        return
    targets = _tensors(inputs, "inputs")
    if not targets:
        raise ArgumentError("backward(inputs=...) needs at least one tensor; leave inputs out to reach every leaf")
    found = run_backward(list(roots), seeds, retain_graph, create_graph, inputs=list(targets))
    with GRAD_LOCK:
        for t, g in zip(targets, found):
            if g is not None:
                t.grad = g if t.grad is None else t.grad + g
