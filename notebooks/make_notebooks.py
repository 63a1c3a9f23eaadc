"""Write the eight coursework notebooks from the cells below, without outputs.

The notebooks are generated so that they stay consistent (learning goals
first, exercises with check cells last, no stored outputs, stable cell ids)
and diff cleanly. Edit the text here and rerun::

    python notebooks/make_notebooks.py

``tests/test_notebooks.py`` executes every notebook and checks its structure.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
import diffkit as dk
"""


def md(text: str):
    return new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text: str):
    return new_code_cell(textwrap.dedent(text).strip("\n"))


def exercise(number: int, title: str, text: str, solution: str, check: str) -> list:
    """An exercise: what to do, a cell with a reference solution, and a check cell that asserts."""
    return [
        md(f"### Exercise {number}: {title}\n\n" + textwrap.dedent(text).strip("\n")
           + "\n\n*A reference solution is filled in so the notebook runs top to bottom. "
             "Delete it, write your own, then run the check.*"),
        code(solution),
        code("# Check (run me)\n" + textwrap.dedent(check).strip("\n")),
    ]


# --------------------------------------------------------------------------- 01
NB01 = [
    md("""
    # 1. Three ways to differentiate

    In this notebook we take **one** function and differentiate it three ways:
    **symbolically** (SymPy manipulates the formula), **numerically** (finite
    differences and the complex step evaluate the function at nearby points) and
    **automatically** (forward and reverse mode run the program once more,
    carrying derivatives along).

    **Learning goals.** After this notebook you can

    - compute a gradient with `dk.Symbolic`, `dk.FiniteDiff`, `dk.ComplexStep`, `dk.ForwardMode` and `dk.ReverseMode`;
    - read a `dk.compare` table: value, gradient, error, operations spent, time;
    - say where each method fails, and recognise the failure when you see it.
    """),
    code(SETUP),
    md("""
    Our running example is the lecture's function

    $$f(x_1, x_2) = \\ln x_1 + x_1 x_2 - \\sin x_2, \\qquad \\text{at } (x_1, x_2) = (2, 5).$$

    By hand: $\\partial f/\\partial x_1 = 1/x_1 + x_2 = 5.5$ and
    $\\partial f/\\partial x_2 = x_1 - \\cos x_2 \\approx 1.7163$.
    """),
    code("""
    f = dk.examples.lecture()          # the same as dk.expr("log(x1) + x1*x2 - sin(x2)")
    at = dk.examples.LECTURE_POINT     # {'x1': 2.0, 'x2': 5.0}
    print(f, "=", f(**at))
    """),
    md("""
    ## Symbolically

    SymPy differentiates the formula and gives back formulas. They are exact, and
    we can read them, simplify them and evaluate them anywhere.
    """),
    code("""
    sym = dk.Symbolic().gradient(f, at=at)
    print("formulas:", sym.expressions)
    print("values:  ", sym.gradient)
    """),
    md("""
    ## Numerically

    A finite difference replaces the limit in the definition of the derivative by a
    small but finite step $h$: forward $\\frac{f(x+h)-f(x)}{h}$ has error $O(h)$,
    central $\\frac{f(x+h)-f(x-h)}{2h}$ has error $O(h^2)$. It needs nothing but
    function values, so it works on any code, but it is never exact.
    """),
    code("""
    fwd = dk.FiniteDiff(scheme="forward").gradient(f, at=at)
    cen = dk.FiniteDiff(scheme="central").gradient(f, at=at)
    print("forward:", fwd.gradient, " f evaluations:", fwd.ops.evals)
    print("central:", cen.gradient, " f evaluations:", cen.ops.evals)
    """),
    md("""
    ## Automatically

    Automatic differentiation applies the chain rule to the *program*, one primitive
    operation at a time. Reverse mode gets the whole gradient from one forward run
    plus one backward sweep, exact up to rounding. `r.ops` is what the engine
    actually spent, counted as it ran.
    """),
    code("""
    rev = dk.ReverseMode().gradient(f, at=at)
    print(rev.gradient)
    print(rev.ops)
    """),
    md("""
    ## Side by side

    `dk.compare` runs every method on the same function and point and measures
    each against the symbolic answer. In Jupyter the table renders as HTML.
    """),
    code("""
    table = dk.compare(f, at=at)
    table
    """),
    md("""
    Read the columns from left to right: the symbolic and AD rows agree with the
    reference to the last bit; the finite differences are off by $10^{-8}$
    (forward) down to $10^{-14}$ (Richardson, which pays 41 function values for it);
    the complex step is exact *and* cheap. The figure puts the errors on one axis
    (a zero error is drawn at $10^{-17}$ so it shows on a log scale).
    """),
    code("""
    labels = list(table.results)
    errors = [max(table.errors(label)[0], 1e-17) for label in labels]
    colours = {"symbolic": "tab:blue", "numeric": "tab:orange", "AD": "tab:green"}

    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.barh(labels, errors, color=[colours[table.families[k]] for k in labels])
    ax.set_xscale("log")
    ax.set_xlabel("max |error| of the gradient")
    ax.invert_yaxis()
    ax.set_title("f = ln x1 + x1 x2 - sin x2 at (2, 5)")
    plt.show()
    """),
    md("""
    ## Where each method fails

    **Numeric: the step size.** Make $h$ too small and the subtraction
    $f(x+h) - f(x)$ cancels almost every digit; make it too large and the
    truncation error takes over. (Notebook 2 is all about this.)
    """),
    code("""
    for h in [1e-1, 1e-5, 1e-10, 1e-14]:
        d = dk.FiniteDiff(scheme="central", h=h).derivative("sin(x)", at={"x": 1.0}).derivative
        print(f"h = {h:.0e}   error = {abs(d - np.cos(1.0)):.2e}")
    """),
    md("""
    **Symbolic: the program must be a formula.** A Python `if` on the value cannot
    become part of a formula (or a graph); diffkit refuses it and tells you what to
    write instead. And formulas can swell exponentially (Notebook 3).
    """),
    code("""
    try:
        dk.trace(lambda x: x if x > 0 else -x)
    except dk.ExpressionError as err:
        print("ExpressionError:", err)

    absolute = dk.trace(lambda x: dk.abs(x))   # the branch-free way
    print(dk.Symbolic().derivative(absolute, at={"x": -3.0}).derivative)
    """),
    md("""
    **AD: it differentiates the program, not the function.** $\\sqrt{x^2} = |x|$,
    but the program computes $\\tfrac{1}{2\\sqrt{u}} \\cdot 2x$ with $u = x^2 = 0$,
    which is $\\infty \\cdot 0 = $ `nan`. SymPy knows $\\sqrt{x^2} = |x|$ for real
    $x$; AD only sees the operations. NumPy's divide-by-zero warnings below are the
    symptom to look out for.
    """),
    code("""
    kink = dk.compare("sqrt(x^2)", at={"x": 0.0}, methods=["symbolic", "central", "forward-mode", "reverse"])
    kink
    """),
    md("""
    The complex step has its own limit: it needs a function that is analytic
    along the complex direction, so `abs`, `relu` and `maximum` are off limits
    (diffkit warns you). Summary:

    | method | exact? | cost for a gradient in $n$ variables | fails when |
    | --- | --- | --- | --- |
    | symbolic | yes | formula size (can swell) | the code is not a formula; swell |
    | finite differences | no, $O(h^p)$ + rounding | $n+1$ or $2n$ evaluations | $h$ badly chosen; noisy $f$ |
    | complex step | to rounding | $n$ complex evaluations | $f$ not analytic (abs, relu, max) |
    | forward mode | to rounding | $n$ passes | many inputs (cost) |
    | reverse mode | to rounding | 1 pass (+ memory) | the program is not differentiable where you ask |
    """),
    md("## Exercises"),
    *exercise(1, "your own function",
              """
              Compare symbolic, central differences and reverse mode on
              $g(x, y) = x e^{y} + y^2$ at $(x, y) = (1, 0)$. Store the comparison in
              `g_table` and reverse mode's gradient dict in `answer1`.
              Work out the exact gradient by hand first.
              """,
              """
              g_table = dk.compare("x*exp(y) + y^2", at={"x": 1.0, "y": 0.0},
                                   methods=["symbolic", "central", "reverse"])
              answer1 = g_table["reverse"].gradient
              g_table
              """,
              """
              assert abs(answer1["x"] - 1.0) < 1e-12, "d/dx of x e^y at y = 0 is e^0 = 1"
              assert abs(answer1["y"] - 1.0) < 1e-12, "d/dy is x e^y + 2y = 1 at (1, 0)"
              assert g_table.errors("central")[0] < 1e-8
              print("correct!")
              """),
    *exercise(2, "who pays the most?",
              """
              In the big table above (`table`), which method needed the most function
              evaluations (column *f evals*)? Set `most_evals` to its label, and
              `cheapest_exact` to the label of a method with zero error that needed
              only **one** evaluation of $f$.
              """,
              """
              most_evals = max(table.results, key=lambda label: table[label].ops.evals)
              cheapest_exact = "reverse"
              most_evals, cheapest_exact
              """,
              """
              evals = {label: table[label].ops.evals for label in table.results}
              assert evals[most_evals] == max(evals.values())
              assert evals[cheapest_exact] == 1 and table.errors(cheapest_exact)[0] == 0.0
              print("correct!", most_evals, "used", evals[most_evals], "evaluations")
              """),
    *exercise(3, "repair the kink",
              """
              Rewrite $\\sqrt{x^2}$ so that reverse mode gives the conventional
              subgradient 0 at $x = 0$ (instead of `nan`) and still gives $-1$ at
              $x = -2$. Store the expression in `fixed`.
              """,
              """
              fixed = dk.expr("abs(x)")
              """,
              """
              d0 = dk.ReverseMode().derivative(fixed, at={"x": 0.0}).derivative
              d1 = dk.ReverseMode().derivative(fixed, at={"x": -2.0}).derivative
              assert d0 == 0.0 and d1 == -1.0
              assert float(fixed(x=-3.0)) == 3.0
              print("correct!")
              """),
]

