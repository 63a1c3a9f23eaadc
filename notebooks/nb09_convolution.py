"""Notebook 09, convolution: its cells, made with ``make_notebooks``' helpers (that script writes the .ipynb)."""

from make_notebooks import SETUP, code, exercise, md

CELLS = [
    md("""
    # 9. Convolution

    A convolution layer slides one small kernel over the whole image: the same
    few weights, used at every position. We derive what backpropagation does
    with it, check the derivation three ways, and train a small convolutional
    network on real handwritten digits.

    **Learning goals.** After this notebook you can

    - compute a convolution layer's output by hand, and its shape for any padding, stride and dilation;
    - derive its backward pass: the kernel's gradient is a correlation of the input with the output's gradient,
      and the input's gradient is a correlation of the output's gradient with the **flipped kernel**, so
      *the backward pass of a convolution is a convolution*;
    - check a derivation symbolically (SymPy), numerically (`dk.gradcheck`) and against a peer (PyTorch);
    - train a CNN with batch norm on the UCI digits to over 97% test accuracy, and read its learned filters.
    """),
    code(SETUP + "import time\nfrom diffkit import data, nn, optim\nfrom diffkit.nn import functional as F"),
    md("""
    ## 1. What a convolution layer computes

    With an input $x$ of size $H \\times W$ and a kernel $w$ of size $k \\times k$,
    PyTorch's (and diffkit's) `conv2d` computes the **cross-correlation**

    $$y_{ij} = \\sum_{a=0}^{k-1} \\sum_{b=0}^{k-1} w_{ab}\\, x_{i+a,\\, j+b},
    \\qquad 0 \\le i \\le H - k,\\ 0 \\le j \\le W - k.$$

    (Mathematicians' convolution flips the kernel first; for learned kernels the
    difference is only which way round the numbers are stored.) With channels, each
    output channel sums such correlations over the input channels, plus a bias.
    Below, a kernel that responds to vertical edges, computed by `F.conv2d` and by
    the double sum written out.
    """),
    code("""
    x = np.zeros((6, 6)); x[:, 3:] = 1.0                  # dark left half, bright right half
    w = np.array([[-1.0, 1.0], [-1.0, 1.0]])              # "right minus left"
    y = F.conv2d(x[None, None], w[None, None])[0, 0]     # (N, C, H, W) in, (N, O, H', W') out

    by_hand = np.array([[sum(w[a, b] * x[i + a, j + b] for a in range(2) for b in range(2))
                         for j in range(5)] for i in range(5)])
    print(y)
    print("same as the double sum:", np.allclose(y, by_hand))
    """),
    md("""
    The output is $(H - k + 1) \\times (W - k + 1)$. Padding adds zeros around the
    input, a stride skips positions, a dilation spreads the kernel's taps apart;
    along each axis the output size is

    $$\\left\\lfloor \\frac{n + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1 .$$
    """),
    md("""
    ## 2. The backward pass, derived

    Let $L$ be any scalar computed from $y$ and write $g_{ij} = \\partial L / \\partial y_{ij}$.
    Each $y_{ij}$ depends on $w_{ab}$ through one term, so by the chain rule

    $$\\frac{\\partial L}{\\partial w_{ab}} = \\sum_{i,j} g_{ij}\\, x_{i+a,\\, j+b}
    \\qquad\\text{: the correlation of } x \\text{ with } g .$$

    An input pixel $x_{pq}$ appears in every output $y_{ij}$ whose window covers it,
    i.e. with $a = p - i$, $b = q - j$ inside the kernel:

    $$\\frac{\\partial L}{\\partial x_{pq}} = \\sum_{i,j} g_{ij}\\, w_{p-i,\\, q-j}
    = \\sum_{a,b} \\tilde g_{p+a,\\, q+b}\\, \\bar w_{ab},
    \\qquad \\bar w_{ab} = w_{k-1-a,\\, k-1-b},$$

    where $\\tilde g$ is $g$ padded with $k - 1$ zeros on every side: the **full
    correlation of the output's gradient with the flipped kernel**. Both gradients
    are convolutions again, which is why diffkit's ops table writes the rules of
    `conv` with `conv` itself (and its two partners, `conv_transpose` and
    `conv_weight`), so that second derivatives come for free.
    """),
    md("""
    ### Check 1: symbolically, on a 3x3 input and a 2x2 kernel

    SymPy differentiates $L = \\sum_{ij} g_{ij} y_{ij}$ with every entry a symbol, and we
    compare with the two formulas.
    """),
    code("""
    import sympy as sp

    X = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"x{i}{j}"))
    Wk = sp.Matrix(2, 2, lambda a, b: sp.Symbol(f"w{a}{b}"))
    G = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"g{i}{j}"))

    def correlate(A, K):
        n, k = A.shape[0], K.shape[0]
        return sp.Matrix(n - k + 1, n - k + 1, lambda i, j: sum(K[a, b] * A[i + a, j + b]
                                                                for a in range(k) for b in range(k)))

    Y = correlate(X, Wk)
    L = sum(G[i, j] * Y[i, j] for i in range(2) for j in range(2))

    dL_dw = Wk.applyfunc(lambda s: sp.diff(L, s))
    dL_dx = X.applyfunc(lambda s: sp.diff(L, s))
    G_padded = sp.diag(sp.zeros(1), G, sp.zeros(1))      # g with k - 1 = 1 zero on every side
    W_flipped = sp.Matrix(2, 2, lambda a, b: Wk[1 - a, 1 - b])

    print("dL/dw == correlate(x, g):            ", sp.expand(dL_dw - correlate(X, G)) == sp.zeros(2, 2))
    print("dL/dx == correlate(pad(g), flip(w)): ", sp.expand(dL_dx - correlate(G_padded, W_flipped)) == sp.zeros(3, 3))
    dL_dx[1, 1]
    """),
    md("""
    ### Check 2: numerically, `dk.gradcheck`

    `gradcheck` compares the reverse-mode gradient of a function of tensors with
    central differences, entry by entry (float64, so that rounding stays far
    below the tolerance). Here a full layer: 3 input channels, 4 output channels,
    padding, stride 2, a bias.
    """),
    code("""
    rng = np.random.default_rng(0)
    xt = dk.tensor(rng.standard_normal((2, 3, 7, 7)), requires_grad=True)
    wt = dk.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    bt = dk.tensor(rng.standard_normal(4), requires_grad=True)
    print("gradcheck:", dk.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), (xt, wt, bt)))

    # and the derivation itself: the input's gradient is the padded gradient correlated with the flipped kernel
    x1 = dk.tensor(rng.standard_normal((1, 1, 5, 5)), requires_grad=True)
    w1 = rng.standard_normal((1, 1, 3, 3))
    g1 = rng.standard_normal((1, 1, 3, 3))
    F.conv2d(x1, w1).backward(dk.tensor(g1))
    formula = F.conv2d(np.pad(g1, ((0, 0), (0, 0), (2, 2), (2, 2))), w1[:, :, ::-1, ::-1])
    print("input gradient == full correlation with the flipped kernel:", np.allclose(x1.grad.numpy(), formula))
    """),
    md("""
    ### Check 3: against PyTorch

    Same numbers into `torch.nn.functional.conv2d`, same output gradient, and the
    three gradients compared (skipped where PyTorch is not installed).
    """),
    code("""
    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: check 3 skipped")
    if torch is not None:
        xt.grad = wt.grad = bt.grad = None
        out = F.conv2d(xt, wt, bt, stride=2, padding=1)
        g = rng.standard_normal(out.shape)
        out.backward(dk.tensor(g))
        tx, tw, tb = (torch.tensor(a.numpy(), requires_grad=True) for a in (xt, wt, bt))
        torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=1).backward(torch.tensor(g))
        for name, ours, theirs in (("x", xt, tx), ("w", wt, tw), ("b", bt, tb)):
            print(f"d/d{name}: largest difference {np.abs(ours.grad.numpy() - theirs.grad.numpy()).max():.1e}")
    """),
    md("""
    ## 3. A convolutional network on the real digits

    `dk.data.load_digits()` reads the UCI handwritten digits (1797 images of 8x8
    pixels, values 0..16) from scikit-learn's bundled copy; without scikit-learn it
    falls back to synthetic digits and says so (`digits.source`).
    """),
    code("""
    digits = data.load_digits()
    print("source:", digits.source, "| images:", digits.images.shape)
    fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
    for ax, image, label in zip(axes, digits.images, digits.target):
        ax.imshow(image, cmap="gray_r"); ax.set_title(int(label)); ax.axis("off")
    plt.show()
    """),
    md("""
    The network: two 3x3 convolutions (16 and 32 channels), each followed by batch
    norm, ReLU and 2x2 max pooling, then a linear layer on the 32 x 2 x 2 features.
    Batch norm standardises each channel over the batch while training and keeps
    running averages for evaluation: `model.eval()` switches to them. (It also
    subtracts each channel's mean, so a bias in the convolution before it would
    cancel out: `bias=False`.)
    """),
    code("""
    X = (digits.images / 16.0).astype(np.float32)[:, None]          # (N, 1, 8, 8), pixels in [0, 1]
    X_train, X_test, y_train, y_test = data.train_test_split(X, digits.target, test_size=0.25, seed=0)

    dk.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10),
    )
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    train = data.DataLoader(data.TensorDataset(X_train, y_train), batch_size=64, shuffle=True, seed=0)
    test = data.DataLoader(data.TensorDataset(X_test, y_test), batch_size=512)

    start = time.perf_counter()
    history = nn.fit(model, train, nn.CrossEntropyLoss(), opt, epochs=6, eval_loader=test,
                     metrics={"accuracy": nn.accuracy}, progress=False)
    seconds = time.perf_counter() - start
    accuracy = history["val_accuracy"][-1]
    print(model)
    print(f"test accuracy {accuracy:.3f} after {seconds:.1f} s")
    assert accuracy >= 0.97
    dk.plot.loss_curve({"train": history["loss"], "test": history["val_loss"]})
    """),
    md("""
    ### What the first layer learned

    Each of the 16 first-layer kernels is a 3x3 pattern the network looks for
    everywhere in the image; many end up as small edge and stroke detectors. Below
    them, what each kernel's channel makes of one test digit (after batch norm and
    ReLU: bright where the pattern is found).
    """),
    code("""
    kernels = model[0].weight.numpy()[:, 0]
    fig, axes = plt.subplots(2, 16, figsize=(14, 2.2))
    with dk.no_grad():
        maps = model[2](model[1](model[0](X_test[:1]))).numpy()[0]
    for k in range(16):
        axes[0, k].imshow(kernels[k], cmap="RdBu_r", vmin=-abs(kernels).max(), vmax=abs(kernels).max())
        axes[1, k].imshow(maps[k], cmap="gray_r")
        axes[0, k].axis("off"); axes[1, k].axis("off")
    axes[0, 0].set_title("kernels", loc="left"); axes[1, 0].set_title(f"maps of a {y_test[0]}", loc="left")
    plt.show()
    """),
    code("""
    # Data for exercises 1 and 2: one image, one kernel and an output gradient each
    xe = rng.standard_normal((5, 5))
    we = dk.tensor(rng.standard_normal((1, 1, 3, 3)), requires_grad=True)
    ge = rng.standard_normal((3, 3))
    F.conv2d(xe[None, None], we).backward(dk.tensor(ge[None, None]))      # we.grad: the reference

    xs = dk.tensor(rng.standard_normal((1, 1, 7, 7)), requires_grad=True)
    ws = rng.standard_normal((3, 3))
    gs = rng.standard_normal((3, 3))
    F.conv2d(xs, ws[None, None], stride=2).backward(dk.tensor(gs[None, None]))   # xs.grad: the reference
    """),
    *exercise(1, "the kernel's gradient is a correlation",
              """
              For the image `xe` (5x5) and kernel `we` (3x3) of the cell above, the kernel's
              gradient `we.grad` came from backpropagating `ge` through `F.conv2d`. Compute
              it again from the formula of section 2, the correlation of the input with `ge`,
              using `F.conv2d` (which array plays the kernel?), and store it in
              `weight_grad` as a 3x3 array.
              """,
              """
              weight_grad = np.asarray(F.conv2d(xe[None, None], ge[None, None]))[0, 0]
              """,
              """
              check.equal("weight_grad.shape", np.shape(weight_grad), (3, 3),
                          hint="index the (1, 1, 3, 3) result of F.conv2d with [0, 0]")
              check.close("weight_grad", weight_grad, we.grad.numpy()[0, 0], rtol=1e-10, atol=1e-12,
                          hint="the input xe is the image and the output gradient ge is the kernel")
              check.passed("the kernel's gradient is the correlation of the input with the output gradient")
              """),
    *exercise(2, "the backward pass of a strided convolution",
              """
              With stride 2 the output skips every other position. Its input gradient is
              still a full correlation with the flipped kernel, of the output gradient
              **dilated**: put `gs` into a zero array at every second position first.
              Build that in NumPy for `xs` (7x7), `ws` (3x3) and `gs` of the cell above
              (stride 2), and store the 7x7 result in `input_grad`.
              """,
              """
              dilated = np.zeros((5, 5)); dilated[::2, ::2] = gs
              padded = np.pad(dilated, 2)
              input_grad = np.array([[np.sum(padded[i:i + 3, j:j + 3] * ws[::-1, ::-1]) for j in range(7)]
                                     for i in range(7)])
              """,
              """
              check.equal("input_grad.shape", np.shape(input_grad), (7, 7),
                          hint="dilate gs to 5x5, pad it by k - 1 = 2 on each side, then slide the flipped kernel")
              check.close("input_grad", input_grad, xs.grad.numpy()[0, 0], rtol=1e-10, atol=1e-12,
                          hint="flip ws in both axes (ws[::-1, ::-1]) and put gs at every second position")
              check.passed("a strided convolution's input gradient is a full correlation of the dilated gradient")
              """,
              stub="input_grad = ..."),
    *exercise(3, "output sizes",
              """
              Write `out_size(n, k, s=1, p=0, d=1)`, the length of a convolution's output
              along an axis of length `n` (the formula of section 1). The check compares
              it with `F.conv1d` on many combinations.
              """,
              """
              def out_size(n, k, s=1, p=0, d=1):
                  return (n + 2 * p - d * (k - 1) - 1) // s + 1
              """,
              """
              cases = [(8, 3, 1, 1, 1), (28, 5, 1, 0, 1), (9, 3, 2, 1, 1), (10, 3, 3, 2, 2), (7, 2, 2, 0, 3)]
              for n, k, s, p, d in cases:
                  got = F.conv1d(np.ones((1, 1, n)), np.ones((1, 1, k)), stride=s, padding=p, dilation=d).shape[-1]
                  check.equal(f"out_size({n}, {k}, s={s}, p={p}, d={d})", out_size(n, k, s, p, d), got,
                              hint="(n + 2p - d(k - 1) - 1) // s + 1: the dilated kernel spans d(k - 1) + 1 entries")
              check.passed("your formula matches F.conv1d on every case")
              """),
]
