"""Built-in functions and families: the lecture examples.

Example
-------
>>> import diffkit as dk
>>> float(dk.examples.lecture()(x1=2.0, x2=5.0))
11.652071455223084
>>> dk.examples.logistic_map(2)
Expr('4 * x * (1 - x)', variables=('x',))
"""

from __future__ import annotations

from ..expr.expr import Expr, expr, trace

__all__ = ["LECTURE", "LECTURE_POINT", "PRIMER", "lecture", "primer", "logistic_map"]

#: The lecture's running example f(x1, x2) = ln x1 + x1 x2 - sin x2 ...
LECTURE = "log(x1) + x1*x2 - sin(x2)"
#: ... and the point it is traced at.
LECTURE_POINT = {"x1": 2.0, "x2": 5.0}
#: The ComputationalGraphPrimer's program.
PRIMER = ["xx=xa^2", "xy=ab*xx+ac*xa", "xz=bc*xx+xy", "xw=cd*xx+xz^3"]


def lecture() -> Expr:
    """The lecture's f(x1, x2) = ln x1 + x1 x2 - sin x2 (evaluate at :data:`LECTURE_POINT`).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.examples.lecture().variables
    ('x1', 'x2')
    """
    return expr(LECTURE)


def primer() -> Expr:
    """The ComputationalGraphPrimer program (``xx=xa^2``, ...), with ``depends_on``/``leads_to``.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.examples.primer().graph.leads_to["xa"]
    ['xx', 'xy']
    """
    return expr(PRIMER)


def logistic_map(n: int) -> Expr:
    """l_n of the logistic map, l_1 = x, l_{k+1} = 4 l_k (1 - l_k), as a shared-node Expr.

    Example
    -------
    >>> import diffkit as dk
    >>> round(float(dk.examples.logistic_map(3)(x=0.1)), 6)
    0.9216
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"logistic_map(n) needs an integer n >= 1, got {n!r}")

    def body(x):
        v = x
        for _ in range(n - 1):
            v = 4 * v * (1 - v)
        return v

    return trace(body)