# --------------------------------------------------------------------------- 02
NB02 = [
    md("""
    # 2. Choosing the step size $h$

    A finite difference has two errors that pull in opposite directions: the
    **truncation** error of the formula (shrinks with $h$) and the **rounding**
    error of the subtraction (grows as $h$ shrinks). Their sum has a best $h$.

    **Learning goals.** After this notebook you can

    - explain the V shape of error against $h$ on a log-log plot, and its two slopes;
    - predict the optimal $h$ and the smallest error for forward and central differences;
    - run a step sweep with `dk.numeric.step_sweep` and read `best()` and `theory()`;
    - say why float32 needs much larger steps, and why the complex step escapes the trade-off.
    """),
    code(SETUP),
    md("""
    ## A forward difference by hand

    We differentiate the lecture's $f$ with respect to $x_1$ at $(2, 5)$; the exact
    answer is $1/x_1 + x_2 = 5.5$. First in plain NumPy, so nothing is hidden.
    """),
    code("""
    def f_np(x1, x2=5.0):
        return np.log(x1) + x1 * x2 - np.sin(x2)

    hs = np.logspace(-16, 0, 81)
    exact = 5.5
    err_forward = np.abs((f_np(2.0 + hs) - f_np(2.0)) / hs - exact)
    err_central = np.abs((f_np(2.0 + hs) - f_np(2.0 - hs)) / (2 * hs) - exact)

    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.loglog(hs, err_forward, ".-", label="forward")
    ax.loglog(hs, err_central, ".-", label="central")
    ax.loglog(hs, 1e-16 * f_np(2.0) / hs, "k:", label=r"rounding $\\sim \\epsilon |f| / h$")
    ax.loglog(hs, hs / 8, "k--", label=r"truncation $\\sim h |f''| / 2$")
    ax.set_xlabel("step h"); ax.set_ylabel("|error|"); ax.set_ylim(1e-13, 1e2); ax.legend()
    plt.show()
    """),
    md("""
    On the right the error falls with slope 1 (forward) or 2 (central): that is the
    truncation error $\\frac{h}{2}|f''|$ or $\\frac{h^2}{6}|f'''|$. On the left it
    *rises* with slope $-1$: $f$ is only known to about $\\epsilon |f|$
    ($\\epsilon = 2.2\\times10^{-16}$ in float64), and dividing that by $h$
    magnifies it. For the forward difference the model error is

    $$E(h) = \\frac{h}{2}|f''| + \\frac{\\epsilon |f|}{h},
    \\qquad\\text{minimised at}\\qquad h^* = \\sqrt{\\frac{2\\epsilon|f|}{|f''|}} \\approx \\sqrt{\\epsilon}.$$

    `dk.numeric.optimal_step` evaluates this model (with unit scales $|f| = |f''| = 1$
    unless you pass them).
    """),
    code("""
    print(dk.numeric.optimal_step(scheme="forward", dtype="float64"))
    print()
    print(dk.numeric.optimal_step(scheme="central", accuracy=2, dtype="float64"))
    """),
    md("""
    ## A step sweep

    `step_sweep` does what we did by hand for several schemes and precisions at
    once, and fits the model with the true derivatives of $f$ at the point.
    `central-4` is the fourth-order central stencil (error $O(h^4)$).
    """),
    code("""
    f = dk.examples.lecture()
    at = dk.examples.LECTURE_POINT
    sweep = dk.numeric.step_sweep(f, at=at, wrt="x1", schemes=["forward", "central", "central-4"],
                                  dtype=["float64", "float32"])
    sweep
    """),
    code("""
    dk.plot.error_vs_h(sweep)
    """),
    md("""
    Compare the **empirical** best step (from the measurements) with the
    **predicted** one (from the model). They agree to within a factor of a few:
    the model is only an upper bound on rounding, which is partly random.
    """),
    code("""
    best, theory = sweep.best(), sweep.theory()
    for key in sweep.keys():
        print(f"{key[0]:>10} {key[1]}: best h = {best[key].h:.1e} (error {best[key].error:.1e}),"
              f" predicted h = {theory[key].h:.1e} (error {theory[key].error:.1e})")
    """),
    md("""
    **float32 vs float64.** With $\\epsilon_{32} = 1.2\\times10^{-7}$ the best forward
    step is about $\\sqrt{\\epsilon_{32}} \\approx 3\\times10^{-4}$ and the best error
    about $10^{-3}$: three or four correct digits. Never check gradients in float32.

    ## The complex step

    If $f$ is analytic, $f(x + ih) = f(x) + ih f'(x) - \\frac{h^2}{2} f''(x) + \\dots$,
    so $f'(x) \\approx \\operatorname{Im} f(x + ih) / h$. There is **no subtraction**,
    so nothing cancels and $h$ can be as small as we like.
    """),
    code("""
    steps = np.logspace(-30, -1, 30)
    err_complex = [abs(dk.ComplexStep(h=h).derivative(f, at=at, wrt="x1").derivative - exact) for h in steps]

    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.loglog(hs, err_central, ".-", label="central difference")
    ax.loglog(steps, np.maximum(err_complex, 1e-17), "s-", label="complex step (0 drawn at 1e-17)")
    ax.set_xlabel("step h"); ax.set_ylabel("|error|"); ax.legend()
    plt.show()
    """),
    md("""
    `step_sweep` takes the complex step as a scheme too, with its own model:
    rounding stays at about $\\epsilon |f'|$ whatever $h$ is (log-log slope 0,
    where differences have $-1$), and truncation is $|f'''| h^2 / 6$ (slope 2).
    Its "predicted h" is the largest step at which truncation is still below
    rounding: any smaller step does as well.
    """),
    code("""
    sweep_c = dk.numeric.step_sweep(f, at=at, wrt="x1", schemes=["central", "complex"])
    print(sweep_c.slopes())
    dk.plot.error_vs_h(sweep_c)
    """),
    md("## Exercises"),
    *exercise(1, "derive the optimal central step",
              """
              For the central difference the model is
              $E(h) = \\frac{h^2}{6}|f'''| + \\frac{\\epsilon |f|}{h}$. Set $E'(h) = 0$ and
              solve for $h^*$ with unit scales $|f| = |f'''| = 1$. Store your formula's
              value for float64 in `my_h_star`.
              """,
              """
              eps = np.finfo(np.float64).eps
              my_h_star = (3 * eps) ** (1 / 3)
              my_h_star
              """,
              """
              predicted = dk.numeric.optimal_step(scheme="central", dtype="float64").h
              assert abs(my_h_star - predicted) <= 1e-6 * predicted, (my_h_star, predicted)
              print("correct! h* =", my_h_star)
              """),
    *exercise(2, "theory against measurement in float32",
              """
              From `sweep`, compute the ratio of the empirical best step to the predicted
              optimal step for the **forward** scheme in **float32**. Store it in `ratio`.
              """,
              """
              ratio = sweep.best()["forward", "float32"].h / sweep.theory()["forward", "float32"].h
              ratio
              """,
              """
              assert 0.1 < ratio < 10, "the model should predict the best step within a decade"
              assert sweep.best()["forward", "float32"].error > 100 * sweep.best()["forward", "float64"].error
              print("correct! ratio =", round(ratio, 3))
              """),
    *exercise(3, "measure the order of accuracy",
              """
              The truncation error of `central-4` should fall like $h^4$. Read the measured
              log-log slope of its truncation regime in float64 from `sweep.slopes()` and
              store it in `slope4`.
              """,
              """
              slope4 = sweep.slopes()["central-4", "float64"].truncation
              slope4
              """,
              """
              assert abs(slope4 - 4) < 0.5, slope4
              print("correct! measured slope", round(slope4, 2))
              """),
]

