"""Numeric differentiation: stencils, finite differences, complex step, Richardson,
step-size theory and sweeps, gradient checking.

Example
-------
>>> import diffkit as dk, math
>>> h = dk.numeric.optimal_step("central", accuracy=2, dtype="float64").h
>>> r = dk.FiniteDiff("central", h=h).derivative("exp(x)", at={"x": 1.0})
>>> abs(r.derivative - math.e) < 1e-10
True
"""

from .callables import derivative, gradient, hessian, jacobian
from .checking import GradientReport, check_grad, gradcheck
from .complex_step import ComplexStep
from .finite_diff import FiniteDiff
from .points import NumericWarning
from .richardson import Richardson
from .stencils import Stencil, fornberg_weights, stencil
from .sweep import StepSweep, plot_sweep, step_sweep
from .theory import ComplexStepChoice, StepChoice, complex_step_choice, machine_eps, optimal_step

__all__ = [
    "FiniteDiff", "ComplexStep", "Richardson", "NumericWarning",
    "derivative", "gradient", "jacobian", "hessian", "check_grad", "gradcheck", "GradientReport",
    "step_sweep", "StepSweep", "plot_sweep",
    "Stencil", "stencil", "fornberg_weights", "StepChoice", "optimal_step", "machine_eps",
    "ComplexStepChoice", "complex_step_choice",
]
