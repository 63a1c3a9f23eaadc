"""The errors diffkit raises on purpose.

Every one derives from :class:`DiffkitError`, so ``except dk.DiffkitError``
catches anything the library refuses, and nothing else.

Example
-------
>>> import diffkit as dk
>>> try:
...     dk.expr("sinn(x)")
... except dk.ExpressionError as err:
...     print(err.column, err.hint)
0 did you mean 'sin'?
"""

from __future__ import annotations

from numpy.linalg import LinAlgError as _NumpyLinAlgError

__all__ = [
    "DiffkitError",
    "ExpressionError",
    "ShapeError",
    "GradientError",
    "BackendError",
    "ArgumentError",
    "ArgumentTypeError",
    "ArgumentIndexError",
    "LinAlgError",
    "BatchingError",
]


class DiffkitError(Exception):
    """Base class of every error diffkit raises on purpose.

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.ExpressionError, dk.DiffkitError)
    True
    """


class ExpressionError(DiffkitError, ValueError):
    """Text that does not parse, or names an unknown function or variable.

    Attributes
    ----------
    column : int or None
        0-based column of the problem in the statement's text.
    statement : int or None
        0-based index of the statement, for programs (lists of statements).
    text : str or None
        The text of the statement the problem is in.
    hint : str or None
        What would be right (for example the nearest known function name).

    Example
    -------
    >>> import diffkit as dk
    >>> try:
    ...     dk.expr(["y = x^2", "y = 3*x"])
    ... except dk.ExpressionError as err:
    ...     print(err.statement)
    1
    """

    def __init__(
        self,
        message: str,
        *,
        column: int | None = None,
        statement: int | None = None,
        text: str | None = None,
        hint: str | None = None,
        length: int = 1,
    ):
        self.message = message
        self.column = column
        self.statement = statement
        self.text = text
        self.hint = hint
        super().__init__(self._render(length))

    def _render(self, length: int) -> str:
        where = []
        if self.statement is not None:
            where.append(f"statement {self.statement + 1}")
        if self.column is not None:
            where.append(f"column {self.column + 1}")
        msg = self.message + (f" (at {', '.join(where)})" if where else "")
        if self.text is not None and self.column is not None and len(self.text) <= 200:
            caret = " " * self.column + "^" * max(1, min(length, len(self.text) - self.column))
            # control characters (an ANSI escape) are not echoed to the terminal: one '?' each, so
            # the caret still lines up
            shown = "".join(c if c.isprintable() else "?" for c in self.text)
            msg += f"\n    {shown}\n    {caret}"
        if self.hint:
            msg += f"\n{self.hint}"
        return msg


class ShapeError(DiffkitError, ValueError):
    """Arrays whose shapes do not fit together; the message names both shapes.

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.ShapeError, ValueError)
    True
    """


class GradientError(DiffkitError, RuntimeError):
    """Misuse of backward: a freed graph, a non-scalar without ``gradient``, ...

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.GradientError, RuntimeError)
    True
    """


class BackendError(DiffkitError, RuntimeError):
    """CuPy or a GPU was asked for and is not there.

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.BackendError, dk.DiffkitError)
    True
    """


# Where PyTorch or NumPy define which builtin an error is (a ValueError for a
# negative learning rate, a TypeError for a list where a Tensor is needed),
# diffkit raises a subclass of both: ``except ValueError`` keeps working, and so
# does ``except dk.DiffkitError``.

class ArgumentError(DiffkitError, ValueError):
    """An argument whose value can't be used: an order of 0, a negative step, a learning rate below 0...

    Example
    -------
    >>> import diffkit as dk
    >>> try:
    ...     dk.optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=-1.0)
    ... except ValueError as err:  # also a dk.DiffkitError
    ...     print(type(err).__name__, isinstance(err, dk.DiffkitError))
    ArgumentError True
    """


class ArgumentTypeError(DiffkitError, TypeError):
    """An argument of a type that can't be used (a string where a number is needed, ...).

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.ArgumentTypeError, TypeError) and issubclass(dk.ArgumentTypeError, dk.DiffkitError)
    True
    """


class ArgumentIndexError(DiffkitError, IndexError):
    """An index out of range: a class target beyond the number of classes, a module that isn't there...

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.ArgumentIndexError, IndexError) and issubclass(dk.ArgumentIndexError, dk.DiffkitError)
    True
    """


class LinAlgError(DiffkitError, _NumpyLinAlgError):
    """A matrix a linear-algebra op can't work with: singular for ``inv``/``solve``, not positive
    definite for ``cholesky``. Also a ``numpy.linalg.LinAlgError``, so NumPy-style handlers keep working.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> try:
    ...     dk.linalg.inv(np.zeros((2, 2)))
    ... except np.linalg.LinAlgError as err:  # also a dk.DiffkitError
    ...     print(type(err).__name__, isinstance(err, dk.DiffkitError))
    LinAlgError True
    """


class BatchingError(DiffkitError, NotImplementedError):
    """``vmap`` met something it can't run on a whole batch at once: an op without a batching rule,
    control flow on a batched value, a batch axis that doesn't exist.

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.BatchingError, NotImplementedError) and issubclass(dk.BatchingError, dk.DiffkitError)
    True
    """