# --------------------------------------------------------------------------- 03
NB03 = [
    md("""
    # 3. Expression swell

    Symbolic differentiation applies the product and chain rules to a formula
    *tree*. Every rule copies subtrees, so a derivative can be far larger than the
    function: this is **expression swell**.

    **Learning goals.** After this notebook you can

    - build the lecture's logistic-map table and explain why the derivative's size grows exponentially;
    - explain why sharing common subexpressions (CSE) and AD make the growth linear;
    - see that an expanded polynomial is also a numerical hazard: it loses all its digits in float64.
    """),
    code(SETUP + "import sympy as sp"),
    md("""
    The logistic map: $l_1 = x$, $l_{n+1} = 4 l_n (1 - l_n)$. Each step uses $l_n$
    **twice**. As a program (or a graph) that is one more node per step; as a tree,
    the two uses are two copies.
    """),
    code("""
    for n in range(1, 5):
        ln = dk.examples.logistic_map(n).to_sympy()
        print(f"l_{n} =", ln)
    """),
    md("""
    `dk.symbolic.size` counts the nodes of the tree, its operations and depth,
    and how many nodes remain once common subexpressions are shared.
    """),
    code("""
    l4 = dk.examples.logistic_map(4).to_sympy()
    (x,) = l4.free_symbols
    print("l_4:       ", dk.symbolic.size(l4))
    print("d l_4 / dx:", dk.symbolic.size(sp.diff(l4, x)))
    """),
    md("""
    ## The lecture's table

    `dk.symbolic.swell` differentiates $l_n$ for each $n$ and measures: the tree
    size of $l_n$, of its derivative as differentiated (`d_nested`) and expanded
    (`d_simplified`), of the derivative with shared subexpressions (`d_cse`), the
    number of operations in one AD trace (`ad_trace`), the time each took, and the
    relative float64 error of each form at $x = 0.3$.
    """),
    code("""
    table = dk.symbolic.swell(dk.examples.logistic_map, n=range(1, 9))
    table
    """),
    code("""
    dk.plot.swell(table)
    """),
    md("""
    Three things to notice:

    1. `d_nested` grows by a factor of 2.5 to 4 per step: exponential swell. (Even
       $l_n$ itself doubles as a *tree*, because each step copies $l_{n-1}$ twice.)
    2. `d_cse` and `ad_trace` grow by a **constant** per step: linear. Sharing
       $l_n$ instead of copying it is exactly what a computational graph does,
       and what AD runs on.
    3. `err_simplified` explodes: the expanded polynomial of degree $2^{n-1}$ has
       huge alternating coefficients, and float64 evaluation cancels them into
       noise. The nested form is both smaller and accurate.

    ## How AD avoids it

    Reverse mode never builds the derivative's formula: it replays the program's
    operations. Count them as $n$ grows.
    """),
    code("""
    ns = list(range(1, 13))
    ad_ops = [dk.ReverseMode().derivative(dk.examples.logistic_map(n), at={"x": 0.3}).ops.primitives for n in ns]

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(ns, ad_ops, "o-")
    ax.set_xlabel("n"); ax.set_ylabel("primitive ops counted (reverse mode)")
    ax.set_title("AD cost of d l_n / dx grows linearly")
    plt.show()
    print(ad_ops)
    """),
    md("""
    And CSE on the swollen tree recovers most of the sharing: `sympy.cse` pulls the
    repeated subtrees out into temporaries.
    """),
    code("""
    d4 = sp.diff(l4, x)
    replacements, reduced = sp.cse(d4)
    for name, value in replacements:
        print(name, "=", value)
    print("derivative =", reduced[0])
    """),
    md("## Exercises"),
    *exercise(1, "exponential against linear",
              """
              From `table.series("d_nested")` and `table.series("d_cse")` (each returns
              `(ns, sizes)`), compute `growth`, the ratio `d_nested[n=8] / d_nested[n=7]`,
              and `cse_steps`, the list of differences between consecutive `d_cse` sizes
              from $n = 3$ on.
              """,
              """
              ns_, nested = table.series("d_nested")
              _, cse = table.series("d_cse")
              growth = nested[-1] / nested[-2]
              cse_steps = [int(step) for step in np.diff(cse)[2:]]
              growth, cse_steps
              """,
              """
              assert 2 < growth < 4, growth
              assert len(set(cse_steps)) == 1, "d_cse should grow by the same amount every step"
              print("correct! nested grows x", round(growth, 2), "per step; CSE grows by", cse_steps[0])
              """),
    *exercise(2, "AD agrees with SymPy",
              """
              Compute $dl_6/dx$ at $x = 0.3$ with reverse mode (`ad_value`) and with
              SymPy, exactly, then as a float (`exact_value`).
              """,
              """
              l6 = dk.examples.logistic_map(6)
              ad_value = dk.ReverseMode().derivative(l6, at={"x": 0.3}).derivative
              l6_sym = l6.to_sympy()
              (x6,) = l6_sym.free_symbols
              exact_value = float(sp.diff(l6_sym, x6).subs(x6, sp.Rational(3, 10)))
              ad_value, exact_value
              """,
              """
              assert abs(ad_value - exact_value) <= 1e-12 * abs(exact_value)
              print("correct!", ad_value)
              """),
]

