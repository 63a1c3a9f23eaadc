"""The array vocabulary as methods, in PyTorch's names and signatures (the second section of ArrayMethods).

:class:`~diffkit.expr.methods.ArrayMethods` takes these functions into its
class body, so Tensors, forward-mode dual numbers and every other value type
that intercepts ops get ``x.cumsum(0)``, ``x.sort(dim=1)``, ``x.gather(1, i)``.
Each method calls the public function of the ops table (NumPy's meaning)
with PyTorch's arguments translated: ``dim`` or ``axis``, ``keepdim`` or
``keepdims``. Where the two libraries mean different things by one name the
method means PyTorch's (``repeat`` tiles, ``sort`` returns values and
indices, ``median`` is the lower middle entry); ``docs/differences.md``
lists each case.

Example
-------
>>> import diffkit as dk
>>> x = dk.tensor([[3.0, 1.0, 2.0]])
>>> x.sort(dim=1).values, x.cumsum(1)
(tensor([[1., 2., 3.]]), tensor([[3., 4., 6.]]))
"""

from __future__ import annotations

from typing import Any

import numpy as _numpy

from ..errors import ArgumentError, ShapeError
from . import ops
from .ops import diagonals, indexing, linalg, movement, products, scans, sorting
from .ops.support import along, is_complex, plain, xp_of

__all__ = ["METHODS"]


def _dim(dim: Any, axis: Any, name: str, default: Any = "required") -> Any:
    if dim is not None and axis is not None and dim != axis:
        raise ArgumentError(f"{name}: got dim={dim!r} and axis={axis!r}; give one of them")
    a = axis if axis is not None else dim
    if a is None and default == "required":
        raise ArgumentError(f"{name}() needs a dim, as in PyTorch: x.{name}(dim=0)")
    return default if a is None else (tuple(a) if isinstance(a, list) else a)


def _keep(keepdim: bool, keepdims: Any) -> bool:
    return bool(keepdims) if keepdims is not None else bool(keepdim)


def _sizes(args: tuple) -> tuple:
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)


# -- scans and products over an axis ---------------------------------------------------------

