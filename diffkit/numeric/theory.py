"""Step-size theory: truncation against rounding error, and the optimal step.

For a stencil with leading truncation error ``C h^q f^(k+q)`` and weights
``w_j``, evaluating f with relative rounding error ``eps`` gives the error model ::

    E(h) = |C| M h^q  +  eps F S / h^k,     M = |f^(k+q)(x)|, F = |f(x)|, S = sum_j |w_j|

whose minimum is at ::

    h* = (k eps F S / (q |C| M)) ** (1 / (q + k))

so h* ~ eps^(1/2) for forward differences, eps^(1/3) for central ones and
eps^(1/(p+1)) for a first derivative of accuracy order p.

Example
-------
>>> import diffkit as dk
>>> s = dk.numeric.optimal_step("forward", dtype="float64")
>>> f"{s.h:.3g}", f"{s.error:.3g}"
('2.98e-08', '2.98e-08')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DiffkitError
from ..table import Table
from .stencils import Stencil, stencil

__all__ = ["StepChoice", "optimal_step", "machine_eps"]


def machine_eps(dtype: Any) -> float:
    """Machine epsilon of a floating dtype (``"float16"``, ``"float32"``, ``"float64"``...).

    Example
    -------
    >>> from diffkit.numeric.theory import machine_eps
    >>> machine_eps("float32")
    1.1920928955078125e-07
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise DiffkitError(f"unknown dtype {dtype!r}; use 'float16', 'float32' or 'float64'") from None
    if dt.kind == "c":
        dt = np.empty(0, dt).real.dtype
    if dt.kind != "f":
        raise DiffkitError(f"dtype {dt} is not a floating type; use 'float16', 'float32' or 'float64'")
    return float(np.finfo(dt).eps)


@dataclass(frozen=True)
class StepChoice:
    """The model's optimal step and the error it predicts there.

    Attributes
    ----------
    h : float
        Predicted optimal step (absolute: multiply by nothing).
    error : float
        Predicted minimal error ``E(h*)``.
    truncation, rounding : float
        The two terms of ``E(h*)``.
    scheme, accuracy, order : str, int, int
        The stencil.
    dtype : str
        Floating type whose epsilon the model uses.
    eps : float
        Relative rounding error of one evaluation of f.
    f_scale, deriv_scale : float
        ``|f(x)|`` and ``|f^(k+q)(x)|`` used by the model.
    stencil : Stencil
        The stencil itself (offsets, exact weights, error coefficient).

    Example
    -------
    >>> import diffkit as dk
    >>> s = dk.numeric.optimal_step("central", accuracy=2, dtype="float64")
    >>> f"{s.h:.3g}", s.truncation_slope, s.rounding_slope
    ('8.73e-06', 2, -1)
    """

    h: float
    error: float
    truncation: float
    rounding: float
    scheme: str
    accuracy: int
    order: int
    dtype: str
    eps: float
    f_scale: float
    deriv_scale: float
    stencil: Stencil

    @property
    def truncation_slope(self) -> int:
        """Slope of the error on a log-log plot where truncation dominates (large h)."""
        return self.stencil.error_order

    @property
    def rounding_slope(self) -> int:
        """Slope of the error on a log-log plot where rounding dominates (small h)."""
        return -self.order

    def curve(self, h: Any) -> np.ndarray:
        """The model error ``E(h)`` (truncation + rounding) at steps ``h``.

        Example
        -------
        >>> import diffkit as dk
        >>> s = dk.numeric.optimal_step("forward")
        >>> bool(s.curve(s.h) <= s.curve(10 * s.h))
        True
        """
        h = np.asarray(h, dtype=float)
        st = self.stencil
        trunc = abs(float(st.error_coefficient)) * self.deriv_scale * h ** st.error_order
        with np.errstate(divide="ignore"):
            rnd = self.eps * self.f_scale * st.abs_weight_sum / h ** self.order
        return trunc + rnd

    def table(self) -> Table:
        """A one-row summary table."""
        return Table(["scheme", "accuracy", "order", "dtype", "h*", "error", "truncation", "rounding"],
                     [[self.scheme, self.accuracy, self.order, self.dtype, self.h, self.error,
                       self.truncation, self.rounding]],
                     title="optimal step (truncation + rounding model)",
                     notes=[f"E(h) = {abs(self.stencil.error_coefficient)} |f^({self.order + self.truncation_slope})| "
                            f"h^{self.truncation_slope} + eps |f| {self.stencil.abs_weight_sum:g} / h^{self.order},"
                            f" eps = {self.eps:.3g}"])

    def __str__(self) -> str:
        return str(self.table())

    def _repr_html_(self) -> str:
        return self.table().to_html()


def optimal_step(scheme: str = "central", accuracy: int | None = None, dtype: Any = "float64", *,
                 f_scale: float = 1.0, deriv_scale: float = 1.0, order: int = 1,
                 eps: float | None = None) -> StepChoice:
    """Predicted optimal step h and minimal error from the truncation + rounding model.

    Parameters
    ----------
    scheme : {"forward", "backward", "central"}
    accuracy : int, optional
        Accuracy order p (default 1 one-sided, 2 central).
    dtype : str or dtype
        The floating type f is evaluated in (float16, float32, float64).
    f_scale : float
        ``|f(x)|`` near the point (sets the rounding error).
    deriv_scale : float
        ``|f^(k+q)(x)|``, the derivative in the leading truncation term.
    order : int
        Which derivative (k).
    eps : float, optional
        Relative error of one evaluation of f (default: the dtype's machine epsilon;
        raise it for functions that are noisier than one rounding).

    Returns
    -------
    StepChoice
        ``.h``, ``.error``, ``.truncation``, ``.rounding``, ``.curve(h)``...

    Example
    -------
    >>> import diffkit as dk
    >>> for s in ("forward", "central"):
    ...     c = dk.numeric.optimal_step(s, dtype="float32")
    ...     print(s, f"{c.h:.2g}", f"{c.error:.2g}")
    forward 0.00069 0.00069
    central 0.0071 2.5e-05
    >>> f"{dk.numeric.optimal_step('central', accuracy=4).h:.2g}"
    '0.0012'
    """
    st = stencil(scheme, order, accuracy)
    e = machine_eps(dtype) if eps is None else float(eps)
    name = str(np.dtype(dtype)) if not isinstance(dtype, str) else dtype
    F, M = abs(float(f_scale)), abs(float(deriv_scale))
    C, q, k, S = abs(float(st.error_coefficient)), st.error_order, st.order, st.abs_weight_sum
    if not (math.isfinite(F) and math.isfinite(M)):
        raise DiffkitError(f"f_scale and deriv_scale must be finite, got {f_scale!r} and {deriv_scale!r}")
    if C * M == 0:
        # no truncation error: the larger the step the better (up to the function's own scale)
        h = math.inf
        return StepChoice(h, 0.0, 0.0, 0.0, scheme, st.accuracy, k, name, e, F, M, st)
    if e * F * S == 0:
        return StepChoice(0.0, 0.0, 0.0, 0.0, scheme, st.accuracy, k, name, e, F, M, st)
    h = (k * e * F * S / (q * C * M)) ** (1.0 / (q + k))
    trunc = C * M * h**q
    rnd = e * F * S / h**k
    return StepChoice(h, trunc + rnd, trunc, rnd, scheme, st.accuracy, k, name, e, F, M, st)