# --------------------------------------------------------------------------- 04
NB04 = [
    md("""
    # 4. Forward against reverse mode

    Forward and reverse mode apply the same chain rule in opposite orders.
    Forward mode pushes a **tangent** $\\dot v$ along with every value; reverse mode
    runs the program, then sends **adjoints** $\\bar v = \\partial y / \\partial v$ back.

    **Learning goals.** After this notebook you can

    - read the primal, tangent and adjoint traces of the lecture's example line by line;
    - explain why a full Jacobian of $F: \\mathbb{R}^n \\to \\mathbb{R}^m$ costs $n$ forward passes
      or $m$ reverse passes;
    - check that claim with the operations diffkit's engines actually count.
    """),
    code(SETUP),
    md("""
    ## The primal and tangent traces

    Every node $v_i$ of $f(x_1, x_2) = \\ln x_1 + x_1 x_2 - \\sin x_2$ gets a tangent
    $\\dot v_i = \\partial v_i / \\partial x_1$ when we seed $\\dot x_1 = 1, \\dot x_2 = 0$.
    This is the lecture's table.
    """),
    code("""
    f = dk.examples.lecture()
    at = dk.examples.LECTURE_POINT
    dk.ad.forward_trace(f, at=at, seed={"x1": 1.0, "x2": 0.0})
    """),
    md("""
    One forward pass gives **one column** of the Jacobian (here $\\partial f/\\partial x_1 = 5.5$).
    For $\\partial f / \\partial x_2$ we need a second pass with seed $\\dot x_2 = 1$.

    ## The adjoint trace

    Reverse mode seeds $\\bar y = 1$ and walks the graph backwards. Where a value is
    used twice ($x_2$ feeds both $v_2 = x_1 x_2$ and $v_3 = \\sin x_2$), the adjoints
    from the two uses are **summed**: look for the rows `v̄_0 + ...`.
    """),
    code("""
    dk.ad.reverse_trace(f, at=at)
    """),
    md("""
    One reverse pass gives **one row** of the Jacobian: for a scalar $f$ that is the
    whole gradient. diffkit can also write the adjoint program out as Python source,
    generated from the same ops table:
    """),
    code("""
    print(dk.ad.adjoint_source(f))
    """),
    md("""
    ## Jacobians: $n$ forward passes or $m$ reverse passes

    Take $F: \\mathbb{R}^3 \\to \\mathbb{R}^2$. Forward mode needs 3 passes (one per
    input), reverse mode 2 (one per output). `r.ops.evals` counts passes and
    `r.ops.primitives` the primitive operations applied.
    """),
    code("""
    F = dk.expr(["y1 = x1*x2 + sin(x3)", "y2 = exp(x1) - x2*x3"])
    point = {"x1": 1.0, "x2": 2.0, "x3": 3.0}
    J_fwd = dk.ForwardMode().jacobian(F, at=point)
    J_rev = dk.ReverseMode().jacobian(F, at=point)
    print(J_fwd.array)
    print("forward:", J_fwd.ops, "   reverse:", J_rev.ops)
    """),
    md("""
    `dk.op_count_study` builds chains $F: \\mathbb{R}^n \\to \\mathbb{R}^m$ of
    growing size and counts what each engine spends on the full Jacobian.
    """),
    code("""
    study = dk.op_count_study(ns=[1, 2, 4, 8, 16], ms=[1, 2, 4, 8, 16])
    study
    """),
    code("""
    dk.plot.op_counts(study)
    """),
    md("""
    The rule of thumb: **forward mode when inputs are few, reverse mode when
    outputs are few.** A neural network's loss has millions of inputs (the weights)
    and one output, which is why deep learning runs on reverse mode.

    ## Exercises
    """),
    *exercise(1, "read a tangent trace",
              """
              Run a forward trace seeded with $\\dot x_1 = 0, \\dot x_2 = 1$ and read
              $\\dot y_1$ (its last row) from `trace2.to_records()` into `dfdx2`.
              """,
              """
              trace2 = dk.ad.forward_trace(f, at=at, seed={"x1": 0.0, "x2": 1.0})
              dfdx2 = trace2.to_records()[-1]["value"]
              trace2
              """,
              """
              assert abs(dfdx2 - (2.0 - np.cos(5.0))) < 1e-12, dfdx2
              print("correct! df/dx2 =", dfdx2)
              """),
    *exercise(2, "one input, many outputs",
              """
              Build $G(t) = (\\sin t, \\cos t, t^2, e^t)$, one input and four outputs, as
              an `Expr` `G`. Compute its Jacobian at $t = 0.5$ with forward and reverse
              mode (`G_fwd`, `G_rev`) and set `cheaper` to `"forward"` or `"reverse"`:
              whichever counted fewer primitive operations.
              """,
              """
              G = dk.expr(["g1 = sin(t)", "g2 = cos(t)", "g3 = t^2", "g4 = exp(t)"])
              G_fwd = dk.ForwardMode().jacobian(G, at={"t": 0.5})
              G_rev = dk.ReverseMode().jacobian(G, at={"t": 0.5})
              cheaper = "forward" if G_fwd.ops.primitives < G_rev.ops.primitives else "reverse"
              cheaper, G_fwd.ops, G_rev.ops
              """,
              """
              expected = np.array([np.cos(0.5), -np.sin(0.5), 1.0, np.exp(0.5)])
              assert np.allclose(np.ravel(G_fwd.array), expected) and np.allclose(np.ravel(G_rev.array), expected)
              assert G_fwd.ops.evals == 1 and G_rev.ops.evals == 4, "one pass per input / per output"
              assert cheaper == "forward"
              print("correct!")
              """),
]

