"""Notebook 7. Training: its cells, for make_notebooks.py."""

from make_notebooks import SETUP, code, exercise, md

CELLS = [
    md("""
    # 7. Training

    Training a model is: compute a loss, get its gradient, step the parameters
    downhill, repeat. We do it three times, each time letting the library do more
    of the work, and then look at how the learning rate decides whether it works.

    **Learning goals.** After this notebook you can

    - fit $\\sin x$ with a cubic by hand in NumPy, with hand-derived gradients;
    - replace the hand-derived gradients by autograd tensors, then by `nn` and `optim`;
    - fit the same cubic in a few L-BFGS iterations, with a line search instead of a learning rate;
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
    ## 4. L-BFGS: curvature instead of a learning rate

    Gradient descent needed 2000 steps at a learning rate small enough for the
    steepest direction. `optim.LBFGS` builds an estimate of the inverse Hessian
    from its last steps and searches along its direction for a point that
    decreases the loss enough (the strong Wolfe conditions), so no learning rate
    needs tuning. It evaluates the loss when it wants to: you hand it a `closure`
    that recomputes the loss and its gradient. The least-squares cubic
    (`np.polyfit`) is the exact answer.
    """),
    code("""
    dk.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1)).double()
    lbfgs = optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        loss = loss_fn(model(features), yt)
        loss.backward()
        return loss

    for step in range(3):
        lbfgs.step(closure)
    state = lbfgs.state[model[0].weight]
    layer = model[0]
    found = np.array([layer.bias.item(), *layer.weight.numpy()[0]])
    print(f"{state['n_iter']} iterations, {state['func_evals']} loss evaluations, loss {closure().item():.3f}")
    print("the least-squares cubic:", np.allclose(found, np.polyfit(x, y, 3)[::-1], atol=1e-6))
    """),
    md("""
    ## The learning-rate study

    We fit $y = w x + b$ to noisy data (`data.noisy_linear()`: $y = 3x$ plus noise) with
    100 steps of gradient descent from $(w, b) = (0, 0)$ at several learning rates. The
    contours are the loss; each dot is one step; each title says what the run measurably did.
    """),
    code("""
    dk.plot.lr_paths()
    """),
    code("""
    xl, yl = data.noisy_linear()
    for path in dk.plot.gd_paths(xl[:, 0], yl[:, 0]):
        print(f"lr = {path.lr:<7g} final loss {path.losses[-1]:<8.4g} {path.outcome}")
    """),
    md("""
    Too small: after 100 steps the path is still short of the optimum (the valley's floor is
    almost flat along $b$, so that last stretch is slow). Just right: it reaches the minimum.
    Too large: it zig-zags across the valley, and a little larger still it flies off. The
    boundary is $2/\\lambda_{\\max}$, where $\\lambda_{\\max}$ is the largest
    eigenvalue of the loss's Hessian: the curvature of the steepest direction.

    **Try it.** Move the learning rate (and the number of steps) and watch the path and the loss.
    Where does it start to oscillate? Where does it diverge? (Without ipywidgets this shows one
    run; `pip install "diffkit[notebooks]"` brings the sliders.)
    """),
    code("""
    dk.widgets.learning_rate(lr=0.005, steps=100)
    """),
    md("""

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
    dk.plot.loss_curve(history, loss="cross-entropy")
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
              X1 = np.stack([xl[:, 0], np.ones(len(xl))], axis=1).astype(np.float64)
              reference = np.linalg.eigvalsh(2 / len(xl) * X1.T @ X1).max()
              check.close("lam_max", lam_max, reference, rtol=1e-6,
                          hint="build A with np.stack([x, ones], axis=1) from xl, then np.linalg.eigvalsh(H).max()")
              check.close("lr_limit", lr_limit, 2 / reference, rtol=1e-6, hint="2 / lam_max")
              below, above = dk.plot.gd_paths(xl[:, 0], yl[:, 0], lrs=[0.95 * lr_limit, 1.05 * lr_limit])
              check.that(below.verdict != "diverging" and above.verdict == "diverging",
                         "gradient descent converging 5% below lr_limit and diverging 5% above it",
                         got=(below.verdict, above.verdict), name="lr_limit")
              check.passed(f"the learning rate must stay below {lr_limit:.5f}")
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
              measured = nn.evaluate(mine, test, metrics={"accuracy": nn.accuracy})["accuracy"]
              check.close("final_accuracy", final_accuracy, measured, rtol=1e-9,
                          hint="the last entry of your History's val_accuracy (fit with eval_loader=test), "
                               "for the network you store in `mine`")
              check.that(final_accuracy >= 0.9, "at least 90% test accuracy", got=final_accuracy, name="final_accuracy",
                         hint="more epochs, a wider hidden layer, or Adam with lr=1e-2 usually get there")
              check.passed(f"{final_accuracy:.1%} of the test digits right")
              """),
]