def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Product over ``dim`` (all entries by default); the gradient is exact at zeros.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(dim=1)
    tensor([ 2., 12.])
    """
    return scans.prod(self, axis=_dim(dim, axis, "prod", None), keepdims=_keep(keepdim, keepdims))


def cumsum(self, dim=None, *, axis=None):
    """Running sum along ``dim``.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 2.0, 3.0]).cumsum(0)
    tensor([1., 3., 6.])
    """
    return scans.cumsum(self, axis=_dim(dim, axis, "cumsum"))


def cumprod(self, dim=None, *, axis=None):
    """Running product along ``dim``.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 2.0, 3.0]).cumprod(0)
    tensor([1., 2., 6.])
    """
    return scans.cumprod(self, axis=_dim(dim, axis, "cumprod"))


def logcumsumexp(self, dim=None, *, axis=None):
    """Running ``log(sum(exp(x)))`` along ``dim``, computed stably.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([0.0, 0.0]).logcumsumexp(0)
    tensor([0.       , 0.6931472])
    """
    return scans.logcumsumexp(self, axis=_dim(dim, axis, "logcumsumexp"))


def diff(self, n=1, dim=-1, prepend=None, append=None, *, axis=None):
    """The ``n``-th forward difference along ``dim``.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 4.0, 9.0]).diff()
    tensor([3., 5.])
    """
    return scans.diff(self, n=n, axis=_dim(dim, axis, "diff", -1), prepend=prepend, append=append)


# -- sorting ---------------------------------------------------------------------------------

def sort(self, dim=-1, descending=False, stable=False, *, axis=None):
    """Sorted values and the indices they came from, ``(values, indices)``; stable for ties.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([3.0, 1.0, 2.0]).sort(descending=True)
    ValuesIndices(values=tensor([3., 2., 1.]), indices=tensor([0, 2, 1]))
    """
    a = _dim(dim, axis, "sort", -1)
    idx = sorting.argsort(self, axis=a, descending=descending)
    return sorting.ValuesIndices(indexing.gather(self, idx, axis=a), idx)


def argsort(self, dim=-1, descending=False, stable=False, *, axis=None):
    """The indices that sort along ``dim`` (stable: ties keep their order).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([3.0, 1.0, 2.0]).argsort()
    tensor([1, 2, 0])
    """
    return sorting.argsort(self, axis=_dim(dim, axis, "argsort", -1), descending=descending)


def topk(self, k, dim=-1, largest=True, sorted=True, *, axis=None):  # noqa: A002 - PyTorch's name
    """The ``k`` largest (or smallest) entries along ``dim`` and their indices.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 5.0, 3.0]).topk(2).values
    tensor([5., 3.])
    """
    return sorting.topk(self, k, axis=_dim(dim, axis, "topk", -1), largest=largest)


def median(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """PyTorch's median: the lower of the two middle entries; over ``dim``, ``(values, indices)``.

    (``dk.median`` is NumPy's: the mean of the two middle entries.)

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.tensor([[4.0, 1.0, 3.0, 2.0]])
    >>> x.median(), x.median(dim=1)
    (tensor(2.), ValuesIndices(values=tensor([2.]), indices=tensor([3])))
    """
    a = _dim(dim, axis, "median", None)
    keep = _keep(keepdim, keepdims)
    line = movement.ravel(self) if a is None else self
    ax = 0 if a is None else a % max(self.ndim, 1)
    n = line.shape[ax]
    if n == 0:
        raise ArgumentError("median of an empty dimension is undefined")
    order = sorting.argsort(line, axis=ax)
    mid = (n - 1) // 2
    idx = ops.getitem(order, index=along(ax, line.ndim, slice(mid, mid + 1)))
    values = indexing.gather(line, idx, axis=ax)
    if a is None:
        return ops.reshape(values, shape=())
    if not keep:
        values, idx = movement.squeeze(values, ax), movement.squeeze(idx, ax)
    return sorting.ValuesIndices(values, idx)


# -- shape -----------------------------------------------------------------------------------

def flip(self, *dims, axis=None):
    """Reverse the order along ``dims``.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[1.0, 2.0]]).flip(1)
    tensor([[2., 1.]])
    """
    d = _sizes(dims) if dims else axis
    if d is None or d == ():
        raise ArgumentError("flip() needs dims, as in PyTorch: x.flip(0) or x.flip((0, 1))")
    return movement.flip(self, axis=d)


def fliplr(self):
    """Flip along dimension 1.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[1.0, 2.0]]).fliplr()
    tensor([[2., 1.]])
    """
    return movement.fliplr(self)


def flipud(self):
    """Flip along dimension 0.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[1.0], [2.0]]).flipud()
    tensor([[2.],
            [1.]])
    """
    return movement.flipud(self)


def rot90(self, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[1.0, 2.0], [3.0, 4.0]]).rot90()
    tensor([[2., 4.],
            [1., 3.]])
    """
    return movement.rot90(self, k, tuple(dims))


def roll(self, shifts, dims=None, *, axis=None):
    """Shift entries along ``dims`` (the flattened tensor by default), wrapping around.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 2.0, 3.0]).roll(1)
    tensor([3., 1., 2.])
    """
    d = _dim(dims, axis, "roll", None)
    if isinstance(shifts, list):
        shifts = tuple(shifts)
    return movement.roll(self, shifts, axis=d)


def repeat(self, *sizes):
    """PyTorch's repeat: the whole tensor tiled ``sizes`` times along each dimension (``np.tile``).

    ``repeat_interleave`` is NumPy's ``repeat`` (each element in turn).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 2.0]).repeat(2)
    tensor([1., 2., 1., 2.])
    """
    reps = _sizes(sizes)
    if len(reps) < self.ndim:
        raise ShapeError(f"repeat(): {len(reps)} repeat count(s) for a tensor of {self.ndim} dimensions; give at "
                         f"least one per dimension (or use tile, which fills in ones)")
    return movement.tile(self, reps=reps)