# --------------------------------------------------------------------------- 05
NB05 = [
    md("""
    # 5. Computational graphs

    Every program that computes numbers is a graph: values are nodes, operations
    are edges. Backpropagation is just **message passing** on that graph.

    **Learning goals.** After this notebook you can

    - write an expression program like the lecture's ComputationalGraphPrimer (`'xx=xa^2'`, ...);
    - read its `depends_on` and `leads_to` dictionaries and draw the graph;
    - run backpropagation by hand as messages, summing where a value fans out, and check it against reverse mode.
    """),
    code(SETUP),
    md("""
    ## The primer's program

    Each line defines a new variable from earlier ones. Names starting with `x` are
    the variables of the graph; `ab`, `ac`, `bc`, `cd` are its learnable parameters.
    """),
    code("""
    program = dk.examples.PRIMER
    p = dk.examples.primer()
    print("\\n".join(program))
    print("inputs:", p.variables, " output:", p.outputs)
    """),
    code("""
    print("depends_on:", p.graph.depends_on)
    print("leads_to:  ", p.graph.leads_to)
    """),
    md("""
    `depends_on[v]` lists what $v$ is computed from; `leads_to[u]` lists where $u$
    is used. `xx` leads to three variables: it **fans out**, so during
    backpropagation three messages will come back to it.

    Underneath, diffkit stores the program in single-assignment form, one
    primitive per node, labelled as in the lecture ($v_{-4} \\dots v_0$ are inputs):
    """),
    code("""
    values = {"xa": 1.0, "ab": 2.0, "ac": 0.5, "bc": -1.0, "cd": 0.25}
    print(p.graph.primal_trace(values))
    """),
    md("""
    The drawing shows each node's value and, with `adjoints=True`, its adjoint
    $\\partial xw / \\partial v$ from reverse mode.
    """),
    code("""
    dk.plot.graph(p, at=values, adjoints=True)
    """),
    md("""
    ## Backprop as messages

    Now we do by hand what reverse mode does. Each line `v = expression` has
    **local partials** $\\partial v / \\partial u$ for every `u` it depends on (we
    let SymPy compute these small ones). We visit the lines from the last to the
    first; each variable $v$ sends the message $\\bar v \\cdot \\partial v/\\partial u$
    to every $u$ in `depends_on[v]`, and each $u$ **sums** what it receives.
    """),
    code("""
    def forward_values(program, inputs):
        \"\"\"Evaluate the program line by line: every variable's value.\"\"\"
        vals = dict(inputs)
        for line in program:
            name, rhs = (s.strip() for s in line.split("="))
            vals[name] = float(dk.expr(rhs)(**{v: vals[v] for v in dk.expr(rhs).variables}))
        return vals

    def backprop_messages(program, inputs, verbose=True):
        \"\"\"Adjoints of the last variable with respect to every variable, by message passing.\"\"\"
        vals = forward_values(program, inputs)
        lines = [tuple(s.strip() for s in line.split("=")) for line in program]
        adjoint = {name: 0.0 for name in vals}
        adjoint[lines[-1][0]] = 1.0                  # seed: d out / d out = 1
        for name, rhs in reversed(lines):
            e = dk.expr(rhs)
            local = dk.Symbolic().gradient(e, at={v: vals[v] for v in e.variables}).gradient
            for u, partial in local.items():
                message = adjoint[name] * partial
                adjoint[u] += message                    # fan-out: messages add up
                if verbose:
                    print(f"{name} -> {u}: {adjoint[name]:8.4f} * {partial:8.4f} = {message:9.4f}")
        return adjoint

    adj = backprop_messages(program, values)
    """),
    code("""
    reference = dk.ReverseMode().gradient(p, at=values).gradient
    for name in p.variables:
        print(f"d xw / d {name}: messages {adj[name]:10.5f}   reverse mode {reference[name]:10.5f}")
    """),
    md("""
    `xx` received three messages (from `xy`, `xz` and `xw`) and `xa` two (from `xx`
    and `xy`): the sums are the multivariate chain rule. This is all reverse mode
    is, done once per node with the derivative rules from diffkit's ops table.

    ## Exercises
    """),
    *exercise(1, "find the busiest node",
              """
              Using `p.graph.leads_to`, set `busiest` to the variable with the most
              consumers and `fan_out` to how many it has.
              """,
              """
              busiest = max(p.graph.leads_to, key=lambda name: len(p.graph.leads_to[name]))
              fan_out = len(p.graph.leads_to[busiest])
              busiest, fan_out
              """,
              """
              assert busiest == "xx" and fan_out == 3
              print("correct!")
              """),
    *exercise(2, "your own program",
              """
              Write the program `u = a*b`, `v = u + a`, `w = u*v` as a list of lines
              `mine`, then compute its adjoints at $a = 2, b = 3$ with
              `backprop_messages` (store them in `mine_adj`). Work out
              $\\partial w/\\partial a$ by hand first: $w = ab(ab + a)$.
              """,
              """
              mine = ["u = a*b", "v = u + a", "w = u*v"]
              mine_adj = backprop_messages(mine, {"a": 2.0, "b": 3.0}, verbose=False)
              mine_adj
              """,
              """
              g = dk.expr(mine)
              assert g.graph.depends_on == {"u": ["a", "b"], "v": ["a", "u"], "w": ["u", "v"]}
              ref = dk.ReverseMode().gradient(g, at={"a": 2.0, "b": 3.0}).gradient
              assert abs(mine_adj["a"] - ref["a"]) < 1e-12 and abs(mine_adj["b"] - ref["b"]) < 1e-12
              assert abs(mine_adj["a"] - (2 * 2.0 * 3.0**2 + 2 * 2.0 * 3.0)) < 1e-12   # 2ab^2 + 2ab
              print("correct!", mine_adj)
              """),
]

