"""Array methods in PyTorch's and NumPy's names, for every value type that intercepts ops.

A Tensor, a forward-mode dual number, a reverse-mode box of the function
transforms and a batched value all want ``x.var(dim=0)``, ``x.squeeze()`` or
``x.cumsum(0)`` to mean the same op of the table. :class:`ArrayMethods`
writes each such method once, through :func:`~diffkit.expr.ops.apply`, so the
type with the highest ``_dk_level`` among the arguments handles the op, as
for the arithmetic operators in :mod:`diffkit.expr.arithmetic`. A type may
override a method on its hot path (``Tensor`` does for a few).

Example
-------
>>> from diffkit.expr.methods import ArrayMethods
>>> ArrayMethods.__slots__
()
"""

from __future__ import annotations

__all__ = ["ArrayMethods"]


class ArrayMethods:
    """Mixin: array methods (reductions, shapes, scans, indexing...) that apply the table's ops.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.expr.methods import ArrayMethods
    >>> isinstance(dk.tensor([1.0]), ArrayMethods)
    True
    """

    __slots__ = ()

    # -- reductions, statistics and shapes shared with forward-mode values ----------

    # -- the array vocabulary: scans, sorting, shape, products, indexing -------------
    # Written in array_methods.py (PyTorch's names and signatures) and attached below the class.


def _attach_array_vocabulary() -> None:
    from .array_methods import METHODS

    for name, fn in METHODS.items():
        if name not in vars(ArrayMethods):  # a method of the first section keeps its place
            setattr(ArrayMethods, name, fn)


_attach_array_vocabulary()
