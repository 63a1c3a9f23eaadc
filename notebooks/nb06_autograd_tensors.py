"""Notebook 6. Autograd with tensors: its cells, for make_notebooks.py."""

from make_notebooks import SETUP, code, exercise, md

CELLS = [
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
              check.close("accumulated", accumulated, 4 * 3 * np.array([2.0, -1.0]) ** 2, rtol=1e-6,
                          hint="one backward() adds d/dt sum(t^3) = 3t^2 to t.grad; you called it four times")
              check.passed(f"t.grad = {accumulated}")
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
              check.succeeds(lambda: dk.gradcheck(Softplus.apply, (dk.tensor([-2.0, 0.0, 3.0], dtype="float64",
                                                                             requires_grad=True),)),
                             "Softplus's backward to agree with finite differences (dk.gradcheck)", name="Softplus",
                             hint="forward returns log(1 + e^x); backward returns grad_output * sigmoid(x), "
                                  "with x from ctx.saved_tensors")
              check.close("sp_grad", sp_grad, 1 / (1 + np.exp(-np.array([-2.0, 0.0, 3.0]))), rtol=1e-5,
                          hint="apply Softplus to the tensor [-2, 0, 3], sum, backward(), and read its .grad")
              check.passed()
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
              check.close("w after one step", w.detach().numpy(), [0.8, -1.6], rtol=1e-6,
                          hint="the gradient of sum(w^2) is 2w: w - 0.1 * 2w")
              check.that(w.is_leaf and w.requires_grad, "w still a leaf tensor that requires grad",
                         got=f"is_leaf={w.is_leaf}, requires_grad={w.requires_grad}", name="w",
                         hint="update in place (w -= ...) inside dk.no_grad(); w = w - ... would make a new tensor")
              check.that(w.grad is None, "w.grad reset to None after the step", got=w.grad, name="w.grad",
                         hint="set w.grad = None, as an optimizer's zero_grad() does")
              check.passed()
              """),
]
