"""Notebook 4. Forward against reverse mode: its cells, for make_notebooks.py."""

from make_notebooks import SETUP, code, exercise, md

CELLS = [
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
              check.close("dfdx2", dfdx2, 2.0 - np.cos(5.0), atol=1e-12,
                          hint="seed x2 (not x1), then take the 'value' of the last record: the tangent of y_1")
              check.passed(f"df/dx2 = {dfdx2:.6g}")
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
              hint = 'a program of four lines, one per output: dk.expr(["g1 = sin(t)", ...]); then .jacobian(G, at=...)'
              check.close("G_fwd's Jacobian", np.ravel(G_fwd.array), expected, rtol=1e-12, hint=hint)
              check.close("G_rev's Jacobian", np.ravel(G_rev.array), expected, rtol=1e-12, hint=hint)
              check.equal("forward passes (G_fwd.ops.evals)", G_fwd.ops.evals, 1, hint="one pass per input")
              check.equal("reverse passes (G_rev.ops.evals)", G_rev.ops.evals, 4, hint="one pass per output")
              fewer = "forward" if G_fwd.ops.primitives < G_rev.ops.primitives else "reverse"
              check.equal("cheaper", cheaper, fewer, hint="compare G_fwd.ops.primitives with G_rev.ops.primitives")
              check.passed(f"forward mode: {G_fwd.ops.primitives} primitives, reverse: {G_rev.ops.primitives}")
              """),
]