# --------------------------------------------------------------------------- 06
NB06 = [
    md("""
    # 6. Autograd with tensors

    `dk.Tensor` records every operation on a **tape** and `backward()` replays it in
    reverse. The names follow PyTorch, so what you learn here carries over.

    **Learning goals.** After this notebook you can

    - create tensors with `requires_grad`, call `backward()` and read `.grad`;
    - explain why gradients **accumulate**, and zero them;
    - switch recording off with `dk.no_grad()` and `dk.inference_mode()`;
    - keep the gradient of an intermediate tensor with `retain_grad()`;
    - extend autograd with your own `dk.Function`, like the lecture's `SillyTensor`.
    """),
    code(SETUP),
    md("""
    ## requires_grad and backward

    A tensor created with `requires_grad=True` is a **leaf**: its gradient is kept
    in `.grad`. Results of operations remember how they were made in `.grad_fn`.
    """),
    code("""
    x = dk.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    print("y =", y, " grad_fn:", y.grad_fn, " x is a leaf:", x.is_leaf)
    y.backward()
    print("dy/dx =", x.grad, "  (2x)")
    """),
    md("""
    `backward()` on a vector-valued result needs a weight per output; summing
    first is the usual trick. Here we differentiate $x \\sin x$ at many points at
    once (each output depends on its own input only) and compare with the formula.
    """),
    code("""
    xs = dk.tensor(np.linspace(-6, 6, 200), requires_grad=True)
    ys = xs * xs.sin()
    ys.sum().backward()

    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    grid = xs.detach().numpy()
    ax.plot(grid, ys.detach().numpy(), label="x sin x")
    ax.plot(grid, xs.grad.numpy(), label="backward()")
    ax.plot(grid[::10], np.sin(grid[::10]) + grid[::10] * np.cos(grid[::10]), "k.", label="sin x + x cos x")
    ax.legend(); ax.set_xlabel("x")
    plt.show()
    """),
    md("""
    ## Gradients accumulate

    A second `backward()` **adds** to `.grad`. That is deliberate (it lets you sum
    gradients over several losses or mini-batches), and it is the most common bug
    in a training loop. Zero the gradient before each step.
    """),
    code("""
    x = dk.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for i in range(3):
        (x * x).sum().backward()
        print("after backward", i + 1, ":", x.grad)
    x.grad.zero_()           # or x.grad = None; an optimizer's zero_grad() does this for you
    print("zeroed:", x.grad)
    """),
    md("""
    The tape is freed by `backward()`. Going through the same graph twice is an
    error unless the first call says `retain_graph=True`:
    """),
    code("""
    y = (x * x).sum()
    y.backward()
    try:
        y.backward()
    except dk.GradientError as err:
        print("GradientError:", err)
    """),
    md("""
    ## Switching recording off

    Updating weights must not itself be recorded: wrap it in `dk.no_grad()`.
    `dk.inference_mode()` is the stricter version for evaluation: its results can
    never join a graph later.
    """),
    code("""
    w = dk.tensor([0.5, -1.0], requires_grad=True)
    with dk.no_grad():
        z = w * 2
    print("under no_grad: requires_grad =", z.requires_grad)
    with dk.inference_mode():
        z = w * 2
    print("under inference_mode: requires_grad =", z.requires_grad)
    print("outside: requires_grad =", (w * 2).requires_grad)
    """),
    md("""
    ## retain_grad

    Only leaves keep `.grad`. To see the gradient with respect to an intermediate
    result, ask for it before `backward()`.
    """),
    code("""
    x = dk.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    loss = (h ** 2).sum()
    loss.backward()
    print("dloss/dh =", h.grad, "(2h)    dloss/dx =", x.grad, "(2h * 3)")
    """),
    md("""
    ## A custom Function: the lecture's SillyTensor

    A `dk.Function` has a static `forward(ctx, ...)` that computes the result and
    may save tensors with `ctx.save_for_backward`, and a static
    `backward(ctx, grad_output)` that returns one gradient per input. The lecture's
    `SillyTensor` rounds its input down to an integer in the forward pass, and in
    the backward pass adds back what the rounding removed: a made-up rule, to show
    that backward is **whatever you tell it**.
    """),
    code("""
    class SillyTensor(dk.Function):
        @staticmethod
        def forward(ctx, input):
            input_orig = input.clone().double()
            input = input.to("uint8").double()       # truncate to an integer
            diff = input_orig - input
            ctx.save_for_backward(diff)
            return input

        @staticmethod
        def backward(ctx, grad_output):
            (diff,) = ctx.saved_tensors
            return grad_output.clone() + diff

    a = dk.tensor([1.7, 2.2, 3.5], requires_grad=True)
    b = SillyTensor.apply(a)
    print("forward:", b, " grad_fn:", b.grad_fn)
    b.sum().backward()
    print("backward: 1 + what was truncated =", a.grad)
    """),
    md("""
    A real custom op should have a *correct* backward, and `dk.gradcheck` compares it
    with finite differences. Give it float64 inputs: `dk.tensor` makes float32 by
    default, as PyTorch does, and float32 differences are too coarse for a check.
    """),
    code("""
    class Cube(dk.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x ** 2

    print(dk.gradcheck(Cube.apply, (dk.tensor([0.5, -1.5, 2.0], dtype="float64", requires_grad=True),)))
    """),
    md("## Exercises"),
    *exercise(1, "predict the accumulated gradient",
              """
              Make `t = dk.tensor([2.0, -1.0], requires_grad=True)`, then call
              `(t ** 3).sum().backward()` **four** times without zeroing. Store
              `t.grad` as a NumPy array in `accumulated`. Predict it before you run.
              """,
              """
              t = dk.tensor([2.0, -1.0], requires_grad=True)
              for _ in range(4):
                  (t ** 3).sum().backward()
              accumulated = t.grad.numpy()
              accumulated
              """,
              """
              assert np.allclose(accumulated, 4 * 3 * np.array([2.0, -1.0]) ** 2), accumulated
              print("correct!")
              """),
    *exercise(2, "write your own Function",
              """
              Write `Softplus(dk.Function)` computing $\\log(1 + e^x)$ with the backward
              rule $\\sigma(x) = 1/(1 + e^{-x})$ times the incoming gradient. Check it
              with `dk.gradcheck` (on float64 inputs) and store the gradient at `xs = [-2, 0, 3]`
              in `sp_grad`.
              """,
              """
              class Softplus(dk.Function):
                  @staticmethod
                  def forward(ctx, x):
                      ctx.save_for_backward(x)
                      return (1 + x.exp()).log()

                  @staticmethod
                  def backward(ctx, grad_output):
                      (x,) = ctx.saved_tensors
                      return grad_output * x.sigmoid()

              xs_ = dk.tensor([-2.0, 0.0, 3.0], requires_grad=True)
              Softplus.apply(xs_).sum().backward()
              sp_grad = xs_.grad.numpy()
              sp_grad
              """,
              """
              assert dk.gradcheck(Softplus.apply, (dk.tensor([-2.0, 0.0, 3.0], dtype="float64", requires_grad=True),))
              assert np.allclose(sp_grad, 1 / (1 + np.exp(-np.array([-2.0, 0.0, 3.0]))))
              print("correct!")
              """),
    *exercise(3, "no_grad in an update",
              """
              Take one gradient-descent step on $L(w) = \\sum w^2$ from
              $w = (1, -2)$ with learning rate 0.1, updating `w` **in place** inside
              `dk.no_grad()`. `w` must stay a leaf that requires grad.
              """,
              """
              w = dk.tensor([1.0, -2.0], requires_grad=True)
              (w ** 2).sum().backward()
              with dk.no_grad():
                  w -= 0.1 * w.grad
              w.grad = None
              w
              """,
              """
              assert np.allclose(w.detach().numpy(), [0.8, -1.6])
              assert w.is_leaf and w.requires_grad and w.grad is None
              print("correct!")
              """),
]