def tile(self, *dims):
    """The tensor tiled ``dims`` times along each dimension (missing ones count 1), as ``np.tile``.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[1.0, 2.0]]).tile(2).shape
    (1, 4)
    """
    return movement.tile(self, reps=_sizes(dims))


def repeat_interleave(self, repeats, dim=None, *, axis=None):
    """Each element repeated ``repeats`` times along ``dim`` (flattened by default): NumPy's ``repeat``.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 2.0]).repeat_interleave(2)
    tensor([1., 1., 2., 2.])
    """
    r = plain(repeats)
    return movement.repeat(self, r if isinstance(r, int) else _numpy.asarray(r), axis=_dim(dim, axis, "x", None))


def flatten(self, start_dim=0, end_dim=-1):
    """Dimensions ``start_dim`` to ``end_dim`` merged into one.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones(2, 3, 4).flatten(1).shape
    (2, 12)
    """
    shape = tuple(self.shape)
    if not shape:
        return ops.reshape(self, shape=(1,))
    a, b = start_dim % len(shape), end_dim % len(shape)
    merged = 1
    for s in shape[a:b + 1]:
        merged *= s
    return ops.reshape(self, shape=shape[:a] + (merged,) + shape[b + 1:])


def squeeze(self, dim=None, *, axis=None):
    """Dimensions of length one removed (only ``dim``'s, if given and of length one).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones(2, 1, 3).squeeze().shape
    (2, 3)
    """
    d = _dim(dim, axis, "squeeze", None)
    if d is not None and self.shape[d % max(self.ndim, 1)] != 1:
        return self
    return movement.squeeze(self, d)


def _len(self):
    if not self.shape:
        raise TypeError("len() of a 0-d value")
    return self.shape[0]


def ravel(self):
    """The entries as a 1-D tensor.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones(2, 3).ravel().shape
    (6,)
    """
    return movement.ravel(self)


def movedim(self, source, destination):
    """Move dimensions to new places (``torch.movedim``, ``np.moveaxis``).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones(2, 3, 4).movedim(0, -1).shape
    (3, 4, 2)
    """
    return movement.moveaxis(self, source, destination)


moveaxis = movedim


def swapaxes(self, axis0, axis1):
    """Swap two dimensions (``torch.swapaxes``).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones(2, 3, 4).swapaxes(0, 2).shape
    (4, 3, 2)
    """
    return movement.swapaxes(self, axis0, axis1)


swapdims = swapaxes


# -- diagonals and triangles -----------------------------------------------------------------

def diag(self, diagonal=0):
    """A diagonal matrix from a vector, or the diagonal of a matrix.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[1.0, 2.0], [3.0, 4.0]]).diag()
    tensor([1., 4.])
    """
    return diagonals.diag(self, diagonal)


def diagonal(self, offset=0, dim1=0, dim2=1):
    """The diagonal of ``dim1`` and ``dim2``, as the last dimension.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones(2, 3, 3).diagonal(dim1=1, dim2=2).shape
    (2, 3)
    """
    return diagonals.diagonal(self, offset=offset, axis1=dim1, axis2=dim2)


def diag_embed(self, offset=0, dim1=-2, dim2=-1):
    """Matrices with the last dimension on their diagonal.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 2.0]).diag_embed()
    tensor([[1., 0.],
            [0., 2.]])
    """
    return diagonals.diag_embed(self, offset=offset, axis1=dim1, axis2=dim2)


