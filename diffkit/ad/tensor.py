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

Layout
------
The class is assembled from mixins, each in a module of its own, so that no
file holds more than one concern:

- :mod:`diffkit.ad.recording` -- the recording path every op ends in
  (``_unary``, ``_binary``, ``_general``; ``_make``, the engine's constructor);
- :mod:`diffkit.ad.tensor_math` -- operators, binary methods, reductions
  with PyTorch's signatures (:class:`MaxMin`);
- :mod:`diffkit.ad.tensor_views` -- indexing, ``reshape``, ``view``, ``split``,
  ``transpose``;
- :mod:`diffkit.ad.tensor_mutation` -- item assignment and the in-place ``*_``
  methods;
- :mod:`diffkit.ad.tensor_convert` -- values out, dtypes, devices, ``repr``;
- :mod:`diffkit.ad.creation` -- ``dk.tensor``, ``zeros``, ``ones``, ``randn``...;
- :class:`~diffkit.expr.methods.ArrayMethods` -- every method a Tensor shares
  with the other values that intercept ops (``exp``, ``softmax``, ``var``,
  ``flatten``, ``T``...).

This module holds the class itself: construction, metadata (``shape``,
``device``, ``is_leaf``...), and the autograd surface (``backward``,
``register_hook``, ``detach``...). It re-exports the names other modules
import from it (``_make``, ``MaxMin``, ``ZERO_SLOPE`` and the creation
functions).
"""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentTypeError, GradientError
from ..expr.methods import ArrayMethods
from ..expr.ops import Op
from . import autograd, backend, hooks, recording
from .creation import arange, eye, full, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from .recording import ZERO_SLOPE as ZERO_SLOPE
from .recording import _apply, _xp
from .recording import _make as _make
from .tape import Node, bind
from .tensor_convert import ConversionMethods, _convert
from .tensor_math import MathMethods
from .tensor_math import MaxMin as MaxMin
from .tensor_mutation import MutationMethods
from .tensor_views import ViewMethods

__all__ = ["Tensor", "tensor", "zeros", "ones", "zeros_like", "ones_like", "full", "arange", "randn", "rand",
           "eye"]


class Tensor(MathMethods, ViewMethods, MutationMethods, ConversionMethods, ArrayMethods):
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


    __hash__ = object.__hash__  # == compares elementwise (MathMethods.__eq__); tensors hash by identity

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


recording.bind_tensor(Tensor)
bind(Tensor, _make)


def _rebuild(data: Any, requires_grad: bool) -> Tensor:
    """A leaf around unpickled ``data`` (see ``Tensor.__reduce_ex__``)."""
    return _make(data, requires_grad)
