"""Notebook 8. Gradient checking: its cells, for make_notebooks.py."""

from make_notebooks import SETUP, code, exercise, md

#: The body of the classmate's backward pass, with its planted bug: shown once, then the stub to repair.
CLASSMATE = """\
    h = x @ p["w1"]
    h_relu = np.maximum(h, 0)
    y_pred = h_relu @ p["w2"]
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.T @ grad_y_pred
    grad_h_relu = grad_y_pred @ p["w2"].T
    grad_h = grad_h_relu
    grad_w1 = x.T @ grad_h
    return {"w1": grad_w1, "w2": grad_w2}
"""

CELLS = [
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
    code("def classmate_backprop(p):\n" + CLASSMATE
         + "\nbad = dk.check_grad(loss, classmate_backprop, params)\nbad"),
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
              agree = {v: np.allclose(bad.analytic[v], bad.numeric[v], rtol=1e-4, atol=1e-6) for v in bad.analytic}
              check.equal("buggy_variable", buggy_variable, next(v for v, ok in agree.items() if not ok),
                          hint="the report's worst entries (bad.worst) each name their variable")
              check.equal("correct_variable", correct_variable, next(v for v, ok in agree.items() if ok),
                          hint="the other weight: its analytic and numeric gradients agree")
              check.passed()
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
              report = dk.check_grad(loss, fixed_backprop, params)
              wrong = sorted({entry["variable"] for entry in report.worst}) if not report.passed else []
              check.that(report.passed and report.max_rel_error < 1e-6,
                         "fixed_backprop's gradients to agree with central differences in every entry",
                         got=f"max relative error {report.max_rel_error:.2g}, worst entries in {wrong}",
                         name="fixed_backprop",
                         hint="which step of the backward pass feeds w1's gradient but not w2's? "
                              "Compare it with the same step in backprop above")
              check.that(fixed_report.passed, "fixed_report: the report of dk.check_grad on fixed_backprop, passed",
                         got=fixed_report, name="fixed_report")
              check.passed(f"max relative error {report.max_rel_error:.1g}")
              """,
              stub="def fixed_backprop(p):  # the classmate's code: find the bug and repair it\n" + CLASSMATE
                   + "\nfixed_report = ..."),
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
              check.that(isinstance(sign_hints, list) and any("sign flip" in h for h in sign_hints),
                         "the report's hints (a list of str), one of them naming a sign flip", got=sign_hints,
                         name="sign_hints",
                         hint="sign_bug negates every array backprop(p) returns; check it with dk.check_grad "
                              "and take .hints of the report")
              check.passed(sign_hints[0])
              """),
]
