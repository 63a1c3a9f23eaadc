"""Dual numbers over the ops table: forward mode for any value the ops apply to.

A :class:`Dual` ``primal + tangent·ε`` (``ε² = 0``) intercepts every op of
the table (through ``_dk_level``/``_dk_apply``) and carries the tangent with
the op's JVP rule. The front-end owns it because two packages use it: forward
mode (:mod:`diffkit.ad.forward`) and the swell study's exact and float64
references (:mod:`diffkit.symbolic.dual`), which must not import each other.

Example
-------
>>> import diffkit as dk
>>> from diffkit.expr.dual import Dual
>>> y = dk.sin(Dual(0.0, 1.0)) * 3
>>> float(y.primal), float(y.tangent)
(0.0, 3.0)
"""

from __future__ import annotations

from typing import Any

from .levels import BASE_LEVEL, LevelValue, constant_like, level_class
from .ops import Op, apply, broadcast_to

__all__ = ["Dual", "dual_type", "zeros_like", "BASE_LEVEL"]


def zeros_like(x: Any) -> Any:
    """A zero tangent shaped like ``x`` (``0.0`` for Python numbers).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.dual import zeros_like
    >>> zeros_like(np.ones(2)), zeros_like(3.0)
    (array([0., 0.]), 0.0)
    """
    if isinstance(x, Dual):
        return type(x)(zeros_like(x.primal), None)
    if isinstance(x, (int, float)):
        return 0.0
    if isinstance(x, complex):
        return 0j
    if isinstance(x, LevelValue):
        return constant_like(x, 0.0)
    if hasattr(x, "__array_namespace__") or hasattr(x, "shape"):
        try:
            return x.__array_namespace__().zeros_like(x)
        except (AttributeError, TypeError):
            pass
    return 0.0 * x


def shaped_like(t: Any, ans: Any) -> Any:
    """A tangent broadcast to the shape of the value it belongs to.

    An argument broadcast against a larger one (``x + np.ones(4)`` with a
    scalar ``x``) gives a tangent contribution of its own, smaller shape: the
    mirror of reverse mode's ``sum_to``. Every output tangent gets the output's
    shape, so reductions further on sum over all of it.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.dual import shaped_like
    >>> shaped_like(1.0, np.zeros(3))
    array([1., 1., 1.])
    """
    shape = getattr(ans, "shape", ())
    if tuple(getattr(t, "shape", ())) != tuple(shape):
        return broadcast_to(t, shape=tuple(shape))
    return t


class Dual(LevelValue):
    """A dual number ``primal + tangent·ε`` (``ε² = 0``): forward mode on Python functions.

    Every op of the table applied to a Dual returns a Dual whose tangent comes
    from the op's JVP rule, broadcast to the output's shape. ``tangent is None``
    means a zero tangent. Use :func:`~diffkit.ad.jvp` rather than building
    Duals by hand: it picks the level that keeps nested derivatives apart.

    Attributes
    ----------
    primal : float, array, Tensor or a lower level's value
        The value.
    tangent : same kind as ``primal``, or None
        Its directional derivative.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.expr.dual import dual_type
    >>> D = dual_type(0)
    >>> y = dk.exp(D(0.0, 1.0)) * 3
    >>> float(y.primal), float(y.tangent)
    (3.0, 3.0)
    """

    __slots__ = ("primal", "tangent")
    _dk_level = BASE_LEVEL

    def __init__(self, primal: Any, tangent: Any = None):
        self.primal = primal
        self.tangent = tangent

    def _dk_inner(self) -> Any:
        return self.primal

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> Any:
        primals = tuple([a.primal if type(a) is cls else a for a in args])
        tangents = tuple([a.tangent if type(a) is cls else None for a in args])
        ans = apply(op, *primals, **params)
        if op.jvp is None:
            return ans
        if all(t is None for t in tangents):
            return cls(ans, None)
        t = op.jvp_of(tangents, ans, primals, params)
        return cls(ans, None if t is None else shaped_like(t, ans))

    @classmethod
    def _dk_function(cls, fn: type, args: tuple, kwargs: dict, below: Any) -> Any:
        """A custom :class:`~diffkit.Function` at this level: its value from the levels below, its
        tangent from its ``jvp(ctx, *tangents)`` rule."""
        primals = [a.primal if type(a) is cls else a for a in args]
        tangents = [a.tangent if type(a) is cls else None for a in args]
        needs = tuple(t is not None for t in tangents)
        out, ctx = below(primals, needs)
        if not any(needs):
            return out
        rule = getattr(fn, "jvp", None)
        if rule is None or getattr(rule, "_dk_missing", False):
            from ..errors import GradientError

            raise GradientError(
                f"{fn.__name__} has no forward-mode rule, so forward mode (jvp, jacfwd, hessian) can't go "
                f"through it; define @staticmethod jvp(ctx, *tangents) on {fn.__name__} returning the output's "
                "tangent (as torch.autograd.Function's forward-mode API), or use reverse mode (grad, jacrev)")
        full = [t if t is not None else (zeros_like(p) if hasattr(p, "shape") or isinstance(p, float) else None)
                for p, t in zip(primals, tangents)]
        t = rule(ctx, *full)
        if isinstance(t, tuple) and len(t) == 1:
            t = t[0]
        return cls(out, None if t is None else shaped_like(t, out))

    def detach(self) -> Any:
        """The value without its derivative, at this level and below (``stop_gradient``)."""
        p = self.primal
        return p.detach() if hasattr(p, "detach") else p

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.primal!r}, tangent={self.tangent!r})"


def dual_type(depth: int) -> type:
    """The Dual class for nesting depth ``depth`` (its ``_dk_level`` is ``3 + depth``).

    An inner derivative (taken inside a function that an outer transform is
    running) uses a deeper, higher-level class, so its ops are handled first
    and the outer values ride along inside its values.

    Example
    -------
    >>> from diffkit.expr.dual import dual_type
    >>> dual_type(1)._dk_level
    4
    """
    return level_class(Dual, depth)
