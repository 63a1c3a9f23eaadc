"""Notebook 3. Expression swell: its cells, for make_notebooks.py."""

from make_notebooks import SETUP, code, exercise, md

CELLS = [
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
              sizes_nested, sizes_cse = table.series("d_nested")[1], table.series("d_cse")[1]
              check.close("growth", growth, sizes_nested[-1] / sizes_nested[-2], rtol=1e-9,
                          hint="the last two entries of table.series('d_nested')[1], "
                               "the later one divided by the earlier")
              check.equal("cse_steps", list(cse_steps), [int(d) for d in np.diff(sizes_cse)[2:]],
                          hint="np.diff of the d_cse sizes, from the difference between n = 3 and n = 4 on")
              check.that(2 < growth < 4 and len(set(cse_steps)) == 1,
                         "exponential growth of the tree (x2 to x4 a step), a constant step for the DAG",
                         got=(growth, cse_steps), name="growth, cse_steps")
              check.passed(f"the tree grows x{growth:.2f} per step; the CSE'd DAG by {cse_steps[0]} nodes")
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
              l6_exact = dk.examples.logistic_map(6).to_sympy()
              (x_,) = l6_exact.free_symbols
              reference = float(sp.diff(l6_exact, x_).subs(x_, sp.Rational(3, 10)))
              check.close("exact_value", exact_value, reference, rtol=1e-15,
                          hint="differentiate l6.to_sympy() with sp.diff, substitute x = 3/10 exactly (sp.Rational), "
                               "then convert with float()")
              check.close("ad_value", ad_value, reference, rtol=1e-12,
                          hint='dk.ReverseMode().derivative(l6, at={"x": 0.3}).derivative')
              check.passed(f"dl6/dx(0.3) = {ad_value:.12g}")
              """),
]
