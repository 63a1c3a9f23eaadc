"""Notebook 2. Choosing the step size h: its cells, for make_notebooks.py."""

from make_notebooks import SETUP, code, exercise, md

CELLS = [
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
    **Move $h$ yourself.** The slider below walks the same sweep one step at a time: the black line is
    your $h$, the circles are each scheme's error there, and the text under the figure splits the model's
    error into its truncation and rounding parts. Find the step where they are equal, and compare it
    with the star. (Without ipywidgets you get the figure for $h = 10^{-4}$;
    `pip install "diffkit[notebooks]"` brings the slider.)
    """),
    code("""
    dk.widgets.step_size(f, at=at, wrt="x1", schemes=["forward", "central"], h=1e-4)
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
              check.close("my_h_star", my_h_star, predicted, rtol=1e-6,
                          hint="E'(h) = h/3 - eps/h^2; set it to 0, solve for h, "
                               "and use eps = np.finfo(np.float64).eps")
              check.passed(f"h* = {my_h_star:.3g}")
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
              best, predicted = sweep.best()["forward", "float32"].h, sweep.theory()["forward", "float32"].h
              check.close("ratio", ratio, best / predicted, rtol=1e-9,
                          hint='the empirical step is sweep.best()["forward", "float32"].h, the predicted one is '
                               'sweep.theory()["forward", "float32"].h: divide the first by the second')
              check.that(0.1 < ratio < 10, "the model predicts the best step within a decade", got=ratio, name="ratio")
              check.passed(f"ratio = {ratio:.3g}: the model is right to within a factor of {max(ratio, 1 / ratio):.2g}")
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
              check.close("slope4", slope4, 4, atol=0.5,
                          hint='sweep.slopes()["central-4", "float64"] has a .truncation and a .rounding slope')
              check.passed(f"measured slope {slope4:.2f}")
              """),
]
