"""Custom differentiable operations: ``dk.Function``, PyTorch's ``autograd.Function``.

Subclass :class:`Function` with two static methods: ``forward(ctx, *inputs)``
computes the output (it runs without recording, so it may use any Tensor op
or plain array code) and may stash what backward needs with
``ctx.save_for_backward``; ``backward(ctx, grad_output)`` returns one gradient
per input of ``forward`` (``None`` for inputs without one). ``MyOp.apply(...)``
runs it and records one node on the tape.

Example
-------
>>> import diffkit as dk
>>> class Cube(dk.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x ** 3
...     @staticmethod
...     def backward(ctx, grad_output):
...         (x,) = ctx.saved_tensors
...         return grad_output * 3 * x ** 2
>>> x = dk.tensor(2.0, requires_grad=True)
>>> y = Cube.apply(x)
>>> y.grad_fn
<CubeBackward>
>>> y.backward(); x.grad
tensor(12.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, GradientError, ShapeError
from .grad_mode import STATE, no_grad
from .tape import CLOCK, Node
from .tensor import Tensor, _make

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx:
    """The ``ctx`` handed to ``forward`` and ``backward``: a place to keep things between them.

    Attributes
    ----------
    needs_input_grad : tuple of bool
        For each input of ``forward``, whether it wants a gradient.

    Example
    -------
    >>> from diffkit.ad.function import FunctionCtx
    >>> import diffkit as dk
    >>> ctx = FunctionCtx((True,))
    >>> ctx.save_for_backward(dk.tensor([1.0]))
    >>> ctx.saved_tensors
    (tensor([1.]),)
    """

    def __init__(self, needs_input_grad: tuple[bool, ...] = ()):
        self.needs_input_grad = needs_input_grad
        self._saved: tuple | None = ()
        self._saved_forward: tuple = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` for ``backward`` (in-place changes to them are detected).

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit.ad import FunctionCtx
        >>> ctx = FunctionCtx((True, True))
        >>> ctx.save_for_backward(dk.tensor([1.0]), dk.tensor([2.0]))
        >>> len(ctx.saved_tensors)
        2
        """
        self._saved = tuple(tensors)

    def save_for_forward(self, *tensors: Any) -> None:
        """Keep ``tensors`` for ``jvp`` (PyTorch's forward-mode API); ``saved_tensors`` gives them back
        when nothing was saved for backward.

        Example
        -------
        >>> from diffkit.ad import FunctionCtx
        >>> ctx = FunctionCtx((True,))
        >>> ctx.save_for_forward(2.0)
        >>> ctx.saved_tensors
        (2.0,)
        """
        self._saved_forward = tuple(tensors)

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` kept; an error after the graph was freed.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit.ad import FunctionCtx
        >>> ctx = FunctionCtx((True,))
        >>> ctx.save_for_backward(dk.tensor([3.0]))
        >>> x, = ctx.saved_tensors; x
        tensor([3.])
        """
        if self._saved is None:
            raise GradientError(
                "the saved tensors of this Function were freed by a previous backward(); pass "
                "retain_graph=True to that backward() to use them again")
        return self._saved or self._saved_forward

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Accepted for PyTorch compatibility; outputs here are differentiable unless integer.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit.ad import FunctionCtx
        >>> FunctionCtx((True,)).mark_non_differentiable(dk.tensor([1.0])) is None  # does nothing
        True
        """

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch compatibility (gradients reaching backward are never None here).

        Example
        -------
        >>> from diffkit.ad import FunctionCtx
        >>> ctx = FunctionCtx((True,)); ctx.set_materialize_grads(False)
        >>> ctx.materialize_grads
        False
        """
        self.materialize_grads = bool(value)


def _check_shape(name: str, i: int, grad: Any, arg: Any) -> None:
    got, want = tuple(getattr(grad, "shape", ())), tuple(getattr(arg, "shape", ()))
    try:
        ok = np.broadcast_shapes(got, want) == want
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(f"{name}.backward returned a gradient of shape {got} for input {i}, whose shape is "
                         f"{want}; return one gradient per input, shaped like it")


def per_input(name: str, grads: Any, n: int) -> tuple:
    """What a Function's ``backward`` returned, as one gradient per input (or an error saying so)."""
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != n:
        raise GradientError(f"{name}.backward returned {len(grads)} gradient(s) but forward took {n} input(s); "
                            "return one per input (None for inputs without a gradient)")
    return grads


class _FunctionOp:
    """Stands in for an ops-table entry on the tape: its VJP calls the user's ``backward``."""

    __slots__ = ("fn", "ctx", "name")
    cost = 1
    vjp = True

    def __init__(self, fn: type, ctx: FunctionCtx):
        self.fn = fn
        self.ctx = ctx
        self.name = fn.__name__

    @property
    def saved(self) -> tuple:
        return self.ctx._saved or ()

    def free(self) -> None:
        self.ctx._saved = None

    def vjps(self, g: Any, ans: Any, args: tuple, params: dict, needs: tuple) -> list:
        recording = isinstance(g, Tensor)  # create_graph: gradients are Tensors with a history
        grads = per_input(self.name, self.fn.backward(self.ctx, g if recording else _make(g)), len(needs))
        keep = {id(t._data) for t in self.saved if isinstance(t, Tensor)}
        keep.update(id(a) for a in args)
        out = []
        for i, (gi, need) in enumerate(zip(grads, needs)):
            if gi is None or not need:
                out.append(None)
                continue
            _check_shape(self.name, i, gi, args[i])
            if recording:
                out.append(gi if isinstance(gi, Tensor) else _make(gi))
                continue
            arr = gi._data if isinstance(gi, Tensor) else gi
            if id(arr) in keep:  # never hand a saved array itself to a .grad
                from .backend import namespace_of

                arr = namespace_of(arr).asarray(arr, copy=True)
            out.append(arr)
        return out


class Function:
    """Base class of custom differentiable operations (PyTorch's ``torch.autograd.Function``).

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, grad_output)``
    as static methods and are called with ``apply``. ``backward`` receives the
    gradient of the output as a Tensor and returns one gradient per input.

    Example
    -------
    The lecture's SillyTensor: forward quantises to uint8 and saves the
    quantisation error, backward adds that error to the incoming gradient.

    >>> import diffkit as dk
    >>> class SillyTensor(dk.Function):
    ...     @staticmethod
    ...     def forward(ctx, input):
    ...         input_orig = input.clone().double()
    ...         input = input.to("uint8").double()
    ...         diff = input_orig.sub(input)
    ...         ctx.save_for_backward(diff)
    ...         return input
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         diff, = ctx.saved_tensors
    ...         grad_input = grad_output.clone()
    ...         grad_input = grad_input + diff
    ...         return grad_input
    >>> x = dk.tensor([3.25, 4.5], dtype="float64", requires_grad=True)
    >>> y = SillyTensor.apply(x)
    >>> y
    tensor([3., 4.], dtype=float64, grad_fn=<SillyTensorBackward>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.25, 1.5 ], dtype=float64)
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        """Compute the output from the inputs (runs without recording).

        Example
        -------
        >>> import diffkit as dk
        >>> class Double(dk.Function):
        ...     forward = staticmethod(lambda ctx, x: x * 2)
        ...     backward = staticmethod(lambda ctx, g: g * 2)
        >>> Double.forward(None, dk.tensor([1.0, 3.0]))
        tensor([2., 6.])
        """
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        """Gradients of the inputs from the gradient of the output.

        Example
        -------
        >>> import diffkit as dk
        >>> class Double(dk.Function):
        ...     forward = staticmethod(lambda ctx, x: x * 2)
        ...     backward = staticmethod(lambda ctx, g: g * 2)
        >>> Double.backward(None, dk.tensor([1.0, 1.0]))  # d(2x)/dx = 2, times the incoming gradient
        tensor([2., 2.])
        """
        raise NotImplementedError("a Function subclass must define backward(ctx, grad_output)")

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple, output: Any) -> None:
        """PyTorch's other style: ``forward(*args)`` without ctx, and this fills ctx from inputs and output.

        A Function in this style uses its own rules at every level of nested
        function transforms (as ``torch.func`` requires).

        Example
        -------
        >>> import diffkit as dk
        >>> class Exp(dk.Function):
        ...     forward = staticmethod(lambda x: dk.exp(x))
        ...     @staticmethod
        ...     def setup_context(ctx, inputs, output):
        ...         ctx.save_for_backward(output)
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (y,) = ctx.saved_tensors
        ...         return g * y
        >>> float(dk.ad.grad(lambda x: Exp.apply(x))(0.0))
        1.0
        """
        raise NotImplementedError("setup_context is optional: forward(ctx, ...) may fill ctx itself")

    @staticmethod
    def jvp(ctx: FunctionCtx, *tangents: Any) -> Any:
        """Forward mode: the output's tangent from the inputs' tangents (PyTorch's forward-mode API).

        Inputs without a tangent get zeros. Without this rule, forward mode
        (``jvp``, ``jacfwd``, ``hessian``) through the Function raises.

        Example
        -------
        >>> import diffkit as dk
        >>> class Cube(dk.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_forward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def jvp(ctx, t):
        ...         (x,) = ctx.saved_tensors
        ...         return 3 * x ** 2 * t
        >>> dk.ad.jvp(Cube.apply, (2.0,), (1.0,))
        (8.0, 12.0)
        """
        raise NotImplementedError("define jvp(ctx, *tangents) to use forward mode through this Function")

    @staticmethod
    def vmap(info: Any, in_dims: tuple, *args: Any) -> tuple:
        """Batching: ``(output, out_dim)`` for ``args`` batched along ``in_dims`` (None: not batched).

        ``info.batch_size`` is the batch size. Without this rule, ``vmap``
        through the Function raises.

        Example
        -------
        >>> import numpy as np
        >>> import diffkit as dk
        >>> class Double(dk.Function):
        ...     forward = staticmethod(lambda ctx, x: x * 2)
        ...     backward = staticmethod(lambda ctx, g: g * 2)
        ...     vmap = staticmethod(lambda info, in_dims, x: (Double.apply(x), in_dims[0]))
        >>> dk.ad.vmap(Double.apply)(np.array([1.0, 2.0]))
        array([2., 4.])
        """
        raise NotImplementedError("define vmap(info, in_dims, *args) to vmap through this Function")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and record one node whose VJP is ``backward`` (and JVP ``jvp``).

        Inside a function transform (``dk.ad.grad``, ``jvp``, ``vmap``...) the
        transform uses the Function's own rules for it.

        Example
        -------
        >>> import diffkit as dk
        >>> class Double(dk.Function):
        ...     forward = staticmethod(lambda ctx, x: x * 2)
        ...     backward = staticmethod(lambda ctx, g: g * 2)
        >>> x = dk.tensor([1.0, 3.0], requires_grad=True)
        >>> y = Double.apply(x); y
        tensor([2., 6.], grad_fn=<DoubleBackward>)
        >>> y.sum().backward(); x.grad
        tensor([2., 2.])
        """
        top = _top_transform_value(args)
        if top is not None:
            return type(top)._dk_function(cls, args, kwargs, lambda vals, needs: _below(cls, vals, kwargs, needs))
        return _on_tensors(cls, args, kwargs)[0]


# The base class's rules only say that a subclass left them out.
for _name in ("setup_context", "jvp", "vmap", "backward"):
    getattr(Function, _name)._dk_missing = True


def _uses_setup_context(fn: type) -> bool:
    return not getattr(fn.setup_context, "_dk_missing", False)


def _top_transform_value(args: tuple) -> Any:
    """The argument of the innermost function transform among ``args``, or None."""
    from ..expr.levels import LevelValue

    top, level = None, 2
    for a in args:
        if isinstance(a, LevelValue) and a._dk_level > level:
            top, level = a, a._dk_level
    return top


def _below(fn: type, args: list, kwargs: dict, needs: tuple) -> tuple[Any, FunctionCtx]:
    """The Function's output from the levels below a transform, and a ctx for that transform's rule."""
    if _uses_setup_context(fn):
        out = fn.apply(*args, **kwargs)  # each level below applies its own rules
        ctx = FunctionCtx(needs)
        fn.setup_context(ctx, tuple(args), out)
        return out, ctx
    if _top_transform_value(tuple(args)) is not None:
        # forward(ctx, ...) fills one ctx: the transforms below see forward's own ops
        ctx = FunctionCtx(needs)
        return fn.forward(ctx, *args, **kwargs), ctx
    out, ctx = _on_tensors(fn, tuple(args), kwargs)
    ctx.needs_input_grad = needs
    return out, ctx


def _on_tensors(cls: type, args: tuple, kwargs: dict) -> tuple[Any, FunctionCtx]:
    """The Function on Tensors and arrays: forward without recording, then one node on the tape
    (plain arrays in give the plain output back)."""
    needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx = FunctionCtx(needs)
    with no_grad():
        if _uses_setup_context(cls):
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    if isinstance(out, (tuple, list)):
        raise ArgumentTypeError(f"{cls.__name__}.forward returned {len(out)} outputs; Functions here return "
                                "one Tensor (combine outputs with dk.stack or split them into two Functions)")
    data = out._data if isinstance(out, Tensor) else out
    if not any(isinstance(a, Tensor) for a in args):
        return data, ctx  # arrays in, arrays out
    result = _make(data)
    if any(needs) and STATE.enabled:
        from .backend import is_floating

        if is_floating(data.dtype):
            result.requires_grad = True
            result._node = Node(_FunctionOp(cls, ctx), tuple(args), {}, data, needs, CLOCK.now,
                                result._vc)
    return result, ctx
