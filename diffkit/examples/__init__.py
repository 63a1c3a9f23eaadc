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

from ..errors import ArgumentError
from ..expr.expr import Expr, expr, trace
from ..expr.ops import exp, sin

__all__ = ["LECTURE", "LECTURE_POINT", "PRIMER", "FAMILIES", "lecture", "primer", "logistic_map",
           "nested_products", "exp_sin"]

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
        raise ArgumentError(f"logistic_map(n) needs an integer n >= 1, got {n!r}")

    def body(x):
        v = x
        for _ in range(n - 1):
            v = 4 * v * (1 - v)
        return v

    return trace(body)


def _check_n(name: str, n: object) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ArgumentError(f"{name}(n) needs an integer n >= 1, got {n!r}")


def nested_products(n: int) -> Expr:
    """p_n = x (x + 1) (x + 2) ... (x + n - 1), built as nested products p_{k+1} = p_k (x + k).

    Its derivative swells polynomially (the product rule gives n terms of
    n - 1 factors), and its expanded form, whose coefficients are Stirling
    numbers, is the classic ill-conditioned polynomial.

    Example
    -------
    >>> import diffkit as dk
    >>> float(dk.examples.nested_products(3)(x=1.0))  # 1 * 2 * 3
    6.0
    """
    _check_n("nested_products", n)

    def body(x):
        v = x
        for k in range(1, n):
            v = v * (x + float(k))
        return v

    return trace(body)


def exp_sin(n: int) -> Expr:
    """c_1 = x, c_{k+1} = exp(sin(c_k)): repeated composition of sin and exp.

    The chain rule multiplies one factor per level, each holding the nested
    argument, so the derivative's tree grows quadratically and SymPy's
    expansion cannot shrink it (it is not a polynomial).

    Example
    -------
    >>> import diffkit as dk
    >>> round(float(dk.examples.exp_sin(2)(x=0.0)), 6)  # exp(sin(0))
    1.0
    """
    _check_n("exp_sin", n)

    def body(x):
        v = x
        for _ in range(n - 1):
            v = exp(sin(v))
        return v

    return trace(body)


#: The built-in swell families, by name (for ``dk.symbolic.swell``).
FAMILIES = {"logistic_map": logistic_map, "nested_products": nested_products, "exp_sin": exp_sin}