# --------------------------------------------------------------------------- 07
NB07 = [
    md("""
    # 7. Training

    Training a model is: compute a loss, get its gradient, step the parameters
    downhill, repeat. We do it three times, each time letting the library do more
    of the work, and then look at how the learning rate decides whether it works.

    **Learning goals.** After this notebook you can

    - fit $\\sin x$ with a cubic by hand in NumPy, with hand-derived gradients;
    - replace the hand-derived gradients by autograd tensors, then by `nn` and `optim`;
    - read loss contours and gradient-descent paths to tell a slow, good, oscillating and diverging learning rate apart;
    - train a small multilayer perceptron on 8x8 digits with `nn.fit`.
    """),
    code(SETUP + "from diffkit import data, nn, optim"),
    md("""
    ## 1. By hand, in NumPy

    Model $\\hat y = a + b x + c x^2 + d x^3$, loss $L = \\sum_i (\\hat y_i - y_i)^2$
    on 2000 points of $[-\\pi, \\pi]$. The gradients are
    $\\partial L/\\partial a = \\sum 2(\\hat y - y)$,
    $\\partial L/\\partial b = \\sum 2(\\hat y - y) x$, and so on.
    """),
    code("""
    x, y = data.sin_cubic(2000)
    rng = np.random.default_rng(0)
    start = rng.standard_normal(4)
    learning_rate, steps = 1e-6, 2000

    a, b, c, d = start
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = np.square(y_pred - y).sum()
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a, grad_b = grad_y_pred.sum(), (grad_y_pred * x).sum()
        grad_c, grad_d = (grad_y_pred * x ** 2).sum(), (grad_y_pred * x ** 3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    numpy_coefficients = np.array([a, b, c, d])
    print(f"loss {loss:.3f}: y = {a:.4f} {b:+.4f} x {c:+.4f} x^2 {d:+.4f} x^3")
    """),
    md("""
    ## 2. With tensors

    Same loop, but `loss.backward()` computes the four gradients; we only write the
    update, inside `dk.no_grad()` so it is not recorded, and reset the gradients.
    """),
    code("""
    xt, yt = dk.tensor(x), dk.tensor(y)
    # float64 like the NumPy version (a Python float would give float32, as in PyTorch)
    a, b, c, d = (dk.tensor(s, dtype="float64", requires_grad=True) for s in start)
    for t in range(steps):
        y_pred = a + b * xt + c * xt ** 2 + d * xt ** 3
        loss = (y_pred - yt).pow(2).sum()
        loss.backward()
        with dk.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    tensor_coefficients = np.array([p.item() for p in (a, b, c, d)])
    print("same as by hand:", np.allclose(tensor_coefficients, numpy_coefficients, rtol=1e-9, atol=1e-12))
    """),
    md("""
    ## 3. With nn and optim

    The cubic is a linear layer on the features $(x, x^2, x^3)$. `nn.Linear(3, 1)`
    holds $b, c, d$ as its weight and $a$ as its bias; `optim.SGD` does the update
    and `zero_grad()` the reset.
    """),
    code("""
    features = dk.tensor(np.stack([x, x ** 2, x ** 3], axis=1))
    dk.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    loss_fn = nn.MSELoss(reduction="sum")
    opt = optim.SGD(model.parameters(), lr=learning_rate)
    for t in range(steps):
        loss = loss_fn(model(features), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    layer = model[0]
    print(f"loss {loss.item():.3f}: y = {layer.bias.item():.4f} {layer.weight[0, 0].item():+.4f} x"
          f" {layer.weight[0, 1].item():+.4f} x^2 {layer.weight[0, 2].item():+.4f} x^3")

    with dk.no_grad():
        fitted = model(features).numpy()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(x, y, label="sin x")
    ax.plot(x, fitted, "--", label="cubic fit (nn + optim)")
    ax.legend(); ax.set_xlabel("x")
    plt.show()
    """),
    md("""
    ## The learning-rate study

    The lecture fits $y = w x + b$ to noisy data with gradient descent from
    $(w, b) = (0, 0)$ at several learning rates. The contours are the loss; each
    dot is one step.
    """),
    code("""
    dk.plot.lr_paths()
    """),
    code("""
    xl, yl = data.noisy_linear()
    for path in dk.plot.gd_paths(xl[:, 0], yl[:, 0]):
        print(f"lr = {path.lr:<7g} {path.verdict:<12} final loss {path.losses[-1]:.4g}")
    """),
    md("""
    Too small: the path crawls. Just right: it reaches the minimum. Too large: it
    zig-zags across the valley, and a little larger still it flies off. The
    boundary is $2/\\lambda_{\\max}$, where $\\lambda_{\\max}$ is the largest
    eigenvalue of the loss's Hessian: the curvature of the steepest direction.

    ## A digits MLP

    1797 handwritten-style 8x8 digits, a 64-32-10 network with ReLU, cross-entropy
    and Adam, a few epochs. `nn.fit` runs the usual loop and records a `History`.
    """),
    code("""
    X, labels = data.digits()
    X_train, X_test, y_train, y_test = data.train_test_split((X / 16).astype(np.float32), labels, seed=0)
    train = data.DataLoader(data.TensorDataset(X_train, y_train), batch_size=32, shuffle=True, seed=0)
    test = data.DataLoader(data.TensorDataset(X_test, y_test), batch_size=256)

    dk.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    history = nn.fit(mlp, train, nn.CrossEntropyLoss(), optim.Adam(mlp.parameters(), lr=1e-2), epochs=6,
                     eval_loader=test, metrics={"accuracy": nn.accuracy}, progress=False)
    print(history)
    dk.plot.loss_curve(history)
    """),
    md("## Exercises"),
    *exercise(1, "find the stability limit",
              """
              For the loss $L(w, b) = \\frac1n \\sum (w x_i + b - y_i)^2$ on
              `data.noisy_linear()`, the Hessian is
              $\\frac{2}{n} A^T A$ with $A = [x, 1]$. Compute its largest eigenvalue
              `lam_max` and the largest stable learning rate `lr_limit = 2 / lam_max`.
              """,
              """
              A = np.stack([xl[:, 0], np.ones(len(xl))], axis=1).astype(np.float64)
              hessian = 2 / len(xl) * A.T @ A
              lam_max = np.linalg.eigvalsh(hessian).max()
              lr_limit = 2 / lam_max
              lam_max, lr_limit
              """,
              """
              below, above = dk.plot.gd_paths(xl[:, 0], yl[:, 0], lrs=[0.95 * lr_limit, 1.05 * lr_limit])
              assert below.verdict != "diverging" and above.verdict == "diverging", (below.verdict, above.verdict)
              assert 0.028 < lr_limit < 0.03
              print("correct! lr must stay below", round(lr_limit, 5))
              """),
    *exercise(2, "train your own digit classifier",
              """
              Train a different network on the digits (change the width, the
              activation, the optimizer or the number of epochs) and reach at least 90%
              test accuracy. Store the final test accuracy in `final_accuracy`.
              """,
              """
              dk.manual_seed(1)
              mine = nn.Sequential(nn.Linear(64, 48), nn.Tanh(), nn.Linear(48, 10))
              h = nn.fit(mine, train, nn.CrossEntropyLoss(), optim.SGD(mine.parameters(), lr=0.1, momentum=0.9),
                         epochs=5, eval_loader=test, metrics={"accuracy": nn.accuracy}, progress=False)
              final_accuracy = h["val_accuracy"][-1]
              final_accuracy
              """,
              """
              assert final_accuracy == nn.evaluate(mine, test, metrics={"accuracy": nn.accuracy})["accuracy"]
              assert final_accuracy >= 0.9, final_accuracy
              print("correct!", final_accuracy)
              """),
]