def trace(self):
    """The sum of the diagonal of a matrix.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[1.0, 2.0], [3.0, 4.0]]).trace()
    tensor(5.)
    """
    if self.ndim != 2:
        raise ShapeError(f"trace() takes a matrix (as in PyTorch); got shape {tuple(self.shape)}: use "
                         f"dk.linalg.trace for stacks")
    return diagonals.trace(self)


def tril(self, diagonal=0):
    """The lower triangle (from ``diagonal`` down), zeros above.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones(2, 2).tril()
    tensor([[1., 0.],
            [1., 1.]])
    """
    return diagonals.tril(self, k=diagonal)


def triu(self, diagonal=0):
    """The upper triangle (from ``diagonal`` up), zeros below.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones(2, 2).triu(1)
    tensor([[0., 1.],
            [0., 0.]])
    """
    return diagonals.triu(self, k=diagonal)


# -- products --------------------------------------------------------------------------------

def outer(self, vec2):
    """The outer product with ``vec2``.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 2.0]).outer(dk.tensor([1.0, 10.0]))
    tensor([[ 1., 10.],
            [ 2., 20.]])
    """
    return products.outer(self, vec2)


ger = outer


def inner(self, other):
    """Sum of products over the last dimensions.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 2.0]).inner(dk.tensor([3.0, 4.0]))
    tensor(11.)
    """
    return products.inner(self, other)


def kron(self, other):
    """The Kronecker product.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.eye(2).kron(dk.ones(1, 2))
    tensor([[1., 1., 0., 0.],
            [0., 0., 1., 1.]])
    """
    return products.kron(self, other)


