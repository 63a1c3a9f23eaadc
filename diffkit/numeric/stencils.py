"""Finite-difference stencils of any derivative order and accuracy order.

A stencil approximates the ``order``-th derivative (k) from function values at
offsets ``o_j`` (in units of the step h)::

    f^(k)(x) ~= sum_j w_j f(x + o_j h) / h^k

with a truncation error ``C h^p f^(k+p)(x) + ...`` of accuracy order p
(``accuracy``). The weights come from Fornberg's recursion, done in exact
rational arithmetic, so they print as the fractions of the textbooks.

Example
-------
>>> from diffkit.numeric.stencils import stencil
>>> s = stencil("central", order=1, accuracy=2)
>>> s.offsets, [str(w) for w in s.weights]
((-1, 1), ['-1/2', '1/2'])
>>> str(s.error_coefficient), s.error_order
('1/6', 2)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from ..errors import ArgumentError
from ..table import Table
from .limits import MAX_STENCIL_POINTS, max_accuracy

__all__ = ["Stencil", "stencil", "fornberg_weights", "SCHEMES", "default_accuracy", "scheme_name"]

SCHEMES = ("forward", "backward", "central")


def fornberg_weights(offsets, order: int, x0=0) -> list[Fraction]:
    """Weights of the ``order``-th derivative at ``x0`` from values at ``offsets``.

    Fornberg's (1988) recursion, in exact :class:`~fractions.Fraction` arithmetic.

    Parameters
    ----------
    offsets : sequence of int or Fraction
        Distinct sample points (in units of the step).
    order : int
        Derivative order k (``0 <= k < len(offsets)``).
    x0 : int or Fraction
        Where the derivative is taken.

    Example
    -------
    >>> from diffkit.numeric.stencils import fornberg_weights
    >>> [str(w) for w in fornberg_weights([-1, 0, 1], 2)]
    ['1', '-2', '1']
    """
    xs = [Fraction(o) for o in offsets]
    if len(set(xs)) != len(xs):
        raise ArgumentError(f"stencil offsets must be distinct, got {list(offsets)}")
    n = len(xs)
    if not 0 <= order < n:
        raise ArgumentError(f"a derivative of order {order} needs more than {n} points (got offsets "
                            f"{[str(x) for x in xs]})")
    z = Fraction(x0)
    # c[i][m]: weight of point i for the m-th derivative, built up one point at a time.
    c = [[Fraction(0)] * (order + 1) for _ in range(n)]
    c[0][0] = Fraction(1)
    c1 = Fraction(1)
    c4 = xs[0] - z
    for i in range(1, n):
        mn = min(i, order)
        c2 = Fraction(1)
        c5 = c4
        c4 = xs[i] - z
        for j in range(i):
            c3 = xs[i] - xs[j]
            c2 *= c3
            if j == i - 1:
                for m in range(mn, 0, -1):
                    c[i][m] = c1 * (m * c[i - 1][m - 1] - c5 * c[i - 1][m]) / c2
                c[i][0] = -c1 * c5 * c[i - 1][0] / c2
            for m in range(mn, 0, -1):
                c[j][m] = (c4 * c[j][m] - m * c[j][m - 1]) / c3
            c[j][0] = c4 * c[j][0] / c3
        c1 = c2
    return [c[i][order] for i in range(n)]


def default_accuracy(scheme: str) -> int:
    """The classic accuracy order of a scheme: 1 one-sided, 2 central.

    Example
    -------
    >>> from diffkit.numeric.stencils import default_accuracy
    >>> default_accuracy("forward"), default_accuracy("central")
    (1, 2)
    """
    return 2 if scheme == "central" else 1


def scheme_name(scheme: str, accuracy: int) -> str:
    """``"forward"``, ``"central"`` for the classic accuracy, else ``"central-4"`` etc.

    Example
    -------
    >>> from diffkit.numeric.stencils import scheme_name
    >>> scheme_name("central", 2), scheme_name("central", 4), scheme_name("forward", 2)
    ('central', 'central-4', 'forward-2')
    """
    return scheme if accuracy == default_accuracy(scheme) else f"{scheme}-{accuracy}"


def _check(scheme: str, order: int, accuracy: int) -> None:
    if scheme not in SCHEMES:
        raise ArgumentError(f"unknown finite-difference scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 1:
        raise ArgumentError(f"order (which derivative) must be a positive integer, got {order!r}")
    if not isinstance(accuracy, (int, np.integer)) or isinstance(accuracy, bool) or accuracy < 1:
        raise ArgumentError(f"accuracy (the order p of the error h^p) must be a positive integer, got {accuracy!r}")
    if scheme == "central" and accuracy % 2:
        raise ArgumentError(
            f"central differences have even accuracy orders (2, 4, 6, ...); got accuracy={accuracy}. "
            "Use accuracy=2 or 4, or a one-sided scheme for odd orders")
    top = max_accuracy(order)
    if accuracy > top:
        raise ArgumentError(
            f"accuracy={accuracy} is beyond what float64 can use for derivative order {order}: past accuracy "
            f"{top} the truncation + rounding model's best error is within a factor 2 of the rounding floor, "
            f"and the stencil only grows wider (and slower to build); use accuracy <= {top} (2 to 8 is typical)")
    if order + accuracy > MAX_STENCIL_POINTS:
        raise ArgumentError(
            f"a stencil for derivative order {order} at accuracy {accuracy} needs about {order + accuracy} points; "
            f"at most {MAX_STENCIL_POINTS} are supported (h^{order} under- or overflows long before)")


@dataclass(frozen=True)
class Stencil:
    """Offsets and exact weights of one finite-difference formula.

    Attributes
    ----------
    scheme : str
        ``"forward"``, ``"backward"``, ``"central"``, or ``"custom"`` for given offsets.
    order : int
        Which derivative (k).
    accuracy : int
        The accuracy order p asked for (for custom offsets: the one they give).
    offsets : tuple of int (or Fraction, for custom offsets)
        Sample points in units of h (points with zero weight are dropped).
    weights : tuple of Fraction
        ``f^(k)(x) ~= sum_j weights[j] f(x + offsets[j] h) / h^k``.
    error_coefficient : Fraction
        ``C`` in the leading truncation error ``C h^q f^(k+q)(x)``.
    error_order : int
        ``q``, the power of h in the leading error (``>= accuracy``).

    Example
    -------
    >>> from diffkit.numeric.stencils import stencil
    >>> print(stencil("forward", accuracy=1))
    forward difference, derivative order 1, accuracy order 1
    offset  weight
    ------  ------
         0      -1
         1       1
    truncation error: 1/2 h^1 f^(2)(x); weights sum |w| = 2
    """

    scheme: str
    order: int
    accuracy: int
    offsets: tuple[int, ...]
    weights: tuple[Fraction, ...]
    error_coefficient: Fraction
    error_order: int

    @cached_property
    def float_weights(self) -> np.ndarray:
        """The weights as float64."""
        return np.array([float(w) for w in self.weights])

    @cached_property
    def abs_weight_sum(self) -> float:
        """``sum |w_j|``: how much the rounding errors of f are amplified (times eps |f| / h^k)."""
        return float(sum(abs(w) for w in self.weights))

    @property
    def name(self) -> str:
        """Short name: ``"forward"``, ``"central"``, ``"central-4"``..."""
        return scheme_name(self.scheme, self.accuracy)

    def table(self) -> Table:
        """The offsets and exact weights as a :class:`~diffkit.table.Table`."""
        return Table(["offset", "weight"], [[o, str(w)] for o, w in zip(self.offsets, self.weights)],
                     title=f"{self.scheme} difference, derivative order {self.order}, accuracy order {self.accuracy}",
                     notes=[f"truncation error: {self.error_coefficient} h^{self.error_order} "
                            f"f^({self.order + self.error_order})(x); weights sum |w| = {self.abs_weight_sum:g}"])

    def __str__(self) -> str:
        return str(self.table())

    def _repr_html_(self) -> str:
        return self.table().to_html()


def _offsets(scheme: str, order: int, accuracy: int) -> list[int]:
    if scheme == "forward":
        return list(range(order + accuracy))
    if scheme == "backward":
        return list(range(-(order + accuracy) + 1, 1))
    # central: 2*floor((k+1)/2) - 1 + p points, symmetric about 0
    half = ((2 * ((order + 1) // 2) - 1 + accuracy) - 1) // 2
    return list(range(-half, half + 1))


def stencil(scheme: str = "central", order: int = 1, accuracy: int | None = None, *,
            offsets: Sequence[Any] | None = None) -> Stencil:
    """The finite-difference stencil for derivative ``order`` k at accuracy order p, or on given offsets.

    Parameters
    ----------
    scheme : {"forward", "backward", "central"}
        Ignored when ``offsets`` are given.
    order : int
        Which derivative (1 = first derivative). Note: numdifftools' and SciPy's
        ``order`` is the accuracy order, diffkit's ``accuracy``.
    accuracy : int, optional
        Accuracy order p (error ~ h^p); default 1 for one-sided schemes, 2 for central.
        Central schemes need an even p.
    offsets : sequence of int or Fraction, optional
        Any distinct sample points, in units of h (as findiff's ``coefficients(deriv, offsets=...)``):
        the weights are the unique ones of the interpolating polynomial, and the accuracy is
        whatever those points give (``accuracy`` must then be None). ``scheme`` is ``"custom"``.

    Example
    -------
    >>> from diffkit.numeric.stencils import stencil
    >>> s = stencil("central", order=1, accuracy=4)
    >>> s.offsets, [str(w) for w in s.weights]
    ((-2, -1, 1, 2), ['1/12', '-2/3', '2/3', '-1/12'])
    >>> str(stencil("central", order=2).error_coefficient)
    '1/12'
    >>> c = stencil(offsets=[-1, 0, 2], order=1)
    >>> [str(w) for w in c.weights], c.accuracy, str(c.error_coefficient)
    (['-2/3', '1/2', '1/6'], 2, '1/3')
    """
    if offsets is not None:
        if accuracy is not None:
            raise ArgumentError("give offsets= or accuracy=, not both: the offsets fix the accuracy")
        return _custom_stencil(tuple(Fraction(o) if not isinstance(o, (int, np.integer)) else int(o)
                                     for o in _checked_offsets(offsets)), order)
    return _standard_stencil(scheme, order, accuracy)


def _checked_offsets(offsets: Any) -> list:
    try:
        offs = list(offsets)
    except TypeError:
        raise ArgumentError(f"offsets must be a sequence of numbers, got {offsets!r}") from None
    if len(offs) > MAX_STENCIL_POINTS:
        raise ArgumentError(f"{len(offs)} offsets: at most {MAX_STENCIL_POINTS} are supported")
    for o in offs:
        if isinstance(o, (bool, str)) or not isinstance(o, (int, float, Fraction, np.integer, np.floating)) \
                or not np.isfinite(float(o)):
            raise ArgumentError(f"offsets must be finite numbers (in units of h), got {o!r}")
    return offs


@lru_cache(maxsize=256)
def _custom_stencil(offs: tuple, order: int) -> Stencil:
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 0:
        raise ArgumentError(f"order (which derivative) must be a non-negative integer, got {order!r}")
    w = fornberg_weights(offs, int(order))
    coef, q = _leading_error(w, offs, int(order), len(offs) - int(order) + 2)
    keep = [(o, wj) for o, wj in zip(offs, w) if wj != 0]
    return Stencil("custom", int(order), q, tuple(o for o, _ in keep), tuple(wj for _, wj in keep), coef, q)


def _leading_error(w: Sequence[Fraction], offs: Sequence[Any], order: int, extra: int) -> tuple[Fraction, int]:
    """The first n > k with a nonzero moment ``sum_j w_j o_j^n / n!``: ``(moment, n - k)``."""
    for n in range(order + 1, order + extra + 1):
        m = sum(wj * Fraction(o) ** n for wj, o in zip(w, offs)) / math.factorial(n)
        if m != 0:
            return m, n - order
    return Fraction(0), 0


@lru_cache(maxsize=256)
def _standard_stencil(scheme: str, order: int, accuracy: int | None) -> Stencil:
    if accuracy is None:
        accuracy = default_accuracy(scheme)
    _check(scheme, order, accuracy)
    offs = _offsets(scheme, int(order), int(accuracy))
    w = fornberg_weights(offs, int(order))
    coef, q = _leading_error(w, offs, int(order), int(accuracy) + 2)
    keep = [(o, wj) for o, wj in zip(offs, w) if wj != 0]
    return Stencil(scheme, int(order), int(accuracy), tuple(o for o, _ in keep), tuple(wj for _, wj in keep),
                   coef, q)
