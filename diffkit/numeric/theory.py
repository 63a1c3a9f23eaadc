"""Step-size theory: truncation against rounding error, and the optimal step.

For a stencil with leading truncation error ``C h^q f^(k+q)`` and weights
``w_j``, evaluating f with relative rounding error ``eps`` gives the error model ::

    E(h) = |C| M h^q  +  eps F S / h^k,     M = |f^(k+q)(x)|, F = |f(x)|, S = sum_j |w_j|

whose minimum is at ::

    h* = (k eps F S / (q |C| M)) ** (1 / (q + k))

so h* ~ eps^(1/2) for forward differences, eps^(1/3) for central ones and
eps^(1/(p+1)) for a first derivative of accuracy order p.

The complex step ``f'(x) ~= Im f(x + ih) / h`` subtracts nothing, so its
rounding error does not grow as h shrinks ::

    E(h) = M3 h^2 / 6  +  eps F1,     M3 = |f'''(x)|, F1 = |f'(x)|

has no interior minimum; :func:`complex_step_choice` reports the largest step
at which truncation is not above rounding, ``h* = sqrt(6 eps F1 / M3)``, where
``E(h*) = 2 eps F1`` (any smaller step does as well).

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
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import DiffkitError
from ..table import Table
from .stencils import Stencil, stencil

__all__ = ["StepChoice", "ComplexStepChoice", "optimal_step", "complex_step_choice", "machine_eps"]


def machine_eps(dtype: Any) -> float:
    """Machine epsilon of a floating dtype (``"float16"``, ``"float32"``, ``"float64"``...).

    Example
    -------
    >>> from diffkit.numeric.theory import machine_eps
    >>> machine_eps("float32")
    1.1920928955078125e-07
    """
    try:
        return _machine_eps(dtype)
    except TypeError:  # not hashable: not a dtype either, but say so as for any other
        return _machine_eps.__wrapped__(dtype)


@lru_cache(maxsize=64)
def _machine_eps(dtype: Any) -> float:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise DiffkitError(f"unknown dtype {dtype!r}; use 'float16', 'float32' or 'float64'") from None
    if dt.kind == "c":
        dt = np.empty(0, dt).real.dtype
    if dt.kind != "f":
        raise DiffkitError(f"dtype {dt} is not a floating type; use 'float16', 'float32' or 'float64'")
    return float(np.finfo(dt).eps)


class _ErrorModel:
    """What the two models share: ``E(h)`` from their ``terms`` and a one-row summary table."""

    def curve(self, h: Any) -> np.ndarray:
        """The model error ``E(h)`` (truncation + rounding) at steps ``h``.

        Example
        -------
        >>> import diffkit as dk
        >>> s = dk.numeric.optimal_step("forward")
        >>> bool(s.curve(s.h) <= s.curve(10 * s.h))
        True
        """
        trunc, rnd = self.terms(h)
        return trunc + rnd

    def table(self) -> Table:
        """A one-row summary table."""
        return Table(["scheme", "accuracy", "order", "dtype", "h*", "error", "truncation", "rounding"],
                     [[self.scheme, self.accuracy, self.order, self.dtype, self.h, self.error,
                       self.truncation, self.rounding]],
                     title=self._title, notes=[self._formula()])

    def __str__(self) -> str:
        return str(self.table())

    def _repr_html_(self) -> str:
        return self.table().to_html()


@dataclass(frozen=True)
class StepChoice(_ErrorModel):
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

    def terms(self, h: Any) -> tuple[np.ndarray, np.ndarray]:
        """The model's two terms at steps ``h``: ``(truncation, rounding)``.

        Example
        -------
        >>> import diffkit as dk
        >>> t, r = dk.numeric.optimal_step("forward").terms([1e-4, 1e-12])
        >>> bool(t[0] > r[0]), bool(t[1] < r[1])
        (True, True)
        """
        h = np.asarray(h, dtype=float)
        st = self.stencil
        trunc = abs(float(st.error_coefficient)) * self.deriv_scale * h ** st.error_order
        with np.errstate(divide="ignore"):
            rnd = self.eps * self.f_scale * st.abs_weight_sum / h ** self.order
        return trunc, rnd

    _title = "optimal step (truncation + rounding model)"

    def _formula(self) -> str:
        return (f"E(h) = {abs(self.stencil.error_coefficient)} |f^({self.order + self.truncation_slope})| "
                f"h^{self.truncation_slope} + eps |f| {self.stencil.abs_weight_sum:g} / h^{self.order}, "
                f"eps = {self.eps:.3g}")


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
    try:
        return _optimal_step(scheme, accuracy, dtype, float(f_scale), float(deriv_scale), order, eps)
    except TypeError:  # an unhashable argument: computed as it is, and refused below if it is wrong
        return _optimal_step.__wrapped__(scheme, accuracy, dtype, f_scale, deriv_scale, order, eps)


@lru_cache(maxsize=256)
def _optimal_step(scheme: str, accuracy: int | None, dtype: Any, f_scale: float, deriv_scale: float, order: int,
                  eps: float | None) -> StepChoice:
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


@dataclass(frozen=True)
class ComplexStepChoice(_ErrorModel):
    """The complex step's model, ``E(h) = |f'''| h^2 / 6 + eps |f'|``, and its predicted step.

    It has the interface of :class:`StepChoice` (``h``, ``error``, ``truncation``,
    ``rounding``, ``terms``, ``curve``, the two slopes...), so a step sweep treats it
    like a finite-difference entry. ``Im f(x + ih) / h`` subtracts nothing, so
    rounding costs about one rounding of f' whatever h is (rounding slope 0, not
    ``-1``); truncation is ``f''' h^2 / 6`` as for central differences (slope 2).

    Attributes
    ----------
    h : float
        The largest step at which truncation is not above rounding,
        ``sqrt(6 eps |f'| / |f'''|)``: any smaller step gives the same floor
        (``inf`` when ``f''' = 0``).
    error : float
        ``E(h*) = 2 eps |f'|`` (truncation and rounding are each ``eps |f'|`` there;
        ``eps |f'|`` when ``h* = inf``).
    truncation, rounding : float
        The two terms of ``E(h*)``.
    dtype : str
        The real floating type (f is evaluated in the complex type of the same precision).
    eps : float
        Relative rounding error of the imaginary part of f (the dtype's machine epsilon).
    f_scale : float
        ``|f'(x)|``: the rounding is relative to ``Im f(x + ih) ~= h f'(x)``, not to ``f(x)``.
    deriv_scale : float
        ``|f'''(x)|``, the derivative in the truncation term.
    scheme, accuracy, order, stencil : "complex", 2, 1, None
        For code written against :class:`StepChoice` (there is no real stencil).

    Example
    -------
    >>> from diffkit.numeric.theory import complex_step_choice
    >>> c = complex_step_choice("float64")
    >>> f"{c.h:.3g}", f"{c.error:.3g}", c.truncation_slope, c.rounding_slope
    ('3.65e-08', '4.44e-16', 2, 0)
    >>> [f"{e:.3g}" for e in c.curve([1e-20, 1e-12, 1e-4])]  # flat until truncation takes over
    ['2.22e-16', '2.22e-16', '1.67e-09']
    """

    h: float
    error: float
    truncation: float
    rounding: float
    dtype: str
    eps: float
    f_scale: float
    deriv_scale: float

    scheme = "complex"
    accuracy = 2
    order = 1
    stencil = None

    @property
    def truncation_slope(self) -> int:
        """Slope of the error on a log-log plot where truncation dominates (large h): 2."""
        return 2

    @property
    def rounding_slope(self) -> int:
        """Slope of the error on a log-log plot where rounding dominates (small h): 0, no 1/h growth."""
        return 0

    def terms(self, h: Any) -> tuple[np.ndarray, np.ndarray]:
        """The model's two terms at steps ``h``: ``(|f'''| h^2 / 6, eps |f'|)``; the second is constant."""
        h = np.asarray(h, dtype=float)
        return self.deriv_scale * h**2 / 6, np.full(h.shape, self.eps * self.f_scale)

    _title = "complex step (truncation + rounding model)"

    def _formula(self) -> str:
        return ("E(h) = |f'''| h^2 / 6 + eps |f'| (no subtraction, so no 1/h growth); h* is the largest step "
                f"at which truncation is not above rounding; eps = {self.eps:.3g}")


def complex_step_choice(dtype: Any = "float64", *, f_scale: float = 1.0, deriv_scale: float = 1.0,
                        eps: float | None = None) -> ComplexStepChoice:
    """The complex step's truncation + rounding model and its predicted step.

    ``E(h) = |f'''(x)| h^2 / 6 + eps |f'(x)|`` grows with h and never with 1/h,
    so there is no optimum in the usual sense: the prediction is the largest
    step at which truncation is not above rounding, ``h* = sqrt(6 eps |f'| / |f'''|)``
    (``inf`` when ``f''' = 0``), where ``E(h*) = 2 eps |f'|``. Every smaller step
    gives about the same error.

    Parameters
    ----------
    dtype : str or dtype
        The real floating type (``float32`` -> complex64, ``float64`` -> complex128;
        a complex dtype is read as its real part's type). This is only the model:
        NumPy has no complex float16, so :func:`~diffkit.numeric.step_sweep` refuses
        the complex step in float16.
    f_scale : float
        ``|f'(x)|``, what the rounding is relative to.
    deriv_scale : float
        ``|f'''(x)|``, the derivative in the truncation term.
    eps : float, optional
        Relative error of the imaginary part of f (default: the dtype's machine epsilon).

    Returns
    -------
    ComplexStepChoice

    Example
    -------
    >>> import math
    >>> from diffkit.numeric.theory import complex_step_choice
    >>> c = complex_step_choice("float32", f_scale=math.e, deriv_scale=math.e)
    >>> f"{c.h:.2g}", f"{c.error:.2g}"
    ('0.00085', '6.5e-07')
    >>> complex_step_choice(f_scale=2.0, deriv_scale=0.0).h
    inf
    """
    e = machine_eps(dtype) if eps is None else float(eps)
    name = str(np.empty(0, np.dtype(dtype)).real.dtype)
    F, M = abs(float(f_scale)), abs(float(deriv_scale))
    if not (math.isfinite(F) and math.isfinite(M)):
        raise DiffkitError(f"f_scale and deriv_scale must be finite, got {f_scale!r} and {deriv_scale!r}")
    if M == 0:
        # no truncation error: every step does, and the error is rounding alone
        return ComplexStepChoice(math.inf, e * F, 0.0, e * F, name, e, F, M)
    h = math.sqrt(6 * e * F / M)
    trunc, rnd = M * h**2 / 6, e * F
    return ComplexStepChoice(h, trunc + rnd, trunc, rnd, name, e, F, M)
