"""``Tensor``: an array that records the ops applied to it, for reverse mode.

A Tensor wraps an array of some namespace ``xp`` (NumPy on ``"cpu"``, CuPy on
``"cuda"``, or any Array-API namespace) and follows PyTorch's names and
behaviour: ``requires_grad``, ``grad``, ``backward()``, ``grad_fn``,
``is_leaf``, ``detach()``, ``no_grad()``, in-place ``add_`` and friends.

Every op a Tensor runs comes from the ops table
(:mod:`diffkit.expr.ops`): the Tensor evaluates ``op.impl(xp, ...)`` on its
array and, when a gradient is wanted, records a :class:`~diffkit.ad.tape.Node`.
``backward()`` then applies the same table's VJP rules. No derivative rule
lives here. Because the rules are written with diffkit's dispatching functions,
running them on Tensors (``create_graph=True``) records them too, so
gradients of gradients work.

Example
-------
>>> import diffkit as dk
>>> x = dk.tensor([[1.0, 2.0]], requires_grad=True)
>>> w = dk.tensor([[3.0], [4.0]], requires_grad=True)
>>> loss = (x @ w).relu().sum()
>>> loss
tensor(11., grad_fn=<SumBackward>)
>>> loss.backward()
>>> x.grad, w.grad
(tensor([[3., 4.]]), tensor([[1.],
        [2.]]))
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, DiffkitError, GradientError, ShapeError
from ..expr import array_functions as _stats
from ..expr.counting import COUNTER
from ..expr.levels import LevelValue
from ..expr.methods import ArrayMethods
from ..expr.ops import OPS, UFUNCS, Op, apply
from . import autograd, backend, hooks
from .blas import axpy
from .grad_mode import STATE
from .inplace import VIEW_OPS, is_view_index, readonly_error, rebase, view_of
from .memory import keep_freed_memory
from .random import resolve_generator
from .tape import CLOCK, Node, bind

__all__ = ["Tensor", "tensor", "zeros", "ones", "zeros_like", "ones_like", "full", "arange", "randn", "rand",
           "eye"]

_new = object.__new__

keep_freed_memory()  # tensors churn through large temporaries: reuse freed blocks (see memory.py)
_EMPTY: dict = {}  # shared parameters of parameterless ops; never mutated
_NEEDS = {(True,): (True,), (False, True): (False, True), (True, False): (True, False), (True, True): (True, True)}

_ADD, _SUB, _MUL, _DIV, _POW = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["pow"]
_NEG, _MATMUL = OPS["neg"], OPS["matmul"]

# Namespace by array type: one dict lookup per op instead of a method call.
_XP: dict[type, Any] = {}


def _xp(d: Any) -> Any:
    try:
        return _XP[type(d)]
    except KeyError:
        ns = _XP[type(d)] = backend.namespace_of(d)
        return ns


def _make(data: Any, requires_grad: bool = False, node: Node | None = None) -> Tensor:
    """A Tensor around ``data`` without any conversion (the engine's constructor)."""
    t = _new(Tensor)
    t._data = data
    t.requires_grad = requires_grad
    t._node = node
    t.grad = None
    t._vc = [0, 0]
    t._view = None
    return t


def _shape_error(op: Op, args: tuple, err: Exception) -> Exception:
    if isinstance(err, DiffkitError):  # an op's own refusal already says what is wrong
        return err
    shapes = " and ".join(str(tuple(a.shape)) if hasattr(a, "shape") else repr(a) for a in args)
    return ShapeError(f"{op.name}: shapes {shapes} do not fit together ({err})")


def _count(op: Op, out: Any, args: tuple, params: dict) -> None:
    COUNTER.primitives += 1
    c = op.cost
    COUNTER.elements += c * out.size if c.__class__ is int else op.elements(out, args, params)


#: Ops with a floating output whose derivative is zero (sign, step). As in PyTorch their output still
#: requires grad and backward gives zeros, not an error: ``sign(x).sum().backward()`` leaves ``x.grad = 0``.
#: Comparisons, argmax and one_hot give no floating values to differentiate and record nothing.
ZERO_SLOPE = frozenset(name for name, op in OPS.items() if op.vjp is None and op.kind == "elementwise")

# The three recording paths. They are the hot path: no per-op allocations
# beyond the output, its Tensor and its Node.

def _unary(op: Op, x: Tensor, params: dict) -> Tensor:
    d = x._data
    try:
        out = op.impl(_xp(d), d, **params)
    except ValueError as err:
        raise _shape_error(op, (d,), err) from None
    COUNTER.primitives += 1
    c = op.cost
    COUNTER.elements += c * out.size if c.__class__ is int else op.elements(out, (d,), params)
    t = _new(Tensor)
    t._data = out
    t.grad = None
    if op.name in VIEW_OPS or out is d or getattr(out, "base", None) is not None:  # it may share x's memory
        t._vc = vc = view_of(t, x, op, params, out, d)
    else:
        t._vc = vc = [0, 0]
        t._view = None
    if x.requires_grad and (op.vjp is not None or op.name in ZERO_SLOPE) and STATE.enabled:
        t.requires_grad = True
        t._node = Node(op, (x,), params, out, (True,), CLOCK.now, vc, (x._node,))
    else:
        t.requires_grad = False
        t._node = None
    return t


def _binary(op: Op, a: Any, b: Any, params: dict = _EMPTY) -> Tensor:
    if isinstance(a, Tensor):
        ad = a._data
        ar = a.requires_grad
        ns = ad
        an = a._node
    else:
        if isinstance(a, LevelValue):  # a function transform's value: its level takes the op
            return apply(op, a, b, **params)
        an = None
        ad = a = a.item() if isinstance(a, np.generic) else a  # a NumPy scalar is weak, as in PyTorch
        ar = False
    if isinstance(b, Tensor):
        bd = b._data
        br = b.requires_grad
        bn = b._node
        if not isinstance(a, Tensor):
            ns = bd
    else:
        if isinstance(b, LevelValue):
            return apply(op, a, b, **params)
        bn = None
        bd = b = b.item() if isinstance(b, np.generic) else b  # float32 * np.float64(2) stays float32
        br = False
    try:
        out = op.impl(_xp(ns), ad, bd, **params)
    except ValueError as err:
        raise _shape_error(op, (ad, bd), err) from None
    COUNTER.primitives += 1
    c = op.cost
    COUNTER.elements += c * out.size if c.__class__ is int else op.elements(out, (ad, bd), params)
    t = _new(Tensor)
    t._data = out
    t.grad = None
    t._vc = vc = [0, 0]
    t._view = None
    if (ar or br) and (op.vjp is not None or op.name in ZERO_SLOPE) and STATE.enabled:
        t.requires_grad = True
        t._node = Node(op, (a, b), params, out, _NEEDS[(ar, br)], CLOCK.now, vc, (an, bn))
    else:
        t.requires_grad = False
        t._node = None
    return t


def _general(op: Op, args: tuple, params: dict) -> Tensor:
    raw = []
    needs = []
    ns = None
    for a in args:
        if isinstance(a, Tensor):
            raw.append(a._data)
            needs.append(a.requires_grad)
            if ns is None:
                ns = a._data
        else:
            raw.append(a.item() if isinstance(a, np.generic) else a)
            needs.append(False)
    try:
        out = op.impl(_xp(ns), *raw, **params)
    except ValueError as err:
        raise _shape_error(op, tuple(raw), err) from None
    _count(op, out, tuple(raw), params)
    t = _make(out)
    if any(needs) and (op.vjp is not None or op.name in ZERO_SLOPE) and STATE.enabled:
        t.requires_grad = True
        kept = tuple(a if isinstance(a, Tensor) else r for a, r in zip(args, raw))  # NumPy scalars as Python's
        t._node = Node(op, kept, params, out, tuple(needs), CLOCK.now, t._vc)
    return t


def _apply(op: Op, args: tuple, params: dict) -> Tensor:
    n = len(args)
    if n == 1 and op.arity == 1:
        return _unary(op, args[0], params)
    if n == 2 and op.arity == 2:
        return _binary(op, args[0], args[1], params)
    return _general(op, args, params)


class MaxMin(NamedTuple):
    """What ``Tensor.max(dim)`` and ``min(dim)`` return, as PyTorch does: the values and their indices.

    Example
    -------
    >>> import diffkit as dk
    >>> r = dk.tensor([[1.0, 3.0], [4.0, 2.0]]).max(dim=1)
    >>> r.values, r.indices
    (tensor([3., 4.]), tensor([1, 0]))
    """

    values: Tensor
    indices: Tensor


def _axis(dim: Any, axis: Any) -> Any:
    a = axis if axis is not None else dim
    if isinstance(a, list):
        a = tuple(a)
    return a


def _keep(keepdim: bool, keepdims: bool | None) -> bool:
    return bool(keepdims) if keepdims is not None else bool(keepdim)


def _shape_args(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _new_shape(shape: tuple) -> tuple:
    """The shape of a new tensor (``zeros(2, 3)`` or ``zeros((2, 3))``): non-negative whole numbers."""
    shape = _shape_args(shape)
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in shape):
        raise ArgumentError(f"a new tensor's shape is made of non-negative whole numbers, got {shape}")
    return shape


def _raw_index(index: Any, ndim: int) -> tuple:
    """The index with Tensors unwrapped and, where it leaves axes out, a trailing ``...`` (the Array
    API wants every axis indexed, and allows no ``...`` beside integer arrays that index them all).
    A basic index gets one anyway: ``x[0]`` of a vector is then a 0-d view, as in PyTorch, not a copy."""
    if isinstance(index, list) and any(isinstance(i, (list, tuple, slice, Tensor, np.ndarray)) or i is None
                                       or i is Ellipsis for i in index):
        index = tuple(index)  # x[[[0, 4], [2, 2]]] is x[[0, 4], [2, 2]], as in PyTorch (and NumPy before 1.23)
    if not isinstance(index, tuple):
        index = (index,)
    index = tuple(i._data if isinstance(i, Tensor) else i for i in index)
    if not any(i is Ellipsis for i in index) and (sum(i is not None for i in index) < ndim or is_view_index(index)):
        index += (Ellipsis,)
    return index


def _convert(data: Any, dtype: Any, device: Any, copy: bool) -> Any:
    """The array a new Tensor holds: PyTorch's dtype rules, on ``device``'s namespace."""
    if isinstance(data, Tensor):
        data = data._data
    target = backend.normalize_device(device)
    if hasattr(data, "__array_namespace__") and not isinstance(data, np.generic) \
            and backend.device_of(data) == target:
        xp = data.__array_namespace__()
        arr = xp.asarray(data, copy=True) if copy else data
    else:
        python = not isinstance(data, (np.ndarray, np.generic)) and backend.device_of(data) == "cpu"
        if backend.device_of(data) == "cuda":
            data = backend.to_numpy(data)
        elif not isinstance(data, (np.ndarray, np.generic, list, tuple, int, float, bool, complex)) \
                and hasattr(data, "__dlpack__"):
            data = backend.to_numpy(data)
        try:
            arr = np.array(data, copy=True) if copy or python else np.asarray(data)
        except ValueError:  # ragged nested lists
            raise ShapeError("can't make a tensor from nested sequences of different lengths; every row "
                             "needs the same length") from None
        if arr.dtype.kind not in "biufc":
            raise ArgumentTypeError(f"can't make a tensor from {type(data).__name__} data of dtype {arr.dtype}; "
                                    "use numbers or arrays of numbers")
        if python and dtype is None and arr.dtype == np.float64:  # Python floats are float32, as in PyTorch
            arr = arr.astype(np.float32)
        xp = backend.get_namespace(target)
        if target != "cpu":
            arr = xp.asarray(arr)
    if dtype is not None:
        want = backend.resolve_dtype(xp, dtype)
        if arr.dtype != want:
            arr = OPS["astype"].impl(xp, arr, want)
    return arr


class Tensor(ArrayMethods):
    """An array that records the ops applied to it, for reverse-mode differentiation.

    Create one with :func:`tensor` (always copies) or ``Tensor(data)`` (shares
    an array of the right dtype and device, like ``torch.as_tensor``).

    Parameters
    ----------
    data : array_like
        Numbers, nested lists, or an array of NumPy, CuPy or another Array-API
        namespace. Python floats become float32 (as in PyTorch); arrays keep
        their dtype.
    requires_grad : bool, default False
        Record ops on this tensor so that ``backward()`` reaches it.
    dtype : str or dtype, optional
    device : {"cpu", "cuda"}, default "cpu"

    Attributes
    ----------
    requires_grad : bool
        Whether ops on this tensor are recorded, so that ``backward()`` reaches it.
        Results of recorded ops inherit it; switch it on for a leaf with
        :meth:`requires_grad_` (floating dtypes only).
    grad : Tensor or None
        Accumulated gradient (leaves, and non-leaves after ``retain_grad()``):
        None until a ``backward()`` reaches the tensor, then summed over every
        later ``backward()``; reset it with ``x.grad = None`` (or
        ``optimizer.zero_grad()``) between steps.

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.Tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x ** 2).sum()
    >>> x.requires_grad, y.requires_grad, x.grad is None
    (True, True, True)
    >>> y.backward()
    >>> x.grad
    tensor([2., 4.])
    """

    __slots__ = ("_data", "requires_grad", "grad", "_node", "_vc", "_view", "__weakref__")
    _dk_level = 2
    __array_priority__ = 1000  # ndarray <op> Tensor defers to the Tensor

    def __init__(self, data: Any, requires_grad: bool = False, *, dtype: Any = None, device: Any = "cpu"):
        arr = _convert(data, dtype, device, copy=False)
        self._data = arr
        self.requires_grad = False
        self._node = None
        self.grad = None
        self._vc = [0, 0]
        self._view = None  # (base, op, params, ...) when this tensor is a view of another (see inplace.py)
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> Tensor:
        return _apply(op, args, params)

    # ------------------------------------------------------------------ data and metadata

    @property
    def data(self) -> Tensor:
        """The values as a Tensor outside the graph, sharing memory (changes bypass version checks).

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
        >>> x.data  # no requires_grad, no history
        tensor([1., 2.])
        """
        return _make(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else value

    @property
    def shape(self) -> tuple:
        """The shape, a tuple of ints.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(2, 3).shape
        (2, 3)
        """
        return tuple(self._data.shape)

    @property
    def dtype(self) -> Any:
        """The dtype of the underlying array.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).dtype, dk.tensor([1]).dtype
        (dtype('float32'), dtype('int64'))
        """
        return self._data.dtype

    @property
    def ndim(self) -> int:
        """Number of dimensions.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(2, 3).ndim
        2
        """
        return self._data.ndim

    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda"``.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).device
        'cpu'
        """
        return backend.device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        """Whether the data lives on the GPU.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).is_cuda
        False
        """
        return self.device == "cuda"

    @property
    def xp(self) -> Any:
        """The array namespace of the data (``numpy``, ``cupy``, ...).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).xp.__name__
        'numpy'
        """
        return _xp(self._data)

    def size(self, dim: int | None = None) -> Any:
        """The shape (``size()``) or the length of one dimension (``size(dim)``), PyTorch style.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.ones(2, 3)
        >>> t.size(), t.size(1)
        ((2, 3), 3)
        """
        shape = self.shape
        return shape if dim is None else shape[dim]

    def numel(self) -> int:
        """Number of elements.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(2, 3).numel()
        6
        """
        return math.prod(self.shape)

    def dim(self) -> int:
        """Number of dimensions (PyTorch's name).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(2, 3).dim()
        2
        """
        return self.ndim

    def __len__(self) -> int:
        if self.ndim == 0:
            raise ArgumentTypeError("len() of a 0-d tensor")
        return self.shape[0]

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (user-created, or made without grad).

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
        >>> x.is_leaf, (x * 3).is_leaf, (x * 3).detach().is_leaf
        (True, False, True)
        """
        return self._node is None

    @property
    def grad_fn(self) -> Node | None:
        """The tape node that produced this tensor (``<MulBackward>``), None for leaves.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
        >>> x.grad_fn is None, (x * 3).grad_fn, x.sin().grad_fn
        (True, <MulBackward>, <SinBackward>)
        """
        return self._node

    @property
    def _version(self) -> int:
        return self._vc[0]

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([2.5]).item()
        2.5
        """
        if self.numel() != 1:
            raise ShapeError(f"item() needs a tensor with one element; this one has shape {self.shape}")
        return backend.to_numpy(self._data).reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """
        return backend.to_numpy(self._data).tolist()

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shares memory on the CPU, copies from the GPU).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).numpy()
        array([1., 2.], dtype=float32)
        """
        return backend.to_numpy(self._data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = backend.to_numpy(self._data)
        return arr.astype(dtype) if dtype is not None else arr

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise ArgumentError(f"the truth value of a tensor with shape {self.shape} is ambiguous; "
                                "use .any() or .all()")
        return bool(self.item())

    def __repr__(self) -> str:
        arr = backend.to_numpy(self._data)
        body = np.array2string(arr, separator=", ", prefix="tensor(")
        extra = []
        name = str(arr.dtype)
        if name not in ("float32", "int64", "bool"):
            extra.append(f"dtype={name}")
        if self.device != "cpu":
            extra.append(f"device='{self.device}'")
        if self._node is not None:
            extra.append(f"grad_fn={self._node!r}")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extra) + ")"

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol: int) -> tuple:
        # as PyTorch: the values and requires_grad travel, the graph, .grad and view links don't
        return (_rebuild, (self._data, self.requires_grad))

    def __deepcopy__(self, memo: dict) -> Tensor:
        # as PyTorch: leaves only, with their .grad
        if self._node is not None:
            raise GradientError("only tensors created by the user (graph leaves) can be deep-copied, as in PyTorch; "
                                "deep-copy t.detach() instead")
        import copy

        rebuild, args = self.__reduce_ex__(4)
        t = rebuild(copy.deepcopy(args[0], memo), *args[1:])
        memo[id(self)] = t
        t.grad = copy.deepcopy(self.grad, memo)
        return t

    # ------------------------------------------------------------------ autograd

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Any = None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on.

        Parameters
        ----------
        gradient : Tensor or array, optional
            The cotangent of this tensor (same shape); required unless it has one element.
        retain_graph : bool, optional
            Keep the graph for another backward; defaults to ``create_graph``.
        create_graph : bool, default False
            Record the backward pass, so that the gradients can be differentiated again.
            As in PyTorch, a leaf's ``.grad`` then refers to a graph that refers to the
            leaf: set ``x.grad = None`` when done so that memory is freed promptly.
        inputs : sequence of Tensor, optional
            Accumulate only into these leaves.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor(3.0, requires_grad=True)
        >>> y = x ** 3
        >>> y.backward(create_graph=True)
        >>> x.grad                     # 3 x^2
        tensor(27., grad_fn=<MulBackward>)
        >>> g = x.grad; x.grad = None
        >>> g.backward()
        >>> x.grad                     # 6 x
        tensor(18.)
        """
        autograd.backward(self, [gradient], retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` during backward (leaves keep it anyway).

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
        >>> h = x * 2; h.retain_grad()
        >>> (h * h).sum().backward()
        >>> h.grad
        tensor([4., 8.])
        """
        hooks.retain_grad(self)

    def register_hook(self, hook: Any) -> hooks.RemovableHandle:
        """Call ``hook(grad)`` when backward has this tensor's gradient; what it returns replaces it.

        On a leaf the hook sees the leaf's total gradient of one backward pass,
        before it is added to ``.grad``; on a non-leaf, the gradient before it
        flows further back. Returns a handle whose ``remove()`` takes the hook off.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
        >>> h = x.register_hook(lambda g: g.clamp(max=1.0))  # clip the gradient
        >>> (x * 3).sum().backward(); x.grad
        tensor([1., 1.])
        >>> h.remove()
        """
        return hooks.register_hook(self, hook)

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0], requires_grad=True)
        >>> h = x * 2; h.retain_grad()
        >>> h.retains_grad, (x * 3).retains_grad
        (True, False)
        """
        return hooks.retains_grad(self)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` of a leaf in place; returns self.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).requires_grad_().requires_grad
        True
        """
        if self._node is not None and not requires_grad:
            raise GradientError("requires_grad can only be switched off on leaf tensors; use .detach()")
        if requires_grad and not backend.is_floating(self.dtype):
            raise GradientError(f"only floating-point tensors can require gradients, not {self.dtype}; "
                                "make it with dtype='float32' or call .float() first")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A tensor with the same data outside the graph (shares memory and version counter).

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0], requires_grad=True)
        >>> (x * 2).detach().requires_grad
        False
        """
        t = _make(self._data)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph in place; returns self.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0], requires_grad=True)
        >>> y = (x * 2).detach_()
        >>> y.requires_grad, y.is_leaf
        (False, True)
        """
        if self._view is not None and self.requires_grad:
            raise GradientError("can't detach a view in place (its base's graph would still reach it); use "
                                "detach() instead")
        self._node = None
        self.requires_grad = False
        return self

    def zero_grad_(self) -> None:
        """Drop the accumulated gradient (set ``.grad`` to None).

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0], requires_grad=True)
        >>> (x * 2).sum().backward(); x.grad
        tensor([2.])
        >>> x.zero_grad_(); x.grad is None
        True
        """
        self.grad = None

    # ------------------------------------------------------------------ devices and dtypes

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Move to a device and/or cast to a dtype: ``t.to("cuda")``, ``t.to("float64")``, ``t.to(other)``.

        Moving a leaf gives a leaf with the same ``requires_grad``; casting is differentiable.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).to("float64").dtype
        dtype('float64')
        """
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("copy", None)
        if kwargs:
            raise ArgumentTypeError(f"to() got unexpected arguments {sorted(kwargs)}")
        device, dtype = backend.device_and_dtype(args, device, dtype, Tensor)
        out = self
        if dtype is not None:
            out = out._cast(dtype)
        if device is not None and backend.normalize_device(device) != out.device:
            if out._node is not None:
                raise GradientError("moving a non-leaf tensor between devices is not recorded; move the "
                                    "leaves (parameters and inputs) before computing")
            moved = _make(backend.to_device(out._data, device))
            moved.requires_grad = out.requires_grad
            out = moved
        return out

    def _cast(self, dtype: Any) -> Tensor:
        want = backend.resolve_dtype(_xp(self._data), dtype)
        if self.dtype == want:
            return self
        out = _unary(OPS["astype"], self, {"dtype": want})
        if not backend.is_floating(want):  # integer results carry no gradient
            out.requires_grad = False
            out._node = None
        return out

    def type(self, dtype: Any = None) -> Any:
        """Cast to ``dtype``; with no argument, the dtype's name.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.tensor([1.0])
        >>> t.type(), t.type("float64").dtype
        ('float32', dtype('float64'))
        """
        return str(self.dtype) if dtype is None else self._cast(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other``'s dtype.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1, 2]).type_as(dk.tensor([0.5]))
        tensor([1., 2.])
        """
        return self._cast(other.dtype)

    def float(self) -> Tensor:
        """Cast to float32.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1, 2]).float()
        tensor([1., 2.])
        """
        return self._cast("float32")

    def double(self) -> Tensor:
        """Cast to float64.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).double()
        tensor([1.], dtype=float64)
        """
        return self._cast("float64")

    def half(self) -> Tensor:
        """Cast to float16.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).half()
        tensor([1.], dtype=float16)
        """
        return self._cast("float16")

    def long(self) -> Tensor:
        """Cast to int64 (no gradient); floats are truncated toward zero.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.7, -1.7]).long()
        tensor([ 1, -1])
        """
        return self._cast("int64")

    def int(self) -> Tensor:
        """Cast to int32 (no gradient); floats are truncated toward zero.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.7, -1.7]).int()
        tensor([ 1, -1], dtype=int32)
        """
        return self._cast("int32")

    def bool(self) -> Tensor:
        """Cast to bool (no gradient).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([0.0, 2.0]).bool()
        tensor([False,  True])
        """
        return self._cast("bool")

    def cpu(self) -> Tensor:
        """This tensor on the CPU (self if it is already there).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).cpu().device
        'cpu'
        """
        return self.to("cpu")

    def cuda(self) -> Tensor:
        """This tensor on the GPU (raises :class:`~diffkit.BackendError` without CuPy and a GPU).

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.tensor([1.0])
        >>> t.cuda().device if dk.ad.backend.cuda_available() else "cuda"  # no GPU: BackendError
        'cuda'
        """
        return self.to("cuda")

    def clone(self) -> Tensor:
        """A copy, recorded on the tape (its gradient flows back to this tensor).

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0], requires_grad=True)
        >>> x.clone().grad_fn
        <AstypeBackward>
        """
        return _unary(OPS["astype"], self, {"dtype": self.dtype})

    def contiguous(self) -> Tensor:
        """Self if its array is laid out in row-major (C) order, else a C-ordered copy (differentiable).

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.ones(2, 3).T
        >>> t.is_contiguous(), t.contiguous().is_contiguous()
        (False, True)
        """
        if self.is_contiguous():
            return self
        return _unary(OPS["contiguous"], self, _EMPTY)

    def is_contiguous(self) -> bool:
        """Whether the array is laid out in row-major (C) order (always True where layout is hidden).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(2, 3).is_contiguous()
        True
        """
        flags = getattr(self._data, "flags", None)
        return flags is None or bool(flags.c_contiguous)

    # ------------------------------------------------------------------ operators

    def __add__(self, o: Any) -> Tensor: return _binary(_ADD, self, o)
    def __radd__(self, o: Any) -> Tensor: return _binary(_ADD, o, self)
    def __sub__(self, o: Any) -> Tensor: return _binary(_SUB, self, o)
    def __rsub__(self, o: Any) -> Tensor: return _binary(_SUB, o, self)
    def __mul__(self, o: Any) -> Tensor: return _binary(_MUL, self, o)
    def __rmul__(self, o: Any) -> Tensor: return _binary(_MUL, o, self)
    def __truediv__(self, o: Any) -> Tensor: return _binary(_DIV, self, o)
    def __rtruediv__(self, o: Any) -> Tensor: return _binary(_DIV, o, self)
    def __pow__(self, o: Any) -> Tensor: return _binary(_POW, self, o)
    def __rpow__(self, o: Any) -> Tensor: return _binary(_POW, o, self)
    def __matmul__(self, o: Any) -> Tensor:
        """Matrix product ``self @ o`` (NumPy's matmul rules: 1-d operands are vectors, batches broadcast).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1.0, 2.0]], requires_grad=True) @ dk.tensor([[3.0], [4.0]])
        tensor([[11.]], grad_fn=<MatmulBackward>)
        """
        return _binary(_MATMUL, self, o)

    def __rmatmul__(self, o: Any) -> Tensor: return _binary(_MATMUL, o, self)
    def __neg__(self) -> Tensor: return _unary(_NEG, self, _EMPTY)
    def __pos__(self) -> Tensor: return self
    def __abs__(self) -> Tensor: return _unary(OPS["abs"], self, _EMPTY)

    def __lt__(self, o: Any) -> Tensor: return _binary(OPS["less"], self, o)
    def __le__(self, o: Any) -> Tensor: return _binary(OPS["less_equal"], self, o)
    def __gt__(self, o: Any) -> Tensor: return _binary(OPS["greater"], self, o)
    def __ge__(self, o: Any) -> Tensor: return _binary(OPS["greater_equal"], self, o)
    def __eq__(self, o: Any) -> Tensor: return _binary(OPS["equal"], self, o)  # type: ignore[override]
    def __ne__(self, o: Any) -> Tensor: return _binary(OPS["not_equal"], self, o)  # type: ignore[override]

    def __getitem__(self, index: Any) -> Tensor:
        return _unary(OPS["getitem"], self, {"index": _raw_index(index, self.ndim)})

    def __setitem__(self, index: Any, value: Any) -> None:
        index = _raw_index(index, self.ndim)
        if self._recorded(value) and rebase(self, OPS["setitem"], value, {"index": index}, "item assignment"):
            return
        d = self._data
        v = value._data if isinstance(value, Tensor) else value
        try:
            d[index] = v
        except ValueError as err:
            raise _inplace_error("item assignment", self, v, err) from None
        self._bump()

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    # NumPy ufuncs on Tensors (np.exp(t), ndarray * t) record like the dk functions; the table's
    # elementwise ops take the hot path, the rest NumPy's protocol (diffkit/expr/numpy_protocol.py).
    _UFUNCS = UFUNCS

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = self._UFUNCS.get(ufunc.__name__)
        if method != "__call__" or name is None or kwargs:
            return ArrayMethods.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)
        return _apply(OPS[name], inputs, _EMPTY)

    # ------------------------------------------------------------------ elementwise methods

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self + alpha * other.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).add(dk.tensor([10.0, 20.0]), alpha=0.5)
        tensor([ 6., 12.])
        """
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self - alpha * other.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).sub(dk.tensor([1.0, 1.0]), alpha=2)
        tensor([-1.,  0.])
        """
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other: Any) -> Tensor:
        """self * other.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).mul(3)
        tensor([3., 6.])
        """
        return self * other

    def div(self, other: Any) -> Tensor:
        """self / other.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).div(4)
        tensor([0.25, 0.5 ])
        """
        return self / other

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor(2.0, requires_grad=True)
        >>> y = x.pow(3); y.backward()
        >>> y, x.grad  # 3 x^2 = 12
        (tensor(8., grad_fn=<PowBackward>), tensor(12.))
        """
        return self**exponent

    def neg(self) -> Tensor:
        """-self.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, -2.0]).neg()
        tensor([-1.,  2.])
        """
        return -self

    def _fn(self, name: str, **params: Any) -> Tensor:
        return _unary(OPS[name], self, params or _EMPTY)

    def exp(self) -> Tensor:
        """Elementwise e^x.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor(0.0, requires_grad=True)
        >>> y = x.exp(); y.backward()
        >>> y, x.grad  # (e^x)' = e^x
        (tensor(1., grad_fn=<ExpBackward>), tensor(1.))
        """
        return _unary(OPS["exp"], self, _EMPTY)

    def log(self) -> Tensor:
        """Elementwise natural logarithm.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor(2.0, requires_grad=True)
        >>> x.log().backward(); x.grad  # 1 / x
        tensor(0.5)
        """
        return _unary(OPS["log"], self, _EMPTY)

    def sqrt(self) -> Tensor:
        """Elementwise square root.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor(4.0, requires_grad=True)
        >>> y = x.sqrt(); y.backward()
        >>> y, x.grad  # 1 / (2 sqrt(x))
        (tensor(2., grad_fn=<SqrtBackward>), tensor(0.25))
        """
        return _unary(OPS["sqrt"], self, _EMPTY)

    def square(self) -> Tensor:
        """Elementwise x^2.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor(3.0, requires_grad=True)
        >>> y = x.square(); y.backward()
        >>> y, x.grad
        (tensor(9., grad_fn=<SquareBackward>), tensor(6.))
        """
        return _unary(OPS["square"], self, _EMPTY)

    def sin(self) -> Tensor:
        """Elementwise sine.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor(0.0, requires_grad=True)
        >>> y = x.sin(); y.backward()
        >>> y, x.grad  # cos(0) = 1
        (tensor(0., grad_fn=<SinBackward>), tensor(1.))
        """
        return _unary(OPS["sin"], self, _EMPTY)

    def cos(self) -> Tensor:
        """Elementwise cosine.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([0.0]).cos()
        tensor([1.])
        """
        return _unary(OPS["cos"], self, _EMPTY)

    def tan(self) -> Tensor:
        """Elementwise tangent.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor(0.0, requires_grad=True)
        >>> y = x.tan(); y.backward()
        >>> y, x.grad  # 1 / cos^2(0) = 1
        (tensor(0., grad_fn=<TanBackward>), tensor(1.))
        """
        return _unary(OPS["tan"], self, _EMPTY)

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor(0.0, requires_grad=True)
        >>> y = x.tanh(); y.backward()
        >>> y, x.grad  # 1 - tanh^2
        (tensor(0., grad_fn=<TanhBackward>), tensor(1.))
        """
        return _unary(OPS["tanh"], self, _EMPTY)

    def sigmoid(self) -> Tensor:
        """Elementwise logistic sigmoid.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor(0.0, requires_grad=True)
        >>> y = x.sigmoid(); y.backward()
        >>> y, x.grad  # s (1 - s)
        (tensor(0.5, grad_fn=<SigmoidBackward>), tensor(0.25))
        """
        return _unary(OPS["sigmoid"], self, _EMPTY)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0); relu'(0) = 0.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        >>> x.relu().sum().backward()
        >>> x.relu().detach(), x.grad
        (tensor([0., 0., 2.]), tensor([0., 0., 1.]))
        """
        return _unary(OPS["relu"], self, _EMPTY)

    def abs(self) -> Tensor:
        """Elementwise |x|; abs'(0) = 0.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([-2.0, 0.0, 3.0], requires_grad=True)
        >>> x.abs().sum().backward(); x.grad
        tensor([-1.,  0.,  1.])
        """
        return _unary(OPS["abs"], self, _EMPTY)

    def sign(self) -> Tensor:
        """Elementwise sign; its gradient is zero (as in PyTorch, backward gives zeros).

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([-2.0, 0.0, 3.0], requires_grad=True)
        >>> x.sign().sum().backward()
        >>> x.sign().detach(), x.grad
        (tensor([-1.,  0.,  1.]), tensor([0., 0., 0.]))
        """
        return _unary(OPS["sign"], self, _EMPTY)

    def reciprocal(self) -> Tensor:
        """Elementwise 1 / x.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([2.0, 4.0]).reciprocal()
        tensor([0.5 , 0.25])
        """
        return _binary(_DIV, 1.0, self)

    def rsqrt(self) -> Tensor:
        """Elementwise 1 / sqrt(x).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([4.0, 16.0]).rsqrt()
        tensor([0.5 , 0.25])
        """
        return _binary(_DIV, 1.0, self.sqrt())

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
        """Limit to [min, max] (either may be None); gradient 1 inside, boundaries included.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([-1.0, 0.5, 2.0]).clamp(min=0.0, max=1.0)
        tensor([0. , 0.5, 1. ])
        """
        return _unary(OPS["clip"], self, {"lo": min, "hi": max})

    clip = clamp

    def maximum(self, other: Any) -> Tensor:
        """Elementwise maximum; a tie splits the gradient half and half.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0, 3.0], requires_grad=True)
        >>> x.maximum(dk.tensor([3.0, 3.0])).sum().backward(); x.grad  # tie at 3: half
        tensor([0. , 0.5])
        """
        return _binary(OPS["maximum"], self, other)

    def minimum(self, other: Any) -> Tensor:
        """Elementwise minimum; a tie splits the gradient half and half.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0, 3.0], requires_grad=True)
        >>> x.minimum(dk.tensor([3.0, 3.0])).sum().backward(); x.grad  # tie at 3: half
        tensor([1. , 0.5])
        """
        return _binary(OPS["minimum"], self, other)

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where condition holds, else other (PyTorch's ``x.where(c, y)``).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).where(dk.tensor([True, False]), 0.0)
        tensor([1., 0.])
        """
        return _general(OPS["where"], (condition, self, other), _EMPTY)

    # ------------------------------------------------------------------ reductions

    def sum(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
            dtype: Any = None, out: Any = None) -> Tensor:
        """Sum over ``dim`` (or ``axis``; all by default), keeping reduced dims if ``keepdim``.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
        tensor([4., 6.])
        """
        x = self if dtype is None else self._cast(dtype)
        return _unary(OPS["sum"], x, {"axis": _axis(dim, axis), "keepdims": _keep(keepdim, keepdims)})

    def mean(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
             dtype: Any = None, out: Any = None) -> Tensor:
        """Mean over ``dim`` (or ``axis``; all by default).

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> t.mean(), t.mean(dim=1)
        (tensor(3.5), tensor([2., 5.]))
        """
        x = self if dtype is None else self._cast(dtype)
        return _unary(OPS["mean"], x, {"axis": _axis(dim, axis), "keepdims": _keep(keepdim, keepdims)})

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
            out: Any = None) -> Tensor | MaxMin:
        """Maximum: of everything, or over ``dim`` as PyTorch gives it, ``(values, indices)``.

        ``dim=`` (an int, or the first positional argument) returns a named pair
        ``(values, indices)`` as ``torch.max`` does, and the values' gradient goes
        to the entry at the index returned; NumPy's ``axis=`` (or a tuple of dims)
        returns the values only, as :meth:`amax` does, and ties share the gradient
        evenly.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> t.max(), t.max(axis=0)
        (tensor(6.), tensor([4., 5., 6.]))
        >>> values, indices = t.max(dim=1)
        >>> values, indices
        (tensor([3., 6.]), tensor([2, 2]))
        """
        if axis is not None or not isinstance(dim, (int, np.integer)):  # NumPy's spelling: values only
            return self.amax(dim, keepdim, axis=axis, keepdims=keepdims)
        return self._at_indices(self.argmax(dim, keepdim=True), int(dim), _keep(keepdim, keepdims), self.amax)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
            out: Any = None) -> Tensor | MaxMin:
        """Minimum, as ``-max(-x)``: of everything, ``(values, indices)`` over ``dim``, values over ``axis``.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> t.min(dim=1).values, t.min(dim=1).indices, t.min(axis=1)
        (tensor([1., 4.]), tensor([0, 0]), tensor([1., 4.]))
        """
        if axis is not None or not isinstance(dim, (int, np.integer)):
            return self.amin(dim, keepdim, axis=axis, keepdims=keepdims)
        return self._at_indices(self.argmin(dim, keepdim=True), int(dim), _keep(keepdim, keepdims), self.amin)

    def _at_indices(self, idx: Tensor, dim: int, keepdim: bool, ties: Any) -> MaxMin:
        """The entries at ``idx`` (one per row along ``dim``, kept as a size-1 axis) with their indices:
        picked by indexing, so the gradient goes to the index returned, as PyTorch's max(dim) does.
        ``ties`` (amax or amin) gives the values where the namespace can't take that gradient."""
        dim %= max(self.ndim, 1)
        raw = idx._data
        xp = _xp(raw)
        if getattr(xp, "__name__", "").split(".")[0] in ("numpy", "cupy"):
            ndim = raw.ndim
            grid = tuple(raw if k == dim else xp.reshape(xp.arange(n), tuple(n if j == k else 1 for j in range(ndim)))
                         for k, n in enumerate(raw.shape))  # idx along dim, every position elsewhere
            values = self[grid]
        else:  # the pick's gradient assigns through integer arrays, which the Array API leaves out
            values = ties(dim, keepdim=True)
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        return MaxMin(values, idx)

    def amax(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool | None = None) -> Tensor:
        """Maximum values over ``dim`` (an int or a tuple; all by default), without indices.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1.0, 5.0], [4.0, 2.0]]).amax(dim=0)
        tensor([4., 5.])
        """
        return _unary(OPS["max"], self, {"axis": _axis(dim, axis), "keepdims": _keep(keepdim, keepdims)})

    def amin(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool | None = None) -> Tensor:
        """Minimum values over ``dim`` (an int or a tuple; all by default), without indices.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1.0, 5.0], [4.0, 2.0]]).amin(dim=1)
        tensor([1., 2.])
        """
        return -(-self).amax(dim, keepdim, axis=axis, keepdims=keepdims)

    def argmax(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Tensor:
        """Index of the maximum over ``dim`` (flattened if None); an integer tensor.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.tensor([[1.0, 2.0, 3.0], [6.0, 5.0, 4.0]])
        >>> t.argmax(), t.argmax(dim=1)
        (tensor(3), tensor([2, 0]))
        """
        return _unary(OPS["argmax"], self, {"axis": _axis(dim, axis), "keepdims": bool(keepdim)})

    def argmin(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Tensor:
        """Index of the minimum over ``dim`` (flattened if None); an integer tensor.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([3.0, 1.0, 2.0]).argmin()
        tensor(1)
        """
        return _unary(OPS["argmin"], self, {"axis": _axis(dim, axis), "keepdims": bool(keepdim)})

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """Variance over ``dim``; ``correction=1`` (the default, as PyTorch) divides by n - 1.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
        >>> x.var(), x.var(correction=0)
        (tensor(2.5), tensor(2.))
        """
        return _stats.var(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """Standard deviation over ``dim`` (``correction=1`` by default).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).std(correction=0)
        tensor(2.)
        """
        return _stats.std(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    # norm(p, dim, keepdim) is ArrayMethods' (diffkit/expr/array_methods.py), as PyTorch's.

    def logsumexp(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
                  keepdims: bool | None = None) -> Tensor:
        """log(sum(exp(x))) over ``dim``, computed stably.

        Example
        -------
        >>> import diffkit as dk
        >>> round(dk.tensor([1000.0, 1000.0]).logsumexp().item(), 2)  # 1000 + log 2, no overflow
        1000.69
        """
        return _unary(OPS["logsumexp"], self, {"axis": _axis(dim, axis), "keepdims": _keep(keepdim, keepdims)})

    def log_softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        """x - logsumexp(x) over ``dim`` (last by default), computed stably.

        Example
        -------
        >>> import diffkit as dk
        >>> [round(v, 4) for v in dk.tensor([0.0, 0.0]).log_softmax().tolist()]
        [-0.6931, -0.6931]
        """
        return _unary(OPS["log_softmax"], self, {"axis": _axis(dim, axis)})

    def softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        """exp(x) / sum(exp(x)) over ``dim`` (last by default), computed stably.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1.0, 1.0, 1.0, 1.0]]).softmax(dim=1)
        tensor([[0.25, 0.25, 0.25, 0.25]])
        """
        return _unary(OPS["softmax"], self, {"axis": _axis(dim, axis)})

    # ------------------------------------------------------------------ shape

    def reshape(self, *shape: Any) -> Tensor:
        """Same data in a new shape (one entry may be -1): ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.arange(6).reshape(2, 3)
        tensor([[0, 1, 2],
                [3, 4, 5]])
        >>> dk.arange(6).reshape(-1, 2).shape
        (3, 2)
        """
        shape = _shape_args(shape)
        if -1 in shape:
            known = math.prod(s for s in shape if s != -1)
            shape = tuple(self.numel() // known if s == -1 and known else s for s in shape)
        return _unary(OPS["reshape"], self, {"shape": shape})

    def view(self, *shape: Any) -> Tensor:
        """The same memory seen in a new shape; an error where that needs a copy (use ``reshape``).

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.zeros(6)
        >>> v = x.view(2, 3)
        >>> v[0, 0] = 10.0  # writes into x
        >>> x
        tensor([10.,  0.,  0.,  0.,  0.,  0.])
        >>> x.T.view(6) is not None  # a 1-d tensor's transpose is itself, in memory too
        True
        """
        out = self.reshape(*shape)
        if out._view is None and self.numel() > 1:
            raise ShapeError(f"view{tuple(_shape_args(shape))} of a tensor of shape {self.shape} laid out in "
                             "memory as it is (not row-major) needs a copy; use .reshape(...) instead")
        return out

    def view_as(self, other: Tensor) -> Tensor:
        """Reshape to ``other``'s shape.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.arange(6).view_as(dk.ones(3, 2)).shape
        (3, 2)
        """
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions ``start_dim..end_dim`` into one.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.ones(2, 3, 4)
        >>> t.flatten().shape, t.flatten(1).shape
        ((24,), (2, 12))
        """
        shape = self.shape
        if not shape:
            return self.reshape(1)
        s, e = start_dim % len(shape), end_dim % len(shape)
        return self.reshape(shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])

    def split(self, split_size_or_sections: int | list[int], dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces along ``dim``: of ``split_size`` each (the last may be shorter), or of the given sizes.

        Each piece is a slice, so gradients flow back into the right part of ``self``.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.arange(5)
        >>> t.split(2), t.split([1, 4])
        ((tensor([0, 1]), tensor([2, 3]), tensor([4])), (tensor([0]), tensor([1, 2, 3, 4])))
        """
        n = self.shape[dim]
        if isinstance(split_size_or_sections, (int, np.integer)):
            size = int(split_size_or_sections)
            if size < 1:
                raise ArgumentError(f"split size must be a positive number, got {size}")
            sizes = [min(size, n - start) for start in range(0, n, size)]
        else:
            sizes = [int(k) for k in split_size_or_sections]
            if sum(sizes) != n or any(k < 0 for k in sizes):
                raise ArgumentError(f"split sizes {sizes} don't add up to the {n} entries along dim {dim}")
        lead = (slice(None),) * (dim % self.ndim)
        starts = np.cumsum([0] + sizes[:-1])
        return tuple(self[lead + (slice(int(a), int(a) + k),)] for a, k in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most ``chunks`` pieces along ``dim``, of equal size but the last (as ``torch.chunk``).

        Example
        -------
        >>> import diffkit as dk
        >>> [c.shape for c in dk.zeros(5, 2).chunk(3)]
        [(2, 2), (2, 2), (1, 2)]
        """
        if chunks < 1:
            raise ArgumentError(f"chunks must be a positive number, got {chunks}")
        return self.split(max(1, -(-self.shape[dim] // chunks)), dim)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dimension of size 1 at ``dim``.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).unsqueeze(0)
        tensor([[1., 2.]])
        >>> dk.tensor([1.0, 2.0]).unsqueeze(1).shape
        (2, 1)
        """
        shape = list(self.shape)
        shape.insert(dim % (len(shape) + 1), 1)
        return self.reshape(tuple(shape))

    def squeeze(self, dim: int | None = None) -> Tensor:
        """Drop dimensions of size 1 (only ``dim`` if given).

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.ones(1, 3, 1)
        >>> t.squeeze().shape, t.squeeze(0).shape
        ((3,), (3, 1))
        """
        shape = self.shape
        if dim is None:
            new = tuple(s for s in shape if s != 1)
        else:
            d = dim % len(shape) if shape else 0
            new = shape[:d] + shape[d + 1:] if shape and shape[d] == 1 else shape
        return self.reshape(new)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dimensions: ``t.permute(2, 0, 1)``.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(2, 3, 4).permute(2, 0, 1).shape
        (4, 2, 3)
        """
        return _unary(OPS["transpose"], self, {"axes": tuple(d % max(self.ndim, 1) for d in _shape_args(dims))})

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Swap dimensions ``dim0`` and ``dim1`` (PyTorch's ``transpose``).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(2, 3, 4).transpose(0, 2).shape
        (4, 3, 2)
        """
        n = self.ndim
        axes = list(range(n))
        a, b = dim0 % n, dim1 % n
        axes[a], axes[b] = axes[b], axes[a]
        return _unary(OPS["transpose"], self, {"axes": tuple(axes)})

    def t(self) -> Tensor:
        """Transpose of a matrix (self for 0-d and 1-d tensors).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1.0, 2.0, 3.0]]).t()
        tensor([[1.],
                [2.],
                [3.]])
        """
        return self if self.ndim < 2 else self.transpose(0, 1)

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """All dimensions reversed.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(2, 3, 4).T.shape
        (4, 3, 2)
        """
        return _unary(OPS["transpose"], self, {"axes": None})

    @property
    def mT(self) -> Tensor:  # noqa: N802
        """The last two dimensions swapped.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(5, 2, 3).mT.shape
        (5, 3, 2)
        """
        return _unary(OPS["matrix_transpose"], self, _EMPTY)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to ``sizes`` (-1 keeps a dimension).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).expand(3, -1)
        tensor([[1., 2.],
                [1., 2.],
                [1., 2.]])
        """
        sizes = _shape_args(sizes)
        shape = self.shape
        lead = len(sizes) - len(shape)
        full = tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        return _unary(OPS["broadcast_to"], self, {"shape": full})

    def broadcast_to(self, shape: Any) -> Tensor:
        """Broadcast to ``shape``.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).broadcast_to((2, 2))
        tensor([[1., 2.],
                [1., 2.]])
        """
        return _unary(OPS["broadcast_to"], self, {"shape": tuple(shape)})

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to ``other``'s shape.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1.0], [2.0]]).expand_as(dk.ones(2, 3))
        tensor([[1., 1., 1.],
                [2., 2., 2.]])
        """
        return self.broadcast_to(other.shape)

    def matmul(self, other: Any) -> Tensor:
        """Matrix product (``@``).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1.0, 2.0]]).matmul(dk.tensor([[3.0], [4.0]]))
        tensor([[11.]])
        """
        return _binary(_MATMUL, self, other)

    mm = matmul

    def dot(self, other: Any) -> Tensor:
        """Inner product of two vectors.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).dot(dk.tensor([3.0, 4.0]))
        tensor(11.)
        """
        return _binary(_MATMUL, self, other)

    # ------------------------------------------------------------------ in place

    def _bump(self) -> None:
        CLOCK.now += 1
        vc = self._vc
        vc[0] += 1
        vc[1] = CLOCK.now

    def _recorded(self, other: Any = None) -> bool:
        """Whether an in-place op on self (with ``other``) must go through the tape (inplace.rebase)."""
        return STATE.enabled and (self.requires_grad or self._view is not None
                                  or (isinstance(other, Tensor) and other.requires_grad))

    def _inplace(self, name: str, other: Any, fast: Any, alpha: Any = 1) -> Tensor:
        """self = self <name> alpha * other: recorded when a gradient is wanted, else ``fast(data, other)``."""
        if self._recorded(other) and rebase(self, OPS[name], other * alpha if alpha != 1 else other, _EMPTY,
                                            f"{name}_"):
            return self
        d = self._data
        o = other._data if isinstance(other, Tensor) else other
        try:
            new = fast(d, o)
        except ValueError as err:
            raise _inplace_error(f"{name}_", self, o, err) from None
        if new is not d:  # 0-d NumPy scalars have no in-place ops
            self._data = _xp(d).asarray(new, dtype=d.dtype)
        COUNTER.primitives += 1
        COUNTER.elements += int(d.size)
        self._bump()
        return self

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self += alpha * other, in place; returns self.

        Example
        -------
        >>> import diffkit as dk
        >>> w = dk.tensor([1.0, 2.0], requires_grad=True)
        >>> with dk.no_grad():
        ...     _ = w.add_(dk.tensor([1.0, 1.0]), alpha=-0.5)
        >>> w
        tensor([0.5, 1.5], requires_grad=True)
        """
        return self._inplace("add", other, lambda d, o: axpy(alpha, o, d), alpha)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self -= alpha * other, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([4.0, 8.0]).sub_(dk.tensor([1.0, 1.0]), alpha=2)
        tensor([2., 6.])
        """
        return self._inplace("sub", other, lambda d, o: axpy(-alpha, o, d), alpha)

    def mul_(self, other: Any) -> Tensor:
        """self *= other, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).mul_(3)
        tensor([3., 6.])
        """
        return self._inplace("mul", other, operator.imul)

    def div_(self, other: Any) -> Tensor:
        """self /= other, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).div_(4)
        tensor([0.25, 0.5 ])
        """
        return self._inplace("div", other, operator.itruediv)

    def pow_(self, exponent: Any) -> Tensor:
        """self **= exponent, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([2.0, 3.0]).pow_(2)
        tensor([4., 9.])
        """
        return self._inplace("pow", exponent, operator.ipow)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_
    __ipow__ = pow_

    def addcmul_(self, t1: Any, t2: Any, *, value: Any = 1) -> Tensor:
        """self += value * t1 * t2, in place (Adam's update).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.zeros(2).addcmul_(dk.tensor([1.0, 2.0]), dk.tensor([3.0, 4.0]), value=0.5)
        tensor([1.5, 4. ])
        """
        return self.add_(t1 * t2 * value if value != 1 else t1 * t2)

    def addcdiv_(self, t1: Any, t2: Any, *, value: Any = 1) -> Tensor:
        """self += value * t1 / t2, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.zeros(2).addcdiv_(dk.tensor([1.0, 2.0]), dk.tensor([4.0, 4.0]), value=2)
        tensor([0.5, 1. ])
        """
        return self.add_(t1 / t2 * value if value != 1 else t1 / t2)

    def _set(self, new: Any, name: str) -> Tensor:
        """Overwrite all values (no gradient through the old ones)."""
        if self._recorded() and rebase(self, OPS["setitem"], new, {"index": ...}, name):  # none to the old values
            return self
        d = self._data
        xp = _xp(d)
        if hasattr(type(d), "__setitem__"):
            try:
                d[...] = new
            except ValueError as err:
                raise _inplace_error(name, self, new, err) from None
        else:
            self._data = xp.asarray(new, dtype=d.dtype)
        COUNTER.primitives += 1
        COUNTER.elements += int(d.size)
        self._bump()
        return self

    def zero_(self) -> Tensor:
        """Set every entry to 0, in place; returns self.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(3).zero_()
        tensor([0., 0., 0.])
        """
        return self._set(0, "zero_")

    def fill_(self, value: Any) -> Tensor:
        """Set every entry to ``value``, in place; returns self.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.zeros(2).fill_(7.0)
        tensor([7., 7.])
        """
        return self._set(value._data if isinstance(value, Tensor) else value, "fill_")

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src``'s values (broadcast to this shape) into this tensor, in place.

        While recording, the copy is differentiable with respect to ``src``.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.zeros(2, 2).copy_(dk.tensor([1.0, 2.0]))
        tensor([[1., 2.],
                [1., 2.]])
        """
        if isinstance(src, Tensor) and self._recorded(src) and rebase(self, OPS["setitem"], src, {"index": ...},
                                                                      "copy_"):
            return self
        s = src._data if isinstance(src, Tensor) else src
        return self._set(s, "copy_")

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Limit to [min, max], in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([-1.0, 0.5, 2.0]).clamp_(0.0, 1.0)
        tensor([0. , 0.5, 1. ])
        """
        if self._recorded() and rebase(self, OPS["clip"], None, {"lo": min, "hi": max}, "clamp_"):
            return self
        return self._set(OPS["clip"].impl(_xp(self._data), self._data, min, max), "clamp_")

    def sqrt_(self) -> Tensor:
        """Square root, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([4.0, 9.0]).sqrt_()
        tensor([2., 3.])
        """
        if self._recorded() and rebase(self, OPS["sqrt"], None, _EMPTY, "sqrt_"):
            return self
        return self._set(_xp(self._data).sqrt(self._data), "sqrt_")

    def neg_(self) -> Tensor:
        """Negate, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, -2.0]).neg_()
        tensor([-1.,  2.])
        """
        return self.mul_(-1.0)

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with uniform samples from [a, b), in place (``generator``: a NumPy Generator).

        Example
        -------
        >>> import diffkit as dk
        >>> import numpy as np
        >>> u = dk.zeros(1000).uniform_(-1.0, 1.0, generator=np.random.default_rng(0))
        >>> bool(u.min() >= -1.0) and bool(u.max() < 1.0)
        True
        """
        rng = resolve_generator(generator)  # dk.manual_seed reaches these draws too
        return self._set(self._from_numpy(rng.uniform(a, b, self.shape)), "uniform_")

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with normal samples N(mean, std^2), in place (``generator``: a NumPy Generator).

        Example
        -------
        >>> import diffkit as dk
        >>> import numpy as np
        >>> n = dk.zeros(10000).normal_(2.0, 0.5, generator=np.random.default_rng(0))
        >>> round(n.mean().item(), 1), round(n.std().item(), 1)
        (2.0, 0.5)
        """
        rng = resolve_generator(generator)  # dk.manual_seed reaches these draws too
        return self._set(self._from_numpy(rng.normal(mean, std, self.shape)), "normal_")

    def _from_numpy(self, arr: np.ndarray) -> Any:
        return _xp(self._data).asarray(arr, dtype=self.dtype)


bind(Tensor, _make)


def _rebuild(data: Any, requires_grad: bool) -> Tensor:
    """A leaf around unpickled ``data`` (see ``Tensor.__reduce_ex__``)."""
    return _make(data, requires_grad)


def _inplace_error(name: str, t: Tensor, other: Any, err: Exception) -> Exception:
    """A clear error for an in-place op NumPy refused: read-only (expanded) memory, or a broadcast shape."""
    if "read-only" in str(err):
        return readonly_error(name)
    return ShapeError(f"{name}: a value of shape {tuple(getattr(other, 'shape', ()))} can't be written in place "
                      f"into a tensor of shape {t.shape} ({err}); write it out of place (x = x + y, ...)")


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, device: Any = "cpu") -> Tensor:
    """A new Tensor with a copy of ``data`` (PyTorch's ``torch.tensor``).

    Parameters
    ----------
    data : array_like or Tensor
        Python numbers and lists become float32 (floats), int64 (ints) or bool;
        NumPy arrays keep their dtype; arrays of another Array-API namespace
        (CuPy, ``array_api_strict``) stay in their namespace.
    requires_grad : bool, default False
        Record operations on the result (needs a floating dtype).
    dtype : str or dtype, optional
        ``"float32"``, ``np.float64``, PyTorch's ``"double"``, ...
    device : {"cpu", "cuda"}, default "cpu"
        ``"cuda"`` needs CuPy and a GPU (:class:`~diffkit.BackendError` otherwise).

    Returns
    -------
    Tensor

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    >>> dk.tensor([1.0], dtype="float64").dtype
    dtype('float64')
    """
    t = Tensor(_convert(data, dtype, device, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _factory(arr: np.ndarray, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    if dtype is None and arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    return tensor(arr, requires_grad=requires_grad, dtype=dtype, device=device)


def zeros(*shape: Any, dtype: Any = None, device: Any = "cpu", requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``).

    Example
    -------
    >>> from diffkit.ad import zeros
    >>> zeros(2, 3).shape
    (2, 3)
    """
    return _factory(np.zeros(_new_shape(shape)), dtype, device, requires_grad)


def ones(*shape: Any, dtype: Any = None, device: Any = "cpu", requires_grad: bool = False) -> Tensor:
    """A tensor of ones (float32 unless ``dtype``).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones(2, 3)
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
    >>> dk.ones(2, dtype="float64", requires_grad=True)
    tensor([1., 1.], dtype=float64, requires_grad=True)
    """
    return _factory(np.ones(_new_shape(shape)), dtype, device, requires_grad)


def full(shape: Any, value: Any, *, dtype: Any = None, device: Any = "cpu", requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``value`` (float32 unless ``dtype``).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.full((2, 2), 7.0)
    tensor([[7., 7.],
            [7., 7.]])
    >>> dk.full(3, 0.5)
    tensor([0.5, 0.5, 0.5])
    """
    return _factory(np.full(tuple(shape) if not isinstance(shape, int) else (shape,), value, dtype=float),
                    dtype, device, requires_grad)


def _data_of(t: Any) -> Any:
    """The array behind a Tensor, an array of any namespace as it is, or an array-like as a NumPy array."""
    if isinstance(t, Tensor):
        return t._data
    return t if hasattr(t, "__array_namespace__") else np.asarray(t)


def zeros_like(t: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape, dtype and device.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.zeros_like(dk.tensor([[1, 2], [3, 4]]))
    tensor([[0, 0],
            [0, 0]])
    >>> dk.zeros_like(dk.tensor([1.5, 2.5]), requires_grad=True)
    tensor([0., 0.], requires_grad=True)
    """
    data = _data_of(t)
    xp = _xp(data)
    out = Tensor(xp.zeros_like(data) if dtype is None else xp.zeros(data.shape, dtype=backend.resolve_dtype(xp, dtype)))
    return out.requires_grad_(True) if requires_grad else out


def ones_like(t: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape, dtype and device.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones_like(dk.tensor([1.5, 2.5]))
    tensor([1., 1.])
    >>> dk.ones_like(dk.tensor([1, 2]), dtype="float64")
    tensor([1., 1.], dtype=float64)
    """
    data = _data_of(t)
    xp = _xp(data)
    out = Tensor(xp.ones_like(data) if dtype is None else xp.ones(data.shape, dtype=backend.resolve_dtype(xp, dtype)))
    return out.requires_grad_(True) if requires_grad else out


def arange(*args: Any, dtype: Any = None, device: Any = "cpu") -> Tensor:
    """Evenly spaced values, like ``numpy.arange`` (ints stay int64).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.arange(4), dk.arange(1, 7, 2)
    (tensor([0, 1, 2, 3]), tensor([1, 3, 5]))
    >>> dk.arange(0, 1, 0.25, dtype="float32")
    tensor([0.  , 0.25, 0.5 , 0.75])
    """
    if len(args) == 3 and args[2] == 0:
        raise ArgumentError("arange's step must not be 0")
    return tensor(np.arange(*args), dtype=dtype, device=device)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = "cpu") -> Tensor:
    """The identity matrix (float32 unless ``dtype``); ``eye(n, m)`` is n x m.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    >>> dk.eye(2, 3).shape
    (2, 3)
    """
    return _factory(np.eye(n, m), dtype, device, False)


def randn(*shape: Any, generator: Any = None, dtype: Any = None, device: Any = "cpu",
          requires_grad: bool = False) -> Tensor:
    """Standard-normal samples (float32 unless ``dtype``); ``generator`` is a NumPy Generator.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad import randn
    >>> randn(2, 3, generator=np.random.default_rng(0)).shape
    (2, 3)
    """
    rng = resolve_generator(generator)  # dk.manual_seed reaches these draws too
    return _factory(rng.standard_normal(_new_shape(shape)), dtype, device, requires_grad)


def rand(*shape: Any, generator: Any = None, dtype: Any = None, device: Any = "cpu",
         requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1) (float32 unless ``dtype``); ``generator`` is a NumPy Generator.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> r = dk.rand(2, 3, generator=np.random.default_rng(0))
    >>> r.shape, r.dtype, bool(r.min() >= 0) and bool(r.max() < 1)
    ((2, 3), dtype('float32'), True)
    """
    rng = resolve_generator(generator)  # dk.manual_seed reaches these draws too
    return _factory(rng.random(_new_shape(shape)), dtype, device, requires_grad)
