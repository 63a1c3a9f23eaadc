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

from .callables import derivative, directional_derivative, gradient, hessdiag, hessian, jacobian
from .complex_step import ComplexStep
from .estimates import Estimate
from .finite_diff import FiniteDiff
from .grad_check import check_grad
from .grid import GridStudy, grid_derivative, grid_study
from .limits import random_point
from .points import NumericWarning
from .report import GradientReport
from .richardson import Richardson
from .stencils import Stencil, fornberg_weights, stencil
from .sweep import StepSweep, plot_sweep, step_sweep
from .taylor import TaylorTest, taylor_test
from .tensor_check import gradcheck, gradgradcheck
from .theory import ComplexStepChoice, StepChoice, complex_step_choice, machine_eps, optimal_step

__all__ = [
    "FiniteDiff", "ComplexStep", "Richardson", "NumericWarning",
    "derivative", "gradient", "jacobian", "hessian", "hessdiag", "directional_derivative", "Estimate",
    "random_point", "check_grad", "gradcheck", "gradgradcheck", "GradientReport",
    "step_sweep", "StepSweep", "plot_sweep", "taylor_test", "TaylorTest",
    "grid_derivative", "grid_study", "GridStudy",
    "Stencil", "stencil", "fornberg_weights", "StepChoice", "optimal_step", "machine_eps",
    "ComplexStepChoice", "complex_step_choice",
]
