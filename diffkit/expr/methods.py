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

from .ops import OPS, apply

__all__ = ["ArrayMethods"]


class ArrayMethods:
    """Mixin: array methods (reductions, shapes, scans, indexing...) that apply the table's ops.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.expr.methods import ArrayMethods
    >>> isinstance(dk.tensor([1.0]), ArrayMethods)
    True
    >>> x = dk.tensor([0.5], requires_grad=True)
    >>> x.erf().sum().backward(); round(float(x.grad[0]), 6)
    0.878783
    """

    __slots__ = ()

    # -- reductions, statistics and shapes shared with forward-mode values ----------

    # -- the array vocabulary: scans, sorting, shape, products, indexing -------------

    # -- the elementwise vocabulary of expressions: added below, from the ops table ---


# The elementwise functions of expressions as methods, in PyTorch's names (``t.erf()``,
# ``t.atan2(u)``, ``t.arccos()``, ``t % 2``), each written once from its op of the table.
_ELEMENTWISE_METHODS = {
    "asin": "asin", "acos": "acos", "atan": "atan", "atan2": "atan2", "sinh": "sinh", "cosh": "cosh",
    "asinh": "asinh", "acosh": "acosh", "atanh": "atanh", "hypot": "hypot", "log2": "log2", "log10": "log10",
    "log1p": "log1p", "expm1": "expm1", "exp2": "exp2", "logaddexp": "logaddexp", "erf": "erf", "erfc": "erfc",
    "sinc": "sinc", "floor": "floor", "ceil": "ceil", "round": "round", "remainder": "mod",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2", "arcsinh": "asinh",
    "arccosh": "acosh", "arctanh": "atanh",
}


def _elementwise_method(name: str, op_name: str):
    op = OPS[op_name]
    if op.arity == 2:
        def method(self, other):
            return apply(op, self, other)
    else:
        def method(self):
            return apply(op, self)
    import numpy

    args = op.example or (0.5, 2.0)[: op.arity]
    value = round(float(op.impl(numpy, *args)), 6)
    other = f"dk.tensor([{args[1]}])" if op.arity == 2 else ""
    call = f"dk.tensor([{args[0]}]).{name}({other})"
    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"{op.doc}, elementwise (the ops table's ``{op_name}``; PyTorch's ``Tensor.{name}``).\n\n"
                      f"Example\n-------\n>>> import diffkit as dk\n>>> round(float({call}[0]), 6)\n{value!r}\n")
    return method


for _name, _op in _ELEMENTWISE_METHODS.items():
    setattr(ArrayMethods, _name, _elementwise_method(_name, _op))
ArrayMethods.__mod__ = lambda self, other: apply(OPS["mod"], self, other)  # x % y, Python's remainder
ArrayMethods.__rmod__ = lambda self, other: apply(OPS["mod"], other, self)