# --------------------------------------------------------------------------- 08
NB08 = [
    md("""
    # 8. Gradient checking

    When you write a backward pass by hand, check it. A gradient check compares
    your analytic gradient with central differences entry by entry; when they
    disagree, the pattern of the disagreement usually tells you the bug.

    **Learning goals.** After this notebook you can

    - write the backward pass of a two-layer ReLU network by hand (the lecture's homework);
    - check it with `dk.check_grad` and read the report;
    - find a planted bug from the report's worst entries and hints, and fix it.
    """),
    code(SETUP),
    md("""
    ## The network and its backward pass

    $h = x w_1$, $h_{relu} = \\max(h, 0)$, $\\hat y = h_{relu} w_2$,
    $L = \\sum (\\hat y - y)^2$. Backward, from the lecture:

    - $\\partial L/\\partial \\hat y = 2(\\hat y - y)$
    - $\\partial L/\\partial w_2 = h_{relu}^T \\, \\partial L/\\partial \\hat y$
    - $\\partial L/\\partial h_{relu} = \\partial L/\\partial \\hat y \\; w_2^T$
    - $\\partial L/\\partial h = \\partial L/\\partial h_{relu} \\odot [h > 0]$
    - $\\partial L/\\partial w_1 = x^T \\, \\partial L/\\partial h$
    """),
    code("""
    rng = np.random.default_rng(0)
    N, D_in, H, D_out = 16, 4, 6, 2
    x = rng.standard_normal((N, D_in))
    y = rng.standard_normal((N, D_out))
    params = {"w1": rng.standard_normal((D_in, H)), "w2": rng.standard_normal((H, D_out))}

    def loss(p):
        h_relu = np.maximum(x @ p["w1"], 0)
        return np.sum((h_relu @ p["w2"] - y) ** 2)

    def backprop(p):
        h = x @ p["w1"]
        h_relu = np.maximum(h, 0)
        y_pred = h_relu @ p["w2"]
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.T @ grad_y_pred
        grad_h_relu = grad_y_pred @ p["w2"].T
        grad_h = grad_h_relu * (h > 0)
        grad_w1 = x.T @ grad_h
        return {"w1": grad_w1, "w2": grad_w2}

    print("loss:", loss(params))
    """),
    md("""
    ## Checking it

    `dk.check_grad(fun, grad, x)` takes plain NumPy functions and a point (an
    array, or a dict of arrays as here). Each entry passes when
    $|a - n| \\le \\text{atol} + \\text{rtol}\\,|n|$.
    """),
    code("""
    report = dk.check_grad(loss, backprop, params)
    report
    """),
    md("""
    As a second opinion, diffkit's own reverse mode on tensors gives the same
    gradient, with no hand-written backward at all:
    """),
    code("""
    w1 = dk.tensor(params["w1"], requires_grad=True)
    w2 = dk.tensor(params["w2"], requires_grad=True)
    ((((dk.tensor(x) @ w1).relu() @ w2) - dk.tensor(y)) ** 2).sum().backward()
    hand = backprop(params)
    print(np.allclose(w1.grad.numpy(), hand["w1"]), np.allclose(w2.grad.numpy(), hand["w2"]))
    """),
    md("""
    ## A planted bug

    A classmate's backward pass is below. It runs and its shapes are right, so
    nothing crashes: only a check can catch it. Look at the report.
    """),
    code("""
    def classmate_backprop(p):
        h = x @ p["w1"]
        h_relu = np.maximum(h, 0)
        y_pred = h_relu @ p["w2"]
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.T @ grad_y_pred
        grad_h_relu = grad_y_pred @ p["w2"].T
        grad_h = grad_h_relu
        grad_w1 = x.T @ grad_h
        return {"w1": grad_w1, "w2": grad_w2}

    bad = dk.check_grad(loss, classmate_backprop, params)
    bad
    """),
    md("""
    The worst entries are all in one variable. Plotting the error of every entry
    shows the pattern: the figure below puts analytic against numeric for both
    weight matrices, and $|a - n|$ for $w_1$.
    """),
    code("""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, marker in (("w2", "o"), ("w1", "x")):
        axes[0].plot(bad.numeric[name].ravel(), bad.analytic[name].ravel(), marker, ls="none", label=name)
    lim = np.abs(axes[0].get_xlim()).max()
    axes[0].plot([-lim, lim], [-lim, lim], "k:", lw=1)
    axes[0].set_xlabel("numeric"); axes[0].set_ylabel("analytic"); axes[0].legend()
    axes[0].set_title("on the diagonal = correct")
    im = axes[1].imshow(np.abs(bad.analytic["w1"] - bad.numeric["w1"]), cmap="magma")
    axes[1].set_title("|analytic - numeric| for w1"); axes[1].set_xlabel("hidden unit"); axes[1].set_ylabel("input")
    fig.colorbar(im, ax=axes[1])
    plt.show()
    """),
    md("""
    The `w2` points lie on the diagonal; the `w1` points scatter, and no constant
    factor explains them (so the report offers no hint). Which step of the backward
    pass feeds `w1`'s gradient but not `w2`'s? That is where to look.
    """),
    md("""
    Hints the report recognises: a missing or extra constant factor (the classic
    forgotten 2), a sign flip, a transposed gradient, a gradient that was never
    filled in. For example, forgetting the 2 in $2(\\hat y - y)$:
    """),
    code("""
    def forgot_the_two(p):
        g = backprop(p)
        return {k: v / 2 for k, v in g.items()}

    print(dk.check_grad(loss, forgot_the_two, params).hints)
    """),
    md("## Exercises"),
    *exercise(1, "locate the bug",
              """
              From the report `bad`, set `buggy_variable` to the name of the weight whose
              gradient is wrong, and `correct_variable` to the one that passes.
              """,
              """
              buggy_variable = bad.worst[0]["variable"]
              correct_variable = "w2"
              buggy_variable, correct_variable
              """,
              """
              assert buggy_variable == "w1" and correct_variable == "w2"
              assert np.allclose(bad.analytic[correct_variable], bad.numeric[correct_variable], rtol=1e-4, atol=1e-6)
              print("correct!")
              """),
    *exercise(2, "fix the classmate's backprop",
              """
              Write `fixed_backprop(p)`, the classmate's function with the bug repaired,
              and check it with `dk.check_grad`. Store the report in `fixed_report`.
              """,
              """
              def fixed_backprop(p):
                  h = x @ p["w1"]
                  h_relu = np.maximum(h, 0)
                  y_pred = h_relu @ p["w2"]
                  grad_y_pred = 2.0 * (y_pred - y)
                  grad_w2 = h_relu.T @ grad_y_pred
                  grad_h_relu = grad_y_pred @ p["w2"].T
                  grad_h = grad_h_relu * (h > 0)      # the ReLU passes gradient only where h > 0
                  grad_w1 = x.T @ grad_h
                  return {"w1": grad_w1, "w2": grad_w2}

              fixed_report = dk.check_grad(loss, fixed_backprop, params)
              fixed_report
              """,
              """
              assert fixed_report.passed, fixed_report
              assert fixed_report.max_rel_error < 1e-6
              print("correct!")
              """),
    *exercise(3, "read a hint",
              """
              Write `sign_bug(p)`, a backward pass that returns the **negative** of the
              gradient (as if you wrote $y - \\hat y$ instead of $\\hat y - y$). Store
              the hints of its check in `sign_hints`.
              """,
              """
              def sign_bug(p):
                  return {k: -v for k, v in backprop(p).items()}

              sign_hints = dk.check_grad(loss, sign_bug, params).hints
              sign_hints
              """,
              """
              assert any("sign flip" in h for h in sign_hints), sign_hints
              print("correct!")
              """),
]

# Notebooks kept in modules of their own import the helpers above from "make_notebooks", even when this is __main__.
sys.modules.setdefault("make_notebooks", sys.modules[__name__])
from nb09_convolution import CELLS as NB09  # noqa: E402

NOTEBOOKS = {
    "01_three_ways.ipynb": NB01,
    "02_step_size.ipynb": NB02,
    "03_expression_swell.ipynb": NB03,
    "04_forward_vs_reverse.ipynb": NB04,
    "05_computational_graphs.ipynb": NB05,
    "06_autograd_tensors.ipynb": NB06,
    "07_training.ipynb": NB07,
    "08_gradient_checking.ipynb": NB08,
    "09_convolution.ipynb": NB09,
}


def build(name: str, cells: list) -> nbformat.NotebookNode:
    """A notebook with stable cell ids, no outputs and the python3 kernel."""
    nb = new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    stem = name.split("_", 1)[0]
    for i, cell in enumerate(cells):
        cell["id"] = f"nb{stem}-{i:02d}"
        if cell["cell_type"] == "code" and cell["source"].startswith("# Check"):
            cell["metadata"]["tags"] = ["check"]
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(name, cells), HERE / name)
        print("wrote", HERE / name)


if __name__ == "__main__":
    main()