def cross(self, other, dim=-1, *, axis=None):
    """The cross product of 3-vectors along ``dim`` (``torch.linalg.cross``).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 0.0, 0.0]).cross(dk.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    return products.cross(self, other, axis=_dim(dim, axis, "cross", -1))


# -- indexing along a dimension --------------------------------------------------------------

def gather(self, dim, index, *, axis=None):
    """Entries read at ``index`` along ``dim`` (``torch.gather``).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[1.0, 2.0], [3.0, 4.0]]).gather(1, dk.tensor([[1], [0]]))
    tensor([[2.],
            [3.]])
    """
    return indexing.gather(self, index, axis=_dim(dim, axis, "gather"))


def take_along_dim(self, indices, dim=None, *, axis=None):
    """Entries read at ``indices`` along ``dim``, broadcasting (``torch.take_along_dim``).

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.tensor([[3.0, 1.0, 2.0]])
    >>> x.take_along_dim(x.argsort(dim=1), dim=1)
    tensor([[1., 2., 3.]])
    """
    return indexing.take_along_axis(self, indices, axis=_dim(dim, axis, "take_along_dim", None))


def scatter(self, dim, index, src=None, *, value=None, axis=None):
    """A copy with ``src`` (or ``value``) written at ``index`` along ``dim`` (``torch.scatter``).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.zeros(1, 3).scatter(1, dk.tensor([[2]]), value=5.0)
    tensor([[0., 0., 5.]])
    """
    return indexing.scatter(self, index, value if src is None else src, axis=_dim(dim, axis, "scatter"))


def scatter_add(self, dim, index, src, *, axis=None):
    """A copy with ``src`` added at ``index`` along ``dim``; repeated indices accumulate.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.zeros(1, 2).scatter_add(1, dk.tensor([[1, 1]]), dk.tensor([[1.0, 2.0]]))
    tensor([[0., 3.]])
    """
    return indexing.scatter_add(self, index, src, axis=_dim(dim, axis, "scatter_add"))


def index_select(self, dim, index, *, axis=None):
    """The entries at positions ``index`` (1-D) along ``dim``.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[1.0, 2.0], [3.0, 4.0]]).index_select(0, dk.tensor([1, 1]))
    tensor([[3., 4.],
            [3., 4.]])
    """
    return indexing.index_select(self, axis=_dim(dim, axis, "index_select"), index=index)


def masked_fill(self, mask, value):
    """A copy with ``value`` where ``mask`` is true.

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.tensor([1.0, -2.0])
    >>> x.masked_fill(x < 0, 0.0)
    tensor([1., 0.])
    """
    return indexing.masked_fill(self, mask, value)


# -- linear algebra --------------------------------------------------------------------------

def det(self):
    """The determinant (stacks too).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[2.0, 1.0], [1.0, 3.0]]).det()
    tensor(5.)
    """
    return linalg.det(self)


def slogdet(self):
    """``(sign, logabsdet)`` of the determinant.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[-2.0]]).slogdet().sign
    tensor(-1.)
    """
    return linalg.slogdet(self)


def logdet(self):
    """``log(det)``: nan for a negative determinant, -inf for zero (as PyTorch).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[2.0, 0.0], [0.0, 3.0]], dtype="float64").logdet().item() == __import__("math").log(6)
    True
    """
    sign, logabs = linalg.slogdet(self)
    s = plain(sign)
    bad = xp_of(s).where(s < 0, _numpy.nan, xp_of(s).where(s == 0, -_numpy.inf, 0.0))
    return ops.where(s > 0, logabs, bad)


def inverse(self):
    """The inverse matrix (stacks too).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[2.0, 0.0], [0.0, 4.0]]).inverse()
    tensor([[0.5 , 0.  ],
            [0.  , 0.25]])
    """
    return linalg.inv(self)


def pinverse(self, rcond=1e-15):
    """The Moore-Penrose pseudo-inverse.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[2.0, 0.0]]).pinverse()
    tensor([[0.5],
            [0. ]])
    """
    return linalg.pinv(self, rtol=rcond)


def cholesky(self, upper=False):
    """The Cholesky factor of the symmetric part (lower, or upper).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([[4.0, 2.0], [2.0, 5.0]]).cholesky()
    tensor([[2., 0.],
            [1., 2.]])
    """
    return linalg.cholesky(self, upper=upper)


def norm(self, p="fro", dim=None, keepdim=False, *, axis=None, keepdims=None):
    """``torch.norm``: the 2-norm of all entries by default; ``p`` a number for a vector p-norm
    over ``dim``; ``p="nuc"`` the nuclear norm of two dims. The gradient at 0 is 0.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([3.0, 4.0]).norm(), dk.tensor([[3.0, -4.0]]).norm(p=1, dim=1)
    (tensor(5.), tensor([7.]))
    """
    d = _dim(dim, axis, "norm", None)
    keep = _keep(keepdim, keepdims)
    if p == "nuc":
        return linalg.matrix_norm(self, ord="nuc", axis=(-2, -1) if d is None else d, keepdims=keep)
    order = 2.0 if p in ("fro", None) else float(p)
    return linalg.vector_norm(self, ord=order, axis=d, keepdims=keep)


# -- complex numbers -------------------------------------------------------------------------

def _real(self):
    """The real part.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0 + 2.0j]).real
    tensor([1.], dtype=float64)
    """
    return ops.real(self) if is_complex(self) else self


def _imag(self):
    """The imaginary part.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0 + 2.0j]).imag
    tensor([2.], dtype=float64)
    """
    return ops.imag(self)


def conj(self):
    """The complex conjugate (a copy of a real tensor).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0 + 2.0j]).conj()
    tensor([1.-2.j], dtype=complex128)
    """
    return ops.conj(self) if is_complex(self) else self


def angle(self):
    """The argument (phase) of each entry.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0j]).angle()
    tensor([1.57079633], dtype=float64)
    """
    return ops.angle(self)


#: Method name -> function, for ArrayMethods' class body.
METHODS = {name: fn for name, fn in dict(globals()).items()
           if callable(fn) and getattr(fn, "__module__", None) == __name__ and not name.startswith("_")}
METHODS.update(moveaxis=movedim, swapdims=swapaxes, ger=outer,
               real=property(_real), imag=property(_imag), __len__=_len)
