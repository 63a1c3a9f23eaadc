"""Notebook 1. Three ways to differentiate: its cells, for make_notebooks.py."""

from make_notebooks import SETUP, code, exercise, md

CELLS = [
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
    - say where each method fails, and recognise the failure when you see it;
    - differentiate a function of a matrix, $\\ln\\lvert\\det A\\rvert$, all three ways.
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
    md("""
    ## Beyond one number: a matrix derivative three ways

    The same three methods work when the variable is a matrix. A classic result
    of matrix calculus (Giles, *Collected matrix derivative results*) is

    $$\\frac{\\partial}{\\partial A} \\ln\\lvert\\det A\\rvert = A^{-T}.$$

    Symbolically, SymPy expands the determinant of a matrix of nine symbols and
    differentiates the formula; numerically, central differences perturb one
    entry at a time (18 evaluations); automatically, reverse mode runs one
    backward pass through `dk.linalg.slogdet`, whose rule *is* this formula.
    """),
    code("""
    import sympy as sp

    A = np.array([[4.0, 1.0, 0.5], [2.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
    exact = np.linalg.inv(A).T

    S = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"a{i}{j}"))
    logdet = dk.expr(sp.log(S.det()))                     # an Expr in a00 ... a22
    grad = dk.Symbolic().gradient(logdet, at={f"a{i}{j}": A[i, j] for i in range(3) for j in range(3)}).gradient
    symbolic = np.array([[grad[f"a{i}{j}"] for j in range(3)] for i in range(3)])
    numeric = dk.numeric.gradient(lambda a: np.linalg.slogdet(a)[1], A)
    automatic = dk.ad.grad(lambda a: dk.linalg.slogdet(a).logabsdet)(A)

    for name, g in [("symbolic", symbolic), ("central differences", numeric), ("reverse mode", automatic)]:
        print(f"{name:20s} max |error| against A^-T: {np.abs(g - exact).max():.1e}")
    """),
    md("""
    Symbolic and AD agree with $A^{-T}$ to rounding; finite differences lose
    about five digits, as always. For an $n \\times n$ matrix the symbolic
    determinant has $n!$ terms, while the AD rule costs one matrix inverse:
    expression swell again, in matrix form.
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
              check.close('answer1["x"]', answer1["x"], 1.0, atol=1e-12, hint="d/dx of x e^y is e^y, and e^0 = 1")
              check.close('answer1["y"]', answer1["y"], 1.0, atol=1e-12,
                          hint="d/dy of x e^y + y^2 is x e^y + 2y, which is 1 at (1, 0)")
              central = g_table.errors("central")[0]
              check.that(central < 1e-8, "central differences within 1e-8 of the symbolic gradient", got=central,
                         name="g_table", hint='compare with methods=["symbolic", "central", "reverse"]')
              check.passed()
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
              check.equal("most_evals", most_evals, max(evals, key=evals.get),
                          hint="read the f evals column; a method's label is the first column")
              exact_once = [label for label in evals if evals[label] == 1 and table.errors(label)[0] == 0.0]
              check.that(cheapest_exact in exact_once, f"one of {exact_once}", got=cheapest_exact,
                         name="cheapest_exact",
                         hint="look for abs error 0 and f evals 1 in the same row")
              check.passed(f"{most_evals} used {evals[most_evals]} evaluations of f")
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
              check.close("reverse mode's derivative of fixed at x = 0", d0, 0.0,
                          hint="sqrt(x^2) is |x|: write it with a function whose derivative at 0 is defined as 0")
              check.close("reverse mode's derivative of fixed at x = -2", d1, -1.0)
              check.close("fixed at x = -3", float(dk.expr(fixed)(x=-3.0)), 3.0,
                          hint="it must stay the same function as sqrt(x^2)")
              check.passed()
              """),
]
