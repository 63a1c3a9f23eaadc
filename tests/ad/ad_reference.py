"""Exact derivatives from SymPy, evaluated to 30 digits: the reference the AD tests compare to."""

import sympy as sp

from diffkit.expr.sympy_bridge import symbol
from diffkit.symbolic.backends import real_kink_diff  # sympy.diff, with floor's and Mod's slopes


def exact_gradient(f, at):
    expr = f.to_sympy(real=True)
    subs = {symbol(n): sp.Float(v, 40) for n, v in at.items()}
    return [float(sp.N(real_kink_diff(expr, symbol(n)).subs(subs), 30)) for n in f.variables]


def exact_hessian(f, at):
    expr = f.to_sympy(real=True)
    subs = {symbol(n): sp.Float(v, 40) for n, v in at.items()}
    return [[float(sp.N(real_kink_diff(expr, symbol(a), symbol(b)).subs(subs), 30)) for b in f.variables]
            for a in f.variables]


def close(a, b, rel):
    return abs(a - b) <= rel * max(abs(b), 1e-300) or a == b
