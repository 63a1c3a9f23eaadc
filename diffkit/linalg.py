"""``dk.linalg``: linear algebra with derivatives, in NumPy's and PyTorch's names.

Every function takes stacks of matrices (``(..., m, n)``), works on floats,
NumPy/CuPy arrays, Tensors and forward-mode values, and is differentiable in
every method: ``dk.ad.grad``, ``Tensor.backward`` (twice, for second
derivatives), ``dk.ad.jvp`` and finite differences. The rules and their
degenerate cases (singular matrices, repeated eigenvalues) are documented in
:mod:`diffkit.expr.ops.linalg` and :mod:`diffkit.expr.ops.decompositions`.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> A = np.array([[4.0, 1.0], [2.0, 3.0]])
>>> round(float(dk.linalg.det(A)), 12)
10.0
>>> dk.ad.grad(dk.linalg.det)(A).round(12).tolist()   # the adjugate, transposed
[[3.0, -2.0], [-1.0, 4.0]]
"""

from .expr.ops import diagonals as _diagonals
from .expr.ops.decompositions import EighResult, QRResult, SVDResult, eigh, eigvalsh, qr, svd, svdvals
from .expr.ops.linalg import (
    LstsqResult,
    SlogdetResult,
    adjugate,
    cholesky,
    det,
    inv,
    lstsq,
    matrix_norm,
    norm,
    pinv,
    slogdet,
    solve,
    vector_norm,
)
from .expr.ops.products import cross, outer, tensordot
from .expr.ops.shapes import matmul, matrix_transpose

__all__ = ["inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr", "pinv",
           "lstsq", "norm", "vector_norm", "matrix_norm", "adjugate", "matmul", "matrix_transpose", "outer",
           "cross", "tensordot", "diagonal", "trace", "SlogdetResult", "EighResult", "SVDResult", "QRResult",
           "LstsqResult"]


def diagonal(x, offset: int = 0):
    """The diagonal of the last two axes (``np.linalg.diagonal``; ``dk.diagonal`` takes any two axes).

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.linalg.diagonal(np.arange(8.0).reshape(2, 2, 2)).tolist()
    [[0.0, 3.0], [4.0, 7.0]]
    """
    return _diagonals.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x, offset: int = 0):
    """The trace of the last two axes (``np.linalg.trace``; ``dk.trace`` is NumPy's, of axes 0 and 1).

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.linalg.trace(np.ones((3, 2, 2))).tolist()
    [2.0, 2.0, 2.0]
    """
    return _diagonals.trace(x, offset=offset, axis1=-2, axis2=-1)
